"""The board plan drawn as figures: four whiteboards, each a set of boxed panels with a heading
and the numbers the teaching plan writes up.

The numbers are the guide's "numbers for the boards" (`autograder.guide.glance_rows`), shown as
the guide writes them, plus two grids the key computes (the VTDF layer scores and the payoff
matrix); nothing is typed here. A row is found by words of its quantity, and a missing row fails
loudly, so a renamed quantity cannot drop a number from the boards unnoticed. Board 4 (the side
board) holds only headings and blank areas: the votes, the complements argument, the two-by-two,
the lessons and the epilogue timeline are written in class.

    board_figures(data)  one figure per board, sized for a 16:9 slide
    board_plan(data)     the four boards on one figure, about 7 inches wide, for the teaching note
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from autograder.assignments import get
from autograder.casebook.formats import longdate, pct
from autograder.data import AS_OF, load
from autograder.guide import Glance, glance_rows, number
from autograder.key import boards as kb
from autograder.key import scenarios as ks
from autograder.key.vtdf import META
from autograder.kit import whiteboard as wb
from autograder.kit.whiteboard import Board, Panel

SLIDE_SIZE_IN = (12.5, 6.1)  # a 16:9 slide below its title
PLAN_WIDTH_IN, PLAN_SHARES = 7.0, (1.0, 1.0, 1.12)  # board 3's payoff grid needs the most room
SLIDE_FONTS, PLAN_FONT = (14.0, 10.0), 6.0  # largest and smallest slide font; the plan's

# ------------------------------------------------------------------------------ the boards


class _Rows:
    """The glance rows of one board, found by words of their quantity."""

    def __init__(self, rows: list[Glance], board: str) -> None:
        self.rows = [g for g in rows if g.board == board]
        self.board = board

    def get(self, words: str) -> Glance:
        found = ([g for g in self.rows if g.quantity == words]
                 or [g for g in self.rows if words in g.quantity])
        if len(found) != 1:
            raise KeyError(f"board {self.board!r}: {len(found)} rows match {words!r}")
        return found[0]

    def line(self, words: str, label: str | None = None) -> str:
        g = self.get(words)
        return f"{label or g.quantity}: {g.value}"

    def items(self, words: str) -> list[str]:
        """The row's value, one line per item of a ' · ' list."""
        return self.get(words).value.split(" · ")


def _abbreviations(names: list[str]) -> dict[str, str]:
    """Initials ('Radical pivot' -> 'RP', 'Stay the course' -> 'SC'); full names if two clash."""
    short = {n: "".join(w[0].upper() for w in n.split() if w.lower() not in ("the", "a", "of"))
             for n in names}
    return short if len(set(short.values())) == len(short) else {n: n for n in names}


def _key(short: dict[str, str]) -> str:
    return " · ".join(f"{s} {n}" for n, s in short.items() if s != n)


def _vtdf_board(rows: list[Glance], data: Path) -> Board:
    r = _Rows(rows, "1 VTDF")
    layers = get("vtdf").answers(data)["layer_scores"]
    short = _abbreviations(list(layers.columns))
    grid = layers.map(lambda x: number(float(x), "score")).rename(columns=short)
    grid.insert(0, "", grid.index)
    flip = r.get("Technology weight at which Meta loses")
    scores = Panel("Layer scores (Q2)", [_key(short), r.line("trails its best rival", "Trails most"),
                                         r.line("own weakest layer", "Own weakest")],
                   grid=grid.reset_index(drop=True), bold_rows=(list(layers.index).index(META),))
    lenses = Panel("Layer weights, two lenses (Exhibit 5)",
                   [r.line("Layer weights, platform"), r.line("Layer weights, capability")])
    totals = pd.DataFrame({"Platform lens": r.items("Weighted totals, platform"),
                           "Capability lens": r.items("Weighted totals, capability")})
    ranks = Panel("Weighted totals (rank), Q3 and Q4", grid=totals)
    reversal = Panel("Technology weight at which Meta loses first place (Q5)",
                     [flip.value, r.line("each rival would draw level", "Each rival draws level")],
                     sketch=wb.number_line([(flip.numbers[1], f"today {pct(flip.numbers[1])}"),
                                          (flip.numbers[0], pct(flip.numbers[0], 1))]),
                     sketch_lines=3)
    weight_map = Panel("The weight map (Q7)", [r.line("Share of the weight map", "Leads"),
                                               r.line("leads on the weight map", "Meta")])
    return Board("Board 1: VTDF", [[scores, lenses], [ranks, reversal, weight_map]])


