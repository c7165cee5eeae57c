"""The instructor guide's generated tables, and the sync that keeps `instructor_guide.md` true.

Everything an instructor reads as an expected answer, a diagnosed mistake or an epilogue fact is
rendered here from the one source of truth (the answer key in `autograder.assignments`, the
exhibit data in `case/data/`), never typed by hand. In the guide each table sits between markers

    <!-- BEGIN GENERATED: answers -->
    ...
    <!-- END GENERATED: answers -->

and `sync_guide(path)` rewrites what is between them (True if the file changed). The functions
are pure: they read the data folder they are given (default: the course's `case/data/`) and
return Markdown.

    assignments_table()   the three assignments: notebook, exhibits, points
    question_table()      every question with its points on values, on form and by hand
    glance_table()        "numbers for the boards": the figures the teaching plan puts up
    answer_table()        per assignment and item: what it is, expected value, tolerance, points
    epilogue_table()      rows dated after the case's as-of date (capex, Llama, closed labs)
    mistake_table()       every catalogued mistake with the message the student sees
    status_table()        grading statuses: what the student sees, what is exported, what to do
    variant_bounds_table()  what a per-student variant moves, and by how much

`rubric_points(path)` reads the hand-written rubrics back from the guide (their headings and
point columns), and `known_values(data_dir)` lists every number the guide's prose may quote, so
the tests can hold both to the assignments and the data.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from autograder import rubrics
from autograder.assignments import ASSIGNMENTS, get
from autograder.casebook.formats import longdate, trim
from autograder.data import AS_OF, EPILOGUE, epilogue, load
from autograder.kernel_checks import plain
from autograder.key import boards
from autograder.key import scenarios as ks
from autograder.key import vtdf as kv
from autograder.key.build_vs_buy import CLAIM_COST, gpu_cost_per_1m, payback, quarter_capex
from autograder.key.vtdf import META
from autograder.notebooks import read as read_notebook
from autograder.paths import GUIDE, course_root
from autograder.paths import data_dir as default_data_dir
from autograder.spec import Assignment, Check, rounded

BEGIN = "<!-- BEGIN GENERATED: {name} -->"
END = "<!-- END GENERATED: {name} -->"
_MARKER = re.compile(r"<!-- (BEGIN|END) GENERATED: ([a-z_]+) -->")

INLINE_CELLS = 8  # tables with more cells than this are shown in full below the item table


# ------------------------------------------------------------------------------ formatting


def _strip(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def number(x: float, kind: str | None = None) -> str:
    """A number as an instructor reads it: rounded to what the quantity needs."""
    if isinstance(x, bool):
        return "`True`" if x else "`False`"
    if isinstance(x, int):
        return f"{x:,}"
    x = rounded(float(x))  # the key's precision: last-bit noise must not reach the guide
    if not math.isfinite(x):
        return str(x)
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x):,}"
    if kind in ("score", "share", "threshold", "rate"):
        return _strip(f"{x:.4f}")
    if kind == "years":
        return _strip(f"{x:.2f}")
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if kind == "price" or abs(x) < 1:
        return _strip(f"{x:.4g}") if abs(x) < 1 else _strip(f"{x:.4f}")
    return _strip(f"{x:.3f}")


def _percent(x: float, digits: int = 1) -> str:
    return _strip(f"{100 * x:.{digits}f}") + "%"


def _cell(text: Any) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def md_table(header: list[str], rows: Iterable[Iterable[Any]], align: str | None = None) -> str:
    rows = [[_cell(c) for c in row] for row in rows]
    rule = [("---:" if a == "r" else "---") for a in (align or "l" * len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def tolerance_text(tol: dict) -> str:
    """A tolerance dict ({"abs": ..., "rel": ...}, as in math.isclose) in words."""
    absolute, relative = tol.get("abs", 0.0), tol.get("rel", 0.0)
    if not absolute and not relative:
        return "exact"
    parts = []
    if relative:
        parts.append(f"± {_strip(f'{100 * relative:.4f}')}%")
    if absolute:
        text = f"± {_strip(f'{absolute:.6f}')}"
        parts.append(f"(at least {text})" if relative else text)
    return " ".join(parts)


def item_label(check_id: str, variable: str | None = None) -> str:
    """`q4_trailing_layer` -> "Q4 `trailing_layer`"; a hand-graded `q7a_paradox_layer` -> "Q7a"."""
    m = re.match(r"^q(\d+)([a-z]?)_", check_id)
    number_ = f"Q{m.group(1)}{m.group(2)}" if m else check_id
    return f"{number_} `{variable}`" if variable else number_


def _is_table(value) -> bool:
    return isinstance(value, dict) and bool(value) and all(isinstance(v, dict) for v in value.values())


def _scalar(value, kind: str) -> str:
    if value is None:
        return "undefined (`None`)"
    if isinstance(value, str):
        return f"`{value}`"
    if isinstance(value, float) and kind in ("threshold", "rate") and abs(value) <= 1:
        return f"{number(value, kind)} ({_percent(value, 2)})"
    return number(value, kind)


def _cells(value) -> int:
    if _is_table(value):
        return sum(len(v) for v in value.values())
    if isinstance(value, dict):
        return len(value)
    return 1


def expected_text(value, kind: str) -> str:
    """An expected value, inline: scalars, short series as `label value · ...`, small tables
    row by row."""
    if _is_table(value):
        columns = list(next(iter(value.values())))
        rows = " · ".join(f"{r} " + " / ".join(_scalar(v[c], kind) for c in columns)
                          for r, v in value.items())
        return f"({' / '.join(columns)}) {rows}"
    if isinstance(value, dict):
        return " · ".join(f"{k} {_scalar(v, kind)}" for k, v in value.items())
    return _scalar(value, kind)


def full_table(value, kind: str, index_name: str = "", label=str) -> str:
    """A large expected value in full, as a Markdown table (`label` formats the index)."""
    if _is_table(value):
        columns = list(next(iter(value.values())))
        return md_table([index_name] + columns,
                        ([label(r)] + [_scalar(v[c], kind) for c in columns] for r, v in value.items()),
                        "l" + "r" * len(columns))
    pairs = list(value.items())
    width = 4 if len(pairs) > 12 else 1
    height = math.ceil(len(pairs) / width)
    header = [index_name or "label", "value"] * width
    rows = []
    for r in range(height):
        row = []
        for c in range(width):
            k = r + c * height
            row += [label(pairs[k][0]), _scalar(pairs[k][1], kind)] if k < len(pairs) else ["", ""]
        rows.append(row)
    return md_table(header, rows, "lr" * width)


# ------------------------------------------------------------------------- the answer key


def _data(data_dir: Path | None) -> Path:
    return Path(data_dir) if data_dir is not None else default_data_dir()


def _figure_text(spec: dict) -> str:
    parts = []
    if spec.get("bars"):
        parts.append(f"{spec['bars']} bars")
    if spec.get("lines"):
        parts.append(f"{spec['lines']} lines")
    if spec.get("labelled"):
        parts.append("a title and both axis labels")
    if spec.get("legend"):
        parts.append(f"a legend with {spec['legend']} entries")
    return "a chart with " + ", ".join(parts) + " (its form is checked, not its pixels)"


_INDEX_NAMES = {"q1_normalized": "criterion", "q1_flows": "year", "q11_npv_by_rate": "rate",
                "q3_regret": "option", "q2_layer_scores": "firm",
                "q11_npv_grid": "lag (months) / benefit share"}


def _assignment_answers(a: Assignment, folder: Path, number_: int) -> str:
    key = a.key(folder)
    inputs = a.inputs(folder)
    total = a.autograded_points + sum(a.manual.values())
    rows: list[list[str]] = []
    details: list[str] = []
    for check in a.checks:
        points = f"{number(check.points)} + {number(check.format_points)}"
        if not check.hidden:
            rows.append([item_label(check.id, check.variable), _about(check),
                         _figure_text(check.format_spec(inputs)), "form only", "—", points])
            continue
        entry = key[check.id]
        kind = check.tolerance
        if check.derived is not None:  # follows from the student's own inputs
            uses = ", ".join(f"`{u}`" for u in check.derived.uses)
            rows.append([item_label(check.id, check.variable), _about(check),
                         f"recomputed for each student from their own {uses}",
                         tolerance_text(entry["tol"]), "—", points])
            continue
        value = entry["expected"]
        if _cells(value) > INLINE_CELLS:
            shown = f"{_cells(value)} values: Table {number_}.{len(details) + 1} below"
            caption = (f"**Table {number_}.{len(details) + 1}.** {item_label(check.id, check.variable)}"
                       f" — {check.about}.")
            label = (lambda k: _percent(float(k), 0)) if check.id == "q11_npv_by_rate" else str
            details.append(caption + "\n\n" + full_table(value, kind, _INDEX_NAMES.get(check.id, ""), label))
        else:
            shown = expected_text(value, kind)
        accept = len(entry["accept"])
        rows.append([item_label(check.id, check.variable), _about(check), shown,
                     tolerance_text(entry["tol"]), str(accept) if accept else "—", points])
    for cell, pts in a.manual.items():
        rows.append([item_label(cell), f"Written answer `{cell}`", "graded by hand: see its rubric",
                     "—", "—", f"{number(pts)} by hand"])
    head = (f"#### Assignment {number_}: {a.title}\n\n"
            f"`{a.name}/{a.notebook}` · {number(total)} points: {number(a.autograded_points)} "
            f"autograded, {number(sum(a.manual.values()))} graded by hand.\n\n")
    table = md_table(["Item", "What it is", "Expected", "Tolerance", "Follow-through",
                      "Points (value + form)"], rows)
    return head + table + "".join("\n\n" + d for d in details)


def _about(check: Check) -> str:
    return check.about[0].upper() + check.about[1:]


def answer_table(data_dir: Path | None = None) -> str:
    """Per assignment and item: what it is, the expected value, tolerance, follow-through
    answers accepted, points. Large tables follow each assignment's table in full."""
    folder = _data(data_dir)
    parts = [_assignment_answers(a, folder, n) for n, a in enumerate(ASSIGNMENTS.values(), start=1)]
    note = ("*Generated from the answer key (`autograder.assignments`, computed from `case/data/`). "
            "Points are the hidden value test + the visible format test (only a chart's form earns "
            "points; the other format checks are worth 0). Derived items have no fixed expected "
            "value: the grader recomputes it from each student's own inputs. Follow-through: how many "
            "other values the item also accepts because they follow correctly from a catalogued "
            "mistake in an earlier item.*")
    return note + "\n\n" + "\n\n".join(parts)


