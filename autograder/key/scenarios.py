"""Scenario ranking (the case's options exhibit): the payoff matrix computed from its drivers,
input checks, expected values, decision rules under uncertainty, the probability at which the
best option changes, and a Dirichlet simulation.

Conventions (case/facts): EV_k = sum_s p_s * V_ks with sum_s p_s = 1; rank 1 = best; regret in
a future = the best payoff in that future minus the option's payoff; Hurwicz = alpha * best case
+ (1 - alpha) * worst case, alpha being the weight on the best case.

The payoff of option k in future s is linear in four drivers d (ecosystem reach, frontier
control, capability, regulatory exposure), each a level between 0 and 1, measured against the
baseline option b (staying the course):

    V_ks = sum_d (level_kd - level_bd) * value_sd  -  cost_k

where value_sd is what one unit of driver d is worth in future s ($B; exposure counts as a cost)
and cost_k the option's own cost ($B NPV). The baseline's row is zero by construction.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

COMMODITIZATION = "Commoditization victory"
DRIVERS = ("ecosystem", "control", "capability", "exposure")
# scenarios.csv column holding what one unit of each driver is worth in a future ($B)
DRIVER_VALUES = {"ecosystem": "ecosystem_value", "control": "control_value",
                 "capability": "capability_value", "exposure": "exposure_cost"}
SIGNS = {"ecosystem": 1.0, "control": 1.0, "capability": 1.0, "exposure": -1.0}
RULES = ("maximin", "maximax", "hurwicz", "minimax regret")
PROBABILITY_TOLERANCE = 1e-9


class InputError(ValueError):
    """The scenario inputs break a convention (probabilities, units, labels)."""


def baseline_option(options: pd.DataFrame) -> str:
    """The one option (row label) whose `role` is "baseline": the zero line of the payoffs."""
    rows = options.index[options["role"] == "baseline"].tolist()
    if len(rows) != 1:
        raise InputError(f"scenario_options.csv: needs exactly one row with role 'baseline', "
                         f"found {rows or 'none'}")
    return str(rows[0])


def payoff_matrix(options: pd.DataFrame, futures: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Options (rows, baseline left out) x futures (columns), $B NPV against the baseline.

    `options`: one row per option (baseline included) with the DRIVERS levels and `cost_usd_b`;
    `futures`: one row per future with the DRIVER_VALUES columns."""
    levels = options[list(DRIVERS)].astype(float)
    change = (levels - levels.loc[baseline]).drop(index=baseline)
    worth = pd.DataFrame({d: SIGNS[d] * futures[DRIVER_VALUES[d]].astype(float) for d in DRIVERS})
    cost = options["cost_usd_b"].astype(float).drop(index=baseline)
    return (change @ worth.T).sub(cost, axis=0)


def input_checks(probabilities: pd.Series, units: pd.Series) -> pd.Series:
    """What Question 1 reports: the probabilities' sum and whether every payoff row has one unit."""
    return pd.Series({"probability_sum": float(probabilities.sum()),
                      "one_unit": bool(units.nunique() == 1)}, dtype=object)


def validate(probabilities: pd.Series, payoffs: pd.DataFrame, units: pd.Series) -> None:
    """Raise InputError unless the probabilities are shares summing to 1, every future has a
    payoff column, and the payoffs share a single unit."""
    if (probabilities < 0).any() or (probabilities > 1).any():
        raise InputError(f"probabilities must be shares between 0 and 1: {probabilities.to_dict()}")
    total = float(probabilities.sum())
    if abs(total - 1) > PROBABILITY_TOLERANCE:
        raise InputError(f"probabilities sum to {total!r}, not 1")
    missing = [f for f in probabilities.index if f not in payoffs.columns]
    if missing:
        raise InputError(f"no payoff column for future(s) {missing}")
    if units.nunique() != 1:
        raise InputError(f"payoffs are in more than one unit: {sorted(units.unique())}")


def expected_values(payoffs: pd.DataFrame, probabilities: pd.Series) -> pd.Series:
    """EV of each option: its payoffs weighted by the futures' probabilities (aligned by name)."""
    return payoffs[list(probabilities.index)] @ probabilities


