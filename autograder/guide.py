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
    glance_table()        "numbers for the boards": the figures the teaching plan puts up
    answer_table()        per assignment and item: what it is, expected value, tolerance, points
    epilogue_table()      rows dated after the case's as-of date (capex, Llama, closed labs)
    mistake_table()       every catalogued mistake with the message the student sees
    status_table()        grading statuses: what the student sees, what is exported, what to do

`rubric_points(path)` reads the hand-written rubrics back from the guide (their headings and
point columns), and `known_values(data_dir)` lists every number the guide's prose may quote, so
the tests can hold both to the assignments and the data.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from autograder.assignments import ASSIGNMENTS, get
from autograder.casebook.exhibits import AS_OF, load, longdate, trim
from autograder.kernel_checks import plain
from autograder.paths import course_root
from autograder.paths import data_dir as default_data_dir
from autograder.spec import Assignment, Check, rounded

GUIDE = "instructor_guide.md"
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
                "q3_regret": "option", "q2_layer_scores": "firm"}


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
            "Points are the hidden value test + the visible format test. Follow-through: how many "
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


def hurwicz_intervals(payoffs: pd.DataFrame, steps: int = 20000) -> list[tuple[float, float, str]]:
    """For α from 0 to 1: the option the Hurwicz rule picks on each interval (lo, hi, option),
    ends found where the winning lines cross."""
    import numpy as np

    from autograder.key import scenarios as ks

    w, b = ks.worst_case(payoffs), ks.best_case(payoffs)
    grid = np.linspace(0.0, 1.0, steps + 1)
    values = w.to_numpy()[None, :] + grid[:, None] * (b - w).to_numpy()[None, :]
    winners = [str(payoffs.index[k]) for k in values.argmax(axis=1)]  # first on ties, as idxmax
    out, start = [], 0.0
    for i in range(1, len(grid)):
        if winners[i] != winners[i - 1]:
            left, right = winners[i - 1], winners[i]
            slope = (b[left] - w[left]) - (b[right] - w[right])
            cross = float((w[right] - w[left]) / slope) if slope else float(grid[i])
            out.append((start, cross, left))
            start = cross
    out.append((start, 1.0, winners[-1]))
    return out


