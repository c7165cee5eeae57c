"""Build versus buy: the answer cells, written as a student would write them.

The solution's cells (`SOLUTIONS`) are built from the same functions as the common mistakes, each
argument naming one step written another way, so a mistake differs from the solution in exactly
that step. The notebook's setup cell defines `meta`, `buyer`, `prices`, `capex`, `r`, `rates` and
`find_root`.
"""

from __future__ import annotations


def flows_cell(live: str = "np.clip(years - lag, 0, 1)", buy_benefit: str =
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


def npv_cell(discount: str = "(1 + r) ** flows.index.to_numpy()", table: str = "flows",
             difference: str = 'pv["incremental"].sum()') -> str:
    return ("# end-of-year flows; year 0 is today\n"
            f"discount = {discount}\n"
            f"pv = {table}.div(discount, axis=0)\n"
            'npv = pd.Series({"build": pv["build"].sum(), "buy": pv["buy"].sum(),\n'
            f'                 "difference": {difference}}})\n'
            "npv")


def irr_cell(column: str = "incremental", scale: str = "") -> str:
    return ("def npv_incremental(rate):\n"
            f'    return (flows["{column}"] / (1 + rate) ** flows.index.to_numpy()).sum()\n'
            "\n"
            "# the incremental flows change sign once (negative, then positive): one IRR\n"
            f"irr = {scale}find_root(npv_incremental, -0.5, 1.0)\n"
            "irr")


PAYBACK_STEPS = ('build = flows["build"]\n'
                  "cum = build.cumsum()\n"
                  "last = cum[cum < 0].index[-1]        # the last year-end still under water\n"
                  "disc = build / (1 + r) ** flows.index.to_numpy()\n"
                  "dcum = disc.cumsum()\n"
                  "dlast = dcum[dcum < 0].index[-1]\n")


def payback_cell(simple: str, discounted: str) -> str:
    return (PAYBACK_STEPS
            + f"simple = {simple}\n"
            + f"discounted = {discounted}\n"
            + 'payback = pd.Series({"simple": simple, "discounted": discounted})\n'
            + "payback")


PAYBACK_SIMPLE = "last + -cum[last] / build[last + 1]"
PAYBACK_DISCOUNTED = "dlast + -dcum[dlast] / disc[dlast + 1]"


def annuity_cell(period: str = "Q4-2024", amount: str = "quarter",
                 formula: str = "-np.log(1 - amount * r / fee) / np.log(1 + r)") -> str:
    pick = (f'capex.loc[(capex["period"] == "{period}") & (capex["kind"] == "actual"), "low_usd_b"].iloc[0]'
            )
    source = pick if amount == "quarter" else amount
    return (f"amount = {source}\n"
            'fee = meta["buy_fee_per_year"]\n'
            f"annuity_years = {formula}\n"
            "annuity_years")


def prices_cell(formula: str) -> str:
    return ('share_in = buyer["input_share"]\n'
            f"api_prices = {formula}\n"
            "api_prices")


BLENDED = 'share_in * prices["input_usd_per_1m"] + (1 - share_in) * prices["output_usd_per_1m"]'


def selfhost_cell(utilization: str = 'buyer["utilization"]', per_hour: str =
                  'tokens_per_s * 3600 * utilization / 1e6',
                  fixed: str = 'buyer["staff_ops_usd_per_month"] / buyer["monthly_tokens_m"]') -> str:
    return (f"utilization = {utilization}\n"
            'gpu_dollars_per_hour = buyer["gpus"] * buyer["gpu_usd_per_hour"]\n'
            f"million_tokens_per_hour = {per_hour}\n"
            "variable = gpu_dollars_per_hour / million_tokens_per_hour\n"
            f"fixed = {fixed}\n"
            'selfhost_per_1m = pd.Series({"variable": variable, "fixed": fixed, "total": variable + fixed})\n'
            "selfhost_per_1m")


def cheapest_cell(rule: str) -> str:
    return (f"ok = {rule}\n"
            "cheapest_api = api_prices[ok].idxmin()\n"
            "cheapest_api")


ADEQUATE = ('(prices["access"] == "closed") & '
             '(prices["capability_index"] >= buyer["adequacy_threshold"])')


def breakeven_cell(fixed: str = 'buyer["staff_ops_usd_per_month"]',
                   variable: str = 'selfhost_per_1m["variable"]', scale: str = "") -> str:
    return ("api_price = api_prices[cheapest_api]\n"
            f"fixed_per_month = {fixed}\n"
            f"breakeven_volume = {scale}fixed_per_month / (api_price - {variable})\n"
            "breakeven_volume")


def annual_cell(months: str = "12", own: str = 'selfhost_per_1m["total"]',
                saving: str = "api_cost - own_cost") -> str:
    return ("api_price = api_prices[cheapest_api]\n"
            'volume = buyer["monthly_tokens_m"]\n'
            f"api_cost = api_price * volume * {months}\n"
            f"own_cost = {own} * volume * {months}\n"
            'annual_costs = pd.Series({"api": api_cost, "self_host": own_cost, '
            f'"saving": {saving}}})\n'
            "annual_costs")


def cost_share_cell(own: str = 'selfhost_per_1m["total"]', invert: bool = False) -> str:
    ratio = f"api_prices[cheapest_api] / {own}" if invert else f"{own} / api_prices[cheapest_api]"
    return f"cost_share = {ratio}\ncost_share"


def tokens_cell(formula: str = "(1 + ratio) / (decode + prefill * ratio)") -> str:
    return ('# seconds per output token at each benchmark run, against input tokens per output token\n'
            'ra = buyer["benchmark_a_input_tokens"] / buyer["benchmark_a_output_tokens"]\n'
            'rb = buyer["benchmark_b_input_tokens"] / buyer["benchmark_b_output_tokens"]\n'
            'sa = 1 / buyer["benchmark_a_output_tokens_per_s"]\n'
            'sb = 1 / buyer["benchmark_b_output_tokens_per_s"]\n'
            "prefill = (sb - sa) / (rb - ra)      # seconds per input token\n"
            "decode = sa - prefill * ra          # seconds per output token\n"
            'ratio = buyer["input_share"] / (1 - buyer["input_share"])   # this workload\n'
            f"tokens_per_s = {formula}\n"
            "tokens_per_s")


def incremental_payback_cell(column: str = "incremental", whole: bool = False) -> str:
    answer = "last + 1" if whole else "last + -cum[last] / flow[last + 1]"
    return (f'flow = flows["{column}"]\n'
            "cum = flow.cumsum()\n"
            "last = cum[cum < 0].index[-1]        # the last year-end still under water\n"
            f"incremental_payback = {answer}\n"
            "incremental_payback")


def grid_cell(flows_of: str = "incremental", discount: bool = True) -> str:
    value = (f'(f["{flows_of}"] / (1 + r) ** f.index.to_numpy()).sum()' if discount
             else f'f["{flows_of}"].sum()')
    return ("def flows_for(p):\n"
            '    """Question 1\'s flows for the parameters p (a copy of `meta`, changed)."""\n'
            '    years = np.arange(int(p["horizon_years"]) + 1)\n'
            '    live = np.clip(years - p["capability_lag_months"] / 12, 0, 1)\n'
            '    build = p["annual_benefit"] * live - p["build_opex_per_year"] * (years >= 1)\n'
            '    build[0] -= p["build_capex_t0"]\n'
            '    build[1] -= p["build_capex_t1"]\n'
            '    buy = p["buy_benefit_share"] * p["annual_benefit"] - p["buy_fee_per_year"]\n'
            '    buy = buy * (years >= 1)\n'
            '    buy[0] -= p["buy_integration_t0"]\n'
            '    return pd.DataFrame({"build": build, "buy": buy, "incremental": build - buy}, index=years)\n'
            "\n"
            "rows = {}\n"
            "for lag in lags:\n"
            "    rows[lag] = {}\n"
            "    for share in shares:\n"
            "        p = meta.copy()\n"
            '        p["capability_lag_months"], p["buy_benefit_share"] = lag, share\n'
            "        f = flows_for(p)\n"
            f"        rows[lag][share] = {value}\n"
            'npv_grid = pd.DataFrame(rows).T.rename_axis(index="lag_months", columns="benefit_share")\n'
            "npv_grid")


def fee_cell(exponent: str = "years - 1", scale: str = "") -> str:
    return ("base = flows_for(meta)   # the flows as given (Question 11(b)'s helper)\n"
            "years = base.index.to_numpy()\n"
            "\n"
            "def gap(g):\n"
            '    extra = meta["buy_fee_per_year"] * ((1 + g) ** (' + exponent + ') - 1) * (years >= 1)\n'
            '    return ((base["incremental"] + extra) / (1 + r) ** years).sum()\n'
            "\n"
            f"fee_growth = {scale}find_root(gap, 0.0, 1.0)\n"
            "fee_growth")


def by_rate_cell(exponent: str = "flows.index.to_numpy()", column: str = "incremental",
                 sign: str = "") -> str:
    return ("npv_by_rate = pd.Series(\n"
            f'    {{rate: {sign}(flows["{column}"] / (1 + rate) ** {exponent}).sum() for rate in rates}})\n'
            'npv_by_rate.index.name = "discount_rate"\n'
            "npv_by_rate")


def utilization_cell(room: str = 'api_price - buyer["staff_ops_usd_per_month"] / buyer["monthly_tokens_m"]',
                     scale: str = "") -> str:
    return ("api_price = api_prices[cheapest_api]\n"
            "# GPU cost per 1M tokens at 100% utilization; at utilization u it is full_load / u\n"
            'full_load = buyer["gpus"] * buyer["gpu_usd_per_hour"] '
            '/ (tokens_per_s * 3600 / 1e6)\n'
            f"room = {room}\n"
            f"breakeven_utilization = {scale}full_load / room\n"
            "breakeven_utilization")


def rates_chart_cell(labels: bool = True, zero_line: bool = True) -> str:
    lines = ["fig_rates, ax = plt.subplots(figsize=(7, 4))",
             'ax.plot(npv_by_rate.index, npv_by_rate.values, marker=".", label="NPV(build) − NPV(buy)")']
    if zero_line:
        lines.append('ax.axhline(0, color="grey", linewidth=1)')
    if labels:
        lines.append('ax.set(title="Build minus buy: NPV difference by discount rate",\n'
                     '       xlabel="Discount rate", ylabel="NPV difference ($ billion)")')
    lines.append("plt.show()")
    return "\n".join(lines)


def util_chart_cell(legend: bool = True) -> str:
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
    "q1_flows": flows_cell(),
    "q2_npv": npv_cell(),
    "q3_irr": irr_cell(),
    "q4_payback": payback_cell(PAYBACK_SIMPLE, PAYBACK_DISCOUNTED),
    "q4_incremental_payback": incremental_payback_cell(),
    "q5_annuity": annuity_cell(),
    "q6_api_prices": prices_cell(BLENDED),
    "q7_tokens_per_s": tokens_cell(),
    "q7_selfhost": selfhost_cell(),
    "q8_cheapest_api": cheapest_cell(ADEQUATE),
    "q8_breakeven_volume": breakeven_cell(),
    "q9_annual_costs": annual_cell(),
    "q10_cost_share": cost_share_cell(),
    "q11_npv_by_rate": by_rate_cell(),
    "q11_npv_grid": grid_cell(),
    "q11_fee_growth": fee_cell(),
    "q12_breakeven_utilization": utilization_cell(),
    "q13_rates_chart": rates_chart_cell(),
    "q13_util_chart": util_chart_cell(),
}
