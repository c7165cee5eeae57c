"""Build the case: render case/case.md.j2 with case/data, convert it to HTML, append the exhibits,
and write one self-contained page (default <root>/case/build/case.html)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2
import markdown

from autograder.casebook import exhibits as ex
from autograder.casebook import formats as fmt
from autograder.casebook.sources import Endnotes
from autograder.data import AS_OF, DataError, load, params
from autograder.key import build_vs_buy as kb
from autograder.paths import course_root, data_dir

TEMPLATE = "case.md.j2"
PAGE_TEMPLATES = Path(__file__).parent / "templates"


def _amounts(text: object) -> list[str]:
    """Every quantity in a sourced text cell, spelled out as `amount` spells the first one
    ('405B model, 30.84M GPU-hours' -> ['405 billion', '30.84 million']), so the narrative can
    quote a cell's second or third figure without retyping it. An index past the end fails the
    build (StrictUndefined)."""
    return [fmt.amount(m.group()) for m in fmt._AMOUNT.finditer(str(text))]


FILTERS = {
    "usd_b": fmt.usd_b,
    "usd": fmt.usd,
    "pct": fmt.pct,
    "int_commas": fmt.int_commas,
    "num": fmt.trim,
    "longdate": fmt.longdate,
    "month_year": fmt.month_year,
    "amount": fmt.amount,
    "amounts": _amounts,
}


def _records(table, key: str, name: str) -> dict[Any, dict]:
    """Rows of `name`.csv keyed by one column; a duplicate key would make a placeholder
    ambiguous, so refuse it."""
    rows = table.to_dict("records")
    keys = [row[key] for row in rows]
    duplicates = sorted({str(k) for k in keys if keys.count(k) > 1})
    if duplicates:
        raise DataError(f"{name}.csv: duplicate {key!r} value(s) {duplicates}; the case needs one row each")
    return dict(zip(keys, rows))


def case_context(data: Path, notes: Endnotes | None = None) -> dict[str, Any]:
    """Everything the narrative template may quote, read from `data` (a case/data folder, whose
    rows all date from on or before the as-of date). Template placeholders index these by
    names, never by typed numbers; `cite(id, ...)` numbers a source as an endnote."""
    notes = notes or Endnotes.read(data)
    fin = load("meta_financials", data)
    fin["year"] = fin["year"].astype(int)
    capex = load("meta_capex", data)
    labs = load("closed_lab_economics", data)
    parallels = load("platform_parallels", data)
    parallels["year"] = parallels["year"].astype(int)
    options, futures, baseline, _ = ex.scenario_tables(data)  # validated: probabilities sum to 1

    lab_figures: dict[str, dict[str, dict[str, dict]]] = {}
    for row in labs.to_dict("records"):
        lab_figures.setdefault(row["company"], {}).setdefault(row["metric"], {})[row["period"]] = row
    guidance: dict[str, list[dict]] = {}
    for row in capex[capex["kind"] == "guidance"].sort_values("announced").to_dict("records"):
        guidance.setdefault(row["period"], []).append(row)
    selfhost = params("selfhost", data)

    return {
        "as_of": AS_OF,
        "cite": notes.cite,
        "fin": _records(fin, "year", "meta_financials"),
        "capex_actual": _records(capex[capex["kind"] == "actual"], "period", "meta_capex"),
        "capex_guidance": guidance,
        "timeline": _records(load("llama_timeline", data), "event", "llama_timeline"),
        "license": _records(load("llama_license", data), "clause", "llama_license"),
        "labs": lab_figures,
        "prices": _records(load("model_prices", data), "model", "model_prices"),
        "vtdf_weights": _records(load("vtdf_weights", data), "layer", "vtdf_weights"),
        "rubric": _records(load("vtdf_rubric", data), "score", "vtdf_rubric"),
        "bvb": params("build_vs_buy", data),
        "selfhost": selfhost,
        "selfhost_rows": _records(load("selfhost", data), "parameter", "selfhost"),
        # All tokens per second of one replica, derived from the benchmark row (Exhibit 7).
        "tokens_per_s": kb.tokens_per_second(selfhost),
        "futures": futures.to_dict("index"),
        "options": options.drop(index=baseline).to_dict("index"),
        "baseline": baseline,
        "baseline_row": options.loc[baseline].to_dict(),
        "scen_params": params("scenario_params", data),
        "parallels": _records(parallels, "platform", "platform_parallels"),
    }


def _environment(loader: jinja2.BaseLoader) -> jinja2.Environment:
    # StrictUndefined: a placeholder naming a missing row or column fails the build.
    env = jinja2.Environment(
        loader=loader, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, autoescape=False,
    )
    env.filters.update(FILTERS)
    return env


def render_case_text(root: Path | None = None, data: Path | None = None,
                     notes: Endnotes | None = None) -> str:
    """The case narrative as Markdown, every figure filled from `data` (default <root>/case/data)."""
    root = root or course_root()
    data = data or data_dir(root)
    template_path = root / "case" / TEMPLATE
    if not template_path.is_file():
        raise FileNotFoundError(f"{template_path}: case template not found")
    env = _environment(jinja2.FileSystemLoader(str(template_path.parent)))
    context = case_context(data, notes)  # data errors name their CSV file
    try:
        return env.get_template(TEMPLATE).render(**context)
    except jinja2.UndefinedError as exc:
        raise DataError(f"{template_path}: placeholder has no value in {data} ({exc.message})") from exc
    except DataError as exc:  # from a filter, e.g. no figure in a text cell
        raise DataError(f"{template_path}: {exc} (data in {data})") from exc


def narrative_html(text: str) -> str:
    return markdown.markdown(text, extensions=["tables", "footnotes", "sane_lists"], output_format="html")


_MARKUP = re.compile(r"<[^>]+>|\{[#%].*?[#%]\}|^\s*\[\^[^\]]+\]:|\[\^[^\]]+\]|[#*_>|`]", re.M | re.S)
_WORD = re.compile(r"[A-Za-z0-9$]+(?:['’.,\-][A-Za-z0-9]+)*")


def word_count(text: str) -> int:
    """Words in rendered Markdown, ignoring markup and footnote markers."""
    return len(_WORD.findall(_MARKUP.sub(" ", text)))


def title_of(text: str) -> str:
    match = re.search(r"^#\s+(.+)$", text, re.M)
    return match.group(1).strip() if match else "Case"


def case_parts(root: Path | None = None, data: Path | None = None, dpi: int | None = None) -> dict[str, str]:
    """The pieces every rendering of the case shares, as HTML: the title, the narrative, the
    exhibits (figures at `dpi`; default the screen's), the endnotes, the as-of date. One
    endnote numbering serves the narrative's citations and the exhibits'."""
    root = root or course_root()
    data = data or data_dir(root)
    notes = Endnotes.read(data)
    text = render_case_text(root, data, notes)
    exhibits = ex.render_exhibits(data, notes) if dpi is None else ex.render_exhibits(data, notes, dpi=dpi)
    return {"title": title_of(text), "narrative": narrative_html(text), "exhibits": exhibits,
            "endnotes": notes.html(), "as_of": fmt.longdate(AS_OF)}


def build_case(root: Path | None = None, out: Path | None = None, data: Path | None = None) -> Path:
    """Render the narrative and the exhibits from `data` (default <root>/case/data) into one
    self-contained HTML file, `out` (default <root>/case/build/case.html). Returns its path."""
    root = root or course_root()
    out = out or root / "case" / "build" / "case.html"
    page = _environment(jinja2.FileSystemLoader(str(PAGE_TEMPLATES))).get_template("page.html.j2")
    html_text = page.render(css=(PAGE_TEMPLATES / "case.css").read_text(encoding="utf-8"),
                            **case_parts(root, data))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html_text, encoding="utf-8")
    return out
