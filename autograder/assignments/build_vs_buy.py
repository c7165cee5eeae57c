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
    if "annuity_years" not in a:
        a["annuity_years"] = _finite(key.annuity_years(key.quarter_capex(inputs["capex"]),
                                                       m["buy_fee_per_year"], r))
    if "api_prices" not in a:
        a["api_prices"] = key.api_prices(prices, h["input_share"])
    if "selfhost_per_1m" not in a:
        a["selfhost_per_1m"] = key.selfhost_per_1m(h)
    if "cheapest_api" not in a:
        a["cheapest_api"] = key.cheapest_adequate(prices, a["api_prices"], h["adequacy_threshold"])
    api_price = float(a["api_prices"][a["cheapest_api"]])
    api_capability = float(prices.set_index("model").loc[a["cheapest_api"], "capability_index"])
    own = a["selfhost_per_1m"]
    if "breakeven_volume" not in a:
        a["breakeven_volume"] = key.breakeven_volume(h["staff_ops_usd_per_month"], api_price,
                                                     float(own["variable"]))
    if "annual_costs" not in a:
        a["annual_costs"] = key.annual_costs(api_price, float(own["total"]), h["monthly_tokens_m"])
    if "cost_per_point" not in a:
        a["cost_per_point"] = key.cost_per_point(float(own["total"]), h["selfhost_capability_index"],
                                                 api_price, api_capability)
    if "claim" not in a:
        a["claim"] = key.claim_verdict(float(own["total"]), h["selfhost_capability_index"],
                                       api_price, api_capability)
    if "npv_by_rate" not in a:
        a["npv_by_rate"] = key.npv_by_rate(flows)
    if "flip_rate" not in a:
        a["flip_rate"] = key.flip_rate(flows)
    if "breakeven_utilization" not in a:
        a["breakeven_utilization"] = key.breakeven_utilization(h, api_price)
    return a


# ------------------------------------------------------------------ answer-cell variants


def _flows_cell(live: str = "np.clip(years - lag, 0, 1)", buy_benefit: str =
                'meta["buy_benefit_share"] * meta["annual_benefit"]', capex: str = "one-off") -> str:
    """Question 1's answer cell with one of its steps written a given way."""
    if capex == "one-off":
        build = ('build = meta["annual_benefit"] * live - meta["build_opex_per_year"] * (years >= 1)\n'
                 'build[0] -= meta["build_capex_t0"]\n'
                 'build[1] -= meta["build_capex_t1"]\n')
    else:  # capex as a yearly cost, spread evenly over the horizon
        build = ('capex_per_year = (meta["build_capex_t0"] + meta["build_capex_t1"]) / horizon\n'
                 'build = (meta["annual_benefit"] * live\n'
                 '         - (meta["build_opex_per_year"] + capex_per_year) * (years >= 1))\n')
    return ('horizon = int(meta["horizon_years"])\n'
            "years = np.arange(horizon + 1)\n"
            'lag = meta["capability_lag_months"] / 12            # in years\n'
            "# share of each year in which the built model is in use\n"
            f"live = {live}\n"
            "\n"
            f"{build}"
            "\n"
            f'buy = ({buy_benefit} - meta["buy_fee_per_year"]) * (years >= 1)\n'
            'buy[0] -= meta["buy_integration_t0"]\n'
            "\n"
            'flows = pd.DataFrame({"build": build, "buy": buy, "incremental": build - buy},\n'
            '                     index=pd.Index(years, name="year"))\n'
            "flows")


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


def _npv_cell(discount: str = "(1 + r) ** flows.index.to_numpy()", table: str = "flows",
              difference: str = 'pv["incremental"].sum()') -> str:
    return ("# end-of-year flows; year 0 is today\n"
            f"discount = {discount}\n"
            f"pv = {table}.div(discount, axis=0)\n"
            'npv = pd.Series({"build": pv["build"].sum(), "buy": pv["buy"].sum(),\n'
            f'                 "difference": {difference}}})\n'
            "npv")