def ranks(values: pd.Series) -> pd.Series:
    """1 = best (the highest value); ties share the better rank."""
    return values.rank(ascending=False, method="min").astype(int)


def worst_case(payoffs: pd.DataFrame) -> pd.Series:
    return payoffs.min(axis=1)


def best_case(payoffs: pd.DataFrame) -> pd.Series:
    return payoffs.max(axis=1)


def maximin(payoffs: pd.DataFrame) -> str:
    """The option whose worst case is best."""
    return str(worst_case(payoffs).idxmax())


def maximax(payoffs: pd.DataFrame) -> str:
    """The option whose best case is best."""
    return str(best_case(payoffs).idxmax())


def hurwicz_values(payoffs: pd.DataFrame, alpha: float) -> pd.Series:
    """alpha * best case + (1 - alpha) * worst case; alpha is the optimism (weight on the best)."""
    return alpha * best_case(payoffs) + (1 - alpha) * worst_case(payoffs)


def hurwicz(payoffs: pd.DataFrame, alpha: float) -> str:
    return str(hurwicz_values(payoffs, alpha).idxmax())


def regret(payoffs: pd.DataFrame) -> pd.DataFrame:
    """Regret within each future (column): the best payoff in that future minus the payoff."""
    return payoffs.max(axis=0) - payoffs


def max_regret(regret_table: pd.DataFrame) -> pd.Series:
    """Each option's largest regret over the futures."""
    return regret_table.max(axis=1)


def minimax_regret(max_regrets: pd.Series) -> str:
    """The option whose largest regret is smallest."""
    return str(max_regrets.idxmin())


def rule_choices(payoffs: pd.DataFrame, alpha: float, max_regrets: pd.Series) -> pd.Series:
    """The option each decision rule picks, indexed by RULES."""
    return pd.Series({"maximin": maximin(payoffs), "maximax": maximax(payoffs),
                      "hurwicz": hurwicz(payoffs, alpha),
                      "minimax regret": minimax_regret(max_regrets)})


def probabilities_at(probabilities: pd.Series, future: str, p: float) -> pd.Series:
    """The probabilities with `future` set to p and the others rescaled in proportion, so that
    they still sum to 1 (in the original order)."""
    others = probabilities.drop(future)
    scaled = others / others.sum() * (1 - p)
    scaled[future] = p
    return scaled[probabilities.index]


def ev_at(payoffs: pd.DataFrame, probabilities: pd.Series, future: str, p: float) -> pd.Series:
    """Expected values when the probability of `future` is p (others rescaled in proportion)."""
    return expected_values(payoffs, probabilities_at(probabilities, future, p))


def ev_curve(payoffs: pd.DataFrame, probabilities: pd.Series, future: str,
             grid: np.ndarray) -> pd.DataFrame:
    """EV of every option (columns) at each probability of `future` in `grid` (index)."""
    return pd.DataFrame({p: ev_at(payoffs, probabilities, future, p) for p in grid}).T


def reversal_probability(payoffs: pd.DataFrame, probabilities: pd.Series,
                         future: str = COMMODITIZATION, direction: str | None = None) -> float:
    """The probability of `future` (others rescaled in proportion) at which the option that is
    best today stops being best: moving `direction` ("up" or "down") from today's probability,
    the first crossing met; with no direction, the crossing nearest today's probability.

    With the others rescaled, EV_k(p) = c_k + p * (V_k,future - c_k), c_k being the EV of option
    k conditional on `future` not happening: straight lines in p. Today's best option t meets
    rival k where the lines cross, p_k = (c_k - c_t) / ((V_t - c_t) - (V_k - c_k)); moving away
    from today's probability, t loses first place at the first such crossing it meets.
    """
    now = float(probabilities[future])
    ev = expected_values(payoffs, probabilities)
    top = ev.idxmax()
    others = probabilities.drop(future)
    conditional = payoffs[list(others.index)] @ (others / others.sum())
    slope = payoffs[future] - conditional
    below, above = [], []
    for rival in payoffs.index.drop(top):
        if slope[top] == slope[rival]:
            continue  # parallel lines never cross
        x = float((conditional[rival] - conditional[top]) / (slope[top] - slope[rival]))
        if 0 <= x < now and slope[top] > slope[rival]:
            below.append(x)  # the rival gains as p falls
        elif now < x <= 1 and slope[top] < slope[rival]:
            above.append(x)  # the rival gains as p rises
    if direction not in (None, "up", "down"):
        raise ValueError(f"direction must be 'up', 'down' or None, not {direction!r}")
    candidates = (([max(below)] if below and direction != "up" else [])
                  + ([min(above)] if above and direction != "down" else []))
    if not candidates:
        way = {"up": " as it rises", "down": " as it falls"}.get(direction or "", "")
        raise ValueError(f"{top} stays best at every probability of {future}{way}; nothing reverses")
    return min(candidates, key=lambda x: abs(x - now))


