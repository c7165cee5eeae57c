"""The workbook's scenario sheet, and Exhibit 9's payoff matrix as formulas of the drivers.

Each formula follows autograder.key.scenarios: expected values, ranks, worst and best cases,
Hurwicz values, regrets, the rules' picks, the probability of Commoditization at which the best
option changes, and the value of learning before deciding. Inputs are links to Exhibit 9.
"""

from __future__ import annotations

from dataclasses import dataclass

from autograder.casebook.exhibits import NOTEBOOK_ONLY
from autograder.key import scenarios as sk
from autograder.kit.workbook_models import Inputs, Sheet, params_block, ref

SCENARIO_SHEET = "Scenarios"

SCENARIO_NOTES = (
    "Blue: inputs linked to Exhibit 9 (change them there). Yellow: answer cells.",
    "EV = Σ probability × payoff, the probabilities being shares that sum to 1; rank 1 = best; "
    "regret = the best payoff in a future minus the option's; Hurwicz = α × best case + (1 − α) "
    "× worst case. Payoffs are $ billion NPV against staying the course.",
)
SIMULATION_NOTE = ("Question 5 (the Dirichlet simulation) is not in the workbook: its answer "
                   "depends on numpy's random generator, which a spreadsheet cannot reproduce.")


def scenario_options(src: Inputs) -> list[str]:
    """The options the payoff matrix compares: every course but the baseline, in file order."""
    table = src.tables["scenario_options"]
    baseline = sk.baseline_option(table.set_index("option"))
    return [str(o) for o in table["option"] if o != baseline]


def payoff_block(s: Sheet, src: Inputs, row: int) -> int:
    """Exhibit 9's payoff matrix as formulas of the drivers (autograder.key.scenarios.
    payoff_matrix): for each option and future, Σ over drivers of (level − baseline level) ×
    sign × value, minus the option's cost. Registered in `src.where` as file "payoffs"."""
    if any(abs(sign) != 1 for sign in sk.SIGNS.values()):
        raise ValueError(f"the payoff formulas write each driver's sign as + or −: {sk.SIGNS}")
    futures = src.tables["scenarios"]
    baseline = sk.baseline_option(src.tables["scenario_options"].set_index("option"))
    s.put(row, 1, f"Payoff matrix, $ billion NPV against '{baseline}': Σ over drivers of (level − "
          "baseline level) × the driver's value in the future (exposure counts as a cost), minus "
          "the option's cost", "header")
    s.put(row + 1, 1, "Option", "header")
    names = [str(f) for f in futures["future"]]
    for j, future in enumerate(names):
        s.put(row + 1, 2 + j, future, "header")
    at = row + 2
    for option in scenario_options(src):
        s.put(at, 1, option)
        for j, future in enumerate(names):
            terms = "".join(
                f"{'+' if sk.SIGNS[d] > 0 else '-'}({src.at('scenario_options', option, d, s.title)}"
                f"-{src.at('scenario_options', baseline, d, s.title)})"
                f"*{src.at('scenarios', future, sk.DRIVER_VALUES[d], s.title)}" for d in sk.DRIVERS)
            cost = src.at("scenario_options", option, "cost_usd_b", s.title)
            s.put(at, 2 + j, f"={terms.removeprefix('+')}-{cost}", "derived", "usd_b",
                  f"payoffs/{option}/{future}")
            src.where["payoffs", option, future] = (s.title, at, 2 + j)
        at += 1
    return at + 1


