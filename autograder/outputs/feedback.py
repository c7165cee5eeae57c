"""Feedback for students: one self-contained HTML page per student and assignment.

Unlike nbgrader's own feedback (the graded notebook, hidden tests included), a page shows only
what a student may see: per item the points, the status in plain words and the diagnostic
message. It never shows the student's value, an expected value or any test code, so a correct
answer cannot be read off someone else's page. All text goes through Jinja2's autoescaping.
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

from jinja2 import Environment

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
    WRONG,
    ItemResult,
    SubmissionResult,
)
from autograder.outputs.exports import _num, assignment_title, latest, registry_assignment

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


def item_label(assignment: str, item: str) -> str:
    """What a student calls an item: "Q1 · The normalized scores" or "Q7a · Written answer:
    paradox layer" (from the check's `about`, or the hand-graded cell's id)."""
    spec = registry_assignment(assignment)
    m = _ITEM_ID.match(item)
    number = f"Q{m.group(1)}{m.group(2)}" if m else ""
    words = (m.group(3) if m else item).replace("_", " ")
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
    for item in result.items:
        words, css = student_status(item)
        rows.append({"label": item_label(result.assignment, item.item), "id": item.item,
                     "points": _points(item), "status": words, "css": css,
                     "message": item.message})
        if item.status == MANUAL:
            pending += item.max_score
        elif not (item.status in SCORED and item.score is not None):
            ungraded += item.max_score
    score = result.score
    if result.status not in SCORED and result.status != MANUAL:
        total = "not graded"
    elif score is None:
        total = "pending" if pending else "not graded"
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
    return {
        "title": assignment_title(result.assignment),
        "assignment": result.assignment,
        "student": result.student,
        "timestamp": result.timestamp or "unknown",
        "late": result.late,
        "lateness": lateness(result),
        "before_penalty": _num(score) if score is not None and result.late_penalty else None,
        "total": total,
        "max_score": _num(result.max_score),
        "pending": _num(pending) if pending else None,
        "ungraded": _num(ungraded) if ungraded else None,
        "problem": problem,
        "message": result.message,
        "notes": notes,
        "rows": rows,
    }


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Feedback: {{ title }}</title>
<style>
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2328;
       max-width: 56rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; }
.meta { color: #57606a; margin: 0 0 1rem; }
.meta span { margin-right: 1.25rem; }
.late { color: #9a3412; font-weight: 600; }
.total { font-size: 1.2rem; margin: 1rem 0; padding: .75rem 1rem; background: #f6f8fa;
         border-left: 4px solid #0969da; }
.total small { display: block; color: #57606a; font-size: .9rem; }
.note { padding: .6rem 1rem; margin: .5rem 0; background: #fff8c5; border-left: 4px solid #d4a72c; }
.problem { padding: .6rem 1rem; margin: .5rem 0; background: #ffebe9; border-left: 4px solid #cf222e; }
table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
th, td { text-align: left; vertical-align: top; padding: .5rem .6rem; border-bottom: 1px solid #d0d7de; }
th { background: #f6f8fa; }
td.points { white-space: nowrap; font-variant-numeric: tabular-nums; }
td .id { display: block; color: #57606a; font-size: .8rem; font-family: monospace; }
.ok { color: #1a7f37; } .wrong { color: #9a3412; } .ungraded { color: #cf222e; }
.review { color: #8250df; } .pending { color: #57606a; font-style: italic; }
</style>
</head>
<body>
<h1>{{ title }}</h1>
<p class="meta"><span>Student: <strong>{{ student }}</strong></span>
<span>Submitted: {{ timestamp }}</span>
{% if late %}<span class="late">{{ lateness }}</span>{% else %}<span>{{ lateness }}</span>{% endif %}</p>
<div class="total">Total: <strong>{{ total }}</strong>\
{% if total == "pending" %} (out of {{ max_score }}){% endif %}
{% if before_penalty %}<small>{{ before_penalty }} points before the late penalty.</small>{% endif %}
{% if pending %}\
<small>{{ pending }} points are pending: your instructor grades those answers by hand.</small>{% endif %}
{% if ungraded %}<small>{{ ungraded }} points could not be graded; see the items below.</small>{% endif %}
</div>
{% if problem %}<div class="problem">{{ problem }}.{% if message %} {{ message }}{% endif %}</div>
{% elif message %}<div class="note">{{ message }}</div>{% endif %}
{% for note in notes %}<div class="note">{{ note }}</div>
{% endfor %}
{% if rows %}
<table>
<thead><tr><th>Question</th><th>Points</th><th>Status</th><th>Comment</th></tr></thead>
<tbody>
{% for row in rows %}<tr class="item" data-item="{{ row.id }}">
<td>{{ row.label }}<span class="id">{{ row.id }}</span></td>
<td class="points">{{ row.points }}</td>
<td class="{{ row.css }}">{{ row.status }}</td>
<td>{{ row.message }}</td>
</tr>
{% endfor %}</tbody>
</table>
{% endif %}
</body>
</html>
"""

_ENV = Environment(autoescape=True, keep_trailing_newline=True)
_PAGE = _ENV.from_string(PAGE)


def render_feedback(result: SubmissionResult) -> str:
    """The HTML page for one submission."""
    return _PAGE.render(**page_context(result))


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
