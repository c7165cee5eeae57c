"""Whiteboards drawn with matplotlib: boxed panels with a heading, wrapped text lines, a grid of
formatted cells and small sketches (a number line, blank areas, a two-by-two, a timeline),
arranged in columns on a framed board.

Everything is laid out in points, in an Axes whose data units are points with y pointing down,
so a font size means the same on a slide-wide board and on a page-wide plan. Text wraps by an
estimate of the font's character width (DejaVu Sans, matplotlib's default), never inside a word,
so a value such as "11.53 / 14.77" stays on one line.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from autograder.casebook.figures import ACCENT, DARK

INK, MUTED, FRAME, PANEL = "#1a1a1a", "#5a5a5a", "#8c96a0", "#fbfbf8"
CHAR_EM = 0.55  # DejaVu Sans's mean advance over running text, in em: lines wrap by it
BOLD_EM = 0.62  # bold headings run wider
DIGIT_EM = 0.64  # its digits are wider (0.636 em): grid columns are measured by them
LEAD = 1.3  # line pitch, in em
PAD_EM = 0.6  # inside a panel, and between panels

Sketch = Callable[[Axes, float, float, float, float], None]  # (ax, x, y, width, font) in points


@dataclass
class Panel:
    """A boxed area of a board: heading, text lines (wrapped to the box), an optional grid of
    formatted cells (first column: row labels) and an optional sketch below them."""
    heading: str
    lines: list[str] = field(default_factory=list)
    grid: pd.DataFrame | None = None
    bold_rows: tuple[int, ...] = ()
    sketch: Sketch | None = None
    sketch_lines: float = 0.0  # the sketch's height, in lines


@dataclass
class Board:
    title: str
    columns: list[list[Panel]]  # the slide's layout
    weights: list[float] | None = None  # relative column widths (default equal)
    plan: Board | None = None  # the plan's layout, if not all panels in one column

    def planned(self) -> Board:
        return self.plan or Board(self.title, [[p for column in self.columns for p in column]])


# ------------------------------------------------------------------------------ drawing


def _text(ax: Axes, x: float, y: float, text: str, **style) -> None:
    # parse_math=False: a value such as "$0.43 GPU + $0.19" is text, not TeX.
    ax.text(x, y, text, parse_math=False, **style)


def _wrap(text: str, chars: int) -> list[str]:
    # Break at spaces only, so a value such as "11.53 / 14.77" never splits inside a number.
    return textwrap.wrap(text, max(chars, 8), subsequent_indent="  ", break_long_words=False,
                         break_on_hyphens=False) or [""]


_NUMERIC = re.compile(r"^[-+−]?\$?[\d.,]+%?$")


@dataclass
class _Grid:
    font: float
    widths: list[int]  # characters
    ems: list[float]  # each column's character width, in em
    right: list[bool]  # numbers align right
    cells: list[list[list[str]]]  # header row first; each cell's wrapped lines

    @property
    def lines(self) -> int:
        return sum(max(len(c) for c in row) for row in self.cells)


def _grid(grid: pd.DataFrame, width: float, font: float) -> _Grid:
    """Lay out a grid in `width` points: long text columns wrap, and if the columns still do
    not fit, the grid's font (only) gets smaller."""
    table = [list(map(str, grid.columns))] + [[str(c) for c in row] for row in grid.to_numpy()]
    columns = range(len(grid.columns))
    right = [all(_NUMERIC.match(row[i]) or not row[i] for row in table[1:]) for i in columns]
    ems = [DIGIT_EM if right[i] else (CHAR_EM + BOLD_EM) / 2 for i in columns]
    widths = [max(len(row[i]) for row in table) for i in columns]

    def span(font: float) -> float:
        return sum((w + 1) * e for w, e in zip(widths, ems)) * font - font * ems[-1]

    while span(font) > width and max(widths) > 12:
        widest = widths.index(max(widths))  # narrow the widest column first: long text wraps
        widths[widest] -= 1
    font = min(font, font * width / span(font))
    cells = [[_wrap(cell, widths[i]) if len(cell) > widths[i] else [cell]
              for i, cell in enumerate(row)] for row in table]
    return _Grid(font, widths, ems, right, cells)


def _panel_lines(panel: Panel, width: float,
                 font: float) -> tuple[list[str], list[str], float]:
    """The heading's and the text's wrapped lines, and the panel's height in lines."""
    inner = width - 2 * PAD_EM * font
    chars = int(inner / (CHAR_EM * font))
    heading = _wrap(panel.heading, int(inner / (BOLD_EM * font)))
    text = [wrapped for line in panel.lines for wrapped in _wrap(line, chars)]
    count = len(heading) + len(text) + panel.sketch_lines
    if panel.grid is not None:
        laid = _grid(panel.grid, inner, font)
        count += (laid.lines + 0.3) * laid.font / font
    return heading, text, count