def _irr_cell(column: str = "incremental", scale: str = "") -> str:
    return ("def npv_incremental(rate):\n"
            f'    return (flows["{column}"] / (1 + rate) ** flows.index.to_numpy()).sum()\n'
            "\n"
            "# the incremental flows change sign once (negative, then positive): one IRR\n"
            f"irr = {scale}find_root(npv_incremental, -0.5, 1.0)\n"
            "irr")


_PAYBACK_STEPS = ('build = flows["build"]\n'
                  "cum = build.cumsum()\n"
                  "last = cum[cum < 0].index[-1]        # the last year-end still under water\n"
                  "disc = build / (1 + r) ** flows.index.to_numpy()\n"
                  "dcum = disc.cumsum()\n"
                  "dlast = dcum[dcum < 0].index[-1]\n")


def _payback_cell(simple: str, discounted: str) -> str:
    return (_PAYBACK_STEPS
            + f"simple = {simple}\n"
            + f"discounted = {discounted}\n"
            + 'payback = pd.Series({"simple": simple, "discounted": discounted})\n'
            + "payback")


_PAYBACK_SIMPLE = "last + -cum[last] / build[last + 1]"
_PAYBACK_DISCOUNTED = "dlast + -dcum[dlast] / disc[dlast + 1]"


def _annuity_cell(period: str = "Q4-2024", amount: str = "quarter",
                  formula: str = "-np.log(1 - amount * r / fee) / np.log(1 + r)") -> str:
    pick = (f'capex.loc[(capex["period"] == "{period}") & (capex["kind"] == "actual"), "low_usd_b"].iloc[0]'
            )
    source = pick if amount == "quarter" else amount
    return (f"amount = {source}\n"
            'fee = meta["buy_fee_per_year"]\n'
            f"annuity_years = {formula}\n"
            "annuity_years")


def _prices_cell(formula: str) -> str:
    return ('share_in = buyer["input_share"]\n'
            f"api_prices = {formula}\n"
            "api_prices")


_BLENDED = 'share_in * prices["input_usd_per_1m"] + (1 - share_in) * prices["output_usd_per_1m"]'


def _selfhost_cell(utilization: str = 'buyer["utilization"]', per_hour: str =
                   'tokens_per_s * 3600 * utilization / 1e6',
                   fixed: str = 'buyer["staff_ops_usd_per_month"] / buyer["monthly_tokens_m"]') -> str:
    return (f"utilization = {utilization}\n"
            'gpu_dollars_per_hour = buyer["gpus"] * buyer["gpu_usd_per_hour"]\n'
            f"million_tokens_per_hour = {per_hour}\n"
            "variable = gpu_dollars_per_hour / million_tokens_per_hour\n"
            f"fixed = {fixed}\n"
            'selfhost_per_1m = pd.Series({"variable": variable, "fixed": fixed, "total": variable + fixed})\n'
            "selfhost_per_1m")


def _cheapest_cell(rule: str) -> str:
    return (f"ok = {rule}\n"
            "cheapest_api = api_prices[ok].idxmin()\n"
            "cheapest_api")


_ADEQUATE = ('(prices["access"] == "closed") & '
             '(prices["capability_index"] >= buyer["adequacy_threshold"])')


def _breakeven_cell(fixed: str = 'buyer["staff_ops_usd_per_month"]',
                    variable: str = 'selfhost_per_1m["variable"]', scale: str = "") -> str:
    return ("api_price = api_prices[cheapest_api]\n"
            f"fixed_per_month = {fixed}\n"
            f"breakeven_volume = {scale}fixed_per_month / (api_price - {variable})\n"
            "breakeven_volume")


def _annual_cell(months: str = "12", own: str = 'selfhost_per_1m["total"]',
                 saving: str = "api_cost - own_cost") -> str:
    return ("api_price = api_prices[cheapest_api]\n"
            'volume = buyer["monthly_tokens_m"]\n'
            f"api_cost = api_price * volume * {months}\n"
            f"own_cost = {own} * volume * {months}\n"
            'annual_costs = pd.Series({"api": api_cost, "self_host": own_cost, '
            f'"saving": {saving}}})\n'
            "annual_costs")