def assignments_table() -> str:
    """The three assignments: notebook, exhibit data, autograded and hand-graded points."""
    rows = []
    for n, a in enumerate(ASSIGNMENTS.values(), start=1):
        manual = sum(a.manual.values())
        rows.append([str(n), a.title, f"`{a.name}/{a.notebook}`",
                     ", ".join(f"`{d}.csv`" for d in a.data_files),
                     f"{len(a.checks)} items, {number(a.autograded_points)}",
                     f"{len(a.manual)} answer{'s' if len(a.manual) != 1 else ''}, {number(manual)}",
                     number(a.autograded_points + manual)])
    return md_table(["#", "Assignment", "Notebook", "Data", "Autograded", "By hand", "Points"],
                    rows, "llllrrr")


_HEADING = re.compile(r"^## Question (\d+) — (.+?) \([\d.]+ points?(?:, graded by hand)?\)\s*$", re.M)


def question_titles(a: Assignment) -> dict[int, str]:
    """Question number -> its title, from the source notebook's headings
    (`## Question 7 — The whole space of weightings (4 points)`); empty if there is no notebook."""
    path = course_root() / "source" / a.name / a.notebook
    if not path.is_file():
        return {}
    titles: dict[int, str] = {}
    for cell in read_notebook(path).cells:
        if cell.cell_type == "markdown":
            titles.update({int(m.group(1)): m.group(2) for m in _HEADING.finditer(cell.source)})
    return titles