@dataclass(frozen=True)
class Grid:
    options: list[str]
    futures: list[str]
    top: int  # first option row of the payoff matrix
    prob_row: int  # the probabilities' row, one column per future as in the matrix

    @property
    def probs(self) -> str:
        return f"{ref(self.prob_row, 2)}:{ref(self.prob_row, 1 + len(self.futures))}"

    def prob(self, j: int) -> str:
        return ref(self.prob_row, 2 + j)

    def cell(self, i: int, j: int, offset: int = 0) -> str:
        return ref(self.top + offset + i, 2 + j, False)

    def row(self, i: int, offset: int = 0) -> str:
        return f"{self.cell(i, 0, offset)}:{self.cell(i, len(self.futures) - 1, offset)}"

    def col(self, j: int) -> str:
        return f"{ref(self.top, 2 + j)}:{ref(self.top + len(self.options) - 1, 2 + j)}"

    def side(self, k: int) -> str:
        """The range of the k-th column right of the matrix (EV, rank, …)."""
        c = 2 + len(self.futures) + k
        return f"{ref(self.top, c)}:{ref(self.top + len(self.options) - 1, c)}"


def futures_block(s: Sheet, src: Inputs, row: int) -> tuple[int, int]:
    futures = [str(f) for f in src.tables["scenarios"]["future"]]
    s.put(row, 1, "Futures (Exhibit 9)", "header")
    for j, future in enumerate(futures):
        s.put(row, 2 + j, future, "header")
        s.put(row + 1, 2 + j, "=" + src.at("scenarios", future, "probability", s.title), "link", "share")
        s.put(row + 2, 2 + j, "=" + src.at("scenarios", future, "unit", s.title), "link")
    s.put(row + 1, 1, "Probability")
    s.put(row + 2, 1, "Unit of the payoffs")
    probs = f"{ref(row + 1, 2)}:{ref(row + 1, 1 + len(futures))}"
    units = f"{ref(row + 2, 2)}:{ref(row + 2, 1 + len(futures))}"
    s.put(row + 3, 1, "Question 1: the probabilities' sum")
    s.answer(row + 3, 2, f"=SUM({probs})", "q1_inputs/probability_sum", "the sum of the probabilities",
             "ratio")
    s.put(row + 4, 1, "Question 1: one unit for every future?")
    s.answer(row + 4, 2, f"=COUNTIF({units},{ref(row + 2, 2)})=COLUMNS({units})", "q1_inputs/one_unit",
             "TRUE if every future's payoffs are in the same unit")
    return row + 1, row + 6


SIDE = ("Expected value", "Rank by EV", "Worst case", "Best case", "Hurwicz value", "Maximum regret")


def matrix_block(s: Sheet, src: Inputs, prob_row: int, alpha: str, row: int) -> tuple[Grid, int]:
    options = scenario_options(src)
    futures = [str(f) for f in src.tables["scenarios"]["future"]]
    s.put(row, 1, "Payoffs, $ billion NPV against staying the course (Exhibit 9), and what each "
          "rule reads from them", "header")
    s.put(row + 1, 1, "Option", "header")
    for j, text in enumerate([*futures, *SIDE]):
        s.put(row + 1, 2 + j, text, "header")
    g = Grid(options, futures, row + 2, prob_row)
    probs = g.probs
    # regret_block, called with the row below the matrix, puts its first option 4 rows lower
    regret_top = g.top + len(options) + 4
    for i, option in enumerate(options):
        at, c = g.top + i, 2 + len(futures)
        s.put(at, 1, option)
        for j, future in enumerate(futures):
            s.put(at, 2 + j, "=" + src.at("payoffs", option, future, s.title), "link", "usd_b")
        ev, worst, best = (ref(at, c + k, False) for k in (0, 2, 3))
        s.answer(at, c, f"=SUMPRODUCT({g.row(i)},{probs})", f"q2_ev/{option}",
                 "Σ probability × payoff", "usd_b")
        s.answer(at, c + 1, f"=RANK({ev},{g.side(0)},0)", f"q2_ranks/{option}",
                 "1 = the highest expected value", "int")
        s.answer(at, c + 2, f"=MIN({g.row(i)})", None, "the option's worst payoff", "usd_b")
        s.answer(at, c + 3, f"=MAX({g.row(i)})", None, "the option's best payoff", "usd_b")
        s.answer(at, c + 4, f"={alpha}*{best}+(1-{alpha})*{worst}", None,
                 "α × best case + (1 − α) × worst case", "usd_b")
        s.answer(at, c + 5, f"=MAX({g.row(i, regret_top - g.top)})", f"q3_max_regret/{option}",
                 "the option's largest regret", "usd_b")
    return g, g.top + len(options)


