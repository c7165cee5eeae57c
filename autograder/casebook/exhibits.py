"""The case's numbered exhibits: one registry, each exhibit rendered from case/data, never typed.

Each exhibit names the CSV file(s) it is made from; its renderer reads them (through
autograder.data.read), keeps only what was public on the case's as-of date, and returns HTML
tables and matplotlib figures (embedded as base64 PNG data URIs so the page is self-contained).
Exhibits show inputs only: no exercise answers (NPVs, break-evens, expected values, weighted
scores) are computed here.
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import DateFormatter, YearLocator
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from autograder.data import DataError, read

# The case's fixed "as of" date: prices and figures agree with it; later rows belong to the
# epilogue, which is not part of the case.
AS_OF = date(2025, 3, 31)

ILLUSTRATIVE_NOTE = "Illustrative: teaching assumptions, not company data"

# What each file must hold for the case to render: (numeric columns, ISO-date columns).
# The renderers and the narrative rely on these; anything else is free text.
SCHEMA: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "meta_financials": (("year", "revenue_usd_b", "advertising_revenue_usd_b", "daily_active_people_b"), ()),
    "meta_capex": (("low_usd_b", "high_usd_b"), ("announced",)),
    "llama_timeline": ((), ("date",)),
    "llama_license": ((), ()),
    "closed_lab_economics": (("value_usd_b",), ("reported",)),
    "model_prices": (("input_usd_per_1m", "output_usd_per_1m", "capability_index"), ()),
    "vtdf_scores": (("Meta", "OpenAI", "Anthropic", "Google"), ()),
    "vtdf_weights": (("platform_lens", "capability_lens"), ()),
    "vtdf_rubric": (("score",), ()),
    "build_vs_buy": (("value",), ()),
    "selfhost": (("value",), ()),
    "scenarios": (("probability",), ()),
    "scenario_payoffs": ((), ()),
    "scenario_params": (("value",), ()),
    "platform_parallels": (("year",), ()),
}
REQUIRED_TEXT: dict[str, tuple[str, ...]] = {
    "meta_financials": ("source", "reliability"),
    "meta_capex": ("period", "kind", "source", "reliability"),
    "llama_timeline": ("event", "detail", "source", "reliability"),
    "llama_license": ("clause", "version", "summary", "source", "reliability"),
    "closed_lab_economics": ("company", "metric", "basis", "period", "source", "reliability"),
    "model_prices": ("model", "developer", "access", "host", "price_source", "reliability"),
    "vtdf_scores": ("layer", "criterion", "question"),
    "vtdf_weights": ("layer",),
    "vtdf_rubric": ("meaning",),
    "build_vs_buy": ("parameter", "unit", "basis", "description"),
    "selfhost": ("parameter", "unit", "basis", "source", "description"),
    "scenarios": ("future", "description"),
    "scenario_payoffs": ("option", "description"),
    "scenario_params": ("parameter", "unit", "basis", "description"),
    "platform_parallels": ("platform", "owner", "outcome", "fact", "source", "reliability"),
}


def load(name: str, folder: Path) -> pd.DataFrame:
    """A case table, checked against SCHEMA: numeric columns as numbers, date columns as dates.
    Raises DataError naming the file, column and rows on bad data."""
    table = read(name, folder)
    path = folder / f"{name}.csv"
    numeric, dates = SCHEMA.get(name, ((), ()))
    missing = [c for c in (*REQUIRED_TEXT.get(name, ()), *numeric, *dates) if c not in table.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {missing}")
    if table.empty:
        raise DataError(f"{path}: no rows")
    for col in numeric:
        values = pd.to_numeric(table[col], errors="coerce")
        bad = [i + 2 for i in values.index[values.isna()]]  # +2: header line, 1-based lines
        if bad:
            raise DataError(f"{path}: column {col!r} is not numeric on line(s) {bad}")
        table[col] = values
    for col in dates:
        values = pd.to_datetime(table[col], format="%Y-%m-%d", errors="coerce")
        bad = [i + 2 for i in values.index[values.isna()]]
        if bad:
            raise DataError(f"{path}: column {col!r} is not a YYYY-MM-DD date on line(s) {bad}")
        table[col] = values.dt.date
    return table


def up_to_as_of(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """Rows dated on or before AS_OF; later rows are epilogue material."""
    return table[table[column] <= AS_OF].reset_index(drop=True)


def scenario_futures(folder: Path) -> list[str]:
    """The futures, in exhibit order; their probabilities must sum to one and the payoff matrix
    must have a numeric column for each."""
    scenarios = load("scenarios", folder)
    total = float(scenarios["probability"].sum())
    if abs(total - 1) > 1e-6:
        raise DataError(f"{folder / 'scenarios.csv'}: probabilities sum to {total:g}, not 1")
    futures = scenarios["future"].tolist()
    payoffs = load("scenario_payoffs", folder)
    missing = [f for f in futures if f not in payoffs.columns]
    if missing:
        raise DataError(f"{folder / 'scenario_payoffs.csv'}: no column for future(s) {missing} "
                        "(scenarios.csv)")
    for future in futures:
        if pd.to_numeric(payoffs[future], errors="coerce").isna().any():
            raise DataError(f"{folder / 'scenario_payoffs.csv'}: column {future!r} is not numeric")
    return futures


# --- number formats shared by exhibits and the narrative's Jinja filters ---------------------


def trim(value: float, digits: int = 2) -> str:
    """164.50 -> '164.5', 60.0 -> '60', 20000 -> '20,000': as many decimals as the data carries."""
    text = f"{float(value):,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def usd_b(value: float) -> str:
    return f"${trim(value)} billion"


def usd(value: float, digits: int = 2) -> str:
    return f"${float(value):,.{digits}f}"


def pct(value: float, digits: int = 0) -> str:
    return f"{float(value) * 100:.{digits}f}%"


def int_commas(value: float) -> str:
    return f"{int(round(float(value))):,}"


def longdate(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def month_year(day: date) -> str:
    return f"{day:%B %Y}"


_AMOUNT = re.compile(r"(\$)?(\d+(?:\.\d+)?)\s*(%|B\b|M\b|billion\b|million\b)")
_SCALE = {"B": "billion", "M": "million", "billion": "billion", "million": "million"}


def amount(text: str) -> str:
    """The first quantity in a sourced text cell, spelled out: '$7.6B' -> '$7.6 billion',
    'Downloads >1B' -> '1 billion', 'about 70% (69.9%)' -> '70%'. Lets the narrative quote
    figures that the data holds only inside descriptions, without retyping them."""
    match = _AMOUNT.search(str(text))
    if not match:
        raise DataError(f"no quantity ($, %, M or B) found in {text!r}")
    dollar, number, unit = match.groups()
    return f"{dollar or ''}{number}%" if unit == "%" else f"{dollar or ''}{number} {_SCALE[unit]}"


# --- HTML helpers ----------------------------------------------------------------------------


def _table(frame: pd.DataFrame, caption: str) -> str:
    """A captioned HTML table of already-formatted cells (text escaped)."""
    body = frame.to_html(index=False, escape=True, border=0, classes="exhibit-table", na_rep="")
    return f'<div class="table-block"><p class="table-caption">{html.escape(caption)}</p>{body}</div>'


def _figure(fig: Figure, alt: str) -> str:
    FigureCanvasAgg(fig)  # Agg: no display needed, identical output everywhere
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f'<figure class="exhibit-figure"><img src="data:image/png;base64,{data}" '
        f'alt="{html.escape(alt)}"><figcaption>{html.escape(alt)}</figcaption></figure>'
    )


def _sources(rows: pd.DataFrame, column: str = "source") -> list[str]:
    """Distinct row sources with their reliability grade, in order of first appearance."""
    seen: list[str] = []
    for source, grade in zip(rows[column], rows["reliability"]):
        entry = f"{source} ({grade})"
        if entry not in seen:
            seen.append(entry)
    return seen


def _merged(*lists: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(entry for entries in lists for entry in entries))


def _num(value: float) -> str:
    return trim(value, 4)


def _usd_b_cell(value: float) -> str:
    """Dollar-billion cells keep at least one decimal (5.0, not 5) so columns read alike."""
    text = trim(value)
    return text if "." in text else f"{text}.0"


@dataclass(frozen=True)
class Rendered:
    body: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Exhibit:
    number: int
    title: str
    files: tuple[str, ...]
    source: str  # what the exhibit rests on; row-level sources are appended from the data
    illustrative: bool
    figures: int  # how many figures the renderer draws
    renderer: Callable[[Path], Rendered]

    def html(self, folder: Path) -> str:
        """The exhibit as one <section>: heading, illustrative flag, tables/figures, source line."""
        rendered = self.renderer(folder)
        flag = f'<p class="illustrative">{ILLUSTRATIVE_NOTE}</p>' if self.illustrative else ""
        rows = "; ".join(rendered.sources)
        source = html.escape(self.source + (f" Row sources: {rows}." if rows else ""))
        return (
            f'<section class="exhibit" id="exhibit-{self.number}" data-exhibit="{self.number}">\n'
            f"<h2>Exhibit {self.number}. {html.escape(self.title)}</h2>\n{flag}\n{rendered.body}\n"
            f'<p class="source"><strong>Source:</strong> {source}</p>\n</section>'
        )


# --- renderers, one per exhibit --------------------------------------------------------------


def _financials(folder: Path) -> Rendered:
    fin = load("meta_financials", folder)
    capex = up_to_as_of(load("meta_capex", folder), "announced")
    snapshot = pd.DataFrame(
        {
            "Year": fin["year"].astype(int).astype(str),
            "Revenue ($B)": fin["revenue_usd_b"].map(_usd_b_cell),
            "Advertising revenue ($B)": fin["advertising_revenue_usd_b"].map(_usd_b_cell),
            "Advertising share of revenue": (fin["advertising_revenue_usd_b"] / fin["revenue_usd_b"]).map(
                lambda v: pct(v, 1)
            ),
            "Daily active people (B)": fin["daily_active_people_b"].map(_num),
            "Rel.": fin["reliability"],
        }
    )
    spend = pd.DataFrame(
        {
            "Period": capex["period"],
            "Kind": capex["kind"].str.capitalize(),
            "Low ($B)": capex["low_usd_b"].map(_usd_b_cell),
            "High ($B)": capex["high_usd_b"].map(_usd_b_cell),
            "Announced": capex["announced"].map(str),
            "Rel.": capex["reliability"],
        }
    )

    fig = Figure(figsize=(9.5, 3.6))
    left, right = fig.subplots(1, 2)
    years = fin["year"].astype(int).astype(str).tolist()
    xs = range(len(years))
    left.bar([x - 0.2 for x in xs], fin["revenue_usd_b"], width=0.4, label="Revenue", color="#1f4e79")
    left.bar([x + 0.2 for x in xs], fin["advertising_revenue_usd_b"], width=0.4, label="Advertising",
             color="#8fb3d9")
    left.set_xticks(list(xs), years)
    left.set_ylabel("$ billion")
    left.set_title("Revenue and advertising revenue")
    left.legend(frameon=False, fontsize=8)

    # Full-year periods only: actual spend as bars, each guidance range (by announcement) as a line.
    periods = sorted({p for p in capex["period"] if str(p).startswith("FY")})
    pos = {p: i for i, p in enumerate(periods)}
    actual = capex[(capex["kind"] == "actual") & capex["period"].isin(periods)]
    right.bar([pos[p] for p in actual["period"]], actual["high_usd_b"], width=0.5, color="#1f4e79",
              label="Actual")
    guidance = capex[(capex["kind"] == "guidance") & capex["period"].isin(periods)]
    label: str | None = "Guidance range (month announced)"  # legend entry on the first range only
    for period, rows in guidance.groupby("period", sort=False):
        for k, row in enumerate(rows.itertuples()):
            x = pos[period] + 0.35 + 0.25 * k
            right.vlines(x, row.low_usd_b, row.high_usd_b, color="#c55a11", linewidth=3, label=label)
            label = None
            right.annotate(f"{row.announced:%b %y}", (x, row.high_usd_b), textcoords="offset points",
                           xytext=(0, 3), ha="center", fontsize=7)
    right.set_xticks(list(pos.values()), periods)
    right.set_xlim(-0.5, len(periods) - 0.2)
    right.set_ylim(0, capex["high_usd_b"].max() * 1.2)
    right.set_ylabel("$ billion")
    right.set_title("Capital expenditure: actuals and guidance")
    right.legend(frameon=False, fontsize=8, loc="upper left")
    fig.tight_layout()

    body = (
        _table(snapshot, "Meta Platforms: revenue and reach by year")
        + _table(spend, "Capital expenditure (incl. principal payments on finance leases): actuals and "
                        f"guidance announced by {longdate(AS_OF)}")
        + _figure(fig, "Meta revenue by year; capital expenditure actuals and guidance ranges by "
                       "announcement date")
    )
    return Rendered(body, _merged(_sources(fin), _sources(capex)))


def _llama(folder: Path) -> Rendered:
    timeline = up_to_as_of(load("llama_timeline", folder), "date")
    license_ = load("llama_license", folder)
    events = pd.DataFrame(
        {
            "Date": timeline["date"].map(str),
            "Event": timeline["event"],
            "Detail": timeline["detail"],
            "Rel.": timeline["reliability"],
        }
    )
    clauses = pd.DataFrame(
        {"Clause": license_["clause"], "Version": license_["version"], "Summary": license_["summary"],
         "Rel.": license_["reliability"]}
    )

    fig = Figure(figsize=(9.5, 2.8))
    ax = fig.subplots()
    days = [pd.Timestamp(d) for d in timeline["date"]]
    levels = [(1 + (i % 3)) * (1 if i % 2 == 0 else -1) for i in range(len(days))]
    ax.axhline(0, color="#555555", linewidth=1)
    ax.vlines(days, 0, levels, color="#8fb3d9")
    ax.scatter(days, [0] * len(days), color="#1f4e79", zorder=3)
    for day, level, event in zip(days, levels, timeline["event"]):
        ax.annotate(f"{event}\n{day:%b %Y}", (day, level), ha="center",
                    va="bottom" if level > 0 else "top", fontsize=8)
    ax.set_ylim(-4.5, 4.5)
    ax.get_yaxis().set_visible(False)
    ax.xaxis.set_major_locator(YearLocator())
    ax.xaxis.set_major_formatter(DateFormatter("%Y"))
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_title(f"Llama releases and adoption milestones to {longdate(AS_OF)}")
    fig.tight_layout()

    body = (
        _table(events, f"Releases and adoption, to {longdate(AS_OF)}")
        + _figure(fig, "Timeline of Llama releases and adoption milestones")
        + _table(clauses, "Key license clauses")
    )
    return Rendered(body, _merged(_sources(timeline), _sources(license_)))


RUN_RATE_BOX = (
    '<div class="definitions"><p class="box-title">Definitions: revenue is not run-rate</p><dl>'
    "<dt>Revenue</dt><dd>Money earned over a completed period (a fiscal year), recognized under "
    "accounting rules. An <em>expected</em> figure is a forecast reported before the period closed.</dd>"
    "<dt>Annualized revenue / run-rate</dt><dd>A recent short window scaled up to a year, for example "
    "the last four weeks of usage revenue multiplied by thirteen plus monthly subscriptions multiplied "
    "by twelve (one reported method; Reuters Breakingviews via press, B). It is not GAAP revenue: it "
    "assumes the window's pace holds for a full year, and a fast-growing firm's run-rate can exceed "
    "anything it has yet earned in a year.</dd>"
    "{claim}</dl></div>"
)
CLAIM_DEFINITION = ("<dt>Claim</dt><dd>A figure asserted in commentary without a primary source; "
                    "treat with caution.</dd>")


def _labs(folder: Path) -> Rendered:
    labs = up_to_as_of(load("closed_lab_economics", folder), "reported")
    table = pd.DataFrame(
        {
            "Company": labs["company"],
            "Metric": labs["metric"],
            "Basis": labs["basis"].str.replace("_", "-"),
            "Period": labs["period"],
            "Value ($B)": labs["value_usd_b"].map(_usd_b_cell),
            "Reported": labs["reported"].map(str),
            "Rel.": labs["reliability"],
        }
    )
    # API share: the API line over the all-products line of the same annualized period (derived).
    shares = []
    annual = labs[labs["basis"] == "annualized"]
    for period, rows in annual.groupby("period", sort=False):
        api = rows[rows["metric"].str.startswith("API")]
        total = rows[rows["metric"].str.startswith("All products")]
        if len(api) == 1 and len(total) == 1:
            share = api["value_usd_b"].iloc[0] / total["value_usd_b"].iloc[0]
            shares.append({"Company": rows["company"].iloc[0], "Period": period,
                           "API share of annualized revenue (derived)": pct(share)})
    body = _table(table, f"OpenAI: reported figures, as reported by {longdate(AS_OF)}")
    if shares:
        body += _table(pd.DataFrame(shares), "API share, derived from the two annualized lines above")
    body += RUN_RATE_BOX.format(claim=CLAIM_DEFINITION if (labs["basis"] == "claim").any() else "")
    return Rendered(body, tuple(_sources(labs)))


def _prices(folder: Path) -> Rendered:
    prices = load("model_prices", folder)
    table = pd.DataFrame(
        {
            "Model": prices["model"],
            "Developer": prices["developer"],
            "Access": prices["access"],
            "Host": prices["host"],
            "Input, $ per 1M tokens": prices["input_usd_per_1m"].map(usd),
            "Output, $ per 1M tokens": prices["output_usd_per_1m"].map(usd),
            "Capability index (ILLUSTRATIVE)": prices["capability_index"].map(_num),
            "Rel.": prices["reliability"],
        }
    )
    fig = Figure(figsize=(9.5, 3.4))
    ax = fig.subplots()
    labels = [f"{m}, {h}" for m, h in zip(prices["model"], prices["host"])]
    ys = range(len(labels))
    ax.barh([y + 0.2 for y in ys], prices["input_usd_per_1m"], height=0.4, color="#8fb3d9", label="Input")
    ax.barh([y - 0.2 for y in ys], prices["output_usd_per_1m"], height=0.4, color="#1f4e79", label="Output")
    ax.set_yticks(list(ys), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"${v:g}"))
    ax.set_xlabel("$ per 1M tokens (log scale)")
    ax.set_title(f"List prices at {longdate(AS_OF)}: closed APIs and hosted open-weight models")
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    body = (
        _table(table, f"Prices at {longdate(AS_OF)}")
        + '<p class="note">The capability index is an ILLUSTRATIVE teaching score (0 to 100), not a '
        "benchmark result; the prices are sourced list prices.</p>"
        + _figure(fig, "Input and output list prices per million tokens, by model and host")
    )
    return Rendered(body, tuple(_sources(prices, "price_source")))


def _vtdf(folder: Path) -> Rendered:
    scores = load("vtdf_scores", folder)
    rubric = load("vtdf_rubric", folder)
    weights = load("vtdf_weights", folder)
    firms = ["Meta", "OpenAI", "Anthropic", "Google"]
    score_table = scores.rename(columns={"layer": "Layer", "criterion": "Criterion", "question": "Question"})
    for firm in firms:
        score_table[firm] = score_table[firm].map(_num)
    weight_table = pd.DataFrame(
        {
            "Layer": weights["layer"],
            "Platform lens": weights["platform_lens"].map(_num),
            "Capability lens": weights["capability_lens"].map(_num),
        }
    )
    rubric_table = pd.DataFrame({"Score": rubric["score"].map(_num), "Meaning": rubric["meaning"]})

    fig = Figure(figsize=(7.5, 5.2))
    ax = fig.subplots()
    grid = scores[firms].to_numpy(dtype=float)
    image = ax.imshow(grid, cmap="Blues", vmin=rubric["score"].min(), vmax=rubric["score"].max(),
                      aspect="auto")
    ax.set_xticks(range(len(firms)), firms)
    ax.set_yticks(range(len(scores)),
                  [f"{layer[0]}: {c}" for layer, c in zip(scores["layer"], scores["criterion"])], fontsize=8)
    for (i, j), value in pd.DataFrame(grid).stack().items():
        ax.text(j, i, _num(value), ha="center", va="center", fontsize=8,
                color="white" if value >= 4 else "black")
    fig.colorbar(image, ax=ax, label="Score (rubric)", ticks=rubric["score"].tolist())
    ax.set_title("VTDF sub-criterion scores (illustrative)")
    fig.tight_layout()
    body = (
        _table(score_table, "Scores by layer and sub-criterion (1 to 5)")
        + _figure(fig, "Heat map of the illustrative VTDF scores by firm")
        + _table(rubric_table, "Scoring rubric")
        + _table(weight_table, "Layer weights: two lenses")
    )
    return Rendered(body)


def _parameter_table(name: str, folder: Path, with_source: bool) -> Rendered:
    table = load(name, folder)
    shown = pd.DataFrame(
        {
            "Parameter": table["parameter"],
            "Value": table["value"].map(lambda v: trim(v, 4)),
            "Unit": table["unit"],
            "Basis": table["basis"],
        }
    )
    if with_source:
        shown["Source"] = table["source"]
    shown["Description"] = table["description"]
    return Rendered(_table(shown, f"Parameters ({name}.csv)"))


def _build_vs_buy(folder: Path) -> Rendered:
    return _parameter_table("build_vs_buy", folder, with_source=False)


def _selfhost(folder: Path) -> Rendered:
    rendered = _parameter_table("selfhost", folder, with_source=True)
    note = ('<p class="note">Rows whose basis is <em>sourced</em> carry their source; rows marked '
            "<em>illustrative</em> are teaching assumptions.</p>")
    return Rendered(rendered.body + note)


def _scenarios(folder: Path) -> Rendered:
    futures = scenario_futures(folder)
    scenarios = load("scenarios", folder)
    payoffs = load("scenario_payoffs", folder)
    params = load("scenario_params", folder)
    future_table = pd.DataFrame(
        {"Future": scenarios["future"], "Probability": scenarios["probability"].map(_num),
         "Description": scenarios["description"]}
    )
    payoff_table = payoffs[["option", "description", *futures]].rename(
        columns={"option": "Option", "description": "Description"})
    for future in futures:
        payoff_table[future] = pd.to_numeric(payoff_table[future]).map(_num)
    param_table = pd.DataFrame(
        {"Parameter": params["parameter"], "Value": params["value"].map(lambda v: trim(v, 4)),
         "Unit": params["unit"], "Basis": params["basis"], "Description": params["description"]}
    )
    body = (
        _table(future_table, "Four futures and their working probabilities")
        + _table(payoff_table,
                 f"Payoff matrix: value of each option in each future ({_payoff_unit(payoffs)})")
        + _table(param_table, "Decision-analysis parameters")
    )
    return Rendered(body)


def _payoff_unit(payoffs: pd.DataFrame) -> str:
    """The payoffs' unit from the file's `unit` column when it has one (one unit for the matrix)."""
    if "unit" not in payoffs.columns:
        return "illustrative payoff units"
    units = payoffs["unit"].dropna().unique().tolist()
    return f"illustrative; {'; '.join(map(str, units))}"


def _parallels(folder: Path) -> Rendered:
    table = load("platform_parallels", folder)
    shown = pd.DataFrame(
        {
            "Platform": table["platform"],
            "Owner": table["owner"],
            "Outcome": table["outcome"].str.capitalize(),
            "Year": table["year"].astype(int).astype(str),
            "Dated fact": table["fact"],
            "Rel.": table["reliability"],
        }
    )
    return Rendered(_table(shown, "Platform bets: wins and losses"), tuple(_sources(table)))


EXHIBITS: tuple[Exhibit, ...] = (
    Exhibit(1, "Meta Platforms: financial snapshot and capital expenditure",
            ("meta_financials", "meta_capex"),
            "Meta Platforms earnings releases, directly or via financial press.", False, 1, _financials),
    Exhibit(2, "Llama: releases, adoption and key license terms", ("llama_timeline", "llama_license"),
            "Meta announcements and Llama license texts; adoption figures via press.", False, 1, _llama),
    Exhibit(3, "The closed labs' economics: OpenAI revenue, run-rate and API share",
            ("closed_lab_economics",),
            "Press reports of OpenAI figures; OpenAI does not publish audited accounts.", False, 0, _labs),
    Exhibit(4, "Model price list at the as-of date", ("model_prices",),
            "Provider price lists and their mirrors; capability index by the case writers (illustrative).",
            False, 1, _prices),
    Exhibit(5, "VTDF scoring inputs: scores, rubric and weights",
            ("vtdf_scores", "vtdf_rubric", "vtdf_weights"),
            "Case writers' illustrative assessment for teaching; not a rating by any analyst or company.",
            True, 1, _vtdf),
    Exhibit(6, "Build versus buy: firm-level parameters", ("build_vs_buy",),
            "Case writers' illustrative parameters, anchored to the scale of Exhibit 1.",
            True, 0, _build_vs_buy),
    Exhibit(7, "Enterprise self-hosting versus paying per token: parameters", ("selfhost",),
            "Case writers' parameter set; sourced rows cite their source in the table.", True, 0, _selfhost),
    Exhibit(8, "Scenario inputs: four futures, four options",
            ("scenarios", "scenario_payoffs", "scenario_params"),
            "Case writers' illustrative probabilities and payoffs for teaching.", True, 0, _scenarios),
    Exhibit(9, "Platform parallels: wins and losses", ("platform_parallels",),
            "Company filings and widely documented history, as graded in the table.", False, 0, _parallels),
)


def exhibit(number: int) -> Exhibit:
    for item in EXHIBITS:
        if item.number == number:
            return item
    raise KeyError(f"no Exhibit {number}")


def render_exhibits(folder: Path, numbers: Iterable[int] | None = None) -> str:
    """The exhibits' HTML, in number order (all of them unless `numbers` is given)."""
    wanted = set(numbers) if numbers is not None else None
    return "\n".join(e.html(folder) for e in EXHIBITS if wanted is None or e.number in wanted)
