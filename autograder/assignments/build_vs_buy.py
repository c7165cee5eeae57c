"""Assignment 2, build versus buy: checks, points and the catalogue of common mistakes.

Part A takes Meta's view (Exhibits 1 and 6): the flows of building a frontier model versus
buying access, their NPV, IRR, payback, and what one quarter's capex would buy. Part B takes an
enterprise buyer's view (Exhibits 4 and 7): blended API prices, self-hosting cost per 1M tokens,
break-even volume, annual costs and the "90% of the capability for 0% of the cost" claim.
Part C varies the discount rate and the utilization.

Every mistake's `cell` is the whole answer cell as a student would write it; the notebook's
setup cell defines `meta`, `buyer`, `prices`, `capex`, `r`, `rates` and `find_root`, and later
answer cells use only those and earlier answer variables, so a mistake carries into later
questions only through its own answer (which then earns follow-through credit).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from autograder import data
from autograder.assignments import build_vs_buy_cells as cells
from autograder.key import build_vs_buy as key
from autograder.spec import Assignment, Check, Mistake


def load(folder: Path) -> dict:
    return {"meta": data.params("build_vs_buy", folder),
            "buyer": data.params("selfhost", folder),
            "prices": data.load("model_prices", folder),
            "capex": data.load("meta_capex", folder)}


def _finite(value):
    return None if value is None or not math.isfinite(value) else value


def solve(inputs: dict, given: dict) -> dict:
    m, h, prices = inputs["meta"], inputs["buyer"], inputs["prices"]
    r = m["discount_rate"]
    a = dict(given)
    if "flows" not in a:
        a["flows"] = key.flows_from_params(m)
    flows = a["flows"]
    if "npv" not in a:
        a["npv"] = key.npvs(flows, r)
    if "irr" not in a:
        a["irr"] = key.irr(flows["incremental"])
    if "payback" not in a:
        a["payback"] = key.paybacks(flows["build"], r)
    if "incremental_payback" not in a:
        a["incremental_payback"] = key.payback(flows["incremental"])
    if "annuity_years" not in a:
        a["annuity_years"] = _finite(key.annuity_years(key.quarter_capex(inputs["capex"]),
                                                       m["buy_fee_per_year"], r))
    if "api_prices" not in a:
        a["api_prices"] = key.api_prices(prices, h["input_share"])
    if "tokens_per_s" not in a:
        a["tokens_per_s"] = key.tokens_per_second(h)
    if "selfhost_per_1m" not in a:
        a["selfhost_per_1m"] = key.selfhost_per_1m(h, a["tokens_per_s"])
    if "cheapest_api" not in a:
        a["cheapest_api"] = key.cheapest_adequate(prices, a["api_prices"], h["adequacy_threshold"])
    api_price = float(a["api_prices"][a["cheapest_api"]])
    own = a["selfhost_per_1m"]
    if "breakeven_volume" not in a:
        a["breakeven_volume"] = key.breakeven_volume(h["staff_ops_usd_per_month"], api_price,
                                                     float(own["variable"]))
    if "annual_costs" not in a:
        a["annual_costs"] = key.annual_costs(api_price, float(own["total"]), h["monthly_tokens_m"])
    if "cost_share" not in a:
        a["cost_share"] = key.cost_share(float(own["total"]), api_price)
    if "npv_by_rate" not in a:
        a["npv_by_rate"] = key.npv_by_rate(flows)
    if "npv_grid" not in a:
        a["npv_grid"] = key.npv_grid(m)
    if "fee_growth" not in a:
        a["fee_growth"] = key.fee_growth_breakeven(key.flows_from_params(m), m)
    if "breakeven_utilization" not in a:
        a["breakeven_utilization"] = key.breakeven_utilization(h, api_price, a["tokens_per_s"])
    return a


def _flows_variant(i: dict, lag_months=None, buy_share=None, capex="one-off",
                   live_rule=None) -> pd.DataFrame:
    m = i["meta"]
    flows = key.cash_flows(m["horizon_years"], m["build_capex_t0"], m["build_capex_t1"],
                           m["build_opex_per_year"],
                           m["capability_lag_months"] if lag_months is None else lag_months,
                           m["annual_benefit"], m["buy_integration_t0"], m["buy_fee_per_year"],
                           m["buy_benefit_share"] if buy_share is None else buy_share)
    years = flows.index.to_numpy()
    if live_rule is not None:  # a different share of each year with the model in use
        live = live_rule(years, m["capability_lag_months"] / 12).astype(float)
        flows["build"] += m["annual_benefit"] * (live - key.live_share(years, m["capability_lag_months"]))
    if capex == "spread":
        per_year = (m["build_capex_t0"] + m["build_capex_t1"]) / m["horizon_years"]
        flows.loc[0, "build"] += m["build_capex_t0"]
        flows.loc[1, "build"] += m["build_capex_t1"]
        flows.loc[flows.index >= 1, "build"] -= per_year
    flows["incremental"] = flows["build"] - flows["buy"]
    return flows


SOLUTIONS = cells.SOLUTIONS


# ------------------------------------------------------------------------- checks


def _models(i: dict) -> list[str]:
    return [str(m) for m in i["prices"]["model"]]


def _api(i: dict, a: dict) -> tuple[float, float]:
    """The chosen API's blended price and capability index."""
    price = float(a["api_prices"][a["cheapest_api"]])
    capability = float(i["prices"].set_index("model").loc[a["cheapest_api"], "capability_index"])
    return price, capability


