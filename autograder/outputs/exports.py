"""Grades for other programs: an nbgrader-style CSV, a per-item CSV, a Canvas import and JSON.

What can be exported as a number is decided in one place, `exportable_score`: a submission
gets a score when everything the student did was judged: a wrong answer, an untouched stub,
the student's own error or endless loop count 0. A notebook that could not be read or run, or
an item that failed for a reason not the student's doing (a dead kernel, a failure in a locked
cell, a lost cell), leaves the score BLANK and says why in `status`; it is never written as a
plain zero. Items that await
hand grading are the exception, since every assignment has some: by default the score of the
autograded part is exported and `status` says which points are still pending
(`pending_manual="blank"` leaves those scores blank too).

Files written into `out_dir`:

    grades.csv    nbgrader export columns, plus `status`, `late` (yes/no) and `seconds_late`;
                  one row per student and assignment. As in `nbgrader export`, `raw_score` is
                  before the late penalty, `late_submission_penalty` is the penalty the course's
                  nbgrader late plugin gave (`autograder.grading.late`) and `score` is after it
    items.csv     student, assignment, item, status, score, max_score, mistake, message, late;
                  item scores are before the late penalty, which is the submission's, not an
                  item's (grades.csv has it)
    canvas.csv    Canvas gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, then
                  one column per assignment (the score after the late penalty); second row
                  "Points Possible"
    results.json  every record, for scripts (`autograder.grading.results.read_results`)

Every CSV cell goes through `csv_cell`: text a spreadsheet would run as a formula (it starts
with = + - @, a tab or a carriage return: OWASP's CSV-injection rule) gets a leading `'`,
so a student id such as `=HYPERLINK(...)` or `-2+3` is shown, never evaluated; numbers such
as -1.5 stay numbers. Ids reach exports from `submitted/`, which stock `nbgrader collect` fills
without our intake's checks, and names from the roster.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from autograder.grading.results import (
    GRADED,
    MANUAL,
    NOT_GRADED,
    SCORED,
    STATUSES,
    TAMPERED,
    UNGRADABLE,
    UNSANDBOXED,
    WRONG,
    SubmissionResult,
    write_results,
)
from autograder.utils import FORMULA_START

# The columns `nbgrader export` writes (nbgrader/plugins/export.py, CsvExportPlugin), in order.
NBGRADER_COLUMNS = ("assignment", "duedate", "timestamp", "student_id", "last_name",
                    "first_name", "email", "raw_score", "late_submission_penalty", "score",
                    "max_score")
GRADES_COLUMNS = NBGRADER_COLUMNS + ("status", "late", "seconds_late")
ITEM_COLUMNS = ("student", "assignment", "item", "status", "score", "max_score", "mistake",
                "message", "late")
CANVAS_ID_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "Points Possible"

NOT_SUBMITTED = "not submitted"  # a student on the roster with no submission
REVIEW = UNGRADABLE + (TAMPERED,)  # items an instructor should look at
PENDING_MANUAL = ("partial", "blank")


# -- the registry, looked up defensively: outputs must not fail for an unknown assignment ------

def registry_assignment(name: str):
    """The `Assignment` called `name`, or None when the registry does not know it."""
    try:
        from autograder.assignments import ASSIGNMENTS
    except Exception:  # a broken assignment module must not stop the grades going out
        return None
    return ASSIGNMENTS.get(name)


def assignment_order(results: Iterable[SubmissionResult]) -> list[str]:
    """Assignment names in teaching order (the registry's), then any others alphabetically."""
    names = {r.assignment for r in results}
    try:
        from autograder.assignments import ORDER
    except Exception:
        ORDER = ()
    return [n for n in ORDER if n in names] + sorted(names - set(ORDER))


def assignment_title(name: str) -> str:
    spec = registry_assignment(name)
    return spec.title if spec is not None else name


def latest(results: Iterable[SubmissionResult]) -> list[SubmissionResult]:
    """One record per student and assignment: the last one given wins (a re-grade)."""
    keep: dict[tuple[str, str], SubmissionResult] = {}
    for r in results:
        keep.pop((r.student, r.assignment), None)
        keep[(r.student, r.assignment)] = r
    return list(keep.values())


def max_points(results: Iterable[SubmissionResult], assignment: str) -> float:
    """Points possible on an assignment: the largest total seen in its records (a notebook
    that could not be read has no items, so its own total says nothing), else the registry's."""
    seen = [r.max_score for r in results if r.assignment == assignment]
    best = max(seen, default=0.0)
    if best > 0:
        return float(best)
    spec = registry_assignment(assignment)
    if spec is None:
        return 0.0
    return float(spec.autograded_points + sum(spec.manual.values()))


# -- the one policy: what may be exported as a number, and how to say why not -----------------

def exportable_score(result: SubmissionResult, pending_manual: str = "partial") -> float | None:
    """The score to export, or None (blank) when the submission could not be fully graded.

    None when the notebook as a whole was not graded, when any item could not be graded for a
    reason that was not the student's doing (a failure, a lost cell, an unreadable file), or
    when nothing was scored; unanswered items, the student's own errors and time-outs count 0.
    Items awaiting a hand grade count as not yet earned ("partial") or blank the score ("blank").
    """
    if pending_manual not in PENDING_MANUAL:
        raise ValueError(f"pending_manual must be one of {PENDING_MANUAL}, not {pending_manual!r}")
    if result.status not in SCORED:
        return None
    if any(i.status in UNGRADABLE for i in result.items):
        return None
    if pending_manual == "blank" and any(i.status == MANUAL for i in result.items):
        return None
    return result.score


def after_penalty(score: float | None, result: SubmissionResult) -> float | None:
    """An exported score less the submission's late penalty, never below 0 (`nbgrader export`'s
    `max(0, score - penalty)`); blank stays blank."""
    return None if score is None else max(0.0, score - result.late_penalty)


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def submission_status(result: SubmissionResult) -> str:
    """What happened to a submission, first word first: "graded", or e.g.
    "timeout: q5_reversal; needs manual grade: q7a_paradox_layer, q7b_moat_or_subsidy".

    The part before the first ":" or ";" is one of the statuses of
    `autograder.grading.results` (or "graded"), so a script can filter on it.
    """
    if result.status == NOT_GRADED:
        return NOT_GRADED  # every item is, for the same reason
    parts: list[str] = []
    if result.status != GRADED:
        parts.append(result.status)
    by_status: dict[str, list[str]] = {}
    for item in result.items:
        if item.status not in (GRADED, WRONG):  # a wrong answer is graded: points just lost
            by_status.setdefault(item.status, []).append(item.item)
    known = [s for s in STATUSES if s in by_status]
    for status in known + [s for s in by_status if s not in STATUSES]:
        text = f"{status}: {', '.join(by_status[status])}"
        if parts and parts[0] == status:
            parts[0] = text
        else:
            parts.append(text)
    if not result.sandboxed and not any(p.startswith(UNSANDBOXED) for p in parts):
        parts.append(UNSANDBOXED)
    return "; ".join(parts) if parts else GRADED


# -- writing -----------------------------------------------------------------------------------

def _num(x: float | None) -> str:
    """A score as CSV text: blank for None, no float noise, no trailing zeros."""
    if x is None:
        return ""
    text = f"{float(x):.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _text(x: Any) -> str:
    return "" if x is None else str(x)


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def csv_cell(value: Any) -> str:
    """A value as CSV cell text that no spreadsheet evaluates: formula-like text gets a leading
    `'` (shown as text by Excel, LibreOffice and Google Sheets); a number, -1.5 say, is left
    as it is, since a spreadsheet reads it as the number it is.

    A carriage return inside the text becomes a line feed: Python's csv writer quotes a field
    for the characters of its line terminator ("\n") only, and an unquoted CR ends the row in
    a spreadsheet, which would read the rest of the cell as a new cell (`x\r=1+1`)."""
    text = _text(value)
    if text.startswith(FORMULA_START) and not _NUMBER.fullmatch(text):
        text = "'" + text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _write_csv(path: Path, header: Iterable[str], rows: Iterable[Iterable[Any]]) -> Path:
    """The one CSV writer of the exports: every cell, header included, through `csv_cell`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow([csv_cell(h) for h in header])
        writer.writerows([csv_cell(c) for c in row] for row in rows)
    return path


def _roster(results: list[SubmissionResult], students: dict | None) -> list[str]:
    """Student ids: the roster's in its order, then anyone else who submitted, sorted."""
    listed = list(students or {})
    others = sorted({r.student for r in results} - set(listed))
    return listed + others


def grade_rows(results: list[SubmissionResult], students: dict | None = None,
               duedates: dict | None = None, pending_manual: str = "partial") -> list[dict]:
    """The rows of grades.csv as dicts (one per roster student and assignment)."""
    results = latest(results)
    students = students or {}
    duedates = duedates or {}
    by_key = {(r.student, r.assignment): r for r in results}
    rows = []
    for name in assignment_order(results):
        possible = max_points(results, name)
        for sid in _roster(results, students):
            info = students.get(sid) or {}
            r = by_key.get((sid, name))
            score = exportable_score(r, pending_manual) if r is not None else None
            rows.append({
                "assignment": name,
                "duedate": _text(duedates.get(name)),
                "timestamp": _text(r.timestamp) if r is not None else "",
                "student_id": sid,
                "last_name": _text(info.get("last_name")),
                "first_name": _text(info.get("first_name")),
                "email": _text(info.get("email")),
                "raw_score": _num(score),
                # the penalty the gradebook holds (gradebook.record, late.with_penalties)
                "late_submission_penalty": "" if score is None or r is None
                else _num(r.late_penalty),
                "score": _num(after_penalty(score, r) if r is not None else None),
                "max_score": _num(possible),
                "status": submission_status(r) if r is not None else NOT_SUBMITTED,
                "late": _yes_no(r.late) if r is not None else "",
                "seconds_late": _num(r.seconds_late) if r is not None else "",
            })
    return rows


def item_rows(results: list[SubmissionResult]) -> list[dict]:
    """The rows of items.csv: one per item of every submission; blank score when not graded."""
    rows = []
    for r in latest(results):
        for i in r.items:
            rows.append({
                "student": r.student, "assignment": r.assignment, "item": i.item,
                "status": i.status,
                "score": _num(i.score if i.status in SCORED else None),
                "max_score": _num(i.max_score), "mistake": _text(i.mistake),
                "message": i.message, "late": _yes_no(r.late),
            })
    return rows


def canvas_column(name: str, canvas_ids: dict | None = None) -> str:
    """Canvas matches an import column by "Title (id)" when it knows the id, else by title."""
    cid = (canvas_ids or {}).get(name)
    return f"{name} ({cid})" if cid not in (None, "") else name


def canvas_rows(results: list[SubmissionResult], students: dict | None = None,
                canvas_ids: dict | None = None, pending_manual: str = "partial") -> list[list[str]]:
    """Header, "Points Possible" row and one row per student of the Canvas import.

    Canvas finds the student by ID (its user id), else SIS User ID, else SIS Login ID, else
    the name ("Last, First"). From `students[sid]`: canvas_id (or id), sis_id, login_id (or
    sis_login_id; defaults to the nbgrader student id, usually the hub login) and section.
    """
    results = latest(results)
    students = students or {}
    names = assignment_order(results)
    by_key = {(r.student, r.assignment): r for r in results}
    header = list(CANVAS_ID_COLUMNS) + [canvas_column(n, canvas_ids) for n in names]
    possible = [POINTS_POSSIBLE, "", "", "", ""] + [_num(max_points(results, n)) for n in names]
    rows = [header, possible]
    for sid in _roster(results, students):
        info = students.get(sid) or {}
        first, last = _text(info.get("first_name")), _text(info.get("last_name"))
        display = f"{last}, {first}" if last and first else (last or first or sid)
        scores = []
        for n in names:
            r = by_key.get((sid, n))
            scores.append(_num(after_penalty(exportable_score(r, pending_manual), r)
                               if r is not None else None))
        rows.append([display, _text(info.get("canvas_id", info.get("id"))),
                     _text(info.get("sis_id")),
                     _text(info.get("login_id", info.get("sis_login_id", sid))),
                     _text(info.get("section"))] + scores)
    return rows


def write_exports(results: list[SubmissionResult], out_dir: Path, students: dict | None = None,
                  canvas_ids: dict | None = None, *, duedates: dict | None = None,
                  pending_manual: str = "partial") -> dict[str, Path]:
    """Write grades.csv, items.csv, canvas.csv and results.json into `out_dir`.

    `students`: student id -> {first_name, last_name, email, sis_id, login_id, canvas_id,
    section}, all optional; roster students without a submission get a blank score with
    status "not submitted". `canvas_ids`: assignment name -> Canvas assignment id.
    `duedates`: assignment name -> due date text for nbgrader's `duedate` column.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    grades = grade_rows(results, students, duedates, pending_manual)
    items = item_rows(results)
    canvas = canvas_rows(results, students, canvas_ids, pending_manual)
    return {
        "grades": _write_csv(out_dir / "grades.csv", GRADES_COLUMNS,
                             ([row[c] for c in GRADES_COLUMNS] for row in grades)),
        "items": _write_csv(out_dir / "items.csv", ITEM_COLUMNS,
                            ([row[c] for c in ITEM_COLUMNS] for row in items)),
        "canvas": _write_csv(out_dir / "canvas.csv", canvas[0], canvas[1:]),
        "results": write_results(latest(results), out_dir / "results.json"),
    }
