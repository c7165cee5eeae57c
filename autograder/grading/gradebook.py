"""Write results into nbgrader's gradebook, so formgrader, `nbgrader export` and
`nbgrader generate_feedback` keep working on what this package graded.

An item that could not be graded gets no automatic score and is marked as needing a manual
grade, so formgrader lists it instead of counting it as a zero; its status and message go into
the answer cell's automatic comment, and the notebook is flagged.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from nbgrader.api import (
    Comment,
    Grade,
    Gradebook,
    MissingEntry,
    Student,
    SubmittedAssignment,
    SubmittedNotebook,
)
from nbgrader.plugins import BasePlugin
from nbgrader.utils import parse_utc
from sqlalchemy.exc import SAWarning, SQLAlchemyError

from autograder.assignments import get
from autograder.grading import late
from autograder.grading.results import (
    GRADED,
    MANUAL,
    TAMPERED,
    UNGRADABLE,
    UNSANDBOXED,
    WRONG,
    SubmissionResult,
)
from autograder.nbgrader_run import put_alembic_on_path
from autograder.utils import parse_time


class GradebookError(RuntimeError):
    """The gradebook cannot be opened, read or written; the message names it and says why."""


def course_gradebook(course: Path) -> tuple[str, str]:
    """The course's gradebook URL and course id, read from its nbgrader_config.py by nbgrader's
    own CourseDirectory, as `nbgrader` run in the course folder reads them (default: SQLite at
    <course>/gradebook.db)."""
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    course = Path(course)
    config = Config()
    if (course / "nbgrader_config.py").is_file():
        config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    settings = config.CourseDirectory
    root = course / settings["root"] if "root" in settings else course  # nbgrader runs in course
    coursedir = CourseDirectory(config=config, root=str(root.resolve()))
    return coursedir.db_url, coursedir.course_id


def db_url(course: Path) -> str:
    """The course's gradebook URL (see `course_gradebook`)."""
    return course_gradebook(course)[0]


def shown(url: str) -> str:
    """A gradebook URL as an error message may show it: the file for SQLite, no password."""
    if url.startswith("sqlite:///"):
        return url[len("sqlite:///"):]
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest:
        rest = rest.split("@", 1)[1]
    return f"{scheme}{sep}{rest}"


@contextmanager
def opened(url: str, course_id: str = "default_course") -> Iterator[Gradebook]:
    """nbgrader's Gradebook at `url`. Any database failure, opening or later, comes out as one
    GradebookError naming the gradebook (a corrupt file, a server that is down, a schema from
    another nbgrader)."""
    put_alembic_on_path()  # nbgrader shells out to `alembic` when it creates a gradebook
    try:
        with warnings.catch_warnings():  # nbgrader's own ORM use makes SQLAlchemy chatty
            warnings.simplefilter("ignore", SAWarning)
            with Gradebook(url, course_id) as gb:
                yield gb
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        hint = ("is it an nbgrader gradebook? (restore it from a backup)"
                if url.startswith("sqlite:") else "is the database server reachable?")
        raise GradebookError(f"gradebook {shown(url)}: {reason} — {hint}") from None


def record(gb: Gradebook, result: SubmissionResult, late_plugin: BasePlugin | None = None) -> None:
    """One submission's grades, comments, flag and late penalty, committed together with the
    submission itself in one transaction: a grader killed halfway leaves no submission with
    empty scores (nbgrader's own update_or_create_submission commits the empty submission first).

    The penalty is the one nbgrader's autograde would store (see `late`): `late_plugin`, else
    the plugin configured by the course whose SQLite gradebook this is. `result.late`,
    `seconds_late` and `late_penalty` are set to what was stored, so the ledger and the exports
    written from the result say the same as the gradebook."""
    a = get(result.assignment)
    try:
        notebook = _submitted_notebook(gb, result, Path(a.notebook).stem)
        _write(notebook, result)
        if late_plugin is None:
            late_plugin = late.course_plugin(late.course_of_gradebook(str(gb.engine.url)))
        seconds, penalty = late.assess(gb, notebook, late_plugin)
        gb.db.commit()
        result.late, result.seconds_late, result.late_penalty = seconds > 0, seconds, penalty
    except BaseException:
        gb.db.rollback()
        raise