def _panel_height(panel: Panel, width: float, font: float) -> float:
    return _panel_lines(panel, width, font)[2] * LEAD * font + 2 * PAD_EM * font


def _draw_grid(ax: Axes, panel: Panel, x: float, y: float, width: float, font: float) -> float:
    assert panel.grid is not None
    laid = _grid(panel.grid, width, font)
    font = laid.font
    for r, row in enumerate(laid.cells):
        left = x
        weight = "bold" if r == 0 or (r - 1) in panel.bold_rows else "normal"
        for i, lines in enumerate(row):
            step = laid.ems[i] * font
            anchor = left + laid.widths[i] * step if laid.right[i] else left
            _text(ax, anchor, y, "\n".join(lines), ha="right" if laid.right[i] else "left",
                  va="top", fontsize=font, color=DARK if r == 0 else INK, weight=weight,
                  linespacing=LEAD)
            left += (laid.widths[i] + 1) * step
        y += max(len(c) for c in row) * LEAD * font
        if r == 0:  # a rule under the header row, as one draws it on a board
            ax.plot([x, left - laid.ems[-1] * font], [y + 0.1 * font] * 2, color=FRAME, lw=0.6)
            y += 0.3 * LEAD * font
    return y


def _draw_panel(ax: Axes, panel: Panel, x: float, y: float, width: float, font: float) -> float:
    """Draw `panel` with its top-left corner at (x, y); returns its height."""
    heading, text, _ = _panel_lines(panel, width, font)
    height = _panel_height(panel, width, font)
    pad = PAD_EM * font
    ax.add_patch(FancyBboxPatch((x, y), width, height, boxstyle=f"round,pad=0,rounding_size={pad}",
                                facecolor=PANEL, edgecolor=FRAME, lw=0.8))
    inner, cursor = x + pad, y + pad
    _text(ax, inner, cursor, "\n".join(heading), fontsize=font, weight="bold", color=ACCENT,
          va="top", linespacing=LEAD)
    cursor += len(heading) * LEAD * font
    if panel.grid is not None:
        cursor = _draw_grid(ax, panel, inner, cursor, width - 2 * pad, font)
    if text:
        _text(ax, inner, cursor, "\n".join(text), fontsize=font, color=INK, va="top",
              linespacing=LEAD)
        cursor += len(text) * LEAD * font
    if panel.sketch is not None:
        panel.sketch(ax, inner, cursor, width - 2 * pad, font)
    return height


def _column_height(panels: list[Panel], width: float, font: float) -> float:
    return sum(_panel_height(p, width, font) for p in panels) + PAD_EM * font * (len(panels) - 1)


def board_height(board: Board, width: float, font: float) -> float:
    widths = _column_widths(board, width, font)
    body = max(_column_height(col, w, font) for col, w in zip(board.columns, widths))
    return body + (LEAD + 3 * PAD_EM) * font  # the title and the board's margins


def _column_widths(board: Board, width: float, font: float) -> list[float]:
    weights = board.weights or [1.0] * len(board.columns)
    free = width - 2 * PAD_EM * font - PAD_EM * font * (len(board.columns) - 1)
    return [free * w / sum(weights) for w in weights]


def draw_board(ax: Axes, board: Board, font: float) -> None:
    """The board fills `ax`, whose data units are points with y pointing down."""
    width, height = ax.get_xlim()[1], ax.get_ylim()[0]
    ax.add_patch(FancyBboxPatch((0.5, 0.5), width - 1, height - 1, facecolor="white",
                                edgecolor=MUTED, lw=1.2, boxstyle=f"round,pad=0,rounding_size={font}"))
    pad = PAD_EM * font
    _text(ax, pad, pad, board.title, fontsize=font * 1.15, weight="bold", color=DARK, va="top")
    x = pad
    for column, w in zip(board.columns, _column_widths(board, width, font)):
        y = pad + LEAD * font * 1.15 + pad
        for panel in column:
            y += _draw_panel(ax, panel, x, y, w, font) + pad
        x += w + pad


def axes(fig: Figure, rect: tuple[float, float, float, float], size: tuple[float, float]) -> Axes:
    ax = fig.add_axes(rect)
    ax.set_xlim(0, size[0])
    ax.set_ylim(size[1], 0)
    ax.set_axis_off()
    return ax


