"""The analysis behind the instructor guide's "numbers for the boards": the thresholds and
comparisons the teaching plan puts up that the notebooks do not ask for. Pure functions of the
key's inputs, each checked by hand-worked cases in tests/test_guide.py; the guide only formats
what they return.

VTDF (Exhibit 5)
    best_rivals(layers, firm)              per layer: the best rival, its score and the firm's gap
    vtdf_crossings(layers, weights, layer, firm)
                                           the weight on `layer` at which each rival draws level
    vtdf_overtaker(layers, weights, layer, firm)
                                           (weight, rival): where the firm loses first place, to whom
    lead_floor(layers, weights, firm, step)
                                           on the weight map: the lowest Distribution weight at
                                           which the firm leads, at each Technology weight
    notch_effects(scores, weights)         every one-cell, one-point re-scoring (Question 8's
                                           smallest move): who then leads, does any rank change
Build versus buy (Exhibits 6 and 7)
    npv_gap(params, **change)              NPV(build) − NPV(buy), some parameters changed
    parameter_flip(params, name, lo, hi)   the value of one parameter at which build and buy tie
    build_buy_flips(params)                that value for the capability lag and the buy share
    grid_sign_changes(grid)                per row of the lag × share grid: where the sign changes
    grid_ties(params, lags)                per lag: the buy share at which build and buy tie
    mix_throughputs(buyer)                 all tokens per second at each benchmark run's mix and
                                           at the workload's, on the line through the two runs
    claim_reading(...)                     the slogan read generously: adequate? cost share? verdict
    hosted_alternative(...)                the cheapest adequate open model on a host, and its cost
Scenarios (Exhibit 9)
    payoff_parts(options, futures, baseline, option, future)
                                           one payoff cell taken apart, driver by driver
    driver_changes(options, baseline)      each option's driver levels minus the baseline's
    with_baseline(payoffs, baseline)       the matrix with the baseline's row (zero in every future)
    rules_on_ballot(payoffs, baseline, alpha)
                                           what each rule picks once the baseline may be chosen
    hurwicz_intervals(payoffs)             Hurwicz's pick on each interval of optimism α in [0, 1]
    ev_crossings(payoffs, probs, future)   the probability of `future` at which each rival ties
                                           the option that is best today
    ev_overtaker(payoffs, probs, future, direction)
                                           (p, rival): where the top option loses first place, to whom
    staged_path(payoffs, keep)             wait a year, then act: what it takes and earns per future
    rules_with_staged(payoffs, baseline, keep, alpha)
                                           what each rule picks once waiting and staying are options

Weights and probabilities move the way the notebooks move them: one layer's weight (one future's
probability) changes and the others are rescaled in proportion, so every total (expected value)
is a straight line in it, and a threshold is where two lines cross.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from autograder.key import build_vs_buy as kb
from autograder.key import scenarios as ks
from autograder.key import vtdf as kv

# --------------------------------------------------------------------------------- lines


def _lines(at0: pd.Series, at1: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Intercepts and slopes of straight lines known at x = 0 and x = 1."""
    return at0, at1 - at0


def _crossings(intercept: pd.Series, slope: pd.Series, leader: str) -> pd.Series:
    """x at which each other line meets the leader's (NaN when parallel), indexed by name."""
    out = {}
    for name in intercept.index.drop(leader):
        ds = slope[leader] - slope[name]
        out[name] = math.nan if ds == 0 else float((intercept[name] - intercept[leader]) / ds)
    return pd.Series(out, dtype=float)


def _first_overtaker(intercept: pd.Series, slope: pd.Series, leader: str, now: float,
                     direction: str) -> tuple[float, str] | None:
    """Moving from `now` up (to 1) or down (to 0): the first crossing at which a rival passes
    the leader, and that rival (on a tie, the rival that leads just past the crossing)."""
    if direction not in ("up", "down"):
        raise ValueError(f"direction must be 'up' or 'down', not {direction!r}")
    up = direction == "up"
    found = []
    for name, x in _crossings(intercept, slope, leader).items():
        gains = slope[name] > slope[leader] if up else slope[name] < slope[leader]
        if gains and not math.isnan(x) and (now < x <= 1 if up else 0 <= x < now):
            found.append((x if up else -x, -slope[name] if up else slope[name], str(name)))
    if not found:
        return None
    x, _, name = min(found)
    return (x if up else -x), name


# ---------------------------------------------------------------------------------- VTDF


def best_rivals(layers: pd.DataFrame, firm: str = kv.META) -> pd.DataFrame:
    """One row per layer (in the table's order): `rival`, the firm with the best score in that
    layer other than `firm` (the first on a tie), its `score`, and `gap`, the rival's score
    minus the firm's (positive where the firm trails)."""
    rivals = layers.drop(index=firm)
    return pd.DataFrame({"rival": rivals.idxmax(), "score": rivals.max(),
                         "gap": rivals.max() - layers.loc[firm]})


