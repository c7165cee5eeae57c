"""Feedback for students: one self-contained HTML page per student and assignment.

Unlike nbgrader's own feedback (the graded notebook, hidden tests included), a page shows only
what a student may see: per item the points, the status in plain words and the diagnostic
message. It never shows the student's value, an expected value or any test code, so a correct
answer cannot be read off someone else's page. The markup is templates/feedback.html.j2 (with
the stylesheet shared with the report, templates/pages.css); all text goes through Jinja2's
autoescaping.
A late submission's page says how late and the penalty the course's nbgrader late plugin gave
(`autograder.grading.late`), and its total is after that penalty.

Pages go where nbgrader's `generate_feedback` puts them,
`<course>/feedback/<student>/<assignment>/<notebook stem>.html`, so `nbgrader release_feedback`
and `fetch_feedback` can hand them out. release_feedback also needs the submission's
`timestamp.txt` and `submission_secret.txt` beside the page (it names the released file by a
hash of the secret): they are copied from `autograded/` (else `submitted/`) when found.
"""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

from autograder.grading.results import (
    ERROR,
    FAILED,
    GRADED,
    INVALID_NOTEBOOK,
    MANUAL,
    MISSING_CELL,
    NOT_GRADED,
    SCORED,
    TAMPERED,
    TIMEOUT,
    UNANSWERED,
    UNSANDBOXED,
    VARIANT_MISMATCH,
    WRONG,
    ItemResult,
    SubmissionResult,
)
from autograder.outputs.exports import (
    _num,
    assignment_title,
    exportable_score,
    latest,
    registry_assignment,
)
from autograder.outputs.pages import template

# How each status reads to a student: short label and a CSS class.
STUDENT_STATUS = {
    GRADED: ("Correct", "ok"),
    WRONG: ("Not yet correct", "wrong"),
    UNANSWERED: ("Not answered", "wrong"),
    ERROR: ("No points: your code stopped with an error before this answer was set", "wrong"),
    TIMEOUT: ("No points: the code ran out of time", "wrong"),
    FAILED: ("Not graded yet: the grader could not run this part (not your doing); your "
             "instructor will look at it", "ungraded"),
    MISSING_CELL: ("Not graded: the answer cell is missing or was changed", "ungraded"),
    INVALID_NOTEBOOK: ("Not graded: the notebook file could not be opened", "ungraded"),
    VARIANT_MISMATCH: ("Not graded yet: the notebook's variant code is not the one issued to you "
                       "(or is missing); your instructor will look at it", "ungraded"),
    TAMPERED: ("Under review by your instructor", "review"),
    UNSANDBOXED: ("Graded", "ok"),
    MANUAL: ("Pending: graded by hand", "pending"),
    NOT_GRADED: ("Not graded yet: this version of your notebook came in after grading", "pending"),
}

NOTE_UNSANDBOXED = ("This notebook was graded outside the usual isolated grading environment. "
                    "Your instructor may grade it again; the scores can change.")
NOTE_TAMPERED = ("Some answers were set aside for a second look by your instructor. Their "
                 "scores are provisional and can change after that review.")

_ITEM_ID = re.compile(r"^q(\d+)([a-z]?)_(.+)$")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _question_numbers(items: list[str]) -> dict[str, str]:
    """Each item's question number, made distinct: "Q5" for a question with one item, and for
    one with several "Q4(a)", "Q4(b)"… in the given order (a letter in the id, as in
    `q9a_paradox_layer`, is kept; the others get the next letters free)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for item in items:
        m = _ITEM_ID.match(item)
        if m:
            groups.setdefault(m.group(1), []).append((item, m.group(2)))
    numbers = {}
    for number, members in groups.items():
        if len(members) == 1:
            item, letter = members[0]
            numbers[item] = f"Q{number}({letter})" if letter else f"Q{number}"
            continue
        taken = {letter for _, letter in members if letter}
        free = (c for c in _LETTERS if c not in taken)
        for item, letter in members:
            numbers[item] = f"Q{number}({letter or next(free, '?')})"
    return numbers


def _items_of(spec) -> list[str]:
    """An assignment's items in the order of the notebook: its checks, then written answers."""
    return [c.id for c in spec.checks] + list(spec.manual)