def glance_rows(data_dir: Path | None = None) -> list[Glance]:
    """The figures the teaching plan puts on the boards, from the key and the data."""
    from autograder.key import build_vs_buy as kb
    from autograder.key import scenarios as ks
    from autograder.key import vtdf as kv

    folder = _data(data_dir)
    rows: list[Glance] = []

    # Board 1: VTDF
    v = get("vtdf")
    vi, va = v.inputs(folder), v.answers(folder)
    weights = vi["weights"]
    layers = list(weights.index)
    for lens, label in (("platform_lens", "platform"), ("capability_lens", "capability")):
        w = weights[lens]
        rows.append(Glance("1 VTDF", f"Layer weights, {label} lens ({' / '.join(layers)})",
                           " / ".join(_percent(w[layer], 0) for layer in layers), "Exhibit 5",
                           tuple(float(x) for x in w)))
    ls = va["layer_scores"]
    meta = kv.META
    rows.append(Glance("1 VTDF", f"Meta's layer scores ({' / '.join(ls.columns)})",
                       " / ".join(number(float(x), "score") for x in ls.loc[meta]), "Q2",
                       tuple(float(x) for x in ls.loc[meta])))
    rivals = ls.drop(index=meta)
    best = [(layer, rivals[layer].idxmax(), float(rivals[layer].max())) for layer in ls.columns]
    rows.append(Glance("1 VTDF", "Best rival in each layer",
                       " · ".join(f"{layer}: {f} {number(x, 'score')}" for layer, f, x in best), "Q2",
                       tuple(x for _, _, x in best)))
    totals, ranks = va["totals"], va["ranks"]
    for lens, label in (("platform_lens", "platform"), ("capability_lens", "capability")):
        order = totals[lens].sort_values(ascending=False)
        rows.append(Glance("1 VTDF", f"Weighted totals, {label} lens (rank)",
                           " · ".join(f"{f} {number(round(x, 3))} ({ranks.loc[f, lens]})"
                                      for f, x in order.items()), "Q3, Q4",
                           tuple(float(x) for x in order)))
    trailing = va["trailing_layer"]
    gaps = rivals.max() - ls.loc[meta]
    rest = gaps.drop(trailing)
    runners = [layer for layer in rest.index if abs(rest[layer] - rest.max()) < 1e-9]
    rows.append(Glance("1 VTDF", "Where Meta trails its best rival most (gap in layer score)",
                       f"{trailing} {number(float(gaps[trailing]), 'score')} "
                       f"(next: {' and '.join(runners)} {number(float(rest.max()), 'score')})",
                       "Q4(b)", (float(gaps[trailing]), float(rest.max()))))
    weakest = ls.loc[meta].idxmin()
    rows.append(Glance("1 VTDF", "Meta's own weakest layer (not the same question)",
                       f"{weakest} {number(float(ls.loc[meta, weakest]), 'score')}", "Q2",
                       (float(ls.loc[meta, weakest]),)))
    rw = va["reversal_weight"]
    tech_now = float(weights.loc["Technology", "platform_lens"])
    if rw is not None:
        at = kv.total_at(ls, weights["platform_lens"], "Technology", rw + 1e-6)
        rows.append(Glance("1 VTDF", "Technology weight at which Meta loses first place",
                           f"{number(rw, 'threshold')} ({_percent(rw)}; today {_percent(tech_now, 0)}); "
                           f"{at.idxmax()} overtakes", "Q5", (rw, tech_now)))

    # Board 2: build versus buy
    b = get("build_vs_buy")
    bi, ba = b.inputs(folder), b.answers(folder)
    m, h, prices = bi["meta"], bi["buyer"], bi["prices"]
    flows = ba["flows"]
    for col in ("build", "buy", "incremental"):
        rows.append(Glance("2 Meta", f"Flows, {col} (years 0–{int(m['horizon_years'])}, $B)",
                           _runs([float(x) for x in flows[col]]), "Q1",
                           tuple(float(x) for x in flows[col])))
    npv = ba["npv"]
    rows.append(Glance("2 Meta", f"NPV at {_percent(m['discount_rate'], 0)}: build / buy / difference ($B)",
                       " / ".join(number(round(float(npv[k]), 2)) for k in ("build", "buy", "difference")),
                       "Q2", tuple(float(x) for x in npv)))
    irr = ba["irr"]
    if irr is not None:
        rows.append(Glance("2 Meta", "IRR of the incremental flows = flip rate",
                           f"{_percent(irr)} (hurdle {_percent(m['discount_rate'], 0)})", "Q3, Q11(b)",
                           (irr,)))
    pb = ba["payback"]
    if pb is not None:
        rows.append(Glance("2 Meta", "Payback of building: simple / discounted (years)",
                           f"{number(pb['simple'], 'years')} / {number(pb['discounted'], 'years')}",
                           "Q4", (float(pb["simple"]), float(pb["discounted"]))))
    r = m["discount_rate"]

    def gap_with(**change) -> float:
        return kb.npv(r, kb.flows_from_params({**m, **change})["incremental"])

    lag = kb.find_root(lambda months: gap_with(capability_lag_months=months), 0.0,
                       12.0 * m["horizon_years"])
    share_flip = kb.find_root(lambda s: gap_with(buy_benefit_share=s), 0.0, 1.0)
    if lag is not None:
        rows.append(Glance("2 Meta", "Capability lag at which building stops paying (all else as given)",
                           f"{number(round(lag, 1))} months (given {number(m['capability_lag_months'])})",
                           "derived", (lag, m["capability_lag_months"])))
    if share_flip is not None:
        rows.append(Glance("2 Meta", "Buy benefit share at which building stops paying (all else as given)",
                           f"{_percent(share_flip)} (given {_percent(m['buy_benefit_share'], 0)})",
                           "derived", (share_flip, m["buy_benefit_share"])))
    q4 = kb.quarter_capex(bi["capex"])
    years = ba["annuity_years"]
    if years is not None:
        rows.append(Glance("2 Meta", "Years of buy fees one quarter's capex funds",
                           f"${trim(q4)}B at {_percent(m['discount_rate'], 0)} pays the "
                           f"${trim(m['buy_fee_per_year'])}B fee for {number(years, 'years')} years "
                           f"(horizon {number(m['horizon_years'])})", "Q5(a)",
                           (q4, years, m["buy_fee_per_year"])))
    api = ba["cheapest_api"]
    api_price = float(ba["api_prices"][api])
    api_cap = float(prices.set_index("model").loc[api, "capability_index"])
    rows.append(Glance("2 Buyer",
                       f"Cheapest adequate approved API (blended, {_percent(h['input_share'], 0)} input)",
                       f"{api}: ${number(api_price, 'price')} per 1M (capability {number(api_cap)})",
                       "Q6, Q8(a)", (api_price, api_cap)))
    own = ba["selfhost_per_1m"]
    full_load = kb.gpu_cost_per_1m(h["gpus"], h["gpu_usd_per_hour"], h["throughput_tokens_per_s"], 1.0)
    rows.append(Glance("2 Buyer", f"Self-hosting per 1M at {_percent(h['utilization'], 0)} utilization",
                       f"${float(own['variable']):.2f} GPU + ${float(own['fixed']):.2f} "
                       f"staff and ops = ${float(own['total']):.2f} "
                       f"(GPU alone at full load ${full_load:.2f})", "Q7",
                       (float(own["variable"]), float(own["fixed"]), float(own["total"]), full_load)))
    bv = ba["breakeven_volume"]
    if bv is not None:
        rows.append(Glance("2 Buyer", "Break-even volume (M tokens a month)",
                           f"{number(bv)} (stated {number(h['monthly_tokens_m'])})", "Q8(b)",
                           (bv, h["monthly_tokens_m"])))
    ac = ba["annual_costs"]
    rows.append(Glance("2 Buyer", "Cost a year: API / self-host / saving ($)",
                       " / ".join(number(round(float(ac[k]))) for k in ("api", "self_host", "saving")),
                       "Q9", tuple(float(x) for x in ac)))
    cap_share = h["selfhost_capability_index"] / api_cap
    cost_share = float(own["total"]) / api_price
    rows.append(Glance("2 Buyer", "“90% of the capability for 0% of the cost”",
                       f"{ba['claim']}: {_percent(cap_share, 0)} of the capability for "
                       f"{_percent(cost_share, 0)} of the cost", "Q10",
                       (cap_share, cost_share)))
    bu = ba["breakeven_utilization"]
    if bu is not None:
        rows.append(Glance("2 Buyer", "Break-even utilization",
                           f"{_percent(bu)} (stated {_percent(h['utilization'], 0)})", "Q12",
                           (bu, h["utilization"])))
    try:
        hosted = kb.cheapest_adequate(prices, ba["api_prices"], h["adequacy_threshold"], access="open")
    except ValueError:
        hosted = None
    if hosted is not None:
        hp = float(ba["api_prices"][hosted])
        host = str(prices.set_index("model").loc[hosted, "host"]).replace(" (hosted)", "")
        yearly = hp * h["monthly_tokens_m"] * 12
        rows.append(Glance("2 Buyer", "Cheapest adequate open model on a third-party host",
                           f"{hosted} ({host}): ${number(hp, 'price')} per 1M, "
                           f"${number(round(yearly))} a year",
                           "Q13(c)", (hp, yearly)))

    # Board 3: scenarios
    s = get("scenarios")
    si, sa = s.inputs(folder), s.answers(folder)
    probs, payoffs = si["probs"], si["payoffs"]
    rows.append(Glance("3 Scenarios", "Working probabilities",
                       " · ".join(f"{f} {_percent(p, 0)}" for f, p in probs.items()), "Exhibit 8",
                       tuple(float(p) for p in probs)))
    ev, er = sa["ev"], sa["ev_rank"]
    rows.append(Glance("3 Scenarios", "Expected value, $B (rank)",
                       " · ".join(f"{o} {number(float(x))} ({er[o]})"
                                  for o, x in ev.sort_values(ascending=False).items()), "Q2",
                       tuple(float(x) for x in ev)))
    worst, bestc = ks.worst_case(payoffs), ks.best_case(payoffs)
    rows.append(Glance("3 Scenarios", "Worst / best case, $B",
                       " · ".join(f"{o} {number(float(worst[o]))} / {number(float(bestc[o]))}"
                                  for o in payoffs.index), "Exhibit 8",
                       tuple(float(x) for x in [*worst, *bestc])))
    mr = sa["max_regret"]
    rows.append(Glance("3 Scenarios", "Maximum regret, $B",
                       " · ".join(f"{o} {number(float(x))}" for o, x in mr.items()), "Q3(b)",
                       tuple(float(x) for x in mr)))
    rc = sa["rule_choices"]
    rows.append(Glance("3 Scenarios", "What each rule picks",
                       " · ".join(f"{r}: {o}" for r, o in rc.items())
                       + f" (Hurwicz α = {number(si['alpha'])})", "Q3(c)", (si["alpha"],)))
    hv = ks.hurwicz_values(payoffs, si["alpha"])
    rows.append(Glance("3 Scenarios", f"Hurwicz value at α = {number(si['alpha'])}, $B",
                       " · ".join(f"{o} {number(float(x))}" for o, x in hv.items()), "derived",
                       tuple(float(x) for x in hv)))
    intervals = hurwicz_intervals(payoffs)
    rows.append(Glance("3 Scenarios", "Hurwicz's pick as optimism α runs from 0 to 1",
                       " · ".join(f"{number(round(lo, 3))}–{number(round(hi, 3))}: {o}"
                                  for lo, hi, o in intervals), "derived",
                       tuple(x for lo, hi, _ in intervals for x in (lo, hi))))
    rp = sa["reversal_p"]
    now = float(probs[ks.COMMODITIZATION])
    after = ks.ev_at(payoffs, probs, ks.COMMODITIZATION, rp - 1e-6)
    rows.append(Glance("3 Scenarios",
                       "Probability of Commoditization victory at which the top option changes",
                       f"{number(rp, 'threshold')} ({_percent(rp)}; today {_percent(now, 0)}); "
                       f"{after.idxmax()} takes first place", "Q4(b)", (rp, now)))
    share = sa["best_share"]
    rows.append(Glance("3 Scenarios",
                       f"Share of {int(si['draws']):,} simulated draws in which each option is best",
                       " · ".join(f"{o} {_percent(float(x))}" for o, x in
                                  share.sort_values(ascending=False).items()), "Q5(a)",
                       tuple(float(x) for x in share)))
    return rows