def question_points(a: Assignment) -> dict[int, dict[str, float]]:
    """Question number -> points on values (hidden tests), on form (visible checks: only
    charts) and by hand, from the spec (item ids start with q<number>)."""
    out: dict[int, dict[str, float]] = {}

    def add(item: str, kind: str, points: float) -> None:
        m = re.match(r"q(\d+)", item)
        if m:
            out.setdefault(int(m.group(1)), {"value": 0.0, "form": 0.0, "hand": 0.0})[kind] += points

    for c in a.checks:
        add(c.id, "value", c.points)
        add(c.id, "form", c.format_points)
    for cell, points in a.manual.items():
        add(cell, "hand", points)
    return dict(sorted(out.items()))


def question_table() -> str:
    """Every question of the three notebooks with its points: on values (hidden tests), on form
    (only charts) and by hand."""
    rows = []
    for a in ASSIGNMENTS.values():
        titles = question_titles(a)
        for n, p in question_points(a).items():
            rows.append([f"`{a.name}`", f"Q{n}", titles.get(n, ""),
                         *(number(p[k]) if p[k] else "—" for k in ("value", "form", "hand")),
                         number(sum(p.values()))])
        rows.append([f"`{a.name}`", "**total**", "", number(a.autograded_points
                                                            - sum(c.format_points for c in a.checks)),
                     number(sum(c.format_points for c in a.checks)), number(sum(a.manual.values())),
                     f"**{number(a.autograded_points + sum(a.manual.values()))}**"])
    note = ("*Generated from the assignment specs (`autograder/assignments/`) and the source "
            "notebooks' headings. Value: hidden tests of the answers' values; form: visible checks "
            "that earn points (only charts do; the other form checks are worth 0); by hand: "
            "written answers graded against the rubrics below.*")
    return note + "\n\n" + md_table(["Assignment", "Question", "Title", "Value", "Form", "By hand",
                                     "Points"], rows, "lllrrrr")


# ---------------------------------------------------------------- numbers for the boards


@dataclass
class Glance:
    board: str
    quantity: str
    value: str
    source: str
    numbers: tuple[float, ...] = ()


def _runs(values: list[float]) -> str:
    """-12, -10.5, 3, 8.5 ×6: a flow series, repeats folded."""
    out, i = [], 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[i]:
            j += 1
        count = j - i + 1
        out.append(number(values[i]) + (f" ×{count}" if count > 1 else ""))
        i = j + 1
    return ", ".join(out)


def _signed(x: float) -> str:
    return ("+" if x > 0 else "") + number(x)


def _board(name: str) -> Callable[..., Glance]:
    """row(quantity, value, source, numbers=()) -> a Glance on board `name`."""
    def row(quantity: str, value: str, source: str, numbers: Iterable[Any] = ()) -> Glance:
        return Glance(name, quantity, value, source, tuple(float(x) for x in numbers))
    return row


def _vtdf_board(folder: Path) -> list[Glance]:
    """Board 1: the VTDF grid, both lenses and the reversal weight."""
    row = _board("1 VTDF")

    v = get("vtdf")
    weights, answers = v.inputs(folder)["weights"], v.answers(folder)
    layers, totals, ranks = answers["layer_scores"], answers["totals"], answers["ranks"]
    names = " / ".join(layers.columns)
    rows = [row(f"Layer weights, {lens.split('_')[0]} lens ({names})",
                " / ".join(_percent(w, 0) for w in weights[lens]), "Exhibit 5", weights[lens])
            for lens in ("platform_lens", "capability_lens")]
    rows.append(row(f"Meta's layer scores ({names})",
                    " / ".join(number(float(x), "score") for x in layers.loc[META]), "Q2",
                    layers.loc[META]))
    rivals = boards.best_rivals(layers, META)
    rows.append(row("Best rival in each layer",
                    " · ".join(f"{layer}: {r.rival} {number(r.score, 'score')}"
                               for layer, r in rivals.iterrows()), "Q2", rivals["score"]))
    for lens in ("platform_lens", "capability_lens"):
        order = totals[lens].sort_values(ascending=False)
        rows.append(row(f"Weighted totals, {lens.split('_')[0]} lens (rank)",
                        " · ".join(f"{f} {number(round(x, 3))} ({ranks.loc[f, lens]})"
                                   for f, x in order.items()), "Q3, Q4", order))
    trailing = answers["trailing_layer"]
    rest = rivals["gap"].drop(trailing)
    runners = [layer for layer, gap in rest.items() if abs(gap - rest.max()) < 1e-9]
    rows.append(row("Where Meta trails its best rival most (gap in layer score)",
                    f"{trailing} {number(rivals.loc[trailing, 'gap'], 'score')} "
                    f"(next: {' and '.join(runners)} {number(rest.max(), 'score')})", "Q4(b)",
                    (rivals.loc[trailing, "gap"], rest.max())))
    weakest = layers.loc[META].idxmin()
    rows.append(row("Meta's own weakest layer (not the same question)",
                    f"{weakest} {number(layers.loc[META, weakest], 'score')}", "Q2",
                    (layers.loc[META, weakest],)))
    platform = weights["platform_lens"]
    now = float(platform["Technology"])
    flip = boards.vtdf_overtaker(layers, platform, "Technology", META)
    if flip is not None:
        rows.append(row("Technology weight at which Meta loses first place",
                        f"{number(flip[0], 'threshold')} ({_percent(flip[0])}; today "
                        f"{_percent(now, 0)}); {flip[1]} overtakes", "Q5", (flip[0], now)))
    level = boards.vtdf_crossings(layers, platform, "Technology", META)
    rows.append(row("Technology weight at which each rival would draw level with Meta",
                    " · ".join(f"{f} {_percent(x) if now < x <= 1 else 'never'}"
                               for f, x in level.items()), "derived",
                    [x for x in level if now < x <= 1]))
    share = answers["leader_share"]
    step = kv.GRID_STEP
    rows.append(row(f"Share of the weight map each firm leads (Technology × Distribution, step "
                    f"{number(step)}; {kv.TIE}: the two best within 1e-9)",
                    " · ".join(f"{f} {_percent(float(x))}"
                               for f, x in share.sort_values(ascending=False, kind="stable").items()),
                    "Q7(a)", share))
    floor = boards.lead_floor(layers, platform, META, step)
    where = floor.dropna()
    if not where.empty:
        t_now, d_now = float(platform["Technology"]), float(platform["Distribution"])
        at_now = floor.get(round(t_now, 9), math.nan)
        today = (f"at today's Technology weight ({_percent(t_now, 0)}) from a Distribution weight "
                 f"of {_percent(at_now, 0)} (today {_percent(d_now, 0)})"
                 if math.isfinite(at_now) else
                 f"never at today's Technology weight ({_percent(t_now, 0)})")
        rows.append(row(f"Where {META} leads on the weight map",
                        f"only with Distribution at least {_percent(where.min(), 0)} and "
                        f"Technology at most {_percent(where.index.max(), 0)}; {today}", "Q7(b)",
                        (where.min(), where.index.max(), t_now, d_now)
                        + ((at_now,) if math.isfinite(at_now) else ())))
    notches = boards.notch_effects(v.inputs(folder)["scores"], weights)
    parts = []
    for lens in ("platform_lens", "capability_lens"):
        moved = notches[notches[f"{lens}_moves"]]
        first = totals[lens].idxmax()
        lost = moved[moved[f"{lens}_leader"] != first]
        winners = sorted(set(lost[f"{lens}_leader"]))
        layers_lost = sorted(set(lost["layer"]))
        parts.append(f"{lens.split('_')[0]} lens: {len(moved)} of {len(notches)} change a rank"
                     + (f", {len(lost)} of them take first place from {first} (to "
                        f"{' or '.join(winners)}; cells in {', '.join(layers_lost)})" if len(lost) else
                        f", none takes first place from {first}"))
    rows.append(row("One-point re-scorings of one cell (Q8's smallest change) that move the "
                    "ranking", " · ".join(parts), "Q8, derived"))
    return rows