def vtdf_crossings(layers: pd.DataFrame, weights: pd.Series, layer: str = "Technology",
                   firm: str = kv.META) -> pd.Series:
    """For each rival, the weight on `layer` (the other layers rescaled in proportion) at which
    its weighted total equals the firm's; NaN when the two lines are parallel. The weight may
    fall outside [0, 1], where no lens can reach it."""
    intercept, slope = _lines(kv.total_at(layers, weights, layer, 0.0),
                              kv.total_at(layers, weights, layer, 1.0))
    return _crossings(intercept, slope, firm)


def vtdf_overtaker(layers: pd.DataFrame, weights: pd.Series, layer: str = "Technology",
                   firm: str = kv.META) -> tuple[float, str] | None:
    """As the weight on `layer` rises from today's: (the weight at which `firm` loses first
    place, the rival that takes it), or None if the firm keeps first place up to a weight of 1.
    Raises ValueError if the firm does not lead today."""
    now = float(weights[layer])
    if kv.total_at(layers, weights, layer, now).idxmax() != firm:
        raise ValueError(f"{firm} does not lead under these weights; nothing to reverse")
    intercept, slope = _lines(kv.total_at(layers, weights, layer, 0.0),
                              kv.total_at(layers, weights, layer, 1.0))
    return _first_overtaker(intercept, slope, firm, now, "up")


def lead_floor(layers: pd.DataFrame, weights: pd.Series, firm: str = kv.META,
               step: float = kv.GRID_STEP) -> pd.Series:
    """On the weight map of Question 7 (`vtdf.weight_grid`: Technology weight t and
    Distribution weight d on a grid, the rest split between Value and Financial as in
    `weights`): for each t, the lowest d at which `firm` leads outright (a tie does not count),
    NaN where it leads at no d. Indexed by t, rounded to the grid."""
    grid = kv.weight_grid(weights, step)
    won = kv.leaders(layers, grid) == firm
    t, d = grid["Technology"].round(9), grid["Distribution"].round(9)
    floor = d[won].groupby(t[won]).min()
    return floor.reindex(sorted(t.unique())).rename_axis("Technology").rename("Distribution")