def _per_point_cell(own: str = 'selfhost_per_1m["total"]', invert: bool = False) -> str:
    if invert:
        body = ('cost_per_point = pd.Series({"self_host": own_capability / own_price,\n'
                '                            "api": api_capability / api_price})\n')
    else:
        body = ('cost_per_point = pd.Series({"self_host": own_price / own_capability,\n'
                '                            "api": api_price / api_capability})\n')
    return ("api_price = api_prices[cheapest_api]\n"
            'api_capability = prices.loc[cheapest_api, "capability_index"]\n'
            f"own_price = {own}\n"
            'own_capability = buyer["selfhost_capability_index"]\n'
            + body + "cost_per_point")


def _claim_cell(cost_share: str = 'selfhost_per_1m["total"] / api_prices[cheapest_api]') -> str:
    return ('api_capability = prices.loc[cheapest_api, "capability_index"]\n'
            'capability_share = buyer["selfhost_capability_index"] / api_capability\n'
            f"cost_share = {cost_share}\n"
            'claim = "holds" if capability_share >= 0.9 and cost_share <= 0.1 else "fails"\n'
            "print(f\"{capability_share:.0%} of the capability for {cost_share:.0%} of the cost\")\n"
            "claim")


def _by_rate_cell(exponent: str = "flows.index.to_numpy()", column: str = "incremental",
                  sign: str = "") -> str:
    return ("npv_by_rate = pd.Series(\n"
            f'    {{rate: {sign}(flows["{column}"] / (1 + rate) ** {exponent}).sum() for rate in rates}})\n'
            'npv_by_rate.index.name = "discount_rate"\n'
            "npv_by_rate")


def _flip_cell(column: str = "incremental", scale: str = "") -> str:
    return ("def npv_gap(rate):\n"
            f'    return (flows["{column}"] / (1 + rate) ** flows.index.to_numpy()).sum()\n'
            "\n"
            f"flip_rate = {scale}find_root(npv_gap, -0.5, 1.0)\n"
            "flip_rate")


def _utilization_cell(room: str = 'api_price - buyer["staff_ops_usd_per_month"] / buyer["monthly_tokens_m"]',
                      scale: str = "") -> str:
    return ("api_price = api_prices[cheapest_api]\n"
            "# GPU cost per 1M tokens at 100% utilization; at utilization u it is full_load / u\n"
            'full_load = buyer["gpus"] * buyer["gpu_usd_per_hour"] '
            '/ (tokens_per_s * 3600 / 1e6)\n'
            f"room = {room}\n"
            f"breakeven_utilization = {scale}full_load / room\n"
            "breakeven_utilization")


def _rates_chart_cell(labels: bool = True, zero_line: bool = True) -> str:
    lines = ["fig_rates, ax = plt.subplots(figsize=(7, 4))",
             'ax.plot(npv_by_rate.index, npv_by_rate.values, marker=".", label="NPV(build) − NPV(buy)")']
    if zero_line:
        lines.append('ax.axhline(0, color="grey", linewidth=1)')
    if labels:
        lines.append('ax.set(title="Build minus buy: NPV difference by discount rate",\n'
                     '       xlabel="Discount rate", ylabel="NPV difference ($ billion)")')
    lines.append("plt.show()")
    return "\n".join(lines)


def _util_chart_cell(legend: bool = True) -> str:
    lines = ["utilizations = np.linspace(0.05, 1.0, 96)",
             'full_load = buyer["gpus"] * buyer["gpu_usd_per_hour"] '
             '/ (tokens_per_s * 3600 / 1e6)',
             'fixed = buyer["staff_ops_usd_per_month"] / buyer["monthly_tokens_m"]',
             "fig_util, ax = plt.subplots(figsize=(7, 4))",
             'ax.plot(utilizations, full_load / utilizations + fixed, label="Self-hosting, all-in")',
             'ax.axhline(api_prices[cheapest_api], color="grey", linestyle="--", label=cheapest_api)',
             'ax.set(title="Self-hosting versus the API at the stated volume",\n'
             '       xlabel="GPU utilization (share of capacity)", ylabel="$ per 1M tokens")']
    if legend:
        lines.append("ax.legend()")
    lines.append("plt.show()")
    return "\n".join(lines)


