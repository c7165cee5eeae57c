"""Build the case: render case/case.md.j2 with case/data, convert it to HTML, append the exhibits,
and write one self-contained page (default <root>/case/build/case.html)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2
import markdown

from autograder.casebook import exhibits as ex
from autograder.data import DataError, params
from autograder.paths import course_root, data_dir

TEMPLATE = "case.md.j2"
PAGE_TEMPLATES = Path(__file__).parent / "templates"

FILTERS = {
    "usd_b": ex.usd_b,
    "usd": ex.usd,
    "pct": ex.pct,
    "int_commas": ex.int_commas,
    "num": ex.trim,
    "longdate": ex.longdate,
    "month_year": ex.month_year,
    "amount": ex.amount,
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


def case_context(data: Path) -> dict[str, Any]:
    """Everything the narrative template may quote, read from `data` (a case/data folder) and cut
    at the as-of date. Template placeholders index these by names, never by typed numbers."""
    fin = ex.load("meta_financials", data)
    fin["year"] = fin["year"].astype(int)
    capex = ex.up_to_as_of(ex.load("meta_capex", data), "announced")
    timeline = ex.up_to_as_of(ex.load("llama_timeline", data), "date")
    labs = ex.up_to_as_of(ex.load("closed_lab_economics", data), "reported")
    parallels = ex.load("platform_parallels", data)
    parallels["year"] = parallels["year"].astype(int)
    scenarios = ex.load("scenarios", data)
    ex.scenario_futures(data)  # payoff matrix must match the futures

    lab_figures: dict[str, dict[str, dict]] = {}
    for row in labs.to_dict("records"):
        lab_figures.setdefault(row["metric"], {})[row["period"]] = row
    guidance: dict[str, list[dict]] = {}
    for row in capex[capex["kind"] == "guidance"].sort_values("announced").to_dict("records"):
        guidance.setdefault(row["period"], []).append(row)
    events = timeline.sort_values("date").to_dict("records")

    return {
        "as_of": ex.AS_OF,
        "fin": _records(fin, "year", "meta_financials"),
        "capex_actual": _records(capex[capex["kind"] == "actual"], "period", "meta_capex"),
        "capex_guidance": guidance,
        "timeline": _records(timeline, "event", "llama_timeline"),
        # Milestones whose figures live inside the event label (e.g. "Downloads >1B"), by date.
        "downloads": [e for e in events if str(e["event"]).startswith("Downloads")],
        "assistant": [e for e in events if str(e["event"]).startswith("Meta AI")],
        "license": _records(ex.load("llama_license", data), "clause", "llama_license"),
        "labs": lab_figures,
        "prices": _records(ex.load("model_prices", data), "model", "model_prices"),
        "vtdf_weights": _records(ex.load("vtdf_weights", data), "layer", "vtdf_weights"),
        "rubric": _records(ex.load("vtdf_rubric", data), "score", "vtdf_rubric"),
        "bvb": params("build_vs_buy", data),
        "selfhost": params("selfhost", data),
        "selfhost_rows": _records(ex.load("selfhost", data), "parameter", "selfhost"),
        "futures": _records(scenarios, "future", "scenarios"),
        "options": _records(ex.load("scenario_payoffs", data), "option", "scenario_payoffs"),
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


def render_case_text(root: Path | None = None, data: Path | None = None) -> str:
    """The case narrative as Markdown, every figure filled from `data` (default <root>/case/data)."""
    root = root or course_root()
    data = data or data_dir(root)
    template_path = root / "case" / TEMPLATE
    if not template_path.is_file():
        raise FileNotFoundError(f"{template_path}: case template not found")
    env = _environment(jinja2.FileSystemLoader(str(template_path.parent)))
    context = case_context(data)  # data errors name their CSV file
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


def build_case(root: Path | None = None, out: Path | None = None, data: Path | None = None) -> Path:
    """Render the narrative and the exhibits from `data` (default <root>/case/data) into one
    self-contained HTML file, `out` (default <root>/case/build/case.html). Returns its path."""
    root = root or course_root()
    data = data or data_dir(root)
    out = out or root / "case" / "build" / "case.html"
    text = render_case_text(root, data)
    page = _environment(jinja2.FileSystemLoader(str(PAGE_TEMPLATES))).get_template("page.html.j2")
    html_text = page.render(
        title=title_of(text),
        css=(PAGE_TEMPLATES / "case.css").read_text(encoding="utf-8"),
        narrative=narrative_html(text),
        exhibits=ex.render_exhibits(data),
        as_of=ex.longdate(ex.AS_OF),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html_text, encoding="utf-8")
    return out