def board_figure(board: Board, width_in: float, font: float) -> Figure:
    width = width_in * 72
    height = board_height(board, width, font)
    fig = Figure(figsize=(width_in, height / 72))
    FigureCanvasAgg(fig)
    draw_board(axes(fig, (0, 0, 1, 1), (width, height)), board, font)
    return fig


# ------------------------------------------------------------------------------ sketches


def number_line(marks: list[tuple[float, str]]) -> Sketch:
    """A 0-to-1 line with labelled marks, alternately above and below it."""
    def draw(ax: Axes, x: float, y: float, width: float, font: float) -> None:
        mid = y + 1.5 * LEAD * font
        ends = (x + 0.5 * font, x + width - 0.5 * font)
        ax.plot(ends, [mid, mid], color=INK, lw=0.9)
        for end, label in zip(ends, ("0", "1")):
            ax.plot([end, end], [mid - 0.3 * font, mid + 0.3 * font], color=INK, lw=0.9)
            _text(ax, end, mid + 0.4 * font, label, fontsize=font, ha="center", va="top", color=MUTED)
        for i, (value, label) in enumerate(sorted(marks)):
            at = ends[0] + value * (ends[1] - ends[0])
            ax.plot([at], [mid], marker="v" if i % 2 == 0 else "^", color=ACCENT,
                    markersize=font * 0.5)
            above = i % 2 == 0
            _text(ax, at, mid - 0.5 * font if above else mid + 0.5 * font, label, fontsize=font,
                  ha="center", va="bottom" if above else "top", color=ACCENT)
    return draw


def blank(labels: list[str]) -> Sketch:
    """Side-by-side empty areas under small headings: space to write in class."""
    def draw(ax: Axes, x: float, y: float, width: float, font: float) -> None:
        step = width / len(labels)
        for i, label in enumerate(labels):
            left = x + i * step
            lines = _wrap(label, int((step - 0.4 * font) / (CHAR_EM * font)))
            _text(ax, left + 0.2 * font, y, "\n".join(lines), fontsize=font, color=MUTED,
                  va="top", style="italic", linespacing=LEAD)
            if i:
                ax.plot([left, left], [y, y + 4 * LEAD * font], color=FRAME, lw=0.6, ls="--")
    return draw


def two_by_two(rows: list[str], columns: list[str]) -> Sketch:
    def draw(ax: Axes, x: float, y: float, width: float, font: float) -> None:
        label = max(len(r) for r in rows) * CHAR_EM * font + 0.5 * font
        cell_w, cell_h = (width - label) / 2, 2.2 * LEAD * font
        top = y + LEAD * font
        for j, name in enumerate(columns):
            _text(ax, x + label + (j + 0.5) * cell_w, y, name, fontsize=font, ha="center", va="top",
                  color=MUTED)
        for i, name in enumerate(rows):
            _text(ax, x, top + (i + 0.5) * cell_h, name, fontsize=font, va="center", color=MUTED)
            for j in range(2):
                ax.add_patch(FancyBboxPatch((x + label + j * cell_w, top + i * cell_h), cell_w,
                                            cell_h, boxstyle="square,pad=0", facecolor="none",
                                            edgecolor=FRAME, lw=0.6))
    return draw


def timeline(start: str, end: str) -> Sketch:
    def draw(ax: Axes, x: float, y: float, width: float, font: float) -> None:
        mid = y + 1.2 * LEAD * font
        ax.annotate("", xy=(x + width, mid), xytext=(x, mid),
                    arrowprops={"arrowstyle": "->", "color": INK, "lw": 0.9})
        _text(ax, x, mid + 0.4 * font, start, fontsize=font, va="top", color=MUTED)
        _text(ax, x + width, mid - 0.4 * font, end, fontsize=font, va="bottom", ha="right",
              color=MUTED)
    return draw


def table_figure(frame: pd.DataFrame, caption: str, size_in: tuple[float, float],
                 fonts: tuple[float, float] = (16.0, 9.0)) -> Figure:
    """A table of formatted cells drawn as one captioned panel, at the largest font (from
    fonts[0] down to fonts[1]) at which it fits `size_in`: a table-only exhibit as a picture."""
    panel = Panel(caption, grid=frame)
    width, height = (side * 72 for side in size_in)
    font = fonts[0]
    while font > fonts[1] and _panel_height(panel, width, font) > height:
        font -= 0.5
    fig = Figure(figsize=(size_in[0], _panel_height(panel, width, font) / 72))
    FigureCanvasAgg(fig)
    _draw_panel(axes(fig, (0, 0, 1, 1), (width, _panel_height(panel, width, font))), panel,
                0, 0, width, font)
    return fig
