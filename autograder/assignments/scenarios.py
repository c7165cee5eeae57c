"""Assignment 3, scenario ranking: checks, points and the catalogue of common mistakes.

Question 5 is graded twice, by two checks with their own answer cells: `best_share` must
reproduce the stated generator exactly (tight tolerance); `best_share_any` is a second run with
any seed or none, accepted within a statistical tolerance and worth less. Each simulates on its
own, so a wrong distribution in one cell costs only that item.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from autograder import data
from autograder.key import scenarios as key
from autograder.spec import Assignment, Check, Mistake

COMMOD = key.COMMODITIZATION
# The large-sample estimate that seedless answers are compared with: its standard error
# (< 0.001) is small beside the "simulated" tolerance.
REFERENCE_DRAWS = 400_000


def load(folder: Path) -> dict:
    futures = data.load("scenarios", folder).set_index("future")
    options = data.load("scenario_options", folder).set_index("option")
    params = data.params("scenario_params", folder)
    baseline = key.baseline_option(options)
    probs = futures["probability"].astype(float)
    payoffs = key.payoff_matrix(options, futures, baseline)[list(probs.index)]
    key.validate(probs, payoffs, futures["unit"])
    return {"probs": probs, "payoffs": payoffs, "units": futures["unit"], "baseline": baseline,
            "alpha": float(params["hurwicz_alpha"]),
            "concentration": float(params["dirichlet_concentration"]),
            "seed": int(params["seed"]), "draws": int(params["draws"]),
            "keep": float(params["delay_keeps"])}


def solve(inputs: dict, given: dict) -> dict:
    probs, payoffs = inputs["probs"], inputs["payoffs"]
    a = dict(given)
    if "input_checks" not in a:
        a["input_checks"] = key.input_checks(probs, inputs["units"])
    if "ev" not in a:
        a["ev"] = key.expected_values(payoffs, probs)
    if "ev_rank" not in a:
        a["ev_rank"] = key.ranks(a["ev"])
    if "regret" not in a:
        a["regret"] = key.regret(payoffs)
    if "max_regret" not in a:
        a["max_regret"] = key.max_regret(a["regret"])
    if "rule_choices" not in a:
        a["rule_choices"] = key.rule_choices(payoffs, inputs["alpha"], a["max_regret"])
    if "reversal_p" not in a:
        a["reversal_p"] = key.reversal_probability(payoffs, probs, COMMOD, direction="up")
    if "best_share" not in a:
        a["best_share"] = _simulated(inputs, inputs["draws"])
    if "best_share_any" not in a:
        a["best_share_any"] = _simulated(inputs, REFERENCE_DRAWS)
    best_now = float(a["ev"].max())  # Question 2's answer, as the student has it
    if "evpi" not in a:
        a["evpi"] = key.ev_with_perfect_information(payoffs, probs) - best_now
    if "staged_value" not in a:
        a["staged_value"] = key.staged_value(payoffs, probs, inputs["keep"])
    if "breakeven_keep" not in a:
        a["breakeven_keep"] = best_now / key.staged_value(payoffs, probs, 1.0)
    return a


def _simulated(inputs: dict, draws: int) -> pd.Series:
    return key.best_shares(inputs["payoffs"], inputs["probs"], inputs["concentration"],
                           inputs["seed"], draws)


# --- the mistakes' values: each mirrors its cell below -----------------------------------------


def _shares_from(sampled: np.ndarray, inputs: dict, counts: bool = False) -> pd.Series:
    found = key.best_counts(sampled, inputs["payoffs"])
    return pd.Series(found if counts else found / len(sampled), index=inputs["payoffs"].index)


def _legacy(inputs: dict) -> pd.Series:
    """np.random.seed(seed) + np.random.dirichlet: the legacy MT19937 stream."""
    alpha = inputs["concentration"] * inputs["probs"].to_numpy()
    return _shares_from(np.random.RandomState(inputs["seed"]).dirichlet(alpha, inputs["draws"]),
                        inputs)


def _uniform(inputs: dict, draws: int) -> pd.Series:
    """Uniform weights normalized to sum to 1 (a flat Dirichlet, not centred on the exhibit)."""
    u = np.random.default_rng(inputs["seed"]).uniform(size=(draws, len(inputs["probs"])))
    return _shares_from(u / u.sum(axis=1, keepdims=True), inputs)


def _no_concentration(inputs: dict, draws: int) -> pd.Series:
    """Dirichlet parameters = the probabilities themselves (concentration left out)."""
    rng = np.random.default_rng(inputs["seed"])
    return _shares_from(rng.dirichlet(inputs["probs"].to_numpy(), size=draws), inputs)


def _counts(inputs: dict) -> pd.Series:
    rng = np.random.default_rng(inputs["seed"])
    alpha = inputs["concentration"] * inputs["probs"].to_numpy()
    return _shares_from(rng.dirichlet(alpha, size=inputs["draws"]), inputs, counts=True)


def _lines(inputs: dict, rescale: bool = True):
    """EV_k(p) = rest_k + p * slope_k, as the reversal cell writes it."""
    probs, payoffs = inputs["probs"], inputs["payoffs"]
    others = probs.drop(COMMOD)
    if rescale:
        rest = payoffs[list(others.index)] @ (others / others.sum())
        return rest, payoffs[COMMOD] - rest
    return payoffs[list(others.index)] @ others, payoffs[COMMOD]


def _crossing(inputs: dict, rival: str | None = None, rescale: bool = True) -> float:
    rest, slope = _lines(inputs, rescale)
    ev = key.expected_values(inputs["payoffs"], inputs["probs"])
    top = ev.idxmax()
    rivals = rest.drop(top)
    crossings = (rivals - rest[top]) / (slope[top] - slope.drop(top))
    if rival is not None:
        return float(crossings[rival])
    now = inputs["probs"][COMMOD]
    return float(crossings[(crossings > now) & (crossings <= 1)].min())


def _runner_up(inputs: dict) -> float:
    ev = key.expected_values(inputs["payoffs"], inputs["probs"])
    return _crossing(inputs, rival=ev.sort_values().index[-2])


# --- the answer cells as students write them ---------------------------------------------------

_INPUTS = ('input_checks = pd.Series({{"probability_sum": {total},\n'
           '                          "one_unit": futures["unit"].nunique() == 1}})')

_CHOICES = ("worst = payoffs.min(axis=1)\n"
            "best = payoffs.max(axis=1)\n"
            "hurwicz = {hurwicz}\n"
            "rule_choices = pd.Series({{\n"
            '    "maximin": {maximin},\n'
            '    "maximax": best.idxmax(),\n'
            '    "hurwicz": hurwicz.idxmax(),\n'
            '    "minimax regret": {regret},\n'
            "}})")


def _choices(hurwicz="optimism * best + (1 - optimism) * worst", maximin="worst.idxmax()",
             regret="max_regret.idxmin()") -> str:
    return _CHOICES.format(hurwicz=hurwicz, maximin=maximin, regret=regret)


_REVERSAL = ("p_now = probs[commod]\n"
             "others = probs.drop(commod)\n"
             "{lines}"
             "top = ev.idxmax()\n"
             "# where each rival's line meets the top option's line\n"
             "crossings = (rest.drop(top) - rest[top]) / (slope[top] - slope.drop(top))\n"
             "{answer}")
_RESCALED = ("rest = payoffs[others.index] @ (others / others.sum())  # EV if it does not happen\n"
             "slope = payoffs[commod] - rest  # EV_k(p) = rest_k + p * slope_k\n")
_FIRST = "crossings[(crossings > p_now) & (crossings <= 1)].min()"


def _reversal(answer: str, lines: str = _RESCALED) -> str:
    return _REVERSAL.format(lines=lines, answer=answer)


_CHART = ("def probs_at(p):\n"
          '    """The probabilities with p(Commoditization victory) = p, the others rescaled."""\n'
          "    others = probs.drop(commod)\n"
          "    q = others / others.sum() * (1 - p)\n"
          "    q[commod] = p\n"
          "    return q[probs.index]\n"
          "\n"
          "grid = np.linspace(0, 1, 101)\n"
          "curve = pd.DataFrame([payoffs @ probs_at(p) for p in grid], index=grid)\n"
          "fig, ax = plt.subplots(figsize=(8, 4.5))\n"
          "{draw}"
          "plt.show()")

_SIMULATION = ("{generator}\n"
               "{sampled}\n"
               "sim_ev = sampled @ payoffs[probs.index].to_numpy().T  # draws x options\n"
               "wins = np.bincount(sim_ev.argmax(axis=1), minlength=len(payoffs))\n"
               "{variable} = pd.Series(wins{per}, index=payoffs.index)")


def _simulation(variable: str, generator: str, sampled: str, per: str = " / len(sampled)") -> str:
    return _SIMULATION.format(variable=variable, generator=generator, sampled=sampled, per=per)


_DIRICHLET = "sampled = rng.dirichlet(concentration * probs.to_numpy(), size=draws)"
_UNIFORM = ("u = rng.uniform(size=(draws, len(probs)))\n"
            "sampled = u / u.sum(axis=1, keepdims=True)")
_NO_CONCENTRATION = "sampled = rng.dirichlet(probs.to_numpy(), size=draws)"
# The second run: another seed. Any seed (or none) passes within the stated tolerance; a fixed
# one keeps the harness deterministic.
_OTHER_GENERATOR = "rng = np.random.default_rng(7)  # any seed, or none"

_EVPI = ("best_if_known = payoffs.max(axis=0)          # the best option in each future\n"
         "ev_known = {known}\n"
         "evpi = {answer}\n"
         "evpi")
_STAGED = ("# wait a year, see the future, then take its best option (or none: staying is worth 0)\n"
           "best_if_known = payoffs.max(axis=0).clip(lower=0)\n"
           "staged_value = {answer}\n"
           "staged_value")
_BREAKEVEN_KEEP = ("staged_full = (payoffs.max(axis=0).clip(lower=0) * probs).sum()   # nothing lost\n"
                   "breakeven_keep = {answer}\n"
                   "breakeven_keep")

_UNIFORM_MESSAGE = ("these shares come from uniform weights rescaled to sum to 1, which ignores "
                    "the exhibit probabilities: draw from a Dirichlet whose parameters are the "
                    "concentration times the exhibit probabilities.")
_NO_CONCENTRATION_MESSAGE = ("the Dirichlet parameters are the concentration times the exhibit "
                             "probabilities; without the concentration the simulated "
                             "probabilities scatter far too widely.")


def _options(inputs) -> list[str]:
    return list(inputs["payoffs"].index)


def _futures(inputs) -> list[str]:
    return list(inputs["probs"].index)


def _ev_range(inputs) -> dict:
    payoffs = inputs["payoffs"]
    return {"type": "Series", "index": _options(inputs),
            "range": [float(payoffs.min().min()), float(payoffs.max().max())],
            "range_hint": "an expected value lies between the worst and the best payoff"}


def _share_format(inputs) -> dict:
    return {"type": "Series", "index": _options(inputs), "range": [0, 1],
            "range_hint": "give each option's share of the draws, not a count or a percentage"}


CHECKS: tuple[Check, ...] = (
    Check(
        id="q1_inputs", variable="input_checks", about="the input checks",
        tolerance="share", points=1, format_points=0,
        format={"type": "Series", "index": ["probability_sum", "one_unit"], "range": [0, 2],
                "range_hint": "probabilities are shares that sum to about 1; did you use "
                              "percentages?"},
        mistakes=(
            Mistake("percent-sum",
                    "report the probabilities' sum as they are written, as shares (the "
                    "convention is that they sum to 1), not as a percentage.",
                    _INPUTS.format(total="probs.sum() * 100"),
                    lambda i, a: pd.Series({"probability_sum": 100 * float(i["probs"].sum()),
                                            "one_unit": True}, dtype=object)),
        ),
    ),
    Check(
        id="q2_ev", variable="ev", about="the expected value of each option",
        tolerance="money", points=3, format_points=0, format=_ev_range,
        mistakes=(
            Mistake("percent-probabilities",
                    "these expected values are 100 times too large: probabilities are shares "
                    "that sum to 1 (0.30, not 30).",
                    "ev = payoffs @ (probs * 100)",
                    lambda i, a: a["ev"] * 100),
            Mistake("unweighted-sum",
                    "adding up an option's payoffs weights every future by 1 (weights that sum "
                    "to 4, not 1): weight each payoff by its future's probability.",
                    "ev = payoffs.sum(axis=1)",
                    lambda i, a: i["payoffs"].sum(axis=1)),
            Mistake("plain-mean",
                    "this is a plain average of the four futures, as if they were equally "
                    "likely: weight each payoff by its future's probability.",
                    "ev = payoffs.mean(axis=1)",
                    lambda i, a: i["payoffs"].mean(axis=1)),
        ),
    ),
    Check(
        id="q2_ranks", variable="ev_rank", about="the ranks by expected value",
        tolerance="exact", points=2, format_points=0,
        format=lambda i: {"type": "Series", "index": _options(i), "integers": True,
                          "range": [1, len(_options(i))]},
        mistakes=(
            Mistake("rank-1-lowest",
                    "rank 1 should be the best option (the highest expected value): rank in "
                    "descending order.",
                    "ev_rank = ev.rank().astype(int)",
                    lambda i, a: a["ev"].rank(method="min").astype(int)),
        ),
    ),
    Check(
        id="q3_regret", variable="regret", about="the regret table",
        tolerance="money", points=3, format_points=0,
        format=lambda i: {"type": "DataFrame", "index": _options(i), "columns": _futures(i),
                          "range": [0, None],
                          "range_hint": "regret is never negative"},
        mistakes=(
            Mistake("within-option",
                    "regret compares the options within the same future: subtract each payoff "
                    "from the best payoff in its column (future), not from the option's own "
                    "best payoff.",
                    "regret = payoffs.apply(lambda row: row.max() - row, axis=1)",
                    lambda i, a: i["payoffs"].apply(lambda row: row.max() - row, axis=1)),
            Mistake("wrong-sign",
                    "the subtraction runs the wrong way: regret is the best payoff in the "
                    "future minus the option's payoff, so it is never negative.",
                    "regret = payoffs - payoffs.max()",
                    lambda i, a: i["payoffs"] - i["payoffs"].max()),
        ),
    ),
    Check(
        id="q3_max_regret", variable="max_regret", about="each option's maximum regret",
        tolerance="money", points=2, format_points=0,
        format=lambda i: {"type": "Series", "index": _options(i)},
        mistakes=(
            Mistake("sum-of-regrets",
                    "an option's maximum regret is its largest regret across the futures, not "
                    "the total of its regrets.",
                    "max_regret = regret.sum(axis=1)",
                    lambda i, a: a["regret"].sum(axis=1)),
            Mistake("across-options",
                    "take each option's maximum along its row (across the futures), not each "
                    "future's maximum across the options.",
                    "max_regret = regret.max()",
                    lambda i, a: a["regret"].max(axis=0)),
        ),
    ),
    Check(
        id="q3_choices", variable="rule_choices", about="the option each decision rule picks",
        tolerance="exact", points=3, format_points=0,
        format={"type": "Series", "index": list(key.RULES)},
        mistakes=(
            Mistake("maximin-max-of-max",
                    "maximin compares the options' worst cases (each option's minimum payoff) "
                    "and picks the best of those; the best of the best cases is maximax.",
                    _choices(maximin="best.idxmax()"),
                    lambda i, a: a["rule_choices"].copy().where(
                        a["rule_choices"].index != "maximin", key.maximax(i["payoffs"]))),
            Mistake("hurwicz-alpha-on-worst",
                    "the optimism coefficient α weighs the best case; the worst case gets "
                    "1 − α.",
                    _choices(hurwicz="optimism * worst + (1 - optimism) * best"),
                    lambda i, a: a["rule_choices"].copy().where(
                        a["rule_choices"].index != "hurwicz",
                        key.hurwicz(i["payoffs"], 1 - i["alpha"]))),
            Mistake("largest-regret",
                    "minimax regret picks the option whose maximum regret is smallest.",
                    _choices(regret="max_regret.idxmax()"),
                    lambda i, a: a["rule_choices"].copy().where(
                        a["rule_choices"].index != "minimax regret",
                        str(a["max_regret"].idxmax()))),
        ),
    ),
    Check(
        id="q4_chart", variable="fig", about="the chart of expected value against the "
        "probability of Commoditization victory", tolerance="exact", points=0, format_points=1,
        hidden=False,
        format=lambda i: {"type": "figure", "lines": len(_options(i)), "labelled": True,
                          "legend": len(_options(i))},
        mistakes=(
            Mistake("unlabelled", "needs a title and both axis labels",
                    _CHART.format(draw="curve.plot(ax=ax)\n")),
            Mistake("no-legend", "needs a legend with 4 entries",
                    _CHART.format(draw="for option in curve.columns:\n"
                                       "    ax.plot(curve.index, curve[option])\n"
                                       'ax.set(title="Expected value of each option", '
                                       'xlabel="p", ylabel="EV")\n')),
        ),
    ),
    Check(
        id="q4_reversal", variable="reversal_p",
        about="the probability of Commoditization victory at which the top option changes",
        tolerance="threshold", points=3, format_points=0,
        format={"type": "number", "range": [0, 1],
                "range_hint": "give the probability as a share, not a percentage"},
        mistakes=(
            Mistake("not-rescaled",
                    "when the probability of Commoditization victory moves, the other three "
                    "must be rescaled in proportion so that all four still sum to 1.",
                    _reversal(f"reversal_p = {_FIRST}",
                              lines="rest = payoffs[others.index] @ others\n"
                                    "slope = payoffs[commod]\n"),
                    lambda i, a: _crossing(i, rescale=False)),
            Mistake("runner-up",
                    "today's runner-up is not necessarily the first option to overtake: find "
                    "where the top option's line crosses each rival's and take the first "
                    "crossing you meet as the probability rises.",
                    _reversal("runner_up = ev.sort_values().index[-2]\n"
                              "reversal_p = crossings[runner_up]"),
                    lambda i, a: _runner_up(i)),
            Mistake("percent",
                    "give the probability as a share between 0 and 1, not a percentage.",
                    _reversal(f"reversal_p = 100 * {_FIRST}"),
                    lambda i, a: 100 * a["reversal_p"]),
            Mistake("rise-only",
                    "report the probability itself at the swap, not how far it rises from "
                    "today's.",
                    _reversal(f"reversal_p = {_FIRST} - p_now"),
                    lambda i, a: a["reversal_p"] - float(i["probs"][COMMOD])),
        ),
    ),
    Check(
        id="q5_best_share", variable="best_share",
        about="the share of draws in which each option is best (stated seed)",
        tolerance="share", points=2, format_points=0, format=_share_format,
        mistakes=(
            Mistake("legacy-generator",
                    "these shares come from another random stream: use "
                    "numpy.random.default_rng(seed) and one call rng.dirichlet(..., size=draws), "
                    "not np.random.seed with np.random.dirichlet.",
                    _simulation("best_share", "np.random.seed(seed)",
                                "sampled = np.random.dirichlet(concentration * probs.to_numpy(), draws)"),
                    lambda i, a: _legacy(i)),
            Mistake("uniform-weights", _UNIFORM_MESSAGE,
                    _simulation("best_share", "rng = np.random.default_rng(seed)", _UNIFORM),
                    lambda i, a: _uniform(i, i["draws"])),
            Mistake("no-concentration", _NO_CONCENTRATION_MESSAGE,
                    _simulation("best_share", "rng = np.random.default_rng(seed)",
                                _NO_CONCENTRATION),
                    lambda i, a: _no_concentration(i, i["draws"])),
            Mistake("counts",
                    "give each option's share of the draws (a count divided by the number of "
                    "draws), not the count.",
                    _simulation("best_share", "rng = np.random.default_rng(seed)", _DIRICHLET,
                                per=""),
                    lambda i, a: _counts(i)),
        ),
    ),
    Check(
        id="q5_best_share_any", variable="best_share_any",
        about="the shares from a run with any seed", tolerance="simulated",
        points=1, format_points=0, format=_share_format,
        mistakes=(
            Mistake("uniform-weights", _UNIFORM_MESSAGE,
                    _simulation("best_share_any", _OTHER_GENERATOR, _UNIFORM),
                    lambda i, a: _uniform(i, REFERENCE_DRAWS)),
            Mistake("no-concentration", _NO_CONCENTRATION_MESSAGE,
                    _simulation("best_share_any", _OTHER_GENERATOR, _NO_CONCENTRATION),
                    lambda i, a: _no_concentration(i, REFERENCE_DRAWS)),
        ),
    ),
)


CHECKS = CHECKS + (
    Check(
        id="q6_evpi", variable="evpi", about="the expected value of perfect information",
        tolerance="money", points=2, format_points=0,
        format={"type": "number", "range": [0, None],
                "range_hint": "information cannot be worth less than nothing"},
        mistakes=(
            Mistake("ev-known",
                    "this is the expected payoff when the future is known; the value of the "
                    "information is what it adds to the best expected value of choosing now.",
                    _EVPI.format(known="(best_if_known * probs).sum()", answer="ev_known"),
                    lambda i, a: key.ev_with_perfect_information(i["payoffs"], i["probs"])),
            Mistake("unweighted",
                    "weight each future's best payoff by its probability, not equally.",
                    _EVPI.format(known="best_if_known.mean()", answer="ev_known - ev.max()"),
                    lambda i, a: float(i["payoffs"].max(axis=0).mean()
                                       - key.expected_values(i["payoffs"], i["probs"]).max())),
            Mistake("best-cell",
                    "perfect information tells you which future comes, not that the best cell of "
                    "the whole table does: average each future's best payoff by its probability.",
                    _EVPI.format(known="payoffs.max().max()", answer="ev_known - ev.max()"),
                    lambda i, a: float(i["payoffs"].max().max()
                                       - key.expected_values(i["payoffs"], i["probs"]).max())),
        ),
    ),
    Check(
        id="q6_staged_value", variable="staged_value",
        about="the value of waiting a year for the future to show itself", tolerance="money",
        points=2, format_points=0, format={"type": "number"},
        mistakes=(
            Mistake("no-delay",
                    "waiting costs value: each payoff keeps only the share `keep` after a year.",
                    _STAGED.format(answer="(best_if_known * probs).sum()"),
                    lambda i, a: key.staged_value(i["payoffs"], i["probs"], 1.0)),
            Mistake("delay-on-now",
                    "the delay applies to what you do after waiting, the best option in each "
                    "future, not to the best expected value of choosing now.",
                    _STAGED.format(answer="keep * ev.max()"),
                    lambda i, a: i["keep"] * float(key.expected_values(i["payoffs"], i["probs"]).max())),
        ),
    ),
    Check(
        id="q6_breakeven_keep", variable="breakeven_keep",
        about="the share of value a year's wait may keep at which waiting and acting tie",
        tolerance="share", points=2, format_points=0,
        format={"type": "number", "range": [0, 1],
                "range_hint": "give a share of the value, not a percentage"},
        mistakes=(
            Mistake("inverted",
                    "the break-even share is the best expected value now over the staged value "
                    "with nothing lost, not the other way round.",
                    _BREAKEVEN_KEEP.format(answer="staged_full / ev.max()"),
                    lambda i, a: 1 / a["breakeven_keep"]),
            Mistake("share-lost",
                    "this is the share of value waiting may lose; the question asks for the share "
                    "it must keep.",
                    _BREAKEVEN_KEEP.format(answer="1 - ev.max() / staged_full"),
                    lambda i, a: 1 - a["breakeven_keep"]),
        ),
    ),
)


ASSIGNMENT = Assignment(
    name="scenarios",
    title="Scenario ranking: which bet survives an uncertain future?",
    notebook="scenarios.ipynb",
    data_files=("scenarios", "scenario_options", "scenario_params"),
    load=load,
    solve=solve,
    checks=CHECKS,
    manual={"q7_memo": 14},
    variants=True,
)
