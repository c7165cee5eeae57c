"""The case's numbered exhibits: one registry, each exhibit rendered from case/data, never typed.

Each exhibit names the CSV file(s) it is made from; its renderer reads them (through
autograder.data.load, which refuses any row dated after the as-of date) and returns its parts in
page order: tables of formatted cells, matplotlib figures and a few boxes of fixed markup. The
case page turns the parts into HTML (figures embedded as base64 PNG data URIs so the page is
self-contained); the class deck places the same parts on slides, so both show one exhibit. Every
sourced row cites its sources as numbered endnotes. Exhibits show inputs only: no exercise
answer (an NPV, a break-even, an expected value, a weighted score) is computed here; the payoff
matrix of Exhibit 9 is an input of the scenario exercise, computed from its drivers by the key.
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from autograder.casebook import figures
from autograder.casebook.formats import longdate, num, pct, trim, usd, usd_b_cell
from autograder.casebook.sources import Endnotes
from autograder.data import AS_OF, DataError, load, params
from autograder.key import scenarios as scenario_key

ILLUSTRATIVE_NOTE = "Illustrative: teaching assumptions, not company data"
NOTEBOOK_ONLY = ("seed", "draws")  # simulation settings: the notebook's business, not the case's


def _table(frame: pd.DataFrame, caption: str) -> str:
    """A captioned HTML table of already-formatted cells (text escaped), with column headers
    scoped for screen readers, in a block that scrolls sideways on its own on a narrow screen
    (focusable, so a keyboard can scroll it too), never the page."""
    body = frame.to_html(index=False, escape=True, border=0, classes="exhibit-table", na_rep="")
    body = body.replace("<th>", '<th scope="col">').replace(' style="text-align: right;"', "")
    label = html.escape(caption, quote=True)
    return (f'<div class="table-block" role="region" aria-label="{label}" tabindex="0">'
            f'<p class="table-caption">{html.escape(caption)}</p>{body}</div>')


def png(fig: Figure, dpi: int) -> bytes:
    """The figure as PNG bytes, cropped to its ink, with no software stamp (same bytes on every
    run and machine)."""
    FigureCanvasAgg(fig)  # Agg: no display needed, identical output everywhere
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


@dataclass(frozen=True)
class Table:
    """A table of already-formatted cells (strings), with its caption."""
    frame: pd.DataFrame
    caption: str

    def html(self, dpi: int = 150) -> str:  # no pixels: dpi is taken so all parts render alike
        return _table(self.frame, self.caption)


@dataclass(frozen=True)
class Plot:
    """A matplotlib figure and the text that describes it (alt text and caption)."""
    fig: Figure
    alt: str

    def html(self, dpi: int = 150) -> str:
        data = base64.b64encode(png(self.fig, dpi)).decode("ascii")
        return (
            f'<figure class="exhibit-figure"><img src="data:image/png;base64,{data}" '
            f'alt="{html.escape(self.alt)}"><figcaption>{html.escape(self.alt)}</figcaption></figure>'
        )


@dataclass(frozen=True)
class Markup:
    """A fixed block of page markup (a note or a definitions box) and its plain-text reading."""
    markup: str

    def html(self, dpi: int = 150) -> str:  # no pixels, as for a table
        return self.markup

    @property
    def text(self) -> str:
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", self.markup)).split())


Part = Table | Plot | Markup


def _source_cells(rows: pd.DataFrame, notes: Endnotes, column: str = "source") -> pd.Series:
    """Each row's sources as endnote numbers and its reliability grade: '[3] A'."""
    return pd.Series([f"{notes.marks(s)} {g}" for s, g in zip(rows[column], rows["reliability"])],
                     index=rows.index)