def _build_buy_board(rows: list[Glance]) -> Board:
    m, b = _Rows(rows, "2 Meta"), _Rows(rows, "2 Buyer")
    npv = m.get("NPV at")
    flows = Panel("Meta: flows by year from year 0, $B (Q1)",
                  [m.line("Flows, build", "Build"), m.line("Flows, buy", "Buy"),
                   m.line("Flows, incremental", "Build − buy")])
    values = Panel(f"Meta: {npv.quantity} (Q2)",
                   [npv.value, m.line("IRR of", "IRR"),
                    m.line("Payback of the extra outlay", "Payback of the extra outlay"),
                    m.line("one quarter's capex", "A quarter's capex")])
    flips = Panel("What flips it (all else as given)",
                  [m.line("Capability lag at which", "Lag"),
                   m.line("Share of the benefit", "Benefit share"),
                   "Lag × share grid: " + m.get("NPV grid").value.replace(" · ", "; "),
                   m.line("growth of the buy fee", "Fee growth")])
    speed = Panel("Buyer: throughput of one replica (Q7a)",
                  [b.get("All tokens one replica").value])
    ladder = Panel("Buyer: cost per 1M tokens",
                   [b.line("Cheapest adequate approved API", "API"),
                    b.line("Self-hosting per 1M"),
                    b.line("Cheapest adequate open model", "Hosted open model"),
                    b.line("Cost a year")])
    bars = Panel("Buyer: thresholds and the slogan",
                 [b.line("Break-even volume"), b.line("Break-even utilization"),
                  b.line("read generously", "The slogan, read generously")])
    return Board("Board 2: build or buy", [[flows, values, flips], [speed, ladder, bars]])


def _scenario_grid(data: Path) -> tuple[pd.DataFrame, str, dict[str, str], dict[str, str]]:
    s = get("scenarios")
    inputs, answers = s.inputs(data), s.answers(data)
    base, payoffs = inputs["baseline"], inputs["payoffs"]
    ballot = kb.with_baseline(payoffs, base)
    _, regrets = kb.rules_on_ballot(payoffs, base, inputs["alpha"])
    futures, options = _abbreviations(list(payoffs.columns)), _abbreviations(list(ballot.index))
    ev = pd.concat([pd.Series({base: 0.0}), answers["ev"].astype(float)])
    grid = ballot.map(number).rename(columns=futures)
    grid["EV"] = ev.reindex(ballot.index).map(number)
    grid["W"] = ks.worst_case(ballot).map(number)
    grid["R"] = regrets.reindex(ballot.index).map(number)
    grid.insert(0, "", [options[o] for o in ballot.index])
    probs = ["p", *(pct(float(inputs["probs"][f])) for f in payoffs.columns), "", "", ""]
    grid = pd.concat([pd.DataFrame([probs], columns=grid.columns), grid], ignore_index=True)
    return grid, base, futures, options


def _scenario_board(rows: list[Glance], data: Path) -> Board:
    r = _Rows(rows, "3 Scenarios")
    grid, base, futures, options = _scenario_grid(data)
    flip, keep = r.get("at which the top option changes"), r.get("a year's wait may keep")
    matrix = Panel(f"Payoffs against {base}, $B (Exhibit 9)",
                   [_key(futures), _key(options),
                    "EV expected value (Q2) · W worst case · R maximum regret (Q3)"], grid=grid)
    rules = Panel("What each rule picks (Q3c)",
                  [*r.items("What each rule picks"),
                   r.line("(0 in every future) on the ballot", f"With {base} on the ballot")])
    doubt = Panel(f"How wrong can the probabilities be? p({ks.COMMODITIZATION}) (Q4, Q5)",
                  [flip.value, r.line("simulated draws", "Best in the simulated draws")],
                  sketch=wb.number_line([(flip.numbers[1], f"today {pct(flip.numbers[1])}"),
                                       (flip.numbers[0], pct(flip.numbers[0], 1))]),
                  sketch_lines=3)
    learning = Panel("The value of learning (Q6)",
                     [r.line("perfect information", "EVPI"),
                      r.line("Wait a year, then choose", "Wait a year"),
                      r.line("a year's wait may keep", "Tie")],
                     sketch=wb.number_line([(keep.numbers[1], f"assumed {pct(keep.numbers[1])}"),
                                          (keep.numbers[0], f"tie {pct(keep.numbers[0], 1)}")]),
                     sketch_lines=3)
    apart = Panel("A cell taken apart", sketch=wb.blank([""]), sketch_lines=2)
    return Board("Board 3: five courses", [[matrix, rules, apart], [doubt, learning]],
                 weights=[1.15, 1.0])