def _payback_whole(i, a):
    build = a["flows"]["build"].to_numpy()
    r = i["meta"]["discount_rate"]
    simple = key.payback(build)
    discounted = key.payback(build, r)
    return pd.Series({"simple": float(math.ceil(simple)), "discounted": float(math.ceil(discounted))})


def _annuity(i, amount, due=False):
    r, fee = i["meta"]["discount_rate"], i["meta"]["buy_fee_per_year"]
    return -math.log(1 - amount * r / (fee * (1 + r) if due else fee)) / math.log(1 + r)


def _capex(i, period):
    return key.quarter_capex(i["capex"], period)


def _selfhost_variant(i, a, utilization=None, multiply=False, fixed_months=1):
    h = i["buyer"]
    util = h["utilization"] if utilization is None else utilization
    full = key.gpu_cost_per_1m(h["gpus"], h["gpu_usd_per_hour"], a["tokens_per_s"], 1.0)
    variable = full * util if multiply else full / util
    fixed = h["staff_ops_usd_per_month"] * fixed_months / h["monthly_tokens_m"]
    return pd.Series({"variable": variable, "fixed": fixed, "total": variable + fixed})


def _cheapest(i, a, threshold=True, access=True):
    h = i["buyer"]
    return key.cheapest_adequate(i["prices"], a["api_prices"],
                                 h["adequacy_threshold"] if threshold else -math.inf,
                                 key.APPROVED_ACCESS if access else None)


def _most_capable(i, a):
    table = i["prices"].set_index("model")
    ok = ((table["access"] == key.APPROVED_ACCESS)
          & (table["capability_index"] >= i["buyer"]["adequacy_threshold"]))
    return str(table.loc[ok, "capability_index"].idxmax())


def _grid_variant(i, discount=True, column="incremental"):
    m = i["meta"]
    rows = {}
    for lag in key.GRID_LAGS:
        rows[lag] = {}
        for share in key.GRID_SHARES:
            f = key.flows_from_params({**m, "capability_lag_months": lag, "buy_benefit_share": share})
            values = f[column].to_numpy()
            rows[lag][share] = (key.npv(m["discount_rate"], values) if discount
                                else float(values.sum()))
    return pd.DataFrame(rows).T.rename_axis(index="lag_months", columns="benefit_share")


def _by_rate(flows, exponent_shift=0, sign=1.0, column="incremental"):
    values = flows[column].to_numpy()
    t = flows.index.to_numpy()
    return pd.Series({float(r): sign * float((values / (1 + r) ** (t + exponent_shift)).sum())
                      for r in key.RATES}).rename_axis("discount_rate")


