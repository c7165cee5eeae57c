"""Write results into nbgrader's gradebook, so formgrader, `nbgrader export` and
`nbgrader generate_feedback` keep working on what this package graded.

An item that could not be graded gets no automatic score and is marked as needing a manual
grade, so formgrader lists it instead of counting it as a zero; its status and message go into
the answer cell's automatic comment, and the notebook is flagged.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from nbgrader.api import Gradebook
from sqlalchemy.exc import SAWarning
from traitlets.config.loader import PyFileConfigLoader

from autograder.assignments import get
from autograder.grading.results import GRADED, MANUAL, SubmissionResult
from autograder.utils import parse_time


def db_url(course: Path) -> str:
    """The course's gradebook URL: `c.CourseDirectory.db_url` from its nbgrader_config.py,
    else nbgrader's default, SQLite at <course>/gradebook.db."""
    config_file = course / "nbgrader_config.py"
    if config_file.is_file():
        config = PyFileConfigLoader(config_file.name, str(course)).load_config()
        url = config.get("CourseDirectory", {}).get("db_url")
        if url:
            return url
    return f"sqlite:///{course.resolve() / 'gradebook.db'}"


def record(gb: Gradebook, result: SubmissionResult) -> None:
    """One submission's grades, comments and flag, committed together."""
    with warnings.catch_warnings():  # nbgrader's own ORM use makes SQLAlchemy chatty
        warnings.simplefilter("ignore", SAWarning)
        _record(gb, result)


def _record(gb: Gradebook, result: SubmissionResult) -> None:
    a = get(result.assignment)
    gb.update_or_create_student(result.student)
    submission = gb.update_or_create_submission(
        result.assignment, result.student,
        **({"timestamp": parse_time(result.timestamp)} if result.timestamp else {}))
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
    notebook.flagged = any(i.status not in (GRADED, "wrong", MANUAL) for i in result.items)
    gb.db.commit()


def with_hand_grades(results: list[SubmissionResult], url: str) -> list[SubmissionResult]:
    """Results with the scores instructors gave in formgrader: written answers, items that could
    not be graded automatically, and any automatic score a person overrode."""
    from dataclasses import replace

    out = []
    with warnings.catch_warnings(), Gradebook(url) as gb:
        warnings.simplefilter("ignore", SAWarning)
        for result in results:
            a = get(result.assignment)
            try:
                notebook = gb.find_submission_notebook(Path(a.notebook).stem, result.assignment,
                                                       result.student)
            except Exception:  # not in this gradebook (yet): nothing to add
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
                                   else "wrong", message=(item.message + " (graded by hand)").strip())
                items.append(item)
            out.append(replace(result, items=items))
    return out
