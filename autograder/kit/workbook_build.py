"""The workbook's build-versus-buy sheet: Part A (Meta's program: flows, NPV, IRR, payback,
annuity, sensitivity to the rate, lag and benefit share) and Part B (the enterprise buyer:
blended API prices, throughput, self-hosting cost, break-even volume and utilization).

Each formula follows autograder.key.build_vs_buy step by step, with the key's own constants
(months, seconds, the rate and grid values); inputs are links to Exhibits 1, 4, 6 and 7.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

from autograder.key import build_vs_buy as bvb
from autograder.kit.workbook_models import Inputs, Sheet, num, params_block, ref, row_keys

BVB_SHEET = "Build vs buy"

BVB_NOTES = (
    "Blue: inputs linked to the exhibit sheets (change them there). Yellow: answer cells.",
    "Flows fall at the end of each year; t = 0 is today and is not discounted: "
    "NPV = CF0 + NPV(r, CF1 … CFn). Rates are decimals (0.10, not 10). Money in Part A is in "
    "$ billion; Part B prices are $ per 1M tokens and volumes millions of tokens a month.",
)
FLOW_HEADERS = ("Year", "Share of year live", "Build", "Buy", "Build − buy", "Discounted build",
                "Cumulative build", "Cumulative discounted build", "Cumulative build − buy")


@dataclass(frozen=True)
class Flows:
    years: str  # ranges, year 0 … horizon
    build: str
    buy: str
    incremental: str
    discounted: str
    cumulative: str
    cumulative_discounted: str
    cumulative_incremental: str


def _column(first: int, last: int, col: int) -> str:
    return f"{ref(first, col)}:{ref(last, col)}"


def _flow_row(s: Sheet, row: int, year: int, p: dict[str, str], top: int) -> None:
    y = ref(row, 1, False)
    s.put(row, 1, year, "label", "int")
    live = s.answer(row, 2, f"=MIN(1,MAX(0,{y}-{p['capability_lag_months']}/{num(bvb.MONTHS)}))", None,
                    "share of this year with the built model in use: 0 before the lag ends, pro "
                    "rata in the year it ends, 1 after", "share")
    s.answer(row, 3, f"={p['annual_benefit']}*{live}-IF({y}>=1,{p['build_opex_per_year']},0)"
             f"-IF({y}=0,{p['build_capex_t0']},0)-IF({y}=1,{p['build_capex_t1']},0)",
             f"q1_flows/{year}/build", "build: benefit once live, minus opex and capex", "usd_b")
    s.answer(row, 4, f"=IF({y}>=1,{p['buy_benefit_share']}*{p['annual_benefit']}"
             f"-{p['buy_fee_per_year']},-{p['buy_integration_t0']})", f"q1_flows/{year}/buy",
             "buy: share of the benefit minus the fee from year 1; integration today", "usd_b")
    s.answer(row, 5, f"={ref(row, 3, False)}-{ref(row, 4, False)}", f"q1_flows/{year}/incremental",
             "build minus buy", "usd_b")
    s.answer(row, 6, f"={ref(row, 3, False)}/(1+{p['discount_rate']})^{y}", None,
             "the build flow discounted to today", "usd_b")
    for col, of in ((7, 3), (8, 6), (9, 5)):
        s.answer(row, col, f"=SUM({ref(top, of)}:{ref(row, of, False)})", None,
                 "running total since year 0", "usd_b")


def flows_block(s: Sheet, p: dict[str, str], horizon: int, row: int) -> tuple[Flows, int]:
    s.put(row, 1, "Yearly cash flows, $ billion (end of year; year 0 is today)", "header")
    for col, text in enumerate(FLOW_HEADERS, start=1):
        s.put(row + 1, col, text, "header")
    top, last = row + 2, row + 2 + horizon
    for year in range(horizon + 1):
        _flow_row(s, top + year, year, p, top)
    cols = [_column(top, last, c) for c in range(1, 10)]
    return Flows(cols[0], cols[2], cols[3], cols[4], cols[5], cols[6], cols[7], cols[8]), last + 2


def _split(column: str) -> tuple[str, str]:
    """(year 0's cell, the range of years 1 … horizon) of a flow column: Excel's NPV() discounts
    its first value by a full year, so year 0 is added outside it."""
    first, last = column.split(":")
    col, row = first.rsplit("$", 1)
    return first, f"{col}${int(row) + 1}:{last}"


def _payback(cumulative: str, flows: str, under: str) -> str:
    """Years until the cumulative is recovered for good: 0 if never negative, "never" if still
    negative at the horizon, else the last year-end under water (`under`) plus the share of the
    next year's flow that recovers the rest."""
    return (f'=IF({under}<0,0,IF({under}=ROWS({cumulative})-1,"never",'
            f"{under}-INDEX({cumulative},{under}+1)/INDEX({flows},{under}+2)))")


def results_block(s: Sheet, p: dict[str, str], f: Flows, quarter: str, row: int) -> int:
    s.put(row, 1, "Results", "header")
    r = p["discount_rate"]
    for n, (key, column, text) in enumerate((("build", f.build, "NPV of build"),
                                            ("buy", f.buy, "NPV of buy"),
                                            ("difference", f.incremental, "NPV of build − buy"))):
        first, rest = _split(column)
        s.put(row + 1 + n, 1, text + " at the discount rate")
        s.answer(row + 1 + n, 2, f"={first}+NPV({r},{rest})", f"q2_npv/{key}",
                 text + " at the discount rate (year 0 is not discounted)", "usd_b")
    row += 4
    s.put(row, 1, "IRR of build − buy")
    s.answer(row, 2, f"=IRR({f.incremental})", "q3_irr", "the rate at which the NPV of build − buy "
             "is zero", "share")
    under = {}
    for n, (key, cumulative) in enumerate((("simple", f.cumulative),
                                           ("discounted", f.cumulative_discounted),
                                           ("incremental", f.cumulative_incremental))):
        s.put(row + 1 + n, 1, f"Last year-end under water ({key} cumulative)")
        under[key] = s.answer(row + 1 + n, 2, f"=SUMPRODUCT(MAX(({cumulative}<0)*({f.years}+1)))-1",
                              None, "the last year whose cumulative is negative (-1 if none)", "int")
    row += 4
    for n, (label, name, cumulative, flows, key) in enumerate((
            ("Payback of build, years", "q4_payback/simple", f.cumulative, f.build, "simple"),
            ("Discounted payback of build, years", "q4_payback/discounted",
             f.cumulative_discounted, f.discounted, "discounted"),
            ("Payback of build − buy, years", "q4_incremental_payback", f.cumulative_incremental,
             f.incremental, "incremental"))):
        s.put(row + n, 1, label)
        s.answer(row + n, 2, _payback(cumulative, flows, under[key]), name,
                 "years before recovery plus the share of the next year needed", "years")
    row += 3
    s.put(row, 1, "Years of the buy fee that one quarter's capex would fund")
    s.answer(row, 2, f"=NPER({r},-{p['buy_fee_per_year']},{quarter})", "q5_annuity",
             "n such that the quarter's capex = fee × annuity factor at the discount rate", "years")
    return row + 2


def rates_block(s: Sheet, f: Flows, row: int, col: int) -> int:
    s.put(row, col, "NPV of build − buy by discount rate ($B)", "header")
    s.put(row + 1, col, "Rate", "header")
    s.put(row + 1, col + 1, "NPV build − buy", "header")
    first, rest = _split(f.incremental)
    for n, rate in enumerate(bvb.RATES):
        at = row + 2 + n
        s.put(at, col, rate, "label", "share")
        s.answer(at, col + 1, f"={first}+NPV({ref(at, col, False)},{rest})",
                 f"q11_npv_by_rate/{float(rate)}", "NPV of build − buy at this rate", "usd_b")
    return row + 3 + len(bvb.RATES)


def grid_block(s: Sheet, p: dict[str, str], f: Flows, row: int, col: int) -> int:
    """NPV of build − buy at the hurdle rate for each capability lag and benefit share.

    With the lag L and share s varied, build − buy in year t is benefit × live(t, L) − (opex +
    s × benefit − fee) from year 1, − capex and + integration today, − capex at year 1; live is
    MIN(1, MAX(0, t − L/12)), written with comparisons so that SUMPRODUCT can take whole years."""
    s.put(row, col, "NPV of build − buy at the discount rate: lag (rows, months) × benefit share "
          "(columns)", "header")
    s.put(row + 1, col, "Lag \\ share", "header")
    for j, share in enumerate(bvb.GRID_SHARES):
        s.put(row + 1, col + 1 + j, share, "header", "share")
    r, t = p["discount_rate"], f.years
    for i, lag in enumerate(bvb.GRID_LAGS):
        at = row + 2 + i
        s.put(at, col, lag, "header", "int")
        x = f"({t}-{ref(at, col)}/{num(bvb.MONTHS)})"
        live = f"(({x}>=1)+({x}>0)*({x}<1)*{x})"
        for j, share in enumerate(bvb.GRID_SHARES):
            sh = ref(row + 1, col + 1 + j)
            s.answer(at, col + 1 + j,
                     f"=-{p['build_capex_t0']}+{p['buy_integration_t0']}-{p['build_capex_t1']}/(1+{r})"
                     f"+SUMPRODUCT({live}*{p['annual_benefit']}/(1+{r})^{t})"
                     f"-SUMPRODUCT(({t}>=1)*({p['build_opex_per_year']}+{sh}*{p['annual_benefit']}"
                     f"-{p['buy_fee_per_year']})/(1+{r})^{t})",
                     f"q11_npv_grid/{lag}/{share}", "NPV of build − buy with this lag and share",
                     "usd_b")
    return row + 3 + len(bvb.GRID_LAGS)


def quarter_capex_ref(s: Sheet, src: Inputs, row: int) -> tuple[str, int]:
    """Meta's capex for the quarter the key uses (Exhibit 1's actual row for that period)."""
    period = inspect.signature(bvb.quarter_capex).parameters["period"].default
    capex = src.tables["meta_capex"]
    match = capex.index[(capex["period"] == period) & (capex["kind"] == "actual")]
    if len(match) != 1:
        raise ValueError(f"meta_capex: expected one actual row for {period}, found {len(match)}")
    key = row_keys(capex)[capex.index.get_loc(match[0])]
    s.put(row, 1, f"Meta's capex in {period} (actual, Exhibit 1)")
    at = s.put(row, 2, "=" + src.at("meta_capex", key, "low_usd_b", s.title), "link", "usd_b")
    s.put(row, 3, "$B", "unit")
    return at, row + 2


def meta_part(s: Sheet, src: Inputs) -> int:
    """Part A on the left (inputs, flows, results) and its sensitivity tables on the right."""
    s.put(5, 1, "Part A. Meta: build or buy frontier capability (Exhibits 1 and 6)", "header")
    p, row = params_block(s, src, "build_vs_buy", 6)
    quarter, row = quarter_capex_ref(s, src, row - 1)
    flows, row = flows_block(s, p, int(src.tables["build_vs_buy"].set_index("parameter").at[
        "horizon_years", "value"]), row)
    row = results_block(s, p, flows, quarter, row)
    side = rates_block(s, flows, 5, len(FLOW_HEADERS) + 2)
    side = grid_block(s, p, flows, side, len(FLOW_HEADERS) + 2)
    return max(row, side)  # Part B starts below both


def throughput_block(s: Sheet, h: dict[str, str], row: int) -> tuple[str, int]:
    """All tokens per second of one replica at the workload's mix: a straight line through the
    two benchmark runs, seconds per output token against input tokens per output token."""
    steps = (
        ("ra", "Run A: input tokens per output token",
         f"={h['benchmark_a_input_tokens']}/{h['benchmark_a_output_tokens']}", "ratio"),
        ("rb", "Run B: input tokens per output token",
         f"={h['benchmark_b_input_tokens']}/{h['benchmark_b_output_tokens']}", "ratio"),
        ("sa", "Run A: seconds per output token", f"=1/{h['benchmark_a_output_tokens_per_s']}", "ratio"),
        ("sb", "Run B: seconds per output token", f"=1/{h['benchmark_b_output_tokens_per_s']}", "ratio"),
        ("prefill", "Seconds per input token (slope)", "=({sb}-{sa})/({rb}-{ra})", "ratio"),
        ("decode", "Seconds per output token at no input (intercept)", "={sa}-{prefill}*{ra}", "ratio"),
        ("r", "Workload: input tokens per output token",
         f"={h['input_share']}/(1-{h['input_share']})", "ratio"),
        ("tps", "Tokens per second, all tokens, one replica at full load",
         "=(1+{r})/({decode}+{prefill}*{r})", "rate_count"),
    )
    s.put(row, 1, "Throughput at the workload's mix", "header")
    done: dict[str, str] = {}
    for n, (key, label, formula, fmt) in enumerate(steps, start=1):
        s.put(row + n, 1, label)
        name = "q7_tokens_per_s" if key == "tps" else None
        done[key] = s.answer(row + n, 2, formula.format(**done), name, label.lower(), fmt)
    return done["tps"], row + len(steps) + 2


def prices_block(s: Sheet, src: Inputs, h: dict[str, str], row: int) -> tuple[dict[str, str], int]:
    """Exhibit 4's models with their blended price and, for the approved and adequate ones, the
    price again (the column the cheapest adequate API is looked up in)."""
    headers = ("Model", "Access", "Capability index", "Input $ per 1M", "Output $ per 1M",
               "Blended $ per 1M", f"Blended if {bvb.APPROVED_ACCESS} and adequate")
    s.put(row, 1, "Exhibit 4's price list at the workload's input share", "header")
    for col, text in enumerate(headers, start=1):
        s.put(row + 1, col, text, "header")
    models = list(src.tables["model_prices"]["model"].astype(str))
    for n, model in enumerate(models):
        at = row + 2 + n
        for col, column, fmt in ((1, "model", None), (2, "access", None),
                                 (3, "capability_index", "int"), (4, "input_usd_per_1m", "price"),
                                 (5, "output_usd_per_1m", "price")):
            s.put(at, col, "=" + src.at("model_prices", model, column, s.title), "link", fmt)
        a, c = (ref(at, col, False) for col in (2, 3))
        share = h["input_share"]
        blended = s.answer(at, 6, f"={share}*{ref(at, 4, False)}+(1-{share})*{ref(at, 5, False)}",
                           f"q6_api_prices/{model}", "$ per 1M tokens at the input share", "price")
        s.answer(at, 7, f'=IF(AND({a}="{bvb.APPROVED_ACCESS}",{c}>={h["adequacy_threshold"]}),'
                 f'{blended.replace("$", "")},"")', None,
                 "the blended price if the model is approved and adequate, else empty", "price")
    last = row + 1 + len(models)
    cols = {"models": _column(row + 2, last, 1), "eligible": _column(row + 2, last, 7)}
    return cols, last + 2


def buyer_results(s: Sheet, h: dict[str, str], tps: str, cols: dict[str, str], row: int) -> int:
    full = f"{h['gpus']}*{h['gpu_usd_per_hour']}/({tps}*{num(bvb.HOURS)}/{num(bvb.MILLION)})"
    months = num(bvb.MONTHS)
    lines = (
        ("variable", "Self-hosting: GPU $ per 1M tokens at the utilization", "q7_selfhost/variable",
         f"={full}/{h['utilization']}", "price"),
        ("fixed", "Self-hosting: staff and operations $ per 1M tokens", "q7_selfhost/fixed",
         f"={h['staff_ops_usd_per_month']}/{h['monthly_tokens_m']}", "price"),
        ("total", "Self-hosting: total $ per 1M tokens", "q7_selfhost/total", "={variable}+{fixed}",
         "price"),
        ("api", "Cheapest adequate approved API", "q8_cheapest_api",
         f"=INDEX({cols['models']},MATCH(MIN({cols['eligible']}),{cols['eligible']},0))", None),
        ("price", "Its blended $ per 1M tokens", None, f"=MIN({cols['eligible']})", "price"),
        ("volume", "Break-even volume, million tokens a month", "q8_breakeven_volume",
         f'=IF({{price}}={{variable}},"none",{h["staff_ops_usd_per_month"]}/({{price}}-{{variable}}))',
         "count"),
        ("api_year", "API cost a year, $", "q9_annual_costs/api",
         f"={{price}}*{h['monthly_tokens_m']}*{months}", "usd"),
        ("own_year", "Self-hosting cost a year, $", "q9_annual_costs/self_host",
         f"={{total}}*{h['monthly_tokens_m']}*{months}", "usd"),
        ("saving", "Saving from self-hosting a year, $", "q9_annual_costs/saving",
         "={api_year}-{own_year}", "usd"),
        ("share", "Self-hosting cost as a share of the API price", "q10_cost_share",
         "={total}/{price}", "share"),
        ("util", "Break-even utilization", "q12_breakeven_utilization",
         f'=IF({{price}}={{fixed}},"none",({full})/({{price}}-{{fixed}}))', "share"),
    )
    s.put(row, 1, "Results", "header")
    done: dict[str, str] = {}
    for n, (key, label, name, formula, fmt) in enumerate(lines, start=1):
        s.put(row + n, 1, label)
        done[key] = s.answer(row + n, 2, formula.format(**done), name, label[0].lower() + label[1:],
                             fmt)
    return row + len(lines) + 2


def buyer_part(s: Sheet, src: Inputs, row: int) -> int:
    s.put(row, 1, "Part B. An enterprise buyer: self-host an open model or pay per token "
          "(Exhibits 4 and 7)", "header")
    h, row = params_block(s, src, "selfhost", row + 1)
    tps, row = throughput_block(s, h, row)
    cols, row = prices_block(s, src, h, row)
    return buyer_results(s, h, tps, cols, row)


def build_vs_buy_sheet(src: Inputs) -> Sheet:
    s = Sheet(BVB_SHEET)
    s.heading("Build versus buy: Meta's program (Part A) and an enterprise buyer (Part B)", BVB_NOTES)
    buyer_part(s, src, meta_part(s, src))
    return s