def _meta_board(folder: Path) -> list[Glance]:
    """Board 2, left half: Meta's build-or-buy numbers and what would flip them."""
    row = _board("2 Meta")

    b = get("build_vs_buy")
    inputs, answers = b.inputs(folder), b.answers(folder)
    m = dict(inputs["meta"])
    hurdle = _percent(m["discount_rate"], 0)
    flows, npv = answers["flows"], answers["npv"]
    rows = [row(f"Flows, {col} (years 0–{int(m['horizon_years'])}, $B)",
                _runs([float(x) for x in flows[col]]), "Q1", flows[col])
            for col in ("build", "buy", "incremental")]
    rows.append(row(f"NPV at {hurdle}: build / buy / difference ($B)",
                    " / ".join(number(round(float(npv[k]), 2)) for k in ("build", "buy", "difference")),
                    "Q2", npv))
    irr = answers["irr"]
    if irr is not None:
        rows.append(row("IRR of the incremental flows (build − buy)",
                        f"{_percent(irr)} (hurdle {hurdle}): building wins only at a hurdle rate "
                        "below it", "Q3", (irr,)))
    pb = answers["payback"]
    if pb is not None:
        rows.append(row("Payback of building alone: simple / discounted (years)",
                        f"{number(pb['simple'], 'years')} / {number(pb['discounted'], 'years')}",
                        "Q4(a)", pb))
    extra = answers["incremental_payback"]
    if extra is not None:
        late = payback(flows["incremental"], m["discount_rate"])
        rows.append(row("Payback of the extra outlay (build − buy): simple / discounted (years)",
                        f"{number(extra, 'years')} / "
                        + (number(late, "years") if late is not None else
                           f"never at {hurdle} (the incremental NPV is "
                           f"{number(round(float(npv['difference']), 2))})"),
                        "Q4(b)", (extra,) + ((late,) if late is not None else ())))
    q4, years = quarter_capex(inputs["capex"]), answers["annuity_years"]
    if years is not None:
        rows.append(row("Years of buy fees one quarter's capex funds",
                        f"${trim(q4)}B at {hurdle} pays the ${trim(m['buy_fee_per_year'])}B fee "
                        f"for {number(years, 'years')} years (horizon {number(m['horizon_years'])})",
                        "Q5(a)", (q4, years, m["buy_fee_per_year"])))
    shown = {"capability_lag_months": ("Capability lag", lambda x: f"{number(round(x, 1))} months",
                                       lambda x: f"{number(x)} months"),
             "buy_benefit_share": ("Share of the benefit a rival's model delivers", _percent,
                                   lambda x: _percent(x, 0))}
    side = "build" if boards.npv_gap(m) > 0 else "buy"
    for name, x in boards.build_buy_flips(m).items():
        label, flip, given = shown[name]
        if x is not None:
            rows.append(row(f"{label} at which build and buy tie (all else as given)",
                            f"{flip(x)} (given {given(m[name])}; today {side} wins)", "derived",
                            (x, m[name])))
    grid = answers["npv_grid"]
    changes, ties = boards.grid_sign_changes(grid), boards.grid_ties(m, list(grid.index))
    wins = int((grid > 0).to_numpy().sum())
    rows.append(row("NPV grid, lag × benefit share: between which shares the sign changes, "
                    "by lag (building wins at the smaller shares), and the exact tie",
                    " · ".join(f"{number(lag)} months: "
                               + (f"between {_percent(float(c[0]), 0)} and {_percent(float(c[1]), 0)}"
                                  if c is not None else
                                  ("building wins across the grid" if grid.loc[lag].min() > 0
                                   else "buying wins across the grid"))
                               + (f" (tie at {_percent(ties[lag])})" if math.isfinite(ties[lag]) else "")
                               for lag, c in changes.items())
                    + f"; building wins in {wins} of {grid.size} cells",
                    "Q11(b)", [x for x in ties if math.isfinite(x)] + [wins, grid.size]))
    growth = answers["fee_growth"]
    if growth is not None:
        last = m["buy_fee_per_year"] * (1 + growth) ** (m["horizon_years"] - 1)
        rows.append(row("Yearly growth of the buy fee (from year 1) at which build and buy tie",
                        f"{_percent(growth, 2)} a year: ${trim(m['buy_fee_per_year'])}B in year 1, "
                        f"${number(round(last, 2))}B in year {number(m['horizon_years'])}",
                        "Q11(c)", (growth, last)))
    return rows