CHECKS = (
    Check(
        id="q1_flows", variable="flows", about="the yearly cash flows of build, buy and build − buy",
        tolerance="money", points=2, format_points=0,
        format=lambda i: {"type": "DataFrame",
                          "index": list(range(int(i["meta"]["horizon_years"]) + 1)),
                          "columns": ["build", "buy", "incremental"]},
        mistakes=(
            Mistake("no-lag",
                    "the build benefits start too early: the built model only pays off once the "
                    "capability lag has passed.",
                    cells.flows_cell(live="(years >= 1).astype(float)"),
                    lambda i, a: _flows_variant(i, lag_months=0)),
            Mistake("lag-whole-year",
                    "the lag ends part-way through a year: in that year count only the share "
                    "after the lag (pro rata), not the whole year.",
                    cells.flows_cell(live="(years > lag).astype(float)"),
                    lambda i, a: _flows_variant(i, live_rule=lambda t, lag: t > lag)),
            Mistake("lag-next-year",
                    "benefits start in the year the lag ends, pro rata; here they only start the "
                    "year after.",
                    cells.flows_cell(live="(years > np.ceil(lag)).astype(float)"),
                    lambda i, a: _flows_variant(i, live_rule=lambda t, lag: t > math.ceil(lag))),
            Mistake("capex-recurring",
                    "capex is a one-off outflow in the years it is paid (today and at the end of "
                    "year 1), not a recurring yearly cost spread over the horizon.",
                    cells.flows_cell(capex="spread"),
                    lambda i, a: _flows_variant(i, capex="spread")),
        ),
    ),
    Check(
        id="q2_npv", variable="npv", about="the NPV of build and buy and their difference",
        tolerance="money", points=2, format_points=0,
        format={"type": "Series", "index": ["build", "buy", "difference"]},
        mistakes=(
            Mistake("spreadsheet-npv",
                    "every flow is discounted one year too many: the year-0 flow happens today "
                    "and is not discounted (a spreadsheet's NPV() discounts its first value).",
                    cells.npv_cell(discount="(1 + r) ** (flows.index.to_numpy() + 1)"),
                    lambda i, a: a["npv"] / (1 + i["meta"]["discount_rate"])),
            Mistake("year0-omitted",
                    "the flows of year 0 (paid today) are missing: include them, undiscounted.",
                    cells.npv_cell(discount="(1 + r) ** flows.loc[1:].index.to_numpy()",
                              table="flows.loc[1:]"),
                    lambda i, a: a["npv"] - a["flows"].loc[0].rename({"incremental": "difference"})),
            Mistake("rate-as-percent",
                    "use the discount rate as a decimal (0.10 for 10%), not as a whole number.",
                    cells.npv_cell(discount="(1 + 10) ** flows.index.to_numpy()"),
                    lambda i, a: key.npvs(a["flows"], 100 * i["meta"]["discount_rate"])),
            Mistake("difference-reversed",
                    "the difference is build minus buy, positive when building is worth more.",
                    cells.npv_cell(difference='-pv["incremental"].sum()'),
                    lambda i, a: a["npv"] * pd.Series({"build": 1, "buy": 1, "difference": -1})),
        ),
    ),
    Check(
        id="q3_irr", variable="irr", about="the IRR of the incremental flows (build − buy)",
        tolerance="rate", points=2, format_points=0,
        format={"type": "number", "range": [-0.5, 1],
                "range_hint": "give the IRR as a decimal rate, not a percentage"},
        mistakes=(
            Mistake("irr-percent",
                    "give the IRR as a decimal rate (0.05 for 5%), not a percentage.",
                    cells.irr_cell(scale="100 * "),
                    lambda i, a: 100 * a["irr"]),
            Mistake("build-alone",
                    "this is the IRR of the build program on its own; the question asks for the "
                    "IRR of the incremental flows (build − buy).",
                    cells.irr_cell(column="build"),
                    lambda i, a: key.irr(a["flows"]["build"])),
        ),
    ),
    Check(
        id="q4_payback", variable="payback", about="the simple and discounted payback of the build program",
        tolerance="years", points=2, format_points=0,
        format=lambda i: {"type": "Series", "index": ["simple", "discounted"],
                          "range": [0, int(i["meta"]["horizon_years"])],
                          "range_hint": "payback is a number of years within the horizon"},
        mistakes=(
            Mistake("whole-years",
                    "payback is fractional: add the unrecovered amount divided by the next "
                    "year's flow instead of counting whole years.",
                    cells.payback_cell("last + 1", "dlast + 1"),
                    _payback_whole),
            Mistake("swapped",
                    "the simple and discounted paybacks look swapped: discounting shrinks later "
                    "inflows, so the discounted payback comes later.",
                    cells.payback_cell(cells.PAYBACK_DISCOUNTED, cells.PAYBACK_SIMPLE),
                    lambda i, a: pd.Series({"simple": a["payback"]["discounted"],
                                            "discounted": a["payback"]["simple"]})),
        ),
    ),
    Check(
        id="q4_incremental_payback", variable="incremental_payback",
        about="the simple payback of the incremental flows (build − buy)", tolerance="years",
        points=2, format_points=0,
        format=lambda i: {"type": "number", "range": [0, int(i["meta"]["horizon_years"])],
                          "range_hint": "payback is a number of years within the horizon"},
        mistakes=(
            Mistake("build-only",
                    "this is the payback of the build program on its own; the question asks when "
                    "building's extra outlay over buying is recovered: use the incremental flows.",
                    cells.incremental_payback_cell(column="build"),
                    lambda i, a: key.payback(a["flows"]["build"])),
            Mistake("whole-years",
                    "payback is fractional: add the unrecovered amount divided by the next "
                    "year's flow instead of counting whole years.",
                    cells.incremental_payback_cell(whole=True),
                    lambda i, a: float(math.ceil(a["incremental_payback"]))),
        ),
    ),
    Check(
        id="q5_annuity", variable="annuity_years",
        about="the years of buy fees one quarter's capex funds as an annuity",
        tolerance="years", points=2, format_points=0,
        format={"type": "number", "range": [0, 100]},
        mistakes=(
            Mistake("no-interest",
                    "dividing the capex by the fee ignores interest: the unspent balance earns "
                    "the discount rate, so solve the annuity formula for the number of years.",
                    cells.annuity_cell(formula="amount / fee"),
                    lambda i, a: _capex(i, "Q4-2024") / i["meta"]["buy_fee_per_year"]),
            Mistake("annuity-due",
                    "the fees are paid at the end of each year (an ordinary annuity), not at "
                    "the start of each year.",
                    cells.annuity_cell(formula="-np.log(1 - amount * r / (fee * (1 + r))) / np.log(1 + r)"),
                    lambda i, a: _annuity(i, _capex(i, "Q4-2024"), due=True)),
            Mistake("latest-quarter",
                    "use the quarter the question names, Q4-2024 (the quarter whose capex the "
                    "$14.8 billion figure would match), not the latest quarter.",
                    cells.annuity_cell(period="Q2-2025"),
                    lambda i, a: _annuity(i, _capex(i, "Q2-2025"))),
            Mistake("build-tranche",
                    "use Meta's reported Q4-2024 capex from Exhibit 1 (meta_capex.csv), not the "
                    "build program's first capex tranche.",
                    cells.annuity_cell(amount='meta["build_capex_t0"]'),
                    lambda i, a: _annuity(i, i["meta"]["build_capex_t0"])),
        ),
    ),
    Check(
        id="q6_api_prices", variable="api_prices", about="the blended API price per 1M tokens of each model",
        tolerance="price", points=2, format_points=0,
        format=lambda i: {"type": "Series", "index": _models(i), "range": [0, 1000],
                          "range_hint": "prices are in dollars per 1M tokens"},
        mistakes=(
            Mistake("input-only",
                    "these are the input prices alone: blend input and output prices at the "
                    "stated input/output mix.",
                    cells.prices_cell('prices["input_usd_per_1m"]'),
                    lambda i, a: i["prices"].set_index("model")["input_usd_per_1m"]),
            Mistake("per-1k",
                    "these are prices per 1,000 tokens: the question asks for dollars per "
                    "1 million tokens, the unit of the price list.",
                    cells.prices_cell(f"({cells.BLENDED}) / 1000"),
                    lambda i, a: a["api_prices"] / 1000),
            Mistake("mix-swapped",
                    "the input and output shares look swapped: the input share weights the "
                    "input price.",
                    cells.prices_cell('(1 - share_in) * prices["input_usd_per_1m"] '
                                 '+ share_in * prices["output_usd_per_1m"]'),
                    lambda i, a: key.api_prices(i["prices"], 1 - i["buyer"]["input_share"])),
            Mistake("simple-average",
                    "a plain average of the input and output prices ignores the mix: weight them "
                    "by the input and output shares.",
                    cells.prices_cell('(prices["input_usd_per_1m"] + prices["output_usd_per_1m"]) / 2'),
                    lambda i, a: key.api_prices(i["prices"], 0.5)),
        ),
    ),
    Check(
        id="q7_tokens_per_s", variable="tokens_per_s",
        about="all tokens one replica processes per second for this workload's mix",
        tolerance="quantity", points=2, format_points=0,
        format={"type": "number", "range": [0, 1_000_000],
                "range_hint": "give tokens per second, input and output together"},
        mistakes=(
            Mistake("benchmark-output-rate",
                    "this is the benchmark's output tokens per second: a replica also reads the "
                    "input tokens, and this workload's mix differs from the benchmark's.",
                    cells.tokens_cell(formula='buyer["benchmark_a_output_tokens_per_s"]'),
                    lambda i, a: float(i["buyer"]["benchmark_a_output_tokens_per_s"])),
            Mistake("one-run",
                    "this counts all tokens at run A's mix (1,000 in, 1,000 out); this workload "
                    "reads three input tokens per output token, so read the line at its own mix.",
                    cells.tokens_cell(formula="(1 + ra) / sa"),
                    lambda i, a: (1 + 1.0) * float(i["buyer"]["benchmark_a_output_tokens_per_s"])),
            Mistake("output-only",
                    "these are output tokens per second at this workload's mix; count the input "
                    "tokens too: (1 + ratio) output-equivalents per output token.",
                    cells.tokens_cell(formula="1 / (decode + prefill * ratio)"),
                    lambda i, a: a["tokens_per_s"] / (1 + key.input_ratio(i["buyer"]))),
        ),
    ),
    Check(
        id="q7_selfhost", variable="selfhost_per_1m",
        about="the self-hosting cost per 1M tokens (variable, fixed, total)",
        tolerance="price", points=2, format_points=0,
        format={"type": "Series", "index": ["variable", "fixed", "total"], "range": [0, 1000],
                "range_hint": "costs are in dollars per 1M tokens"},
        mistakes=(
            Mistake("full-utilization",
                    "this assumes the GPUs do useful work 100% of the time: divide by the stated "
                    "utilization.",
                    cells.selfhost_cell(utilization="1.0"),
                    lambda i, a: _selfhost_variant(i, a, utilization=1.0)),
            Mistake("times-utilization",
                    "idle GPU time makes each useful token dearer: divide by the utilization, "
                    "do not multiply by it.",
                    cells.selfhost_cell(per_hour='tokens_per_s * 3600 / utilization / 1e6'),
                    lambda i, a: _selfhost_variant(i, a, multiply=True)),
            Mistake("annual-fixed",
                    "the fixed cost is per month and the volume is per month: do not annualize "
                    "one of them.",
                    cells.selfhost_cell(
                        fixed='buyer["staff_ops_usd_per_month"] * 12 / buyer["monthly_tokens_m"]'),
                    lambda i, a: _selfhost_variant(i, a, fixed_months=12)),
        ),
    ),
    Check(
        id="q8_cheapest_api", variable="cheapest_api", about="the cheapest adequate approved API",
        tolerance="exact", points=1, format_points=0,
        format=lambda i: {"type": "str", "choices": _models(i)},
        mistakes=(
            Mistake("not-adequate",
                    "that model is cheap but falls below the workload's capability threshold.",
                    cells.cheapest_cell('prices["access"] == "closed"'),
                    lambda i, a: _cheapest(i, a, threshold=False)),
            Mistake("not-approved",
                    "only the closed labs' APIs are approved vendors in this question; hosted "
                    "open models come up in Question 13.",
                    cells.cheapest_cell('prices["capability_index"] >= buyer["adequacy_threshold"]'),
                    lambda i, a: _cheapest(i, a, access=False)),
            Mistake("most-capable",
                    "adequate means good enough, not best: among the adequate approved APIs, "
                    "pick the cheapest.",
                    "ok = " + cells.ADEQUATE
                    + '\ncheapest_api = prices.loc[ok, "capability_index"].idxmax()\ncheapest_api',
                    _most_capable),
        ),
    ),
    Check(
        id="q8_breakeven_volume", variable="breakeven_volume",
        about="the break-even monthly volume (millions of tokens)",
        tolerance="money", points=2, format_points=0,
        format={"type": "number", "range": [-1_000_000, 1_000_000],
                "range_hint": "give the volume in millions of tokens per month"},
        mistakes=(
            Mistake("annual-fixed",
                    "the fixed cost per year over a margin per token gives a yearly volume: use "
                    "the fixed cost per month for a monthly volume.",
                    cells.breakeven_cell(fixed='buyer["staff_ops_usd_per_month"] * 12'),
                    lambda i, a: 12 * a["breakeven_volume"]),
            Mistake("all-in-margin",
                    "subtract only the variable self-hosting cost per 1M from the API price: "
                    "the fixed cost is already in the numerator.",
                    cells.breakeven_cell(variable='selfhost_per_1m["total"]'),
                    lambda i, a: key.breakeven_volume(i["buyer"]["staff_ops_usd_per_month"],
                                                      _api(i, a)[0],
                                                      float(a["selfhost_per_1m"]["total"]))),
            Mistake("tokens",
                    "prices are per 1M tokens, so the volume comes out in millions of tokens: "
                    "do not convert it to tokens.",
                    cells.breakeven_cell(scale="1e6 * "),
                    lambda i, a: 1e6 * a["breakeven_volume"]),
        ),
    ),
    Check(
        id="q9_annual_costs", variable="annual_costs",
        about="the annual cost of the API and of self-hosting, and the saving",
        tolerance="money", points=2, format_points=0,
        format={"type": "Series", "index": ["api", "self_host", "saving"]},
        mistakes=(
            Mistake("monthly",
                    "these are monthly costs: the volume is per month, so multiply by 12 for a "
                    "year.",
                    cells.annual_cell(months="1"),
                    lambda i, a: a["annual_costs"] / 12),
            Mistake("fixed-omitted",
                    "self-hosting also pays the fixed staff and operations cost: use the total "
                    "cost per 1M, not the GPU cost alone.",
                    cells.annual_cell(own='selfhost_per_1m["variable"]'),
                    lambda i, a: key.annual_costs(_api(i, a)[0], float(a["selfhost_per_1m"]["variable"]),
                                                  i["buyer"]["monthly_tokens_m"])),
            Mistake("saving-reversed",
                    "the saving from self-hosting is the API cost minus the self-hosting cost.",
                    cells.annual_cell(saving="own_cost - api_cost"),
                    lambda i, a: a["annual_costs"] * pd.Series({"api": 1, "self_host": 1, "saving": -1})),
        ),
    ),
    Check(
        id="q10_cost_share", variable="cost_share",
        about="the self-hosting cost as a share of the API price", tolerance="share",
        points=2, format_points=0,
        # no range: an answer that follows from Question 7's per-1K slip lies in the hundreds
        # and earns follow-through credit, so a range cannot tell it from a percentage
        format={"type": "number"},
        mistakes=(
            Mistake("variable-only",
                    "the self-hosted cost should be all-in (GPU time plus staff and operations), "
                    "as in the total of Question 7.",
                    cells.cost_share_cell(own='selfhost_per_1m["variable"]'),
                    lambda i, a: key.cost_share(float(a["selfhost_per_1m"]["variable"]), _api(i, a)[0])),
            Mistake("inverted",
                    "this is the API's price as a share of the self-hosting cost: divide the "
                    "self-hosting cost by the API price.",
                    cells.cost_share_cell(invert=True),
                    lambda i, a: 1 / a["cost_share"]),
        ),
    ),
    Check(
        id="q11_npv_by_rate", variable="npv_by_rate",
        about="the NPV difference (build − buy) at each discount rate",
        tolerance="money", points=1, format_points=0,
        format={"type": "Series", "index": list(key.RATES)},
        mistakes=(
            Mistake("reversed",
                    "the sign is reversed: the difference is NPV(build) − NPV(buy).",
                    cells.by_rate_cell(sign="-"),
                    lambda i, a: _by_rate(a["flows"], sign=-1.0)),
            Mistake("spreadsheet-npv",
                    "the year-0 flow is discounted too: it happens today and is not discounted.",
                    cells.by_rate_cell(exponent="(flows.index.to_numpy() + 1)"),
                    lambda i, a: _by_rate(a["flows"], exponent_shift=1)),
        ),
    ),
    Check(
        id="q11_npv_grid", variable="npv_grid",
        about="the NPV difference over capability lag and benefit share", tolerance="money",
        points=2, format_points=0,
        format={"type": "DataFrame", "index": list(key.GRID_LAGS), "columns": list(key.GRID_SHARES)},
        mistakes=(
            Mistake("undiscounted",
                    "each cell is a difference of NPVs at the hurdle rate: discount the flows "
                    "before adding them up.",
                    cells.grid_cell(discount=False),
                    lambda i, a: _grid_variant(i, discount=False)),
            Mistake("build-only",
                    "each cell is NPV(build) − NPV(buy), not the NPV of building alone.",
                    cells.grid_cell(flows_of="build"),
                    lambda i, a: _grid_variant(i, column="build")),
        ),
    ),
    Check(
        id="q11_fee_growth", variable="fee_growth",
        about="the yearly fee growth at which building and buying tie", tolerance="threshold",
        points=2, format_points=0,
        format={"type": "number", "range": [0, 1],
                "range_hint": "give the growth rate as a decimal, not a percentage"},
        mistakes=(
            Mistake("from-year-0",
                    "the fee is the stated fee in year 1 and grows from there: (1 + g) to the "
                    "power t − 1, not t.",
                    cells.fee_cell(exponent="years"),
                    lambda i, a: key.fee_growth_breakeven(key.flows_from_params(i["meta"]), i["meta"],
                                                          from_year=0)),
            Mistake("growth-percent",
                    "give the growth rate as a decimal (0.05 for 5%), not a percentage.",
                    cells.fee_cell(scale="100 * "),
                    lambda i, a: 100 * a["fee_growth"]),
        ),
    ),
    Check(
        id="q12_breakeven_utilization", variable="breakeven_utilization",
        about="the utilization at which self-hosting breaks even", tolerance="threshold",
        points=2, format_points=0,
        # no range: answers that follow from earlier slips lie above full load or below 0,
        # and the hidden check already names the percentage slip (util-percent)
        format={"type": "number"},
        mistakes=(
            Mistake("fixed-ignored",
                    "at the stated volume self-hosting also pays its fixed cost per 1M: the GPU "
                    "cost must fit in what the API price leaves after it.",
                    cells.utilization_cell(room="api_price"),
                    lambda i, a: key.gpu_cost_per_1m(i["buyer"]["gpus"], i["buyer"]["gpu_usd_per_hour"],
                                                     a["tokens_per_s"], 1.0)
                    / _api(i, a)[0]),
            Mistake("util-percent",
                    "give the utilization as a share of capacity (0.5 for 50%), not a percentage.",
                    cells.utilization_cell(scale="100 * "),
                    lambda i, a: 100 * a["breakeven_utilization"]),
        ),
    ),
    Check(
        id="q13_rates_chart", variable="fig_rates", about="the chart of the NPV difference by rate",
        tolerance="exact", points=0, format_points=1, hidden=False,
        format={"type": "figure", "lines": 2, "labelled": True},
        mistakes=(
            Mistake("no-zero-line", "should show 2 lines", cells.rates_chart_cell(zero_line=False)),
            Mistake("unlabelled", "needs a title and both axis labels", cells.rates_chart_cell(labels=False)),
        ),
    ),
    Check(
        id="q13_util_chart", variable="fig_util",
        about="the chart of self-hosting cost by utilization", tolerance="exact",
        points=0, format_points=1, hidden=False,
        format={"type": "figure", "lines": 2, "labelled": True, "legend": 2},
        mistakes=(
            Mistake("no-legend", "needs a legend with 2 entries", cells.util_chart_cell(legend=False)),
        ),
    ),
)


ASSIGNMENT = Assignment(
    name="build_vs_buy",
    title="Build versus buy: what frontier capability is worth to Meta",
    notebook="build_vs_buy.ipynb",
    data_files=("build_vs_buy", "selfhost", "model_prices", "meta_capex"),
    load=load,
    solve=solve,
    checks=CHECKS,
    manual={"q5_sunk_or_not": 3, "q10_claim_memo": 3, "q13_recommendation": 8},
    variants=True,
)
