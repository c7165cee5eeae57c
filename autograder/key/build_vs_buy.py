"""Build versus buy (Exhibits 1, 4, 6 and 7): Meta's program flows, NPV, IRR, payback and
annuity; the enterprise buyer's per-token costs, break-even volume and utilization.

Conventions (stated in the notebook too): flows fall at the end of each year, t = 0 is today
and is not discounted, NPV = CF0 + sum CF_t / (1 + r)^t; rates are decimals (0.10, not 10);
money in Part A is in $ billion, prices in Part B in $ per 1M tokens and volumes in millions of
tokens per month. Pure Python, numpy and pandas: no numpy_financial.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

# The discount rates of the sensitivity table (Question 11): 0%, 1%, ..., 30%.
RATES: tuple[float, ...] = tuple(round(0.01 * k, 2) for k in range(31))
# The bracket in which IRRs and the flip rate are searched for.
RATE_BRACKET = (-0.5, 1.0)
# The buyer's approved vendors: the closed labs' APIs (Exhibit 4 `access`).
APPROVED_ACCESS = "closed"
# "90% of the capability for 0% of the cost", read generously: at least 90% of the API's
# capability index at no more than 10% of its cost per 1M tokens.
CLAIM_COST = 0.10  # the slogan's "0% of the cost", read generously as at most 10%
HOURS, MILLION, MONTHS = 3600, 1e6, 12


# ---------------------------------------------------------------- Part A: Meta's program


def live_share(years: Sequence[int] | np.ndarray, lag_months: float) -> np.ndarray:
    """Share of each year (t - 1, t] in which the built model is in use: 0 before the lag
    ends, pro rata in the year it ends, 1 after (an 18-month lag gives 0, 0.5, 1, ...)."""
    return np.clip(np.asarray(years, dtype=float) - lag_months / MONTHS, 0.0, 1.0)


def cash_flows(horizon: int, capex_t0: float, capex_t1: float, opex: float, lag_months: float,
               benefit: float, integration: float, fee: float, buy_share: float) -> pd.DataFrame:
    """Yearly flows of build, buy and build − buy (`incremental`), indexed by year 0 … horizon.

    Build: capex at t = 0 and t = 1 (one-off), opex every year from 1, the benefit once the
    capability lag has passed (pro rata). Buy: integration at t = 0, the fee every year from 1,
    a share of the benefit from year 1."""
    years = np.arange(int(horizon) + 1)
    running = (years >= 1).astype(float)
    build = benefit * live_share(years, lag_months) - opex * running
    build[0] -= capex_t0
    build[1] -= capex_t1
    buy = (buy_share * benefit - fee) * running
    buy[0] -= integration
    return pd.DataFrame({"build": build, "buy": buy, "incremental": build - buy},
                        index=pd.Index(years, name="year"))


def flows_from_params(p: dict) -> pd.DataFrame:
    """`cash_flows` with the parameters of build_vs_buy.csv (Exhibit 6)."""
    return cash_flows(p["horizon_years"], p["build_capex_t0"], p["build_capex_t1"],
                      p["build_opex_per_year"], p["capability_lag_months"], p["annual_benefit"],
                      p["buy_integration_t0"], p["buy_fee_per_year"], p["buy_benefit_share"])


def npv(rate: float, flows: Sequence[float] | np.ndarray) -> float:
    """NPV of end-of-year flows; flows[0] falls today (t = 0) and is not discounted."""
    values = np.asarray(flows, dtype=float)
    return float(np.sum(values / (1.0 + rate) ** np.arange(len(values))))


def npvs(flows: pd.DataFrame, rate: float) -> pd.Series:
    """NPV of build and of buy, and their difference (build − buy)."""
    return pd.Series({"build": npv(rate, flows["build"]), "buy": npv(rate, flows["buy"]),
                      "difference": npv(rate, flows["incremental"])})


def find_root(f: Callable[[float], float], lo: float, hi: float,
              tol: float = 0.0) -> float | None:
    """x in [lo, hi] with f(x) = 0 by bisection; None when f has the same sign at both ends.

    The notebook's setup cell defines the same helper, stopping at tol=1e-12 (far inside every
    tolerance). The key runs it to the float's resolution, so the root it writes does not depend
    on where a last-bit difference in f (another numpy, another CPU) happens to stop it."""
    f_lo, f_hi = f(lo), f(hi)
    if f_lo == 0:
        return float(lo)
    if f_hi == 0:
        return float(hi)
    if (f_lo > 0) == (f_hi > 0):
        return None
    for _ in range(200):
        mid = (lo + hi) / 2
        if not lo < mid < hi:
            break  # the interval cannot shrink any further
        f_mid = f(mid)
        if f_mid == 0:
            return float(mid)
        if (f_mid > 0) == (f_lo > 0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
        if hi - lo < tol:
            break
    return float((lo + hi) / 2)


def sign_changes(flows: Sequence[float] | np.ndarray) -> int:
    signs = [v > 0 for v in np.asarray(flows, dtype=float) if v != 0]
    return sum(a != b for a, b in zip(signs, signs[1:]))


def irr(flows: Sequence[float], bracket: tuple[float, float] = RATE_BRACKET) -> float | None:
    """The rate at which the NPV of `flows` is zero, searched in `bracket`.

    Undefined (None) when the flows never change sign (the NPV is then positive or negative at
    every rate) or when the NPV does not cross zero inside the bracket. With several sign
    changes there may be several IRRs; this returns the one bisection finds in the bracket
    (the exercise's incremental flows change sign once, so theirs is unique)."""
    values = np.asarray(flows, dtype=float)
    if sign_changes(values) == 0:
        return None
    return find_root(lambda r: npv(r, values), *bracket)


def payback(flows: Sequence[float], rate: float | None = None) -> float | None:
    """Years until the cumulative flows (discounted at `rate`, if given) are recovered for good:
    years before recovery + unrecovered amount / next year's flow, where the years before
    recovery run to the last year-end with a negative cumulative. 0.0 if the cumulative is never
    negative; None if it is still negative at the horizon (never recovered)."""
    values = np.asarray(flows, dtype=float)
    if rate is not None:
        values = values / (1.0 + rate) ** np.arange(len(values))
    cumulative = np.cumsum(values)
    under = np.flatnonzero(cumulative < 0)
    if len(under) == 0:
        return 0.0
    last = int(under[-1])  # the last year-end still under water
    if last == len(values) - 1:
        return None
    return float(last + -cumulative[last] / values[last + 1])


def paybacks(build: Sequence[float], rate: float) -> pd.Series | None:
    """Simple and discounted payback of the build program; None if either is never reached."""
    simple, discounted = payback(build), payback(build, rate)
    if simple is None or discounted is None:
        return None
    return pd.Series({"simple": simple, "discounted": discounted})


def annuity_years(present_value: float, payment: float, rate: float) -> float:
    """How many years of end-of-year `payment` a sum `present_value` funds at `rate`:
    n with PV = PMT · (1 − (1 + r)^−n) / r. math.inf when interest alone covers the payment."""
    if rate == 0:
        return present_value / payment
    left = 1 - present_value * rate / payment
    if left <= 0:
        return math.inf
    return -math.log(left) / math.log(1 + rate)


def quarter_capex(capex: pd.DataFrame, period: str = "Q4-2024") -> float:
    """Meta's reported capex for `period` (Exhibit 1), $ billion."""
    row = capex[(capex["period"] == period) & (capex["kind"] == "actual")]
    if len(row) != 1:
        raise ValueError(f"meta_capex: expected one actual row for {period}, found {len(row)}")
    return float(row["low_usd_b"].iloc[0])


def npv_by_rate(flows: pd.DataFrame, rates: Sequence[float] = RATES) -> pd.Series:
    """NPV of build − buy at each discount rate, indexed by the rate."""
    return pd.Series({float(r): npv(r, flows["incremental"]) for r in rates},
                     name="npv_difference").rename_axis("discount_rate")


def flip_rate(flows: pd.DataFrame, bracket: tuple[float, float] = RATE_BRACKET) -> float | None:
    """The discount rate at which NPV(build) = NPV(buy): where the incremental NPV crosses zero
    (the IRR of the incremental flows). None if it does not cross in the bracket."""
    return find_root(lambda r: npv(r, flows["incremental"]), *bracket)


# ------------------------------------------------------- Part B: the enterprise buyer


def blended_price(p_in, p_out, input_share: float):
    """$ per 1M tokens at the mix: (tokens_in · p_in + tokens_out · p_out) / 1e6 per 1M tokens."""
    tokens_in = input_share * MILLION
    return (tokens_in * p_in + (MILLION - tokens_in) * p_out) / MILLION


def api_prices(prices: pd.DataFrame, input_share: float) -> pd.Series:
    """Blended $ per 1M tokens of every model in Exhibit 4, indexed by model."""
    table = prices.set_index("model")
    return blended_price(table["input_usd_per_1m"], table["output_usd_per_1m"], input_share)


def input_ratio(h: dict) -> float:
    """The workload's input tokens per output token: input share / output share."""
    return h["input_share"] / (1 - h["input_share"])


def tokens_per_second(h: dict) -> float:
    """All tokens (input and output) one replica processes per second at full load, for the
    workload's own input/output mix.

    The benchmark reports output tokens per second for two request shapes, a and b. Seconds per
    output token, s = 1 / output rate, grow with the input tokens per output token, r: a
    straight line s(r) = decode + prefill · r through the two runs (decode: time to write an
    output token; prefill: time to read an input token). Read it at the workload's r and count
    every token: (1 + r) / s(r)."""
    ra = h["benchmark_a_input_tokens"] / h["benchmark_a_output_tokens"]
    rb = h["benchmark_b_input_tokens"] / h["benchmark_b_output_tokens"]
    sa = 1 / h["benchmark_a_output_tokens_per_s"]
    sb = 1 / h["benchmark_b_output_tokens_per_s"]
    prefill = (sb - sa) / (rb - ra)
    decode = sa - prefill * ra
    r = input_ratio(h)
    return (1 + r) / (decode + prefill * r)


def gpu_cost_per_1m(gpus: float, usd_per_gpu_hour: float, tokens_per_s: float,
                    utilization: float) -> float:
    """Variable self-hosting $ per 1M tokens: (GPUs · $/GPU-h) / (tok/s · 3600 · util / 1e6)."""
    return gpus * usd_per_gpu_hour / (tokens_per_s * HOURS * utilization / MILLION)


def selfhost_per_1m(h: dict, tokens_per_s: float | None = None,
                    utilization: float | None = None) -> pd.Series:
    """Self-hosting $ per 1M tokens at the stated volume: variable (GPU time at the
    utilization), fixed (staff and operations per month over the monthly volume), total."""
    util = h["utilization"] if utilization is None else utilization
    rate = tokens_per_second(h) if tokens_per_s is None else tokens_per_s
    variable = gpu_cost_per_1m(h["gpus"], h["gpu_usd_per_hour"], rate, util)
    fixed = h["staff_ops_usd_per_month"] / h["monthly_tokens_m"]
    return pd.Series({"variable": variable, "fixed": fixed, "total": variable + fixed})


def cheapest_adequate(prices: pd.DataFrame, blended: pd.Series, threshold: float,
                      access: str | None = APPROVED_ACCESS) -> str:
    """The cheapest model (by blended price) whose capability index meets the threshold,
    among the approved access type (None: any)."""
    table = prices.set_index("model")
    ok = table["capability_index"] >= threshold
    if access is not None:
        ok &= table["access"] == access
    candidates = blended[ok[ok].index]
    if candidates.empty:
        raise ValueError("no adequate model")
    return str(candidates.idxmin())


def breakeven_volume(fixed_per_month: float, api_price: float, variable_price: float) -> float | None:
    """Monthly volume (millions of tokens) at which self-hosting costs as much as the API:
    fixed cost per month / (API $ per 1M − variable self-host $ per 1M). Negative when the API
    is cheaper per token than self-hosting's variable cost (no volume breaks even); None when
    they are equal."""
    margin = api_price - variable_price
    return None if margin == 0 else fixed_per_month / margin


def annual_costs(api_price: float, selfhost_total: float, monthly_volume: float) -> pd.Series:
    """Cost per year of the API and of self-hosting at the monthly volume, and the saving
    from self-hosting (API − self-host); $."""
    api = api_price * monthly_volume * MONTHS
    own = selfhost_total * monthly_volume * MONTHS
    return pd.Series({"api": api, "self_host": own, "saving": api - own})


def cost_share(selfhost_total: float, api_price: float) -> float:
    """The all-in self-hosting cost per 1M tokens as a share of the API's price."""
    return selfhost_total / api_price


def claim_verdict(adequate: bool, share: float) -> str:
    """"holds" if the open model is adequate for the workload (its capability index reaches the
    threshold: an ordinal comparison, the only one the index supports) and costs no more than
    10% of the API per 1M tokens, else "fails"."""
    return "holds" if adequate and share <= CLAIM_COST else "fails"


def breakeven_utilization(h: dict, api_price: float, tokens_per_s: float | None = None) -> float | None:
    """Utilization at which self-hosting's total $ per 1M equals the API price at the stated
    volume: GPU $ per 1M at full load / (API price − fixed $ per 1M). Negative when the fixed
    cost per 1M alone exceeds the API price (no utilization breaks even); None when equal."""
    rate = tokens_per_second(h) if tokens_per_s is None else tokens_per_s
    full_load = gpu_cost_per_1m(h["gpus"], h["gpu_usd_per_hour"], rate, 1.0)
    room = api_price - h["staff_ops_usd_per_month"] / h["monthly_tokens_m"]
    return None if room == 0 else full_load / room


# --- when would building win? (Question 11) ---------------------------------------------------

GRID_LAGS: tuple[int, ...] = (6, 12, 18, 24, 30)  # capability lag, months
GRID_SHARES: tuple[float, ...] = (0.4, 0.5, 0.55, 0.6, 0.7)  # share of the benefit a rival's model gives


def npv_grid(p: dict, lags: Sequence[int] = GRID_LAGS,
             shares: Sequence[float] = GRID_SHARES) -> pd.DataFrame:
    """NPV(build) − NPV(buy) at the hurdle rate for each capability lag (rows, months) and
    each share of the benefit a rival's model captures (columns), all else as given."""
    r = p["discount_rate"]
    grid = {s: [npv(r, flows_from_params({**p, "capability_lag_months": lag,
                                          "buy_benefit_share": s})["incremental"]) for lag in lags]
            for s in shares}
    return pd.DataFrame(grid, index=pd.Index(list(lags), name="lag_months")).rename_axis(
        columns="benefit_share")


def escalated_flows(flows: pd.DataFrame, fee: float, growth: float, from_year: int = 1) -> pd.DataFrame:
    """`flows` when the buy fee `fee` grows by `growth` a year: fee · (1 + g)^(t − from_year) in
    year t ≥ 1 (the stated fee in year 1 when from_year is 1)."""
    flows = flows.copy()
    years = flows.index.to_numpy()
    extra = fee * ((1 + growth) ** (years - from_year) - 1) * (years >= 1)
    flows["buy"] = flows["buy"] - extra
    flows["incremental"] = flows["build"] - flows["buy"]
    return flows


def fee_growth_breakeven(flows: pd.DataFrame, p: dict, from_year: int = 1,
                         bracket: tuple[float, float] = (0.0, 1.0)) -> float | None:
    """The yearly growth of the buy fee at which building and buying are worth the same at the
    hurdle rate, given the flows at a flat fee (None if no growth in `bracket` does it)."""
    r, fee = p["discount_rate"], p["buy_fee_per_year"]
    # escalated_flows' arithmetic on bare arrays: the same floats, without a DataFrame per step
    # of the bisection (the answer key solves this once per catalogued mistake).
    years = flows.index.to_numpy()
    build, buy = flows["build"].to_numpy(dtype=float), flows["buy"].to_numpy(dtype=float)

    def incremental_npv(g: float) -> float:
        extra = fee * ((1 + g) ** (years - from_year) - 1) * (years >= 1)
        return npv(r, build - (buy - extra))

    return find_root(incremental_npv, *bracket)