# The solution's answer cells, as the notebook holds them (between the solution markers).
SOLUTIONS: dict[str, str] = {
    "q1_flows": _flows_cell(),
    "q2_npv": _npv_cell(),
    "q3_irr": _irr_cell(),
    "q4_payback": _payback_cell(_PAYBACK_SIMPLE, _PAYBACK_DISCOUNTED),
    "q5_annuity": _annuity_cell(),
    "q6_api_prices": _prices_cell(_BLENDED),
    "q7_selfhost": _selfhost_cell(),
    "q8_cheapest_api": _cheapest_cell(_ADEQUATE),
    "q8_breakeven_volume": _breakeven_cell(),
    "q9_annual_costs": _annual_cell(),
    "q10_cost_per_point": _per_point_cell(),
    "q10_claim": _claim_cell(),
    "q11_npv_by_rate": _by_rate_cell(),
    "q11_flip_rate": _flip_cell(),
    "q12_breakeven_utilization": _utilization_cell(),
    "q13_rates_chart": _rates_chart_cell(),
    "q13_util_chart": _util_chart_cell(),
}


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


def _selfhost_variant(i, utilization=None, multiply=False, fixed_months=1, output_only=False):
    h = i["buyer"]
    util = h["utilization"] if utilization is None else utilization
    full = key.gpu_cost_per_1m(h["gpus"], h["gpu_usd_per_hour"],
                               h["benchmark_output_tokens_per_s"] if output_only
                               else key.tokens_per_second(h), 1.0)
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


def _by_rate(flows, exponent_shift=0, sign=1.0, column="incremental"):
    values = flows[column].to_numpy()
    t = flows.index.to_numpy()
    return pd.Series({float(r): sign * float((values / (1 + r) ** (t + exponent_shift)).sum())
                      for r in key.RATES}).rename_axis("discount_rate")


