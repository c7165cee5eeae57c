"""The instructor's report on a graded class: one self-contained HTML page.

Per assignment a histogram of scores (matplotlib, embedded as base64 PNG) and a table per item:
mean score, share with full marks, a discrimination index and the most common wrong answers
with the catalogued mistake they match. Then how many items ended in each status, and who
needs a person: hand-graded items pending, and items that timed out, raised, lost their cell,
could not be read or were flagged by the outside check.

The statistics are pure functions of the `SubmissionResult` list (`item_statistics`,
`discrimination_index`, `common_wrong_values`, `status_counts`, `needs_attention`), so they can
be checked by hand and reused in a notebook.

Discrimination index (upper-lower, Kelley's 27%): the mean item score, as a fraction of the
item's points, of the top 27% of students by assignment total minus that of the bottom 27%.
It runs from -1 to 1; below about 0.2 an item hardly separates strong from weak students, and
a negative value usually means a key or check problem. Details:

* Students: those whose submission has an exported score (every autograded item scored, see
  `exports.exportable_score`) and whose item was scored; the total includes the item itself.
* Group size is 27% of those students, fractional (40 students: 10.8 each).
* Ties: students are ordered by total, and a block of tied totals that straddles a group's edge
  joins it with equal fractional weights (the overlap shared evenly), so the index never
  depends on the order in which tied students happen to be listed.
* Small classes: below `MIN_STUDENTS` (10) students, or when every total is the same, the index
  is not computed (NaN, shown as "n/a"): with two or three students per group it is noise.
"""

from __future__ import annotations

import base64
import io
import json
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from autograder.grading.results import (
    MANUAL,
    SCORED,
    STATUSES,
    WRONG,
    SubmissionResult,
)
from autograder.grading.variant_grading import OTHER_VARIANT, PUBLISHED_NUMBERS
from autograder.outputs.exports import (
    REVIEW,
    _num,
    assignment_order,
    assignment_title,
    exportable_score,
    latest,
    max_points,
    registry_assignment,
)
from autograder.outputs.feedback import item_labels
from autograder.outputs.pages import answer_text, template

SHARE = 0.27         # Kelley's upper and lower groups
MIN_STUDENTS = 10    # fewer students: no discrimination index
TOP_WRONG = 3        # most common wrong answers shown per item
FROM_ANOTHER_VARIANT = (OTHER_VARIANT, PUBLISHED_NUMBERS)  # answers right, but for other data
COPY_ITEMS = 3       # answers from one other variant that put a submission under "Needs a person"


# -- statistics (pure) -------------------------------------------------------------------------

def group_weights(totals: Sequence[float], share: float = SHARE, upper: bool = True) -> list[float]:
    """Each student's weight in the upper (or lower) group: 1 inside, 0 outside, and for a
    block of tied totals straddling the group's edge the overlap shared evenly. Weights sum
    to `share * len(totals)`."""
    if not 0 < share <= 0.5:
        raise ValueError("share must be in (0, 0.5] so the groups do not overlap")
    n = len(totals)
    size = share * n
    order = sorted(range(n), key=lambda i: totals[i], reverse=upper)
    weights = [0.0] * n
    pos = 0
    start = 0
    while start < n:
        end = start
        while end + 1 < n and totals[order[end + 1]] == totals[order[start]]:
            end += 1
        block = order[start:end + 1]
        overlap = max(0.0, min(pos + len(block), size) - pos)
        for i in block:
            weights[i] = overlap / len(block)
        pos += len(block)
        start = end + 1
    return weights


def discrimination_index(item_fractions: Sequence[float], totals: Sequence[float],
                         share: float = SHARE, min_students: int = MIN_STUDENTS) -> float:
    """Mean item fraction in the upper `share` of students by total minus the lower `share`.

    `item_fractions[i]` is student i's item score divided by the item's points, `totals[i]`
    the student's assignment total. NaN for fewer than `min_students` students or when all
    totals are equal. Ties at a group's edge are shared (see `group_weights`).
    """
    if len(item_fractions) != len(totals):
        raise ValueError("one item fraction per total")
    n = len(totals)
    if n < max(min_students, 2) or len(set(totals)) < 2:
        return math.nan
    up = group_weights(totals, share, upper=True)
    low = group_weights(totals, share, upper=False)
    size = share * n
    mean_up = sum(w * x for w, x in zip(up, item_fractions)) / size
    mean_low = sum(w * x for w, x in zip(low, item_fractions)) / size
    return mean_up - mean_low