def _submitted_notebook(gb: Gradebook, result: SubmissionResult, name: str) -> SubmittedNotebook:
    """The submission's notebook row, created as nbgrader's add_submission creates it (one grade
    and comment per cell of the released notebook) but not committed."""
    stamp = {"timestamp": parse_utc(parse_time(result.timestamp))} if result.timestamp else {}
    try:
        student = gb.find_student(result.student)
    except MissingEntry:
        student = Student(id=result.student)
        gb.db.add(student)
    try:
        submission = gb.find_submission(result.assignment, result.student)
        for key, value in stamp.items():
            setattr(submission, key, value)
    except MissingEntry:
        try:
            assignment = gb.find_assignment(result.assignment)
        except MissingEntry:
            raise GradebookError(f"gradebook {shown(str(gb.engine.url))}: has no assignment "
                                 f"{result.assignment!r}; run `autograder release` with this "
                                 "gradebook first (it records the assignment's graded cells)") from None
        submission = SubmittedAssignment(assignment=assignment, student=student, **stamp)
        for source in assignment.notebooks:
            nb = SubmittedNotebook(notebook=source, assignment=submission)
            for cell in source.grade_cells:
                Grade(cell=cell, notebook=nb)
            for cell in [*source.solution_cells, *source.task_cells]:
                Comment(cell=cell, notebook=nb)
            for cell in source.task_cells:
                Grade(cell=cell, notebook=nb)
        gb.db.add(submission)
    gb.db.flush()  # sent, not committed: the rows are readable by name below
    return next(n for n in submission.notebooks if n.name == name)


def _write(notebook: SubmittedNotebook, result: SubmissionResult) -> None:
    grades = {g.name: g for g in notebook.grades}
    comments = {c.name: c for c in notebook.comments}
    for item in result.items:
        if item.status == MANUAL:
            continue
        cells = item.cells or {f"{item.item}_format": None, f"{item.item}_values": None}
        for cell, score in cells.items():
            if cell in grades:
                grades[cell].auto_score = score
                grades[cell].needs_manual_grade = score is None
        if item.item in comments:
            comments[item.item].auto_comment = (f"[{item.status}] {item.message}".strip()
                                                if item.status != GRADED else None)
        elif item.item in grades and item.score is None:  # a hand-graded cell that went missing
            grades[item.item].needs_manual_grade = True
            grades[item.item].auto_score = None
    # flagged for a person: what was not graded, tampering, runs outside the sandbox
    notebook.flagged = any(i.status in (*UNGRADABLE, TAMPERED, UNSANDBOXED) for i in result.items)


def with_hand_grades(results: list[SubmissionResult], url: str,
                     course_id: str = "default_course") -> list[SubmissionResult]:
    """Results with the scores instructors gave in formgrader: written answers, items that could
    not be graded automatically, and any automatic score a person overrode."""
    out = []
    with opened(url, course_id) as gb:
        for result in results:
            a = get(result.assignment)
            try:
                notebook = gb.find_submission_notebook(Path(a.notebook).stem, result.assignment,
                                                       result.student)
            except MissingEntry:  # not in this gradebook (yet): nothing to add
                out.append(result)
                continue
            manual = {g.name: g.manual_score for g in notebook.grades}
            items = []
            for item in result.items:
                cells = list(item.cells) or ([item.item] if item.status == MANUAL else
                                             [f"{item.item}_format", f"{item.item}_values"])
                cells = [c for c in cells if c in manual]
                if cells and all(manual[c] is not None for c in cells):
                    score = float(sum(manual[c] for c in cells))
                    item = replace(item, score=score, status=GRADED if score == item.max_score
                                   else WRONG, message=(item.message + " (graded by hand)").strip())
                items.append(item)
            out.append(replace(result, items=items))
    return out