def regret_block(s: Sheet, g: Grid, row: int) -> int:
    """The best payoff in each future (and that or nothing, for waiting), then the regrets."""
    s.put(row, 1, "Best payoff in the future")
    s.put(row + 1, 1, "Best payoff if known, or 0 (stay the course)")
    for j, _ in enumerate(g.futures):
        best = s.answer(row, 2 + j, f"=MAX({g.col(j)})", None, "the best payoff in this future", "usd_b")
        s.answer(row + 1, 2 + j, f"=MAX(0,{best})", None,
                 "the best payoff in this future, or 0 if every option loses in it", "usd_b")
    s.put(row + 3, 1, "Regret, $ billion: the best payoff in the future minus the option's", "header")
    for j, future in enumerate(g.futures):
        s.put(row + 3, 2 + j, future, "header")
    for i, option in enumerate(g.options):
        s.put(row + 4 + i, 1, option)
        for j, future in enumerate(g.futures):
            s.answer(row + 4 + i, 2 + j, f"={ref(row, 2 + j)}-{g.cell(i, j)}",
                     f"q3_regret/{option}/{future}", "best payoff in this future − this payoff",
                     "usd_b")
    return row + 5 + len(g.options)


def choices_block(s: Sheet, g: Grid, row: int) -> int:
    """The option each rule picks: INDEX/MATCH on the column the rule reads (first on a tie)."""
    options = f"{ref(g.top, 1)}:{ref(g.top + len(g.options) - 1, 1)}"
    picks = {"maximin": ("MAX", 2), "maximax": ("MAX", 3), "hurwicz": ("MAX", 4),
             "minimax regret": ("MIN", 5)}
    if set(picks) != set(sk.RULES):
        raise ValueError(f"the workbook knows the rules {sorted(picks)}, the key {sorted(sk.RULES)}")
    s.put(row, 1, "Question 3: the option each rule picks", "header")
    for n, rule in enumerate(sk.RULES, start=1):
        fn, k = picks[rule]
        s.put(row + n, 1, rule)
        s.answer(row + n, 2, f"=INDEX({options},MATCH({fn}({g.side(k)}),{g.side(k)},0))",
                 f"q3_choices/{rule}", f"the option with the {'smallest' if fn == 'MIN' else 'largest'} "
                 f"{SIDE[k].lower()}")
    return row + len(sk.RULES) + 2