def _item_keys(results: list[SubmissionResult]) -> list[tuple[str, str, float]]:
    """(assignment, item, points) in teaching order, then first-seen item order."""
    keys: dict[tuple[str, str], float] = {}
    for name in assignment_order(results):
        for r in results:
            if r.assignment != name:
                continue
            for i in r.items:
                k = (name, i.item)
                keys[k] = max(keys.get(k, 0.0), float(i.max_score))
    return [(a, i, p) for (a, i), p in keys.items()]


def _is_manual(assignment: str, item: str, seen_statuses: set[str]) -> bool:
    spec = registry_assignment(assignment)
    if spec is not None:
        return item in spec.manual
    return MANUAL in seen_statuses


def item_statistics(results: list[SubmissionResult], share: float = SHARE,
                    min_students: int = MIN_STUDENTS) -> pd.DataFrame:
    """One row per assignment item.

    Columns: assignment, item, kind ("auto"/"manual"), max_score, n (scored), not_graded
    (timeout, error, missing cell, invalid notebook), pending (awaiting a hand grade),
    mean_score, mean_fraction, full_marks (share of scored answers with all points),
    discrimination (see the module docstring), wrong (number of wrong answers).
    """
    results = latest(results)
    totals = {(r.student, r.assignment): exportable_score(r) for r in results}
    rows = []
    for name, item, points in _item_keys(results):
        scored, fractions, student_totals = [], [], []
        not_graded = pending = wrong = 0
        statuses: set[str] = set()
        for r in results:
            if r.assignment != name:
                continue
            for i in r.items:
                if i.item != item:
                    continue
                statuses.add(i.status)
                if i.status in SCORED and i.score is not None:
                    scored.append(float(i.score))
                    total = totals[(r.student, name)]
                    if total is not None and points > 0:
                        fractions.append(float(i.score) / points)
                        student_totals.append(float(total))
                elif i.status == MANUAL:
                    pending += 1
                else:
                    not_graded += 1
                wrong += i.status == WRONG
        n = len(scored)
        mean = sum(scored) / n if n else math.nan
        rows.append({
            "assignment": name, "item": item,
            "kind": "manual" if _is_manual(name, item, statuses) else "auto",
            "max_score": points, "n": n, "not_graded": not_graded, "pending": pending,
            "mean_score": mean,
            "mean_fraction": mean / points if n and points > 0 else math.nan,
            "full_marks": (sum(s >= points - 1e-9 for s in scored) / n) if n else math.nan,
            "discrimination": discrimination_index(fractions, student_totals, share,
                                                   min_students),
            "wrong": wrong,
        })
    columns = ["assignment", "item", "kind", "max_score", "n", "not_graded", "pending",
               "mean_score", "mean_fraction", "full_marks", "discrimination", "wrong"]
    return pd.DataFrame(rows, columns=columns)