def _buyer_board(folder: Path) -> list[Glance]:
    """Board 2, right half: the enterprise buyer's cost ladder and its thresholds."""
    row = _board("2 Buyer")

    b = get("build_vs_buy")
    inputs, answers = b.inputs(folder), b.answers(folder)
    h, prices = dict(inputs["buyer"]), inputs["prices"].set_index("model")
    speed = answers["tokens_per_s"]
    mix = boards.mix_throughputs(h)
    runs = " and ".join(
        f"{run} {number(h[f'benchmark_{run.lower()}_input_tokens'])} in / "
        f"{number(h[f'benchmark_{run.lower()}_output_tokens'])} out per request: "
        f"{number(h[f'benchmark_{run.lower()}_output_tokens_per_s'])} output tokens/s "
        f"({number(round(mix[run]))} in all)" for run in ("A", "B"))
    rows = [row(f"All tokens one replica processes per second at full load, at the workload's "
                f"mix ({_percent(h['input_share'], 0)} input)",
                f"{number(round(speed))}, on the straight line through benchmark runs {runs}",
                "Q7(a)", (speed, *mix))]
    api = answers["cheapest_api"]
    price, capability = float(answers["api_prices"][api]), float(prices.loc[api, "capability_index"])
    rows.append(row(f"Cheapest adequate approved API (blended, {_percent(h['input_share'], 0)} input)",
                    f"{api}: ${number(price, 'price')} per 1M (capability {number(capability)})",
                    "Q6, Q8(a)", (price, capability)))
    own = answers["selfhost_per_1m"]
    full = gpu_cost_per_1m(h["gpus"], h["gpu_usd_per_hour"], speed, 1.0)
    rows.append(row(f"Self-hosting per 1M at {_percent(h['utilization'], 0)} utilization",
                    f"${own['variable']:.2f} GPU + ${own['fixed']:.2f} staff and ops = "
                    f"${own['total']:.2f} (GPU alone at full load ${full:.2f})", "Q7(b)",
                    (*own, full)))
    bv = answers["breakeven_volume"]
    if bv is not None:
        rows.append(row("Break-even volume (M tokens a month)",
                        f"{number(bv)} (stated {number(h['monthly_tokens_m'])})", "Q8(b)",
                        (bv, h["monthly_tokens_m"])))
    costs = answers["annual_costs"]
    rows.append(row("Cost a year: API / self-host / saving ($)",
                    " / ".join(number(round(float(costs[k]))) for k in ("api", "self_host", "saving")),
                    "Q9", costs))
    adequate, share, verdict = boards.claim_reading(h["selfhost_capability_index"],
                                                    h["adequacy_threshold"], own["total"], price)
    rows.append(row("“90% of the capability for 0% of the cost”, read generously (adequate, "
                    f"at most {_percent(CLAIM_COST, 0)} of the API's cost)",
                    f"{verdict}: the open model is {'adequate' if adequate else 'not adequate'} "
                    f"(index {number(h['selfhost_capability_index'])} against a bar of "
                    f"{number(h['adequacy_threshold'])}; the index is ordinal) and costs "
                    f"{_percent(share)} of the API all in (cost share {number(share, 'share')})",
                    "Q10(a)", (share, CLAIM_COST)))
    bu = answers["breakeven_utilization"]
    if bu is not None:
        rows.append(row("Break-even utilization", f"{_percent(bu)} (stated {_percent(h['utilization'], 0)})",
                        "Q12", (bu, h["utilization"])))
    hosted = boards.hosted_alternative(inputs["prices"], answers["api_prices"],
                                       h["adequacy_threshold"], h["monthly_tokens_m"])
    if hosted is not None:
        model, hp, yearly = hosted
        host = str(prices.loc[model, "host"]).replace(" (hosted)", "")
        rows.append(row("Cheapest adequate open model on a third-party host",
                        f"{model}, {host}: ${number(hp, 'price')} per 1M, ${number(round(yearly))} a year",
                        "Q13(c)", (hp, yearly)))
    return rows