def notch_effects(scores: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    """Every re-scoring of one cell of Exhibit 5 by one point up or down (staying within 1–5),
    the smallest change Question 8 allows: one row per change with `criterion`, `layer`, `firm`,
    `score` (the new score) and, for each lens of `weights`, `<lens>_leader` (who then ranks
    first) and `<lens>_moves` (whether any firm's rank changes)."""
    base = scores.set_index("criterion")
    names = kv.firms(scores)
    lenses = [c for c in weights.columns if c in kv.LENSES]
    before = kv.ranks_with(scores, base, weights)
    rows = []
    for criterion in base.index:
        for firm in names:
            for step in (-1, 1):
                new = int(base.loc[criterion, firm]) + step
                if not 1 <= new <= 5:
                    continue
                table = base[names].astype(float)
                table.loc[criterion, firm] = new
                after = kv.ranks_with(scores, table, weights)
                row = {"criterion": criterion, "layer": base.loc[criterion, "layer"], "firm": firm,
                       "score": new}
                for lens in lenses:
                    row[f"{lens}_leader"] = str(after[lens].idxmin())
                    row[f"{lens}_moves"] = bool((after[lens] != before[lens]).any())
                rows.append(row)
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------ build versus buy


def npv_gap(params: dict, **change: float) -> float:
    """NPV(build) − NPV(buy) at the discount rate of `params` (Exhibit 6), with the parameters
    named in `change` replaced: positive when building is worth more."""
    p = {**params, **change}
    return kb.npv(p["discount_rate"], kb.flows_from_params(p)["incremental"])


def parameter_flip(params: dict, name: str, lo: float, hi: float) -> float | None:
    """The value of parameter `name` in [lo, hi] at which building and buying are worth the
    same, all else as given; None if the gap keeps one sign over the whole range."""
    return kb.find_root(lambda x: npv_gap(params, **{name: x}), lo, hi)


# The assumptions whose flip values the board shows, with the range searched for each: the lag
# over the whole horizon (in months), the share over [0, 1]. (The fee is the rival's to set: the
# board shows how fast it may grow, Question 11(c), not a flat fee at which the two tie.)
FLIPS = ("capability_lag_months", "buy_benefit_share")


def build_buy_flips(params: dict) -> dict[str, float | None]:
    """For each parameter in FLIPS, the value at which building and buying tie, all else as
    given (None if they do not tie within its range)."""
    ranges = {"capability_lag_months": (0.0, 12.0 * params["horizon_years"]),
              "buy_benefit_share": (0.0, 1.0)}
    return {name: parameter_flip(params, name, *ranges[name]) for name in FLIPS}


def grid_sign_changes(grid: pd.DataFrame) -> pd.Series:
    """For each row of a grid of NPV differences (Question 11(b): lags as rows, benefit shares
    as columns, in increasing order): the first pair of neighbouring columns (left, right)
    between which the sign changes (a zero cell counts as a sign of its own), or None when the
    whole row has one sign."""
    out = {}
    for label, row in grid.iterrows():
        signs = np.sign(row.to_numpy(dtype=float))
        at = [k for k in range(len(signs) - 1) if signs[k] != signs[k + 1]]
        out[label] = (grid.columns[at[0]], grid.columns[at[0] + 1]) if at else None
    return pd.Series(out, dtype=object).rename_axis(grid.index.name)


def grid_ties(params: dict, lags=kb.GRID_LAGS) -> pd.Series:
    """For each capability lag (months), the share of the benefit a rival's model must deliver
    for building and buying to tie at the hurdle rate, all else as given; NaN if no share in
    [0, 1] ties. Building wins below it: the line the grid's sign changes straddle."""
    ties = {lag: parameter_flip({**params, "capability_lag_months": float(lag)},
                                "buy_benefit_share", 0.0, 1.0) for lag in lags}
    return pd.Series({k: math.nan if v is None else v for k, v in ties.items()},
                     dtype=float).rename_axis("lag_months")


def mix_throughputs(buyer: dict) -> pd.Series:
    """All tokens (input and output) one replica processes per second, read off the straight
    line through benchmark runs A and B (`build_vs_buy.tokens_per_second`) at run A's mix, run
    B's mix and the workload's own (`input_share`): indexed "A", "B", "workload". At a run's
    own mix the line gives that run's output rate × (input + output) / output tokens."""
    def share(run: str) -> float:
        tokens_in = buyer[f"benchmark_{run}_input_tokens"]
        return tokens_in / (tokens_in + buyer[f"benchmark_{run}_output_tokens"])

    at = {run.upper(): kb.tokens_per_second({**buyer, "input_share": share(run)}) for run in "ab"}
    return pd.Series({**at, "workload": kb.tokens_per_second(buyer)})


def claim_reading(selfhost_capability: float, threshold: float, selfhost_total: float,
                  api_price: float) -> tuple[bool, float, str]:
    """The slogan "90% of the capability for 0% of the cost" read as Question 10 reads it
    generously: (is the open model adequate, its capability index reaching the threshold (the
    only comparison an ordinal index supports), its all-in cost per 1M tokens as a share of
    the API's price, and the verdict "holds" or "fails" of `build_vs_buy.claim_verdict`)."""
    adequate = bool(selfhost_capability >= threshold)
    share = kb.cost_share(selfhost_total, api_price)
    return adequate, share, kb.claim_verdict(adequate, share)


def hosted_alternative(prices: pd.DataFrame, blended: pd.Series, threshold: float,
                       monthly_tokens_m: float) -> tuple[str, float, float] | None:
    """The cheapest adequate open model served by a third-party host (Exhibit 4, access
    "open"): (model, blended $ per 1M tokens, $ a year at the monthly volume), or None if no
    open model is adequate."""
    try:
        model = kb.cheapest_adequate(prices, blended, threshold, access="open")
    except ValueError:
        return None
    price = float(blended[model])
    return model, price, price * monthly_tokens_m * kb.MONTHS


# ------------------------------------------------------------------------------ scenarios


def payoff_parts(options: pd.DataFrame, futures: pd.DataFrame, baseline: str, option: str,
                 future: str) -> pd.Series:
    """One payoff cell taken apart: for each driver, (the option's level − the baseline's) ×
    what one unit is worth in the future (exposure with a minus sign), then `cost`, minus the
    option's cost. The entries add up to the cell of `scenarios.payoff_matrix`."""
    parts = {d: (float(options.loc[option, d]) - float(options.loc[baseline, d]))
             * ks.SIGNS[d] * float(futures.loc[future, ks.DRIVER_VALUES[d]]) + 0.0  # no -0.0
             for d in ks.DRIVERS}
    parts["cost"] = -float(options.loc[option, "cost_usd_b"])
    return pd.Series(parts)


def driver_changes(options: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Each option's driver levels minus the baseline's (options as rows, the baseline left
    out, DRIVERS as columns): the moves a payoff prices."""
    levels = options[list(ks.DRIVERS)].astype(float)
    return (levels - levels.loc[baseline]).drop(index=baseline)


def with_baseline(payoffs: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """The payoff matrix with the baseline as its first row: zero in every future, since every
    payoff is measured against it. The notebooks leave it out; a board that may also stay the
    course puts it back before applying a rule."""
    zero = pd.DataFrame(0.0, index=pd.Index([baseline], name=payoffs.index.name),
                        columns=payoffs.columns)
    return pd.concat([zero, payoffs.astype(float)])


def rules_on_ballot(payoffs: pd.DataFrame, baseline: str,
                    alpha: float) -> tuple[pd.Series, pd.Series]:
    """With the baseline on the ballot (`with_baseline`): the option each rule picks (indexed by
    scenarios.RULES) and every option's maximum regret, the baseline's included."""
    ballot = with_baseline(payoffs, baseline)
    regrets = ks.max_regret(ks.regret(ballot))
    return ks.rule_choices(ballot, alpha, regrets), regrets


def hurwicz_intervals(payoffs: pd.DataFrame) -> list[tuple[float, float, str]]:
    """For optimism α from 0 to 1: (from, to, option) for each interval on which the Hurwicz
    rule picks one option, the ends exactly where the winning lines cross. An option's Hurwicz
    value is a straight line in α, from its worst case at α = 0 to its best case at α = 1."""
    intercept, slope = _lines(ks.worst_case(payoffs), ks.best_case(payoffs))
    # the winner just after α = 0: the best worst case, the steeper line on a tie
    leader = str(max(payoffs.index, key=lambda k: (intercept[k], slope[k])))
    out, start = [], 0.0
    while True:
        nxt = _first_overtaker(intercept, slope, leader, start, "up")
        if nxt is None or nxt[0] >= 1:
            out.append((start, 1.0, leader))
            return out
        out.append((start, nxt[0], leader))
        start, leader = nxt


def _ev_lines(payoffs: pd.DataFrame, probabilities: pd.Series,
              future: str) -> tuple[pd.Series, pd.Series]:
    return _lines(ks.ev_at(payoffs, probabilities, future, 0.0),
                  ks.ev_at(payoffs, probabilities, future, 1.0))


def ev_crossings(payoffs: pd.DataFrame, probabilities: pd.Series,
                 future: str = ks.COMMODITIZATION) -> pd.Series:
    """For each rival of the option that is best today, the probability of `future` (the
    others rescaled in proportion) at which the two expected values are equal; NaN when the
    lines are parallel. It may fall outside [0, 1]."""
    intercept, slope = _ev_lines(payoffs, probabilities, future)
    leader = str(ks.expected_values(payoffs, probabilities).idxmax())
    return _crossings(intercept, slope, leader)


def ev_overtaker(payoffs: pd.DataFrame, probabilities: pd.Series,
                 future: str = ks.COMMODITIZATION, direction: str = "up") -> tuple[float, str] | None:
    """Moving the probability of `future` from today's in `direction` ("up" or "down"): (the
    probability at which today's best option loses first place, the option that takes it), or
    None if it stays best all the way to 1 (or 0)."""
    intercept, slope = _ev_lines(payoffs, probabilities, future)
    leader = str(ks.expected_values(payoffs, probabilities).idxmax())
    return _first_overtaker(intercept, slope, leader, float(probabilities[future]), direction)


# --- wait a year, then act (Question 6) -------------------------------------------------------

STAGED = "Wait a year, then choose"  # the staged path's label when it joins the ballot


def staged_path(payoffs: pd.DataFrame, keep: float) -> pd.DataFrame:
    """The staged path of Question 6 future by future: stay the course for a year, see which
    future is unfolding (a reliable signal), then take that future's best option, or none if
    every option loses in it. One row per future: `option` (None when it stays the course) and
    `payoff`, `keep` × that option's payoff (0 when it stays). Its expected value at the
    exhibit's probabilities is `scenarios.staged_value`."""
    best = payoffs.max(axis=0)
    option = [str(payoffs[f].idxmax()) if best[f] > 0 else None for f in payoffs.columns]
    return pd.DataFrame({"option": pd.Series(option, index=payoffs.columns, dtype=object),
                         "payoff": keep * best.clip(lower=0.0) + 0.0})


def rules_with_staged(payoffs: pd.DataFrame, baseline: str, keep: float,
                      alpha: float) -> tuple[pd.Series, pd.Series]:
    """With the baseline and the staged path (`staged_path`, labelled STAGED) on the ballot
    beside the options: the option each rule picks (indexed by scenarios.RULES) and every
    row's maximum regret."""
    staged = staged_path(payoffs, keep)["payoff"].rename(STAGED).to_frame().T
    ballot = pd.concat([with_baseline(payoffs, baseline), staged[payoffs.columns]])
    regrets = ks.max_regret(ks.regret(ballot))
    return ks.rule_choices(ballot, alpha, regrets), regrets