def _rounded(value: Any, digits: int = 9) -> Any:
    """Plain data with floats rounded to `digits` significant digits (to group float noise)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return float(f"{value:.{digits}g}") if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(k): _rounded(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(v, digits) for v in value]
    return value


def show_value(value: Any, limit: int = 160) -> str:
    """A student's answer as short readable text (`pages.answer_text`): numbers at about four
    significant digits, a dict as "key: value; …", a list comma-separated, "…" when cut."""
    return answer_text(value, limit)


def _mistake_message(assignment: str, item: str, mistake: str) -> str | None:
    spec = registry_assignment(assignment)
    if spec is None:
        return None
    try:
        check = spec.check(item)
    except KeyError:
        return None
    for m in check.mistakes:
        if m.id == mistake:
            return m.message
    return None


def common_wrong_values(results: list[SubmissionResult], top: int = TOP_WRONG) -> pd.DataFrame:
    """The most common wrong answers per item: answers matching a catalogued mistake are
    grouped by mistake, others by value (floats rounded to 9 significant digits).

    Columns: assignment, item, count, share (of that item's wrong answers), value (the most
    common answer of the group, as short text), mistake (id or None), message (the
    catalogue's diagnosis, else what the students were told), answer (that answer as data).
    """
    groups: dict[tuple[str, str], dict[tuple, dict]] = {}
    for r in latest(results):
        for i in r.items:
            if i.status != WRONG:
                continue
            canon = json.dumps(_rounded(i.value), sort_keys=True, default=str)
            key = ("mistake", i.mistake) if i.mistake else ("value", canon)
            g = groups.setdefault((r.assignment, i.item), {}).setdefault(
                key, {"count": 0, "values": Counter(), "shown": {}, "messages": Counter()})
            g["count"] += 1
            g["values"][canon] += 1
            g["shown"].setdefault(canon, i.value)
            if i.message:
                g["messages"][i.message] += 1
    rows = []
    for name, item, _ in _item_keys(latest(results)):
        found = groups.get((name, item))
        if not found:
            continue
        n_wrong = sum(g["count"] for g in found.values())
        ranked = sorted(found.items(), key=lambda kv: (-kv[1]["count"], str(kv[0])))
        for (kind, ident), g in ranked[:top]:
            canon = g["values"].most_common(1)[0][0]
            mistake = ident if kind == "mistake" else None
            message = (_mistake_message(name, item, mistake) if mistake else None) or (
                g["messages"].most_common(1)[0][0] if g["messages"] else "")
            rows.append({"assignment": name, "item": item, "count": g["count"],
                         "share": g["count"] / n_wrong, "value": show_value(g["shown"][canon]),
                         "mistake": mistake, "message": message, "answer": g["shown"][canon]})
    table = pd.DataFrame(rows, columns=["assignment", "item", "count", "share", "value",
                                        "mistake", "message", "answer"])
    table["mistake"] = table["mistake"].astype(object)
    table.loc[table["mistake"].isna(), "mistake"] = None  # None, not NaN, for "not catalogued"
    return table


def status_counts(results: list[SubmissionResult]) -> pd.DataFrame:
    """How many items ended in each status: one row per status (all of them, in the order of
    `results.STATUSES`, then any unknown ones), one column per assignment, and "all"."""
    results = latest(results)
    names = assignment_order(results)
    counts: dict[str, Counter] = {}
    for r in results:
        for i in r.items:
            counts.setdefault(i.status, Counter())[r.assignment] += 1
    statuses = list(STATUSES) + sorted(set(counts) - set(STATUSES))
    table = pd.DataFrame([[counts.get(s, Counter())[n] for n in names] for s in statuses],
                         index=pd.Index(statuses, name="status"), columns=names, dtype=int)
    table["all"] = table.sum(axis=1)
    return table


def submission_counts(results: list[SubmissionResult]) -> pd.DataFrame:
    """Submissions per submission-level status and assignment (plus "all")."""
    results = latest(results)
    names = assignment_order(results)
    counts = Counter((r.status, r.assignment) for r in results)
    statuses = [s for s in STATUSES if any(k[0] == s for k in counts)]
    statuses += sorted({k[0] for k in counts} - set(STATUSES))
    table = pd.DataFrame([[counts[(s, n)] for n in names] for s in statuses],
                         index=pd.Index(statuses, name="status"), columns=names, dtype=int)
    table["all"] = table.sum(axis=1)
    return table


def variant_table(results: list[SubmissionResult]) -> pd.DataFrame:
    """Per submission of an assignment with variants on: the code it was graded against, its
    score, the items answered with another variant's numbers, and the instructor's note.

    Columns: assignment, student, variant, score, from_other (item count), note."""
    rows = [{"assignment": r.assignment, "student": r.student, "variant": r.variant,
             "score": exportable_score(r),
             "from_other": sum(i.mistake in FROM_ANOTHER_VARIANT for i in r.items),
             "note": r.instructor_note}
            for r in latest(results) if r.variant is not None]
    return pd.DataFrame(rows, columns=["assignment", "student", "variant", "score",
                                       "from_other", "note"])


def needs_attention(results: list[SubmissionResult]) -> pd.DataFrame:
    """Submissions that need a person: hand-graded items pending, items to review (timeout,
    error, missing cell, invalid notebook, tampered), a notebook that was not graded at all,
    or a run without the sandbox.

    Columns: student, assignment, manual (pending item ids), review ("status: item" texts),
    submission (the notebook-level status when not graded), message. Rows needing a decision
    (review items, a notebook not graded, unsandboxed) come first, then hand grading only.
    """
    rows = []
    for r in latest(results):
        manual = [i.item for i in r.items if i.status == MANUAL]
        review = [f"{i.status}: {i.item}" for i in r.items if i.status in REVIEW]
        copied = [f"{i.mistake}: {i.item}" for i in r.items if i.mistake in FROM_ANOTHER_VARIANT]
        if len(copied) >= COPY_ITEMS:  # one coincidence is not worth a person's time
            review.append(f"answers from another variant: {len(copied)} items")
        whole = r.status if r.status not in SCORED else ""
        if not r.sandboxed:
            whole = "; ".join(x for x in (whole, "unsandboxed") if x)
        if manual or review or whole:
            rows.append({"student": r.student, "assignment": r.assignment,
                         "manual": ", ".join(manual), "review": "; ".join(review),
                         "submission": whole,
                         "message": " ".join(m for m in (r.message, r.instructor_note) if m)})
    order = {n: k for k, n in enumerate(assignment_order(results))}
    # what needs a decision (review, a notebook not graded) first, then hand grading only
    rows.sort(key=lambda row: (not (row["review"] or row["submission"]),
                               order[row["assignment"]], row["student"]))
    return pd.DataFrame(rows, columns=["student", "assignment", "manual", "review",
                                       "submission", "message"])


# -- charts ------------------------------------------------------------------------------------

def score_histogram(scores: Sequence[float], possible: float, title: str) -> str:
    """A histogram of scores as a base64 PNG (no pyplot: no global state, no display)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 3.0), dpi=100)
    ax = fig.add_subplot()
    top = possible if possible > 0 else max(scores, default=1.0) or 1.0
    width = max(1, math.ceil(top / 20))  # whole points per bar, at most about 20 bars
    edges = list(range(0, math.ceil(top) + width, width))
    ax.hist(list(scores), bins=edges, color="#0969da", edgecolor="white")
    ax.set(title=title, xlabel="points", ylabel="students", xlim=(0, top))
    # The default locator is an AutoLocator (a MaxNLocator), which takes `integer`; the stub types
    # get_major_locator() as the base Locator, whose set_params() takes no arguments.
    ax.yaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