def glance_table(data_dir: Path | None = None) -> str:
    rows = glance_rows(data_dir)
    note = ("*Generated from the answer key and `case/data/`. Board numbers are rounded for "
            "writing up; the expected values with their tolerances are in the answer tables.*")
    return note + "\n\n" + md_table(["Board", "Quantity", "Value", "From"],
                                    ([g.board, g.quantity, g.value, g.source] for g in rows))


# ------------------------------------------------------------------------------ epilogue


def epilogue_rows(data_dir: Path | None = None) -> list[dict]:
    """The rows of the data dated after AS_OF, oldest first, as plain dicts."""
    folder = _data(data_dir)
    out = []
    capex = load("meta_capex", folder)
    for _, r in capex[capex["announced"] > AS_OF].iterrows():
        if r["kind"] == "guidance":
            what, figure = (f"Meta {r['period']} capex guidance",
                            f"${trim(r['low_usd_b'])}–{trim(r['high_usd_b'])} billion")
        else:
            what, figure = f"Meta {r['period']} capex, reported", f"${trim(r['low_usd_b'])} billion"
        out.append({"date": r["announced"], "what": what, "figure": figure,
                    "source": r["source"], "reliability": r["reliability"]})
    timeline = load("llama_timeline", folder)
    for _, r in timeline[timeline["date"] > AS_OF].iterrows():
        out.append({"date": r["date"], "what": r["event"], "figure": r["detail"],
                    "source": r["source"], "reliability": r["reliability"]})
    labs = load("closed_lab_economics", folder)
    for _, r in labs[labs["reported"] > AS_OF].iterrows():
        kind = {"run_rate": "run-rate, not revenue", "annualized": "annualized, not revenue",
                "claim": "a commentary claim, unverified", "loss": "loss",
                "revenue": "revenue"}.get(r["basis"], r["basis"])
        out.append({"date": r["reported"], "what": f"{r['company']}: {r['metric']}, {r['period']}",
                    "figure": f"${trim(r['value_usd_b'])} billion ({kind})",
                    "source": r["source"], "reliability": r["reliability"]})
    return sorted(out, key=lambda row: (row["date"], row["what"]))