def _scenario_board(folder: Path) -> list[Glance]:
    """Board 3: the computed payoff matrix, the rules, the reversal and the simulation."""
    row = _board("3 Scenarios")

    s = get("scenarios")
    inputs, answers = s.inputs(folder), s.answers(folder)
    probs, payoffs, base = inputs["probs"], inputs["payoffs"], inputs["baseline"]
    options = load("scenario_options", folder).set_index("option")
    futures = load("scenarios", folder).set_index("future")
    rows = [row("Working probabilities", " · ".join(f"{f} {_percent(p, 0)}" for f, p in probs.items()),
                "Exhibit 9", probs)]
    change = boards.driver_changes(options, base)
    rows.append(row(f"Driver levels minus {base}'s ({' / '.join(ks.DRIVERS)}); cost, $B",
                    " · ".join(f"{o} {' / '.join(_signed(x) for x in change.loc[o])}; "
                               f"{number(options.loc[o, 'cost_usd_b'])}" for o in change.index),
                    "Exhibit 9", change.to_numpy().ravel()))
    rows.append(row(f"Payoffs against {base}, $B ({' / '.join(payoffs.columns)})",
                    " · ".join(f"{o} {' / '.join(number(x) for x in payoffs.loc[o])}"
                               for o in payoffs.index), "Exhibit 9", payoffs.to_numpy().ravel()))
    for o in payoffs.index:
        parts = []
        for case, future in (("best", payoffs.loc[o].idxmax()), ("worst", payoffs.loc[o].idxmin())):
            terms = boards.payoff_parts(options, futures, base, o, future)
            parts.append((case, future, terms))
        rows.append(row(f"{o}: best and worst case taken apart, $B",
                        " · ".join(f"{case}, {future}: " + ", ".join(
                            f"{d} {_signed(x)}" for d, x in terms.items() if x)
                            + f" = {number(terms.sum())}" for case, future, terms in parts),
                        "Exhibit 9", [x for _, _, t in parts for x in (*t, t.sum())]))
    ev, er = answers["ev"], answers["ev_rank"]
    rows.append(row(f"Expected value against {base} (0), $B (rank)",
                    " · ".join(f"{o} {number(float(x))} ({er[o]})"
                               for o, x in ev.sort_values(ascending=False).items()), "Q2", ev))
    worst, best = ks.worst_case(payoffs), ks.best_case(payoffs)
    rows.append(row("Worst / best case, $B",
                    " · ".join(f"{o} {number(worst[o])} / {number(best[o])}" for o in payoffs.index),
                    "Exhibit 9", (*worst, *best)))
    mr = answers["max_regret"]
    rows.append(row("Maximum regret, $B", " · ".join(f"{o} {number(float(x))}" for o, x in mr.items()),
                    "Q3(b)", mr))
    alpha = inputs["alpha"]
    rows.append(row("What each rule picks",
                    " · ".join(f"{r}: {o}" for r, o in answers["rule_choices"].items())
                    + f" (Hurwicz α = {number(alpha)})", "Q3(c)", (alpha,)))
    picks, regrets = boards.rules_on_ballot(payoffs, base, alpha)
    rows.append(row(f"What each rule picks with {base} (0 in every future) on the ballot",
                    " · ".join(f"{r}: {o}" for r, o in picks.items())
                    + f" (its maximum regret {number(regrets[base])})", "derived",
                    (regrets[base],)))
    hv = ks.hurwicz_values(payoffs, alpha)
    rows.append(row(f"Hurwicz value at α = {number(alpha)}, $B",
                    " · ".join(f"{o} {number(float(x))}" for o, x in hv.items()), "derived", hv))
    spans = boards.hurwicz_intervals(payoffs)
    rows.append(row("Hurwicz's pick as optimism α runs from 0 to 1",
                    " · ".join(f"{number(round(lo, 3))}–{number(round(hi, 3))}: {o}" for lo, hi, o in spans),
                    "derived", [x for lo, hi, _ in spans for x in (lo, hi)]))
    now, top = float(probs[ks.COMMODITIZATION]), ev.idxmax()
    up = boards.ev_overtaker(payoffs, probs, ks.COMMODITIZATION, "up")
    down = boards.ev_overtaker(payoffs, probs, ks.COMMODITIZATION, "down")
    lowered = (f"{down[1]} overtakes at {_percent(down[0])}" if down
               else f"{top} stays first down to 0")
    if up is not None:
        rows.append(row(f"Probability of {ks.COMMODITIZATION} at which the top option changes "
                        "(raised, the others rescaled)",
                        f"{number(up[0], 'threshold')} ({_percent(up[0])}; today {_percent(now, 0)}); "
                        f"{up[1]} takes first place; lowered, {lowered}", "Q4(b)",
                        (up[0], now) + ((down[0],) if down else ())))
    share = answers["best_share"]
    rows.append(row(f"Share of {int(inputs['draws']):,} simulated draws in which each option is best",
                    " · ".join(f"{o} {_percent(float(x))}"
                               for o, x in share.sort_values(ascending=False).items()), "Q5(a)", share))
    best_now, evpi = float(ev.max()), answers["evpi"]
    rows.append(row("Expected value of perfect information, $B",
                    f"{number(round(evpi, 2))}: knowing the future first is worth "
                    f"{number(round(best_now + evpi, 2))} against {number(best_now)} for the best "
                    f"option chosen now ({ev.idxmax()})",
                    "Q6(a)", (evpi, best_now + evpi, best_now)))
    keep, staged = inputs["keep"], answers["staged_value"]
    path = boards.staged_path(payoffs, keep)
    rows.append(row(f"Wait a year, then choose (each payoff keeps {_percent(keep, 0)}): what it takes "
                    "in each future, $B",
                    " · ".join(f"{f}: {o if o is not None else base} {number(x)}"
                               for f, (o, x) in path.iterrows())
                    + f"; expected value {number(round(staged, 2))} against {number(best_now)} "
                    "for acting now",
                    "Q6(b)", (keep, *path["payoff"], staged)))
    breakeven = answers["breakeven_keep"]
    rows.append(row("Share of value a year's wait may keep at which waiting and acting now tie",
                    f"{number(breakeven, 'share')} ({_percent(breakeven)}; assumed "
                    f"{_percent(keep, 0)}): waiting wins unless the year keeps less", "Q6(c)",
                    (breakeven, keep)))
    picks, regrets = boards.rules_with_staged(payoffs, base, keep, alpha)
    rows.append(row(f"What each rule picks with the staged path and {base} on the ballot",
                    " · ".join(f"{r}: {o}" for r, o in picks.items())
                    + f" (the staged path's worst case {number(path['payoff'].min())}, maximum "
                    f"regret {number(regrets[boards.STAGED])})", "derived",
                    (path["payoff"].min(), regrets[boards.STAGED])))
    return rows


BOARDS = (_vtdf_board, _meta_board, _buyer_board, _scenario_board)


def glance_rows(data_dir: Path | None = None) -> list[Glance]:
    """The figures the teaching plan puts on the boards, board by board. The analysis is the
    key's (`autograder.key` and its `boards` module); this only formats it."""
    folder = _data(data_dir)
    return [g for board in BOARDS for g in board(folder)]