def _side_board(data: Path) -> Board:
    options = list(load("scenario_options", data)["option"])
    blank = "_" * 7
    votes = Panel("Votes", ["The two best reasons:"], sketch_lines=2,
                  grid=pd.DataFrame({"Course": options, "Before": blank, "After": blank}))
    complements = Panel("Complements", sketch=wb.blank(["Meta gives away", "Meta keeps",
                                                      "Who else captures the value"]),
                        sketch_lines=5)
    quadrant = Panel("Exhibit 8: open or closed, won or lost",
                     sketch=wb.two_by_two(["Open", "Closed"], ["Won", "Lost"]), sketch_lines=5.5)
    lessons = Panel("Lessons", sketch=wb.blank([""]), sketch_lines=5)
    epilogue = Panel("Epilogue timeline, after the revote",
                     sketch=wb.timeline(longdate(AS_OF), "what happened next"), sketch_lines=3)
    title = "Board 4 (side): votes, complements, two-by-two, lessons, epilogue"
    across = Board(title, [[votes], [complements], [quadrant], [lessons], [epilogue]],
                   weights=[1.6, 1.5, 1.0, 0.8, 1.0])  # the plan: a long board under the others
    return Board(title, [[votes], [complements, lessons], [quadrant, epilogue]], plan=across)


def boards(data: Path, rows: list[Glance] | None = None) -> list[Board]:
    """The four boards' panels, from the glance rows (computed from `data` unless given)."""
    rows = rows if rows is not None else glance_rows(data)
    return [_vtdf_board(rows, data), _build_buy_board(rows), _scenario_board(rows, data),
            _side_board(data)]


def _slide_font(board: Board) -> float:
    """The largest font (in steps of half a point) at which the board fits below a slide title."""
    width, height = (side * 72 for side in SLIDE_SIZE_IN)
    font = SLIDE_FONTS[0]
    while font > SLIDE_FONTS[1] and wb.board_height(board, width, font) > height:
        font -= 0.5
    return font


def board_figures(data: Path, rows: list[Glance] | None = None) -> list[tuple[str, Figure]]:
    """(title, figure) per board, each as large as fits a 16:9 slide below its title."""
    return [(b.title, wb.board_figure(b, SLIDE_SIZE_IN[0], _slide_font(b)))
            for b in boards(data, rows)]


def board_plan(data: Path, rows: list[Glance] | None = None) -> Figure:
    """The four boards on one page-wide figure: boards 1-3 side by side (each stacked in one
    column, as on a wall of boards), the side board across the bottom."""
    *main, side = [board.planned() for board in boards(data, rows)]
    font, gap = PLAN_FONT, wb.PAD_EM * PLAN_FONT
    width = PLAN_WIDTH_IN * 72
    widths = [(width - 2 * gap) * share / sum(PLAN_SHARES) for share in PLAN_SHARES]
    top = max(wb.board_height(b, w, font) for b, w in zip(main, widths))
    bottom = wb.board_height(side, width, font)
    height = top + gap + bottom
    fig = Figure(figsize=(PLAN_WIDTH_IN, height / 72))
    FigureCanvasAgg(fig)
    left = 0.0
    for board, each in zip(main, widths):
        rect = (left / width, 1 - top / height, each / width, top / height)
        wb.draw_board(wb.axes(fig, rect, (each, top)), board, font)
        left += each + gap
    wb.draw_board(wb.axes(fig, (0, 0, 1, bottom / height), (width, bottom)), side, font)
    return fig