def item_label(assignment: str, item: str) -> str:
    """What a student calls an item, distinct within its assignment: "Q1 · The normalized
    scores", "Q4(b) · The layer where Meta trails the best rival most" or "Q9(a) · Written
    answer: paradox layer" (from the check's `about`, or the hand-graded cell's id)."""
    spec = registry_assignment(assignment)
    m = _ITEM_ID.match(item)
    words = (m.group(3) if m else item).replace("_", " ")
    known = spec is not None and item in _items_of(spec)
    if known:
        number = _question_numbers(_items_of(spec)).get(item, "")
    elif m:
        number = f"Q{m.group(1)}({m.group(2)})" if m.group(2) else f"Q{m.group(1)}"
    else:
        number = ""
    text = None
    if spec is not None:
        if item in spec.manual:
            text = f"Written answer: {words}"
        else:
            try:
                about = spec.check(item).about
            except KeyError:
                about = None
            if about:
                text = about[0].upper() + about[1:]
    if text is None:
        text = words[0].upper() + words[1:] if words else item
    return f"{number} · {text}" if number else text


def item_labels(assignment: str, items: list[str]) -> dict[str, str]:
    """`item_label` for several items of one assignment, distinct even for items the registry
    does not know (a second item with the same label gets its id added)."""
    labels: dict[str, str] = {}
    seen: set[str] = set()
    for item in items:
        label = item_label(assignment, item)
        if label in seen:
            label = f"{label} ({item})"
        seen.add(label)
        labels[item] = label
    return labels


def student_status(item: ItemResult) -> tuple[str, str]:
    """(words, css class) for an item's status; a full-marks WRONG cannot happen, but a
    GRADED item with partial credit reads "Partly correct"."""
    words, css = STUDENT_STATUS.get(item.status, (item.status, "ungraded"))
    if item.status in (GRADED, UNSANDBOXED) and item.score is not None \
            and item.score < item.max_score:
        words, css = "Partly correct", "wrong"
    return words, css


def _points(item: ItemResult) -> str:
    if item.status in SCORED and item.score is not None:
        return f"{_num(item.score)} / {_num(item.max_score)}"
    if item.status == MANUAL:
        return f"pending / {_num(item.max_score)}"
    return f"not graded / {_num(item.max_score)}"


UNANSWERED_COMMENT = ("Unanswered — the answer cell still raises `NotImplementedError`. "
                      "Replace the stub with your answer.")
# A message that only repeats the status before saying why: the Status column says it already.
_STATUS_PREFIX = re.compile(r"^\s*(not graded|not answered|unanswered)\s*[:;,.—-]\s*", re.I)


def comment(item: ItemResult) -> str:
    """The Comment column: the diagnosis as a sentence (capitalised, no status repeated, no
    dangling punctuation); Markdown `code` stays marked (the page shows it as <code>)."""
    if item.status == UNANSWERED:
        return UNANSWERED_COMMENT
    text = _STATUS_PREFIX.sub("", item.message or "").strip()
    text = re.sub(r"\s*[:;,—-]+$", "", text).strip()
    if not text:
        return "—" if item.status in (GRADED, UNSANDBOXED) else ""
    return text[0].upper() + text[1:]


_TIME = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?\s*(.*?)\s*$")


def show_time(timestamp: str | None) -> tuple[str, str | None]:
    """nbgrader's "2025-10-06 17:03:12.345678 UTC" as ("2025-10-06 17:03 UTC", ISO for
    <time datetime>): to the minute, with the time zone (a time without one is UTC, as
    nbgrader takes it); text that is not such a time is shown as it is."""
    if not timestamp:
        return "unknown", None
    m = _TIME.match(timestamp)
    if not m:
        return timestamp, None
    day, minute, zone = m.groups()
    if zone in ("", "Z", "UTC", "+00:00", "+0000", "GMT"):
        return f"{day} {minute} UTC", f"{day}T{minute}Z"
    offset = re.fullmatch(r"(?:UTC)?([+-]\d{2}):?(\d{2})", zone)
    if offset:
        return f"{day} {minute} UTC{offset[1]}:{offset[2]}", f"{day}T{minute}{offset[1]}:{offset[2]}"
    return f"{day} {minute} {zone}", None


def _plural(number: float, unit: str) -> str:
    return f"{_num(number)} {unit}" + ("" if number == 1 else "s")


def lateness(result: SubmissionResult) -> str:
    """"On time", or e.g. "Submitted 26 hours late; penalty 5.4 points" (the penalty the
    course's nbgrader late plugin gave; "Submitted late" when how late is not known)."""
    if not result.late:
        return "On time"
    if result.seconds_late <= 0:
        return "Submitted late"
    if result.seconds_late < 3600:
        when = _plural(math.ceil(result.seconds_late / 60), "minute")
    else:
        when = _plural(round(result.seconds_late / 3600, 1), "hour")
    penalty = (f"penalty {_plural(result.late_penalty, 'point')}" if result.late_penalty
               else "no penalty")
    return f"Submitted {when} late; {penalty}"