def glance_table(data_dir: Path | None = None) -> str:
    rows = glance_rows(data_dir)
    note = ("*Generated from the answer key and `case/data/`. Board numbers are rounded for "
            "writing up; the expected values with their tolerances are in the answer tables.*")
    return note + "\n\n" + md_table(["Board", "Quantity", "Value", "From"],
                                    ([g.board, g.quantity, g.value, g.source] for g in rows))


# ------------------------------------------------------------------------------ epilogue


def epilogue_rows(data_dir: Path | None = None) -> list[dict]:
    """What happened after AS_OF (case/epilogue.csv), oldest first, as plain dicts."""
    table = epilogue(_data(data_dir)).sort_values(["date", "event"])
    return [{"date": r["date"], "what": r["event"], "figure": r["detail"],
             "source": f"{r['publisher']}, {r['title']}", "reliability": r["reliability"]}
            for r in table.to_dict("records")]


def epilogue_table(data_dir: Path | None = None) -> str:
    rows = epilogue_rows(data_dir)
    note = (f"*Generated from `case/epilogue.csv`: what happened after the case's as-of date, "
            f"{longdate(AS_OF)}. It sits beside `case/data/`, never in it, so no student file holds "
            "it. Grades: A primary source, B reputable outlet reporting one, C aggregator or "
            "commentary.*")
    return note + "\n\n" + md_table(["Date", "What", "Detail", "Source", "Grade"],
                                    ([longdate(r["date"]), r["what"], r["figure"], r["source"],
                                      r["reliability"]] for r in rows))


# ------------------------------------------------------------------------------ mistakes


def student_message(check: Check, message: str) -> str:
    """The diagnosis as the student's feedback shows it."""
    if check.hidden:
        return f"{check.variable}: {message}"
    found = ", found …" if message.startswith("should show") else ""
    return f"{check.variable} {message}{found}"


def mistake_table() -> str:
    """Every catalogued mistake: assignment, item, mistake id, the message the student sees."""
    rows = []
    for a in ASSIGNMENTS.values():
        for check in a.checks:
            for m in check.mistakes:
                rows.append([f"`{a.name}`", f"`{check.id}`", f"`{m.id}`",
                             student_message(check, m.message)])
    note = ("*Generated from each assignment's catalogue (`autograder/assignments/*.py`). The "
            "item and mistake ids are those of `exports/items.csv` and the instructor report.*")
    return note + "\n\n" + md_table(["Assignment", "Item", "Mistake", "What the student sees"], rows)


# ------------------------------------------------------------------------------ statuses

STATUS_ADVICE = {
    "graded": "Nothing: the item earned its points.",
    "wrong": "Nothing, unless the report shows many students with the same unexplained value "
             "(then check the question's wording).",
    "unanswered": "Nothing: the answer cell is still the stub; it counts 0 and the total is "
                  "computed.",
    "error": "Nothing: the student's own code raised (or never set the answer); it counts 0.",
    "timeout": "Nothing, usually: the student's own cell ran out of time and counts 0. If "
               "correct code is slow, raise `--cell-timeout` and regrade with `--force`.",
    "grading failed": "Not the student's doing (the kernel died, a given cell failed or ran out "
                      "of time twice, the second time with 3x the limits). Regrade the student "
                      "(`--student … --force`) when the machine is quiet, else grade by hand.",
    "missing cell": "The student deleted or retyped an answer cell: grade that item by hand in "
                    "formgrader, from the student's own cells.",
    "invalid notebook": "Ask the student for the file again, or repair it, then `autograder "
                        "collect` it and regrade.",
    "variant mismatch": "Variants are on and the notebook's `VARIANT` code is not the one issued "
                        "to this student, or is missing: the message shows both codes, whose code "
                        "it is, and how many values are right under each. See \"Per-student "
                        "variants\" for how to grade it.",
    "tampered": "Open the submission: the notebook's own format test passed a value the outside "
                "check rejects, or a locked cell was duplicated or retyped (the instructor's cell "
                "ran instead; the message names it). Treat it as an academic-integrity question, "
                "not as a grade.",
    "unsandboxed": "Regrade with the sandbox (`--force`) as soon as it works; until then the "
                   "score stands but the feedback says it may change.",
    "needs manual grade": "Grade the written answer in formgrader against its rubric.",
    "submitted, not graded": "A submission that came in (or changed) after the last `autograder "
                             "grade`: run `autograder grade` again, which grades just these, "
                             "then export. The export, feedback and report list them until then.",
}


def status_table() -> str:
    from autograder.grading.results import SCORED, STATUSES
    from autograder.outputs.exports import UNGRADABLE
    from autograder.outputs.feedback import STUDENT_STATUS

    rows = []
    for status in STATUSES:
        if status in SCORED:
            exported = "its score"
        elif status in UNGRADABLE:
            exported = "blank (never a zero)"
        else:
            exported = "pending: not in the autograded total"
        rows.append([f"`{status}`", STUDENT_STATUS[status][0], exported, STATUS_ADVICE[status]])
    note = ("*Generated from `autograder/grading/results.py` and the feedback page's wording. "
            "A submission's exported score is blank as soon as one item is blank.*")
    return note + "\n\n" + md_table(["Status", "The student's feedback says", "Exported score",
                                     "What to do"], rows)


def variant_bounds_table() -> str:
    """What a per-student variant moves, and by how much (autograder/variant_draw.py)."""
    from autograder import variant_draw, variants

    rows = []
    for name, items in variant_draw.PERTURB.items():
        for item in items:
            places = (f"{item.decimals} decimal{'s' * (item.decimals > 1)}" if item.decimals > 0
                      else "whole numbers" if item.decimals == 0
                      else f"nearest {10 ** -item.decimals:,}")
            normalized = (item.file, item.column) in variant_draw.NORMALIZED
            rows.append([f"`{name}`", f"`{item.file}.csv`", ", ".join(item.rows), f"`{item.column}`",
                         f"×(1 ± {item.lo:.0%}…{item.hi:.0%})",
                         places + ("; rescaled to sum to 1" if normalized else "")])
    without = [f"`{n}`" for n, items in variant_draw.PERTURB.items() if not items]
    note = (f"*Generated from `autograder/variant_draw.py`. Only illustrative rows move; sourced "
            f"rows never do. No variants: {', '.join(without)} (ordinal judgement scores). A code "
            f"is issued only if its variant keeps every conclusion (ranks, labels, yes/no "
            f"answers, signs, the stated lessons) and moves every valued answer beyond its "
            f"tolerance of the published one; {variants.MAX_ATTEMPTS} tries at most per student.*")
    return note + "\n\n" + md_table(["Assignment", "File", "Rows", "Column", "Each value",
                                      "Written to"], rows)