@dataclass(frozen=True)
class Exhibit:
    number: int
    title: str
    files: tuple[str, ...]
    source: str  # what the exhibit rests on; the rows' own sources are endnotes
    illustrative: bool
    figures: int  # how many figures the renderer draws
    renderer: Callable[[Path, Endnotes], list[Part]]

    def parts(self, folder: Path, notes: Endnotes) -> list[Part]:
        """The exhibit's tables, figures and boxes, in page order."""
        return self.renderer(folder, notes)

    def html(self, folder: Path, notes: Endnotes, dpi: int = 150) -> str:
        """The exhibit as one <section>: heading (an <h3> under the page's "Exhibits" <h2>),
        illustrative flag, tables/figures (at `dpi`), source line."""
        body = "".join(part.html(dpi) for part in self.parts(folder, notes))
        flag = f'<p class="illustrative">{ILLUSTRATIVE_NOTE}</p>' if self.illustrative else ""
        return (
            f'<section class="exhibit" id="exhibit-{self.number}" data-exhibit="{self.number}">\n'
            f"<h3>Exhibit {self.number}. {html.escape(self.title)}</h3>\n{flag}\n{body}\n"
            f'<p class="source"><strong>Source:</strong> {html.escape(self.source)} Numbers in '
            "brackets are endnotes; the letter grades the source (A primary, B reputable outlet "
            "reporting one, C aggregator or commentary).</p>\n</section>"
        )


# --- renderers, one per exhibit --------------------------------------------------------------


def _financials(folder: Path, notes: Endnotes) -> list[Part]:
    fin = load("meta_financials", folder)
    capex = load("meta_capex", folder)
    snapshot = pd.DataFrame({
        "Year": fin["year"].astype(int).astype(str),
        "Revenue ($B)": fin["revenue_usd_b"].map(usd_b_cell),
        "Advertising ($B)": fin["advertising_revenue_usd_b"].map(usd_b_cell),
        "Advertising share": (fin["advertising_revenue_usd_b"] / fin["revenue_usd_b"]).map(
            lambda v: pct(v, 1)),
        "Operating income ($B)": fin["operating_income_usd_b"].map(usd_b_cell),
        "Free cash flow ($B)": fin["free_cash_flow_usd_b"].map(usd_b_cell),
        "Daily active people (B)": fin["daily_active_people_b"].map(num),
        "Source": _source_cells(fin, notes),
    })
    spend = pd.DataFrame({
        "Period": capex["period"],
        "Kind": capex["kind"].str.capitalize(),
        "Low ($B)": capex["low_usd_b"].map(usd_b_cell),
        "High ($B)": capex["high_usd_b"].map(usd_b_cell),
        "Announced": capex["announced"].map(longdate),
        "Source": _source_cells(capex, notes),
    })
    return [Table(snapshot, "Meta Platforms: revenue, profit, cash and reach by year"),
            Table(spend, "Capital expenditure (including principal payments on finance "
                         "leases): actuals and guidance, in order of announcement"),
            Plot(figures.revenue_and_capex(fin, capex),
                 "Revenue by year (advertising and other); capital expenditure by fiscal "
                 "year, with each guidance range in the order it was announced")]


def _llama(folder: Path, notes: Endnotes) -> list[Part]:
    timeline = load("llama_timeline", folder).sort_values("date").reset_index(drop=True)
    license_ = load("llama_license", folder)
    events = pd.DataFrame({"Date": timeline["date"].map(longdate), "Event": timeline["event"],
                           "Detail": timeline["detail"], "Source": _source_cells(timeline, notes)})
    clauses = pd.DataFrame({"Clause": license_["clause"], "Version": license_["version"],
                            "Summary": license_["summary"], "Source": _source_cells(license_, notes)})
    return [Table(events, f"Releases, adoption and organization, to {longdate(AS_OF)}"),
            Plot(figures.timeline(timeline, AS_OF), "The dated events above on one time axis"),
            Table(clauses, "Key license terms (paraphrased)")]