def page_context(result: SubmissionResult) -> dict:
    """Everything the page shows, as plain strings and numbers (no values, no key)."""
    rows = []
    pending = ungraded = 0.0
    labels = item_labels(result.assignment, [i.item for i in result.items])
    for item in result.items:
        words, css = student_status(item)
        rows.append({"label": labels[item.item],
                     "id": item.item, "points": _points(item), "status": words, "css": css,
                     "message": comment(item)})
        if item.status == MANUAL:
            pending += item.max_score
        elif not (item.status in SCORED and item.score is not None):
            ungraded += item.max_score
    score = result.score
    total_note = None
    if result.status not in SCORED and result.status != MANUAL:
        total = "not graded"
    elif score is None:
        total = "pending" if pending else "not graded"
        if pending:
            total_note = f"(out of {_num(result.max_score)})"
    elif exportable_score(result) is None:
        # as in the exports (exportable_score): an item that could not be graded, not by the
        # student's doing, leaves the total blank until a person has looked at it
        total = "incomplete"
        total_note = f"({_num(score)} points so far, out of {_num(result.max_score)})"
        score = None
    elif result.late_penalty:
        total = f"{_num(max(0.0, score - result.late_penalty))} / {_num(result.max_score)}"
    else:
        total = f"{_num(score)} / {_num(result.max_score)}"
    notes = []
    if not result.sandboxed or result.status == UNSANDBOXED or any(
            i.status == UNSANDBOXED for i in result.items):
        notes.append(NOTE_UNSANDBOXED)
    if result.status == TAMPERED or any(i.status == TAMPERED for i in result.items):
        notes.append(NOTE_TAMPERED)
    problem = None
    if result.status not in (GRADED, UNSANDBOXED, MANUAL):
        words, _ = STUDENT_STATUS.get(result.status, (result.status, ""))
        problem = words
    when, iso_time = show_time(result.timestamp)
    return {
        "title": assignment_title(result.assignment),
        "assignment": result.assignment,
        "student": result.student,
        "timestamp": when,
        "iso_time": iso_time,
        "late": result.late,
        "lateness": lateness(result),
        "before_penalty": _num(score) if score is not None and result.late_penalty else None,
        "total": total,
        "total_note": total_note,
        "max_score": _num(result.max_score),
        "pending": _num(pending) if pending else None,
        "ungraded": _num(ungraded) if ungraded else None,
        "problem": problem,
        "message": result.message,
        "notes": notes,
        "rows": rows,
    }


def render_feedback(result: SubmissionResult) -> str:
    """The HTML page for one submission (templates/feedback.html.j2, autoescaped)."""
    return template("feedback.html.j2").render(**page_context(result))


def _safe_part(text: str) -> str:
    """A student or assignment id used as a folder name must stay one folder."""
    if not text or text in (".", "..") or "/" in text or "\\" in text or "\0" in text:
        raise ValueError(f"{text!r} cannot be used as a folder name")
    return text


def feedback_path(result: SubmissionResult, course: Path) -> Path:
    """`<course>/feedback/<student>/<assignment>/<notebook stem>.html`."""
    spec = registry_assignment(result.assignment)
    stem = Path(spec.notebook).stem if spec is not None else result.assignment
    return (Path(course) / "feedback" / _safe_part(result.student)
            / _safe_part(result.assignment) / f"{stem}.html")


def _copy_release_files(result: SubmissionResult, course: Path, dest: Path) -> None:
    """timestamp.txt and submission_secret.txt, which nbgrader release_feedback reads."""
    for step in ("autograded", "submitted"):
        src = Path(course) / step / result.student / result.assignment
        if (src / "submission_secret.txt").is_file() or (src / "timestamp.txt").is_file():
            for name in ("timestamp.txt", "submission_secret.txt"):
                if (src / name).is_file():
                    shutil.copy2(src / name, dest / name)
            break
    if not (dest / "timestamp.txt").exists() and result.timestamp:
        (dest / "timestamp.txt").write_text(result.timestamp, encoding="utf-8")


def write_feedback(results: list[SubmissionResult], course: Path) -> list[Path]:
    """Write one page per student and assignment; returns the pages written."""
    written = []
    for result in latest(results):
        path = feedback_path(result, course)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_feedback(result), encoding="utf-8")
        _copy_release_files(result, course, path.parent)
        written.append(path)
    return written
