"""Honest grades for partial work and for failures that are not the student's (issue 15):
untouched stubs and the student's own errors and endless loops count 0 with a total; a given
cell that fails is retried with more time, and only then left for a person."""

from __future__ import annotations

import csv

import nbformat
import pytest
from conftest import released, seconds
from hostile import FULL

from autograder import notebooks
from autograder.assignments import get
from autograder.grading.pipeline import grade_class
from autograder.grading.results import FAILED, GRADED, MANUAL, TIMEOUT, UNANSWERED
from autograder.grading.sandbox import Limits
from autograder.grading.worker import RETRY_FACTOR
from autograder.outputs import write_exports
from autograder.outputs.feedback import write_feedback
from autograder.synthetic import blank, half_done, solved, submit, with_answer

pytestmark = pytest.mark.slow
A = get("vtdf")


def test_partial_blank_and_looping_work_get_totals_in_every_export(tmp_path):
    """A half-done, a blank and an endless-loop notebook: numeric totals in grades.csv, the
    Canvas file and the feedback page; stubs `unanswered`, the loop `timeout`, all at 0."""
    course = released(tmp_path / "course", ["vtdf"])
    submit(course, "half", "vtdf", half_done(course, "vtdf"))
    submit(course, "blank", "vtdf", blank(course, "vtdf"))
    submit(course, "loop", "vtdf", with_answer(solved(course, "vtdf"), "q3_totals",
                                               "while True:\n    pass"))
    results = {r.student: r for r in grade_class(
        course, ["vtdf"], workers=2, limits=Limits(cell_seconds=seconds(10)), log=lambda _: None)}
    statuses = {s: {i.item: i.status for i in r.items} for s, r in results.items()}
    assert statuses["blank"]["q1_normalized"] == UNANSWERED
    assert statuses["half"]["q1_normalized"] == GRADED
    assert UNANSWERED in statuses["half"].values()
    assert statuses["loop"]["q3_totals"] == TIMEOUT
    for r in results.values():
        assert r.score is not None and all(i.score is not None for i in r.items
                                           if i.status != MANUAL), r.student
    assert results["blank"].score < results["half"].score < FULL
    loop = next(i for i in results["loop"].items if i.item == "q3_totals")
    assert loop.score == 0.0

    paths = write_exports(list(results.values()), course / "exports")
    rows = {r["student_id"]: r for r in csv.DictReader(paths["grades"].open(encoding="utf-8"))}
    for student, r in results.items():
        assert float(rows[student]["score"]) == pytest.approx(r.score), student
    canvas = list(csv.reader(paths["canvas"].open(encoding="utf-8")))[2:]
    assert all(row[5] != "" for row in canvas)
    pages = write_feedback(list(results.values()), course)
    half = next(p for p in pages if "half" in p.parts).read_text(encoding="utf-8")
    assert "Total: <strong>pending" not in half and "Not answered" in half


def _slow_setup(course, sleep: float) -> None:
    """The instructor's setup cell (a cell the student cannot edit) made slow, as a busy
    machine makes it: the grader runs the source's version of it."""
    path = course / "source" / "vtdf" / A.notebook
    nb = notebooks.read(path)
    at = notebooks.find(nb, "setup")
    nb.cells[at].source = f"import time\ntime.sleep({sleep})\n" + nb.cells[at].source
    nbformat.write(nb, path)


@pytest.mark.parametrize("times, status", [(1, GRADED), (RETRY_FACTOR, FAILED)])
def test_a_given_cell_that_runs_out_of_time_is_the_graders_problem(tmp_path, times, status):
    """Setup slower than the cell limit: the run is not charged to the student but run again
    with RETRY_FACTOR times the time. Slower than that too: every item is `grading failed`,
    without a score, and the notebook flagged — never a zero."""
    limit = seconds(6)
    course = released(tmp_path / "course", ["vtdf"])
    submit(course, "alice", "vtdf", solved(course, "vtdf"))
    _slow_setup(course, limit * times + 3)  # just over the limit, or over the retry's
    (result,) = grade_class(course, ["vtdf"], workers=1, limits=Limits(cell_seconds=limit),
                            log=lambda _: None)
    auto = [i for i in result.items if i.status != MANUAL]
    assert {i.status for i in auto} == {status}, [(i.item, i.status, i.message) for i in auto]
    assert "'setup' ran out of time" in result.message
    if status == GRADED:
        assert result.score == FULL and "second run" in result.message
    else:
        assert result.status == FAILED and result.score is None
        assert all(i.score is None and "not the student's doing" in i.message for i in auto)