RUN_RATE_BOX = Markup(
    '<div class="definitions"><p class="box-title">Definitions: revenue is not run-rate</p><dl>'
    "<dt>Revenue</dt><dd>Money earned over a completed period (a fiscal year), recognized under "
    "accounting rules. An <em>expected</em> figure is a forecast reported before the period "
    "closed.</dd>"
    "<dt>Annualized revenue / run-rate</dt><dd>A recent short window scaled up to a year, for "
    "example the last four weeks of usage revenue multiplied by thirteen plus monthly "
    "subscriptions multiplied by twelve. It is not audited revenue: it assumes the window's pace "
    "holds for a full year, and a fast-growing firm's run-rate can exceed anything it has yet "
    "earned in a year.</dd>"
    "<dt>Valuation</dt><dd>The price investors paid for a stake, scaled up to the whole firm; it "
    "prices expected growth, not current earnings.</dd></dl></div>"
)


def _labs(folder: Path, notes: Endnotes) -> list[Part]:
    labs = load("closed_lab_economics", folder)
    table = pd.DataFrame({
        "Company": labs["company"], "Metric": labs["metric"],
        "Basis": labs["basis"].str.replace("_", "-"), "Period": labs["period"],
        "Value ($B)": labs["value_usd_b"].map(usd_b_cell),
        "Reported": labs["reported"].map(longdate), "Source": _source_cells(labs, notes),
    })
    shares = []
    for (company, period), rows in labs[labs["basis"] == "annualized"].groupby(
            ["company", "period"], sort=False):
        api = rows[rows["metric"].str.startswith("API")]
        total = rows[rows["metric"].str.startswith("All products")]
        if len(api) == 1 and len(total) == 1:  # derived: API line over the all-products line
            share = api["value_usd_b"].iloc[0] / total["value_usd_b"].iloc[0]
            shares.append({"Company": company, "Period": period,
                           "API share of annualized revenue (derived)": pct(share)})
    body: list[Part] = [Table(table, f"OpenAI and Anthropic: reported figures, as reported by "
                                     f"{longdate(AS_OF)}")]
    if shares:
        body.append(Table(pd.DataFrame(shares), "API share, derived from the two annualized lines "
                                                "above"))
    return [*body, RUN_RATE_BOX]


def _prices(folder: Path, notes: Endnotes) -> list[Part]:
    prices = load("model_prices", folder)
    table = pd.DataFrame({
        "Model": prices["model"], "Developer": prices["developer"],
        "Weights": prices["access"], "Host": prices["host"],
        "Input, $ per 1M tokens": prices["input_usd_per_1m"].map(usd),
        "Output, $ per 1M tokens": prices["output_usd_per_1m"].map(usd),
        "Capability index (ILLUSTRATIVE)": prices["capability_index"].map(num),
        "Source": _source_cells(prices, notes, "price_source"),
    })
    return [Table(table, f"List prices at {longdate(AS_OF)}"),
            Markup('<p class="note">The capability index is an ILLUSTRATIVE teaching score (0 to '
                   "100, an ordinal ranking, not a benchmark result); the prices are list prices, "
                   "some from undated vendor pages or aggregators, as graded.</p>"),
            Plot(figures.prices(prices, AS_OF),
                 "Input and output list prices per million tokens, by model and host")]


def _vtdf(folder: Path, notes: Endnotes) -> list[Part]:
    scores = load("vtdf_scores", folder)
    rubric = load("vtdf_rubric", folder)
    weights = load("vtdf_weights", folder)
    firms = [c for c in scores.columns if c not in ("layer", "criterion", "question")]
    shown = scores.rename(columns={"layer": "Layer", "criterion": "Criterion", "question": "Question"})
    grid = scores.set_index(scores["layer"].str[0] + ": " + scores["criterion"])[firms].astype(float)
    weight_table = pd.DataFrame({"Layer": weights["layer"],
                                 "Platform lens": weights["platform_lens"].map(num),
                                 "Capability lens": weights["capability_lens"].map(num)})
    rubric_table = pd.DataFrame({"Score": rubric["score"].map(num), "Meaning": rubric["meaning"]})
    return [Table(shown, "Scores by layer and sub-criterion (1 to 5)"),
            Plot(figures.heatmap(grid, "VTDF sub-criterion scores (illustrative)",
                                 "Score (rubric)", rubric["score"].min(),
                                 rubric["score"].max(), fmt=num),
                 "Heat map of the illustrative VTDF scores by firm"),
            Table(rubric_table, "Scoring rubric"),
            Table(weight_table, "Layer weights: two lenses")]