CHECKS = (
    Check(
        id="q1_flows", variable="flows", about="the yearly cash flows of build, buy and build − buy",
        tolerance="money", points=2, format_points=0.5,
        format=lambda i: {"type": "DataFrame",
                          "index": list(range(int(i["meta"]["horizon_years"]) + 1)),
                          "columns": ["build", "buy", "incremental"]},
        mistakes=(
            Mistake("no-lag",
                    "the build benefits start too early: the built model only pays off once the "
                    "capability lag has passed.",
                    _flows_cell(live="(years >= 1).astype(float)"),
                    lambda i, a: _flows_variant(i, lag_months=0)),
            Mistake("lag-whole-year",
                    "the lag ends part-way through a year: in that year count only the share "
                    "after the lag (pro rata), not the whole year.",
                    _flows_cell(live="(years > lag).astype(float)"),
                    lambda i, a: _flows_variant(i, live_rule=lambda t, lag: t > lag)),
            Mistake("lag-next-year",
                    "benefits start in the year the lag ends, pro rata; here they only start the "
                    "year after.",
                    _flows_cell(live="(years > np.ceil(lag)).astype(float)"),
                    lambda i, a: _flows_variant(i, live_rule=lambda t, lag: t > math.ceil(lag))),
            Mistake("capex-recurring",
                    "capex is a one-off outflow in the years it is paid (today and at the end of "
                    "year 1), not a recurring yearly cost spread over the horizon.",
                    _flows_cell(capex="spread"),
                    lambda i, a: _flows_variant(i, capex="spread")),
            Mistake("buy-full-benefit",
                    "with a rival's model Meta captures only part of the annual benefit: apply "
                    "the buy benefit share.",
                    _flows_cell(buy_benefit='meta["annual_benefit"]'),
                    lambda i, a: _flows_variant(i, buy_share=1.0)),
        ),
    ),
    Check(
        id="q2_npv", variable="npv", about="the NPV of build and buy and their difference",
        tolerance="money", points=2, format_points=0.5,
        format={"type": "Series", "index": ["build", "buy", "difference"]},
        mistakes=(
            Mistake("spreadsheet-npv",
                    "every flow is discounted one year too many: the year-0 flow happens today "
                    "and is not discounted (a spreadsheet's NPV() discounts its first value).",
                    _npv_cell(discount="(1 + r) ** (flows.index.to_numpy() + 1)"),
                    lambda i, a: a["npv"] / (1 + i["meta"]["discount_rate"])),
            Mistake("year0-omitted",
                    "the flows of year 0 (paid today) are missing: include them, undiscounted.",
                    _npv_cell(discount="(1 + r) ** flows.loc[1:].index.to_numpy()",
                              table="flows.loc[1:]"),
                    lambda i, a: a["npv"] - a["flows"].loc[0].rename({"incremental": "difference"})),
            Mistake("rate-as-percent",
                    "use the discount rate as a decimal (0.10 for 10%), not as a whole number.",
                    _npv_cell(discount="(1 + 10) ** flows.index.to_numpy()"),
                    lambda i, a: key.npvs(a["flows"], 100 * i["meta"]["discount_rate"])),
            Mistake("difference-reversed",
                    "the difference is build minus buy, positive when building is worth more.",
                    _npv_cell(difference='-pv["incremental"].sum()'),
                    lambda i, a: a["npv"] * pd.Series({"build": 1, "buy": 1, "difference": -1})),
        ),
    ),
    Check(
        id="q3_irr", variable="irr", about="the IRR of the incremental flows (build − buy)",
        tolerance="rate", points=2, format_points=0.5,
        format={"type": "number", "range": [-0.5, 1],
                "range_hint": "give the IRR as a decimal rate, not a percentage"},
        mistakes=(
            Mistake("irr-percent",
                    "give the IRR as a decimal rate (0.05 for 5%), not a percentage.",
                    _irr_cell(scale="100 * "),
                    lambda i, a: 100 * a["irr"]),
            Mistake("build-alone",
                    "this is the IRR of the build program on its own; the question asks for the "
                    "IRR of the incremental flows (build − buy).",
                    _irr_cell(column="build"),
                    lambda i, a: key.irr(a["flows"]["build"])),
        ),
    ),
    Check(
        id="q4_payback", variable="payback", about="the simple and discounted payback of the build program",
        tolerance="years", points=2, format_points=0.5,
        format=lambda i: {"type": "Series", "index": ["simple", "discounted"],
                          "range": [0, int(i["meta"]["horizon_years"])],
                          "range_hint": "payback is a number of years within the horizon"},
        mistakes=(
            Mistake("whole-years",
                    "payback is fractional: add the unrecovered amount divided by the next "
                    "year's flow instead of counting whole years.",
                    _payback_cell("last + 1", "dlast + 1"),
                    _payback_whole),
            Mistake("swapped",
                    "the simple and discounted paybacks look swapped: discounting shrinks later "
                    "inflows, so the discounted payback comes later.",
                    _payback_cell(_PAYBACK_DISCOUNTED, _PAYBACK_SIMPLE),
                    lambda i, a: pd.Series({"simple": a["payback"]["discounted"],
                                            "discounted": a["payback"]["simple"]})),
        ),
    ),
    Check(
        id="q5_annuity", variable="annuity_years",
        about="the years of buy fees one quarter's capex funds as an annuity",
        tolerance="years", points=2, format_points=0.5,
        format={"type": "number", "range": [0, 100]},
        mistakes=(
            Mistake("no-interest",
                    "dividing the capex by the fee ignores interest: the unspent balance earns "
                    "the discount rate, so solve the annuity formula for the number of years.",
                    _annuity_cell(formula="amount / fee"),
                    lambda i, a: _capex(i, "Q4-2024") / i["meta"]["buy_fee_per_year"]),
            Mistake("annuity-due",
                    "the fees are paid at the end of each year (an ordinary annuity), not at "
                    "the start of each year.",
                    _annuity_cell(formula="-np.log(1 - amount * r / (fee * (1 + r))) / np.log(1 + r)"),
                    lambda i, a: _annuity(i, _capex(i, "Q4-2024"), due=True)),
            Mistake("latest-quarter",
                    "use the quarter the question names, Q4-2024 (the quarter whose capex the "
                    "$14.8 billion figure would match), not the latest quarter.",
                    _annuity_cell(period="Q2-2025"),
                    lambda i, a: _annuity(i, _capex(i, "Q2-2025"))),
            Mistake("build-tranche",
                    "use Meta's reported Q4-2024 capex from Exhibit 1 (meta_capex.csv), not the "
                    "build program's first capex tranche.",
                    _annuity_cell(amount='meta["build_capex_t0"]'),
                    lambda i, a: _annuity(i, i["meta"]["build_capex_t0"])),
        ),
    ),
    Check(
        id="q6_api_prices", variable="api_prices", about="the blended API price per 1M tokens of each model",
        tolerance="price", points=2, format_points=0.5,
        format=lambda i: {"type": "Series", "index": _models(i), "range": [0, 1000],
                          "range_hint": "prices are in dollars per 1M tokens"},
        mistakes=(
            Mistake("input-only",
                    "these are the input prices alone: blend input and output prices at the "
                    "stated input/output mix.",
                    _prices_cell('prices["input_usd_per_1m"]'),
                    lambda i, a: i["prices"].set_index("model")["input_usd_per_1m"]),
            Mistake("per-1k",
                    "these are prices per 1,000 tokens: the question asks for dollars per "
                    "1 million tokens, the unit of the price list.",
                    _prices_cell(f"({_BLENDED}) / 1000"),
                    lambda i, a: a["api_prices"] / 1000),
            Mistake("mix-swapped",
                    "the input and output shares look swapped: the input share weights the "
                    "input price.",
                    _prices_cell('(1 - share_in) * prices["input_usd_per_1m"] '
                                 '+ share_in * prices["output_usd_per_1m"]'),
                    lambda i, a: key.api_prices(i["prices"], 1 - i["buyer"]["input_share"])),
            Mistake("simple-average",
                    "a plain average of the input and output prices ignores the mix: weight them "
                    "by the input and output shares.",
                    _prices_cell('(prices["input_usd_per_1m"] + prices["output_usd_per_1m"]) / 2'),
                    lambda i, a: key.api_prices(i["prices"], 0.5)),
        ),
    ),
    Check(
        id="q7_selfhost", variable="selfhost_per_1m",
        about="the self-hosting cost per 1M tokens (variable, fixed, total)",
        tolerance="price", points=2, format_points=0.5,
        format={"type": "Series", "index": ["variable", "fixed", "total"], "range": [0, 1000],
                "range_hint": "costs are in dollars per 1M tokens"},
        mistakes=(
            Mistake("full-utilization",
                    "this assumes the GPUs do useful work 100% of the time: divide by the stated "
                    "utilization.",
                    _selfhost_cell(utilization="1.0"),
                    lambda i, a: _selfhost_variant(i, utilization=1.0)),
            Mistake("times-utilization",
                    "idle GPU time makes each useful token dearer: divide by the utilization, "
                    "do not multiply by it.",
                    _selfhost_cell(per_hour='tokens_per_s * 3600 / utilization / 1e6'),
                    lambda i, a: _selfhost_variant(i, multiply=True)),
            Mistake("output-tokens-only",
                    "the benchmark's rate counts output tokens only; a replica also processes the "
                    "input tokens, so use all tokens per second (tokens_per_s from the setup cell).",
                    _selfhost_cell(per_hour='buyer["benchmark_output_tokens_per_s"] * 3600 '
                                            '* utilization / 1e6'),
                    lambda i, a: _selfhost_variant(i, output_only=True)),
            Mistake("annual-fixed",
                    "the fixed cost is per month and the volume is per month: do not annualize "
                    "one of them.",
                    _selfhost_cell(fixed='buyer["staff_ops_usd_per_month"] * 12 / buyer["monthly_tokens_m"]'),
                    lambda i, a: _selfhost_variant(i, fixed_months=12)),
        ),
    ),
    Check(
        id="q8_cheapest_api", variable="cheapest_api", about="the cheapest adequate approved API",
        tolerance="exact", points=1, format_points=0.5,
        format=lambda i: {"type": "str", "choices": _models(i)},
        mistakes=(
            Mistake("not-adequate",
                    "that model is cheap but falls below the workload's capability threshold.",
                    _cheapest_cell('prices["access"] == "closed"'),
                    lambda i, a: _cheapest(i, a, threshold=False)),
            Mistake("not-approved",
                    "only the closed labs' APIs are approved vendors in this question; hosted "
                    "open models come up in Question 13.",
                    _cheapest_cell('prices["capability_index"] >= buyer["adequacy_threshold"]'),
                    lambda i, a: _cheapest(i, a, access=False)),
            Mistake("most-capable",
                    "adequate means good enough, not best: among the adequate approved APIs, "
                    "pick the cheapest.",
                    "ok = " + _ADEQUATE
                    + '\ncheapest_api = prices.loc[ok, "capability_index"].idxmax()\ncheapest_api',
                    _most_capable),
        ),
    ),
    Check(
        id="q8_breakeven_volume", variable="breakeven_volume",
        about="the break-even monthly volume (millions of tokens)",
        tolerance="money", points=2, format_points=0.5,
        format={"type": "number", "range": [-1_000_000, 1_000_000],
                "range_hint": "give the volume in millions of tokens per month"},
        mistakes=(
            Mistake("annual-fixed",
                    "the fixed cost per year over a margin per token gives a yearly volume: use "
                    "the fixed cost per month for a monthly volume.",
                    _breakeven_cell(fixed='buyer["staff_ops_usd_per_month"] * 12'),
                    lambda i, a: 12 * a["breakeven_volume"]),
            Mistake("all-in-margin",
                    "subtract only the variable self-hosting cost per 1M from the API price: "
                    "the fixed cost is already in the numerator.",
                    _breakeven_cell(variable='selfhost_per_1m["total"]'),
                    lambda i, a: key.breakeven_volume(i["buyer"]["staff_ops_usd_per_month"],
                                                      _api(i, a)[0],
                                                      float(a["selfhost_per_1m"]["total"]))),
            Mistake("tokens",
                    "prices are per 1M tokens, so the volume comes out in millions of tokens: "
                    "do not convert it to tokens.",
                    _breakeven_cell(scale="1e6 * "),
                    lambda i, a: 1e6 * a["breakeven_volume"]),
        ),
    ),
    Check(
        id="q9_annual_costs", variable="annual_costs",
        about="the annual cost of the API and of self-hosting, and the saving",
        tolerance="money", points=2, format_points=0.5,
        format={"type": "Series", "index": ["api", "self_host", "saving"]},
        mistakes=(
            Mistake("monthly",
                    "these are monthly costs: the volume is per month, so multiply by 12 for a "
                    "year.",
                    _annual_cell(months="1"),
                    lambda i, a: a["annual_costs"] / 12),
            Mistake("fixed-omitted",
                    "self-hosting also pays the fixed staff and operations cost: use the total "
                    "cost per 1M, not the GPU cost alone.",
                    _annual_cell(own='selfhost_per_1m["variable"]'),
                    lambda i, a: key.annual_costs(_api(i, a)[0], float(a["selfhost_per_1m"]["variable"]),
                                                  i["buyer"]["monthly_tokens_m"])),
            Mistake("saving-reversed",
                    "the saving from self-hosting is the API cost minus the self-hosting cost.",
                    _annual_cell(saving="own_cost - api_cost"),
                    lambda i, a: a["annual_costs"] * pd.Series({"api": 1, "self_host": 1, "saving": -1})),
        ),
    ),
    Check(
        id="q10_cost_per_point", variable="cost_per_point",
        about="the cost per 1M tokens per capability point",
        tolerance="price", points=1, format_points=0.5,
        format={"type": "Series", "index": ["self_host", "api"]},
        mistakes=(
            Mistake("variable-only",
                    "the self-hosted cost should be all-in (GPU time plus staff and operations), "
                    "as in the total of Question 7.",
                    _per_point_cell(own='selfhost_per_1m["variable"]'),
                    lambda i, a: key.cost_per_point(float(a["selfhost_per_1m"]["variable"]),
                                                    i["buyer"]["selfhost_capability_index"], *_api(i, a))),
            Mistake("inverted",
                    "this is capability per dollar: divide the cost per 1M by the capability "
                    "index, not the other way round.",
                    _per_point_cell(invert=True),
                    lambda i, a: 1 / a["cost_per_point"]),
        ),
    ),
    Check(
        id="q10_claim", variable="claim", about="whether the claim holds at the stated volume",
        tolerance="exact", points=1, format_points=0.5,
        format={"type": "str", "choices": ["holds", "fails"]},
        mistakes=(
            Mistake("free-weights",
                    "the weights are free to download, but serving them is not: compare the "
                    "all-in self-hosting cost per 1M tokens with the API's price.",
                    _claim_cell(cost_share="0 / api_prices[cheapest_api]   # open weights cost nothing"),
                    lambda i, a: "holds"),
        ),
    ),
    Check(
        id="q11_npv_by_rate", variable="npv_by_rate",
        about="the NPV difference (build − buy) at each discount rate",
        tolerance="money", points=1, format_points=0.5,
        format={"type": "Series", "index": list(key.RATES)},
        mistakes=(
            Mistake("reversed",
                    "the sign is reversed: the difference is NPV(build) − NPV(buy).",
                    _by_rate_cell(sign="-"),
                    lambda i, a: _by_rate(a["flows"], sign=-1.0)),
            Mistake("spreadsheet-npv",
                    "the year-0 flow is discounted too: it happens today and is not discounted.",
                    _by_rate_cell(exponent="(flows.index.to_numpy() + 1)"),
                    lambda i, a: _by_rate(a["flows"], exponent_shift=1)),
        ),
    ),
    Check(
        id="q11_flip_rate", variable="flip_rate",
        about="the discount rate at which the decision flips", tolerance="threshold",
        points=2, format_points=0.5,
        format={"type": "number", "range": [-0.5, 1],
                "range_hint": "give the rate as a decimal, not a percentage"},
        mistakes=(
            Mistake("flip-percent",
                    "give the rate as a decimal (0.05 for 5%), not a percentage.",
                    _flip_cell(scale="100 * "),
                    lambda i, a: 100 * a["flip_rate"]),
            Mistake("build-zero",
                    "this is where the build program's own NPV reaches zero; the decision flips "
                    "where NPV(build) equals NPV(buy).",
                    _flip_cell(column="build"),
                    lambda i, a: key.find_root(lambda r: key.npv(r, a["flows"]["build"]),
                                               *key.RATE_BRACKET)),
        ),
    ),
    Check(
        id="q12_breakeven_utilization", variable="breakeven_utilization",
        about="the utilization at which self-hosting breaks even", tolerance="threshold",
        points=2, format_points=0.5,
        format={"type": "number"},
        mistakes=(
            Mistake("fixed-ignored",
                    "at the stated volume self-hosting also pays its fixed cost per 1M: the GPU "
                    "cost must fit in what the API price leaves after it.",
                    _utilization_cell(room="api_price"),
                    lambda i, a: key.gpu_cost_per_1m(i["buyer"]["gpus"], i["buyer"]["gpu_usd_per_hour"],
                                                     key.tokens_per_second(i["buyer"]), 1.0)
                    / _api(i, a)[0]),
            Mistake("util-percent",
                    "give the utilization as a share of capacity (0.5 for 50%), not a percentage.",
                    _utilization_cell(scale="100 * "),
                    lambda i, a: 100 * a["breakeven_utilization"]),
        ),
    ),
    Check(
        id="q13_rates_chart", variable="fig_rates", about="the chart of the NPV difference by rate",
        tolerance="exact", points=0, format_points=1, hidden=False,
        format={"type": "figure", "lines": 2, "labelled": True},
        mistakes=(
            Mistake("no-zero-line", "should show 2 lines", _rates_chart_cell(zero_line=False)),
            Mistake("unlabelled", "needs a title and both axis labels", _rates_chart_cell(labels=False)),
        ),
    ),
    Check(
        id="q13_util_chart", variable="fig_util",
        about="the chart of self-hosting cost by utilization", tolerance="exact",
        points=0, format_points=1, hidden=False,
        format={"type": "figure", "lines": 2, "labelled": True, "legend": 2},
        mistakes=(
            Mistake("no-legend", "needs a legend with 2 entries", _util_chart_cell(legend=False)),
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
)