# ------------------------------------------------------------------------------ the guide


def regions(data_dir: Path | None = None) -> dict[str, str]:
    """Every generated region's content, by marker name."""
    return {
        "assignments": assignments_table(),
        "questions": question_table(),
        "glance": glance_table(data_dir),
        "answers": answer_table(data_dir),
        "epilogue": epilogue_table(data_dir),
        "mistakes": mistake_table(),
        "statuses": status_table(),
        "variants": variant_bounds_table(),
    }


def render_guide(text: str, data_dir: Path | None = None) -> str:
    """`text` with every generated region rewritten. Raises ValueError on an unknown region
    name or unbalanced markers."""
    content = regions(data_dir)
    out, pos, open_name = [], 0, None
    for m in _MARKER.finditer(text):
        kind, name = m.groups()
        if name not in content:
            raise ValueError(f"unknown generated region {name!r}; known: {', '.join(content)}")
        if kind == "BEGIN":
            if open_name is not None:
                raise ValueError(f"region {name!r} begins inside region {open_name!r}")
            out.append(text[pos:m.end()])
            out.append("\n\n" + content[name] + "\n\n")
            open_name, pos = name, m.end()
        else:
            if open_name != name:
                raise ValueError(f"END of region {name!r} without its BEGIN")
            open_name, pos = None, m.start()
    if open_name is not None:
        raise ValueError(f"region {open_name!r} has no END marker")
    out.append(text[pos:])
    return "".join(out)


def guide_path(path: Path | None = None) -> Path:
    return Path(path) if path is not None else course_root() / GUIDE


def sync_guide(path: Path | None = None, data_dir: Path | None = None) -> bool:
    """Rewrite the generated regions of the guide at `path` (default: the course's
    instructor_guide.md) from the answer key and the data; True if the file changed."""
    path = guide_path(path)
    text = path.read_text(encoding="utf-8")
    new = render_guide(text, data_dir)
    if new == text:
        return False
    path.write_text(new, encoding="utf-8")
    return True


def generated_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each generated region's content, markers included."""
    spans, start = [], None
    for m in _MARKER.finditer(text):
        if m.group(1) == "BEGIN":
            start = m.start()
        elif start is not None:
            spans.append((start, m.end()))
            start = None
    return spans


def hand_written(text: str) -> str:
    """The guide without its generated regions, fenced code blocks and inline code."""
    for start, end in reversed(generated_spans(text)):
        text = text[:start] + text[end:]
    text = re.sub(r"^```.*?^```[ \t]*$", "", text, flags=re.M | re.S)
    return re.sub(r"`[^`\n]*`", "", text)


# ------------------------------------------------------------------------------ rubrics

def rubric_points(path: Path | None = None) -> dict[tuple[str, str], tuple[float, float]]:
    """Each hand-written rubric in the guide: (assignment, cell) -> (points in its heading,
    sum of its table's Points column); see `autograder.rubrics`."""
    return {k: (r.points, r.table_points) for k, r in rubrics.read(guide_path(path)).items()}


def manual_points() -> dict[tuple[str, str], float]:
    """(assignment, cell) -> points, from each assignment's hand-graded cells."""
    return {(a.name, cell): float(p) for a in ASSIGNMENTS.values() for cell, p in a.manual.items()}


# ----------------------------------------------------------------- numbers prose may quote


def _leaves(value) -> Iterable[float]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if math.isfinite(value):
            yield float(value)


_NUMBER_IN_TEXT = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")


def known_values(data_dir: Path | None = None) -> tuple[set[float], set[float]]:
    """(values, written): every number the answers, the data and the board table hold, and the
    numbers written inside the text cells of the data and of the epilogue (e.g. "49%" in an
    event's detail)."""
    folder = _data(data_dir)
    values: set[float] = set()
    written: set[float] = set()
    for a in ASSIGNMENTS.values():
        answers = a.answers(folder)
        for v in answers.values():
            try:
                values.update(_leaves(plain(v)))
            except Exception:  # a figure or another object: nothing to quote
                continue
        for entry in a.key(folder).values():
            values.update(_leaves(entry.get("expected")))  # a derived item has none
        for c in a.checks:
            values.update({float(c.points), float(c.format_points)})
        values.update(float(p) for p in a.manual.values())
        values.update({float(a.autograded_points), float(sum(a.manual.values())),
                       float(a.autograded_points + sum(a.manual.values()))})
    for g in glance_rows(folder):
        values.update(float(x) for x in g.numbers)
    epilogue_csv = folder.parent / EPILOGUE  # the guide's epilogue quotes it too
    for csv in sorted(folder.glob("*.csv")) + ([epilogue_csv] if epilogue_csv.is_file() else []):
        table = pd.read_csv(csv, dtype=str, keep_default_na=False)
        for column in table.columns:
            for cell in table[column]:
                try:
                    values.add(float(cell))
                    continue
                except ValueError:
                    pass
                for token in _NUMBER_IN_TEXT.findall(cell):
                    written.add(float(token.replace(",", "")))
    return values, written


__all__ = [
    "answer_table", "assignments_table", "question_table", "epilogue_table", "epilogue_rows", "glance_table",
    "glance_rows", "mistake_table", "status_table", "regions", "render_guide", "sync_guide",
    "rubric_points", "manual_points", "known_values", "hand_written", "generated_spans",
]