def _parameters(name: str, folder: Path, notes: Endnotes, skip: tuple[str, ...] = ()) -> Table:
    table = load(name, folder)
    table = table[~table["parameter"].isin(skip)]
    shown = pd.DataFrame({"Parameter": table["label"], "Value": table["value"].map(trim),
                          "Unit": table["unit"], "Basis": table["basis"]})
    if "source" in table.columns:  # sourced rows cite their source and its grade
        shown["Source"] = [f"{notes.marks(s)} {g}" if b == "sourced" else s
                           for s, b, g in zip(table["source"], table["basis"], table["reliability"])]
    shown["Description"] = table["description"]
    return Table(shown, "Parameters")


def _build_vs_buy(folder: Path, notes: Endnotes) -> list[Part]:
    return [_parameters("build_vs_buy", folder, notes)]


def _selfhost(folder: Path, notes: Endnotes) -> list[Part]:
    return [_parameters("selfhost", folder, notes), Markup(
        '<p class="note">Rows whose basis is <em>sourced</em> cite their source; rows marked '
        "<em>illustrative</em> are teaching assumptions.</p>")]


def _parallels(folder: Path, notes: Endnotes) -> list[Part]:
    table = load("platform_parallels", folder)
    shown = pd.DataFrame({
        "Platform": table["platform"], "Owner": table["owner"],
        "Openness": table["openness"].str.capitalize(),
        "Outcome": table["outcome"].map({"win": "Won", "loss": "Lost"}),
        "Year": table["year"].astype(int).astype(str), "Dated fact": table["fact"],
        "Source": _source_cells(table, notes),
    })
    return [Table(shown, "Platform bets: open and closed, won and lost"),
            Plot(figures.quadrants(table), "The platforms above by openness and outcome")]


def scenario_tables(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, str, pd.DataFrame]:
    """(options, futures, baseline option, payoff matrix) as the scenario exercise uses them."""
    options = load("scenario_options", folder).set_index("option")
    futures = load("scenarios", folder).set_index("future")
    try:  # the same checks as the exercise: probabilities are shares summing to 1, one unit
        baseline = scenario_key.baseline_option(options)
        payoffs = scenario_key.payoff_matrix(options, futures, baseline)[list(futures.index)]
        scenario_key.validate(futures["probability"].astype(float), payoffs, futures["unit"])
    except scenario_key.InputError as exc:
        raise DataError(f"{folder / 'scenarios.csv'}: {exc}") from exc
    return options, futures, baseline, payoffs


def _scenarios(folder: Path, notes: Endnotes) -> list[Part]:
    options, futures, baseline, payoffs = scenario_tables(folder)
    drivers = list(scenario_key.DRIVERS)
    option_table = pd.DataFrame({"Option": options.index, "What Meta would do": options["definition"]})
    for d in drivers:
        option_table[d.capitalize()] = options[d].map(num).to_numpy()
    option_table["Cost ($B)"] = options["cost_usd_b"].map(trim).to_numpy()
    future_table = pd.DataFrame({"Future": futures.index,
                                 "Probability": futures["probability"].map(num),
                                 "Description": futures["description"]})
    for d in drivers:
        future_table[f"{d.capitalize()} ($B per unit)"] = futures[
            scenario_key.DRIVER_VALUES[d]].map(trim).to_numpy()
    rationale = "".join(f"<dt>{html.escape(str(name))}</dt><dd>{html.escape(str(text))}</dd>"
                        for name, text in [*options["rationale"].items(), *futures["rationale"].items()])
    matrix = payoffs.map(trim).rename_axis(index="Option", columns=None).reset_index()
    kept = {k: v for k, v in params("scenario_params", folder).items() if k not in NOTEBOOK_ONLY}
    settings = load("scenario_params", folder).set_index("parameter").loc[list(kept)]
    setting_table = pd.DataFrame({"Setting": settings["label"], "Value": settings["value"].map(trim),
                                  "Meaning": settings["description"]})
    limit = float(abs(payoffs.to_numpy()).max())
    unit = "; ".join(futures["unit"].unique())
    return [
        Table(option_table, f"Five courses of action: what each means and its drivers "
                            f"(levels 0 to 1; '{baseline}' is the baseline)"),
        Table(future_table, f"Four futures: working probabilities and what one unit of each "
                            f"driver is worth ({unit}; exposure counts as a cost)"),
        Markup('<div class="definitions"><p class="box-title">Why the drivers are set as they '
               f"are</p><dl>{rationale}</dl></div>"),
        Table(matrix, f"Payoff matrix, $ billion of NPV against '{baseline}': for each option "
                      "and future, the sum over drivers of (option's level − baseline's level) × "
                      "the driver's value, minus the option's cost"),
        Plot(figures.heatmap(payoffs, "Payoffs against staying the course ($B)",
                             "$ billion NPV", -limit, limit, diverging=True, fmt=trim),
             "The payoff matrix: gains in blue, losses in red"),
        Table(setting_table, "Decision-analysis settings")]


