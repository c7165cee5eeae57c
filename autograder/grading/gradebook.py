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

from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy.exc import SAWarning, SQLAlchemyError

from autograder.assignments import get
from autograder.grading.results import GRADED, MANUAL, WRONG, SubmissionResult
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


def record(gb: Gradebook, result: SubmissionResult) -> None:
    """One submission's grades, comments and flag, committed together."""
    a = get(result.assignment)
    gb.update_or_create_student(result.student)
    try:
        submission = gb.update_or_create_submission(
            result.assignment, result.student,
            **({"timestamp": parse_time(result.timestamp)} if result.timestamp else {}))
    except MissingEntry:
        raise GradebookError(f"gradebook {shown(str(gb.engine.url))}: has no assignment "
                             f"{result.assignment!r}; run `autograder release` with this "
                             "gradebook first (it records the assignment's graded cells)") from None
    notebook = next(n for n in submission.notebooks if n.name == Path(a.notebook).stem)
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
    notebook.flagged = any(i.status not in (GRADED, WRONG, MANUAL) for i in result.items)
    gb.db.commit()


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