def epilogue_table(data_dir: Path | None = None) -> str:
    rows = epilogue_rows(data_dir)
    note = (f"*Generated from the rows of `case/data/` dated after the case's as-of date, "
            f"{longdate(AS_OF)} (`meta_capex.announced`, `llama_timeline.date`, "
            "`closed_lab_economics.reported`). Grades: A primary source, B reputable outlet "
            "reporting one, C aggregator or commentary.*")
    return note + "\n\n" + md_table(["Date", "What", "Figure", "Source", "Grade"],
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
    "timeout": "Look at the cell; raise `--cell-timeout` only if correct code is slow, then "
               "regrade the student with `--force`. Otherwise grade it by hand in formgrader.",
    "error": "Read the message; a kernel that died or could not start is worth one regrade "
             "(`--student … --force`) before you grade by hand.",
    "missing cell": "The student deleted or retyped an answer cell: grade that item by hand in "
                    "formgrader, from the student's own cells.",
    "invalid notebook": "Ask the student for the file again, or repair it, then `autograder "
                        "collect` it and regrade.",
    "tampered": "Open the submission: the notebook's own tests passed but the outside check did "
                "not. Treat it as an academic-integrity question, not as a grade.",
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


# ------------------------------------------------------------------------------ the guide


def regions(data_dir: Path | None = None) -> dict[str, str]:
    """Every generated region's content, by marker name."""
    return {
        "assignments": assignments_table(),
        "glance": glance_table(data_dir),
        "answers": answer_table(data_dir),
        "epilogue": epilogue_table(data_dir),
        "mistakes": mistake_table(),
        "statuses": status_table(),
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

_RUBRIC = re.compile(r"^#{3,5} Rubric: (?P<assignment>[a-z_]+) · (?P<cell>q\w+) "
                     r"\((?P<points>[\d.]+) points\)\s*$", re.M)


def rubric_points(path: Path | None = None) -> dict[tuple[str, str], tuple[float, float]]:
    """Each hand-written rubric in the guide: (assignment, cell) -> (points in its heading,
    sum of its table's Points column). Rubric headings read
    `#### Rubric: vtdf · q7a_paradox_layer (6 points)`, followed by a table whose header has a
    `Points` column."""
    text = guide_path(path).read_text(encoding="utf-8")
    found = {}
    matches = list(_RUBRIC.finditer(text))
    for n, m in enumerate(matches):
        end = matches[n + 1].start() if n + 1 < len(matches) else len(text)
        body = text[m.end():end]
        body = re.split(r"^#{1,5} ", body, flags=re.M)[0]
        lines = [ln for ln in body.splitlines() if ln.startswith("|")]
        total = 0.0
        if lines:
            header = [c.strip() for c in lines[0].strip("|").split("|")]
            col = header.index("Points")
            for ln in lines[2:]:
                cells = [c.strip() for c in ln.strip("|").split("|")]
                total += float(cells[col].strip("*"))
        key = (m.group("assignment"), m.group("cell"))
        if key in found:
            raise ValueError(f"two rubrics for {key}")
        found[key] = (float(m.group("points")), total)
    return found


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
    numbers written inside the data's text cells (e.g. "49%" in an event's detail)."""
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
            values.update(_leaves(entry["expected"]))
        for c in a.checks:
            values.update({float(c.points), float(c.format_points)})
        values.update(float(p) for p in a.manual.values())
        values.update({float(a.autograded_points), float(sum(a.manual.values())),
                       float(a.autograded_points + sum(a.manual.values()))})
    for g in glance_rows(folder):
        values.update(float(x) for x in g.numbers)
    for csv in sorted(folder.glob("*.csv")):
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
    "answer_table", "assignments_table", "epilogue_table", "epilogue_rows", "glance_table",
    "glance_rows", "mistake_table", "status_table", "regions", "render_guide", "sync_guide",
    "rubric_points", "manual_points", "known_values", "hand_written", "generated_spans",
]