EXHIBITS: tuple[Exhibit, ...] = (
    Exhibit(1, "Meta Platforms: financial position and capital spending",
            ("meta_financials", "meta_capex"),
            "Meta Platforms earnings releases and annual report, directly or as reported.",
            False, 1, _financials),
    Exhibit(2, "Llama and Meta's AI organization, 2023–2025", ("llama_timeline", "llama_license"),
            "Meta announcements, model cards and license texts; press reports as graded.",
            False, 1, _llama),
    Exhibit(3, "The closed labs' economics: OpenAI and Anthropic", ("closed_lab_economics",),
            "Press reports and company announcements; neither firm publishes audited accounts.",
            False, 0, _labs),
    Exhibit(4, f"Model price list at {longdate(AS_OF)}", ("model_prices",),
            "Provider price lists, as graded; capability index by the case writers (illustrative).",
            False, 1, _prices),
    Exhibit(5, "Scoring the platforms: VTDF scores, rubric and weights",
            ("vtdf_scores", "vtdf_rubric", "vtdf_weights"),
            "Case writers' illustrative assessment for teaching; not a rating by any analyst or company.",
            True, 1, _vtdf),
    Exhibit(6, "Build or buy frontier capability: Meta's parameters", ("build_vs_buy",),
            "Case writers' illustrative parameters, anchored to the scale of Exhibits 1 and 3.",
            True, 0, _build_vs_buy),
    Exhibit(7, "An enterprise buyer: self-hosting an open model or paying per token", ("selfhost",),
            "Case writers' parameter set; sourced rows cite their source.", True, 0, _selfhost),
    Exhibit(8, "Platform parallels: open and closed, won and lost", ("platform_parallels",),
            "Company filings, announcements and histories, as graded in the table.", False, 1,
            _parallels),
    Exhibit(9, "The board's options: drivers, futures and the payoff matrix",
            ("scenario_options", "scenarios", "scenario_params"),
            "Case writers' illustrative drivers, values and probabilities for teaching; the payoffs "
            "are computed from them.", True, 1, _scenarios),
)


def exhibit(number: int) -> Exhibit:
    for item in EXHIBITS:
        if item.number == number:
            return item
    raise KeyError(f"no Exhibit {number}")


def render_exhibits(folder: Path, notes: Endnotes | None = None,
                    numbers: Iterable[int] | None = None, dpi: int = 150) -> str:
    """The exhibits' HTML, in number order (all of them unless `numbers` is given), figures
    drawn at `dpi` (the print edition asks for more than the screen's 150)."""
    notes = notes or Endnotes.read(folder)
    wanted = set(numbers) if numbers is not None else None
    return "\n".join(e.html(folder, notes, dpi) for e in EXHIBITS
                     if wanted is None or e.number in wanted)