def reversal_block(s: Sheet, g: Grid, row: int) -> int:
    """Where today's best option stops being best as the probability of Commoditization rises,
    the others rescaled: EV_k(p) = rest_k + p × slope_k, rest_k being the EV if it does not
    happen; the answer is the first crossing of the top option's line above today's p."""
    j = g.futures.index(sk.COMMODITIZATION)
    p = g.prob(j)
    s.put(row, 1, f"Question 4: the probability of {sk.COMMODITIZATION} at which the best option "
          "changes (others rescaled)", "header")
    s.put(row + 1, 1, "Today's best option")
    top = s.answer(row + 1, 2, f"=INDEX({ref(g.top, 1)}:{ref(g.top + len(g.options) - 1, 1)},"
                   f"MATCH(MAX({g.side(0)}),{g.side(0)},0))", None, "the option with the highest EV")
    heads = ("Option", f"EV if {sk.COMMODITIZATION} does not happen", "Slope (EV gain per unit of p)",
             "Crossing with today's best", "Crossing above today's p")
    for col, text in enumerate(heads, start=1):
        s.put(row + 3, col, text, "header")
    first, last = row + 4, row + 3 + len(g.options)
    rest, slope = (f"{ref(first, c)}:{ref(last, c)}" for c in (2, 3))
    names = f"{ref(first, 1)}:{ref(last, 1)}"
    for i, option in enumerate(g.options):
        at = first + i
        ev, v = ref(g.top + i, 2 + len(g.futures)), g.cell(i, j)
        s.put(at, 1, option)
        r_, k_ = ref(at, 2, False), ref(at, 3, False)
        s.answer(at, 2, f"=({ev}-{v}*{p})/(SUM({g.probs})-{p})", None,
                 "the EV with the other futures' probabilities rescaled to sum to 1", "usd_b")
        s.answer(at, 3, f"={v}-{r_}", None, "payoff if it happens − EV if it does not", "usd_b")
        t_rest, t_slope = (f"INDEX({col},MATCH({top},{names},0))" for col in (rest, slope))
        x = s.answer(at, 4, f'=IF(OR({ref(at, 1, False)}={top},{k_}<={t_slope}),"",'
                     f"({r_}-{t_rest})/({t_slope}-{k_}))", None,
                     "p where this option's line meets the best one's, if it rises faster", "ratio")
        s.answer(at, 5, f'=IF(ISNUMBER({x}),IF(AND({x}>{p},{x}<=1),{x},""),"")', None,
                 "the crossing, if it lies above today's probability", "ratio")
    crossings = f"{ref(first, 5)}:{ref(last, 5)}"
    s.put(last + 1, 1, "Reversal probability")
    s.answer(last + 1, 2, f'=IF(COUNT({crossings})=0,"none",MIN({crossings}))', "q4_reversal",
             "the first crossing above today's probability", "ratio")
    return last + 3


def information_block(s: Sheet, g: Grid, best_row: int, keep: str, row: int) -> int:
    """Question 6: what knowing the future first is worth, and waiting a year to learn it."""
    best, clipped = (f"{ref(r, 2)}:{ref(r, 1 + len(g.futures))}" for r in (best_row, best_row + 1))
    top_ev = f"MAX({g.side(0)})"
    lines = (
        ("Expected value of perfect information, $B", "q6_evpi",
         f"=SUMPRODUCT({best},{g.probs})-{top_ev}", "EV with the future known − the best EV now"),
        ("Value of staying the course a year, then acting, $B", "q6_staged_value",
         f"={keep}*SUMPRODUCT({clipped},{g.probs})",
         "share kept × Σ probability × (best payoff in the future, or 0)"),
        ("Break-even share of value kept after a year's wait", "q6_breakeven_keep",
         f"={top_ev}/SUMPRODUCT({clipped},{g.probs})", "the best EV now / the staged value with "
         "nothing lost"),
    )
    s.put(row, 1, "Question 6: learning before deciding", "header")
    for n, (label, name, formula, hint) in enumerate(lines, start=1):
        s.put(row + n, 1, label)
        s.answer(row + n, 2, formula, name, hint, "ratio" if "keep" in name else "usd_b")
    s.put(row + len(lines) + 2, 1, SIMULATION_NOTE, "note")
    return row + len(lines) + 4


def scenario_sheet(src: Inputs) -> Sheet:
    """The scenario exercise on Exhibit 9's payoffs (which `payoff_block` must have planned)."""
    s = Sheet(SCENARIO_SHEET)
    s.heading("Scenarios: expected values, decision rules and the value of waiting (Exhibit 9)",
              SCENARIO_NOTES)
    s.put(5, 1, "Decision-analysis settings (Exhibit 9)", "header")
    settings, row = params_block(s, src, "scenario_params", 6, skip=NOTEBOOK_ONLY)
    prob_row, row = futures_block(s, src, row)
    g, row = matrix_block(s, src, prob_row, settings["hurwicz_alpha"], row)
    best_row = row
    row = regret_block(s, g, row)
    row = choices_block(s, g, row)
    row = reversal_block(s, g, row)
    information_block(s, g, best_row, settings["delay_keeps"], row)
    return s