def best_counts(sampled: np.ndarray, payoffs: pd.DataFrame) -> np.ndarray:
    """How often each option (row of payoffs) has the highest EV over the sampled probability
    vectors (rows of `sampled`, columns in the payoffs' future order)."""
    evs = sampled @ payoffs.to_numpy(dtype=float).T
    return np.bincount(evs.argmax(axis=1), minlength=len(payoffs))


def best_shares(payoffs: pd.DataFrame, probabilities: pd.Series, concentration: float,
                seed: int, draws: int) -> pd.Series:
    """Share of Dirichlet draws in which each option is best.

    The generator and call order are part of the answer: rng = numpy.random.default_rng(seed),
    then one call rng.dirichlet(concentration * probabilities, size=draws), the parameters in the
    exhibit's order of futures."""
    return pd.Series(_shares(_frozen(payoffs[list(probabilities.index)]),
                             tuple(float(p) for p in probabilities), float(concentration),
                             int(seed), int(draws)), index=payoffs.index)


def _frozen(payoffs: pd.DataFrame) -> tuple:
    return tuple(tuple(float(v) for v in row) for row in payoffs.to_numpy())


@lru_cache(maxsize=32)
def _shares(payoffs: tuple, probabilities: tuple, concentration: float, seed: int,
            draws: int) -> tuple:
    # Cached: the answer key asks for the same simulation once per follow-through case.
    rng = np.random.default_rng(seed)
    sampled = rng.dirichlet(concentration * np.array(probabilities), size=draws)
    table = pd.DataFrame(list(payoffs))
    return tuple(float(c) / draws for c in best_counts(sampled, table))


# --- the value of learning before deciding (Question 6) --------------------------------------


def ev_with_perfect_information(payoffs: pd.DataFrame, probabilities: pd.Series) -> float:
    """Expected payoff if the future were known before choosing: sum_s p_s * max_k V_ks."""
    return float((payoffs[list(probabilities.index)].max(axis=0) * probabilities).sum())


def evpi(payoffs: pd.DataFrame, probabilities: pd.Series) -> float:
    """The expected value of perfect information: what knowing the future before choosing
    adds to the best expected value of choosing now."""
    return ev_with_perfect_information(payoffs, probabilities) - float(
        expected_values(payoffs, probabilities).max())


def staged_value(payoffs: pd.DataFrame, probabilities: pd.Series, keep: float) -> float:
    """Stay the course for one period, learn which future is unfolding, then take that future's
    best option, or none if every option loses in it (staying the course is worth 0): each payoff
    shrinks to `keep` of its value for the delay. Against staying the course, $B."""
    best = payoffs[list(probabilities.index)].max(axis=0).clip(lower=0.0)
    return float(keep * (best * probabilities).sum())


def breakeven_keep(payoffs: pd.DataFrame, probabilities: pd.Series) -> float:
    """The share of value a year's wait may keep at which waiting and acting now are worth the
    same: best expected value now / the staged value with nothing lost."""
    return float(expected_values(payoffs, probabilities).max()) / staged_value(payoffs, probabilities, 1.0)