# -- the page ----------------------------------------------------------------------------------

def _fmt(x: Any, digits: int = 2, percent: bool = False) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if percent:
        return f"{100 * x:.0f}%"
    return f"{x:.{digits}f}"


def report_context(results: list[SubmissionResult], share: float = SHARE,
                   min_students: int = MIN_STUDENTS) -> dict:
    results = latest(results)
    stats = item_statistics(results, share, min_students)
    wrong = common_wrong_values(results)
    assignments = []
    for name in assignment_order(results):
        subs = [r for r in results if r.assignment == name]
        scores = [s for s in (exportable_score(r) for r in subs) if s is not None]
        possible = max_points(results, name)
        series = pd.Series(scores, dtype=float)
        items = []
        rows = list(stats[stats.assignment == name].itertuples())
        labels = item_labels(name, [row.item for row in rows])
        for row in rows:
            items.append({
                "item": row.item, "label": labels[row.item], "kind": row.kind,
                "max_score": _num(row.max_score), "n": row.n, "mean": _fmt(row.mean_score),
                "full": _fmt(row.full_marks, percent=True), "disc": _fmt(row.discrimination),
                "low": not math.isnan(row.discrimination) and row.discrimination < 0.2,
                "not_graded": row.not_graded, "pending": row.pending,
            })
        assignments.append({
            "name": name, "title": assignment_title(name), "submissions": len(subs),
            "scored": len(scores), "blank": len(subs) - len(scores),
            "mean": _fmt(series.mean() if scores else None),
            "median": _fmt(series.median() if scores else None),
            "possible": _num(possible),
            "histogram": score_histogram(scores, possible, f"{name}: scores (n={len(scores)})"),
            "items": items,
            "wrong": [{"item": w.item, "count": w.count, "share": _fmt(w.share, percent=True),
                       "value": w.value, "answer": w.answer,
                       "mistake": w.mistake if isinstance(w.mistake, str) else None,
                       "message": w.message}
                      for w in wrong[wrong.assignment == name].itertuples()],
        })
    variants = variant_table(results)
    for a in assignments:
        mine = variants[variants.assignment == a["name"]]
        a["variants"] = [{"student": v.student, "variant": v.variant, "score": _num(v.score)
                          if v.score is not None and not pd.isna(v.score) else "—",
                          "from_other": v.from_other, "note": v.note}
                         for v in mine.itertuples()]
    counts = status_counts(results)
    subs = submission_counts(results)
    return {
        "n_submissions": len(results),
        "n_students": len({r.student for r in results}),
        "assignments": assignments,
        "status_columns": list(counts.columns),
        "status_rows": [(s, list(v)) for s, v in zip(counts.index, counts.values.tolist())],
        "submission_rows": [(s, list(v)) for s, v in zip(subs.index, subs.values.tolist())],
        "attention": needs_attention(results).to_dict("records"),
        "share": f"{100 * share:.0f}%",
        "min_students": min_students,
    }


def render_report(results: list[SubmissionResult], share: float = SHARE,
                  min_students: int = MIN_STUDENTS) -> str:
    """The report page (templates/report.html.j2, autoescaped)."""
    return template("report.html.j2").render(**report_context(results, share, min_students))


def write_report(results: list[SubmissionResult], out: Path, share: float = SHARE,
                 min_students: int = MIN_STUDENTS) -> Path:
    """Write the report to `out` (a .html file; a folder gets `grading_report.html`)."""
    out = Path(out)
    if out.is_dir() or out.suffix.lower() not in (".html", ".htm"):
        out = out / "grading_report.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_report(results, share, min_students), encoding="utf-8")
    return out
