"""The instructor's workflow around grading: hand grades, regrading, and the course folder."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest
from conftest import copy_course, released
from hostile import FULL, Q1
from nbgrader.api import Gradebook

from autograder.paths import course_root
from autograder.synthetic import solved, submit


def cli(course, *args):
    return subprocess.run([sys.executable, "-m", "autograder", *args, "--course", str(course)],
                          capture_output=True, text=True)


def test_an_explicit_course_folder_must_be_a_course(tmp_path):
    """Does --course pointing at a non-course fail, instead of quietly using another course?"""
    with pytest.raises(FileNotFoundError, match="is not a course folder"):
        course_root(tmp_path)
    done = cli(tmp_path, "check")
    assert done.returncode != 0 and "is not a course folder" in done.stderr


@pytest.mark.slow
def test_hand_grades_reach_the_exports_and_regrading_survives_read_only_files(tmp_path):
    """Do formgrader's hand grades appear in `autograder export`, and does `--force` regrade a
    submission whose autograded files are read-only (as stock nbgrader leaves them)?"""
    course = released(tmp_path / "course", ["vtdf"])
    submit(course, "alice", "vtdf", solved(course, "vtdf"))
    assert cli(course, "grade", "vtdf", "--workers", "1").returncode == 0
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook("vtdf", "vtdf", "alice")
        for grade in nb.grades:
            if grade.name in ("q9a_paradox_layer", "q9b_moat_or_subsidy"):
                grade.manual_score = 5.0
        gb.db.commit()
    done = cli(course, "export")
    assert done.returncode == 0, done.stderr
    row = pd.read_csv(course / "exports" / "grades.csv").iloc[0]
    assert row["score"] == FULL + 10
    items = pd.read_csv(course / "exports" / "items.csv")
    assert items.loc[items["item"] == "q9a_paradox_layer", "score"].item() == 5

    for path in (course / "autograded" / "alice" / "vtdf").iterdir():
        os.chmod(path, 0o444)
    done = cli(course, "grade", "vtdf", "--student", "alice", "--force", "--workers", "1")
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_failed_gradebook_write_leaves_no_ledger(tmp_path):
    """Is the gradebook committed before the ledger, so that when the gradebook write fails the
    submission has no ledger and the next run grades it again (not "done" with no grade)?"""
    from autograder.grading.gradebook import GradebookError
    from autograder.grading.pipeline import LEDGERS, grade_class, plan

    course = released(tmp_path / "course", ["vtdf"])
    submit(course, "alice", "vtdf", solved(course, "vtdf"))
    empty = f"sqlite:///{tmp_path / 'other.db'}"  # a real gradebook without the assignment
    with pytest.raises(GradebookError, match="has no assignment 'vtdf'"):
        grade_class(course, ["vtdf"], sandbox=False, db=empty)
    assert not (course / LEDGERS / "vtdf" / "alice.json").exists()
    assert [j.student for j in plan(course).todo] == ["alice"]
    done = cli(course, "grade", "vtdf", "--no-sandbox", "--db", empty)
    assert done.returncode == 1 and "has no assignment 'vtdf'" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_work_submitted_after_grading_is_listed_never_dropped(tmp_path):
    """When a student resubmits after grading, do export, feedback and report list the
    submission as "submitted, not graded" (blank score) and say so on stderr, instead of
    leaving it out with exit 0; and does the next `grade` grade just that one?"""
    from autograder.synthetic import with_answer

    course = released(tmp_path / "course", ["vtdf"])
    good = solved(course, "vtdf")
    submit(course, "alice", "vtdf", good)
    submit(course, "bob", "vtdf", good)
    assert cli(course, "grade", "vtdf", "--workers", "1").returncode == 0
    slip = with_answer(good, "q1_normalized", 'normalized = scores.set_index("criterion")[firms]')
    submit(course, "bob", "vtdf", slip, timestamp="2025-04-02 09:00:00.000000 UTC")
    submit(course, "carol", "vtdf", good)

    done = cli(course, "export")
    assert done.returncode == 0, done.stderr
    assert "2 submission(s) are not graded" in done.stderr
    assert "vtdf/bob" in done.stderr and "vtdf/carol" in done.stderr
    grades = pd.read_csv(course / "exports" / "grades.csv", dtype=str).set_index("student_id")
    assert set(grades.index) == {"alice", "bob", "carol"}
    assert grades.loc["bob", "status"] == grades.loc["carol", "status"] == "submitted, not graded"
    assert pd.isna(grades.loc["bob", "score"]) and float(grades.loc["alice", "score"]) == FULL
    canvas = pd.read_csv(course / "exports" / "canvas.csv", dtype=str)
    assert pd.isna(canvas.loc[canvas["Student"] == "bob", "vtdf"].item())

    done = cli(course, "feedback")
    assert done.returncode == 0 and "vtdf/bob" in done.stderr
    page = (course / "feedback" / "bob" / "vtdf" / "vtdf.html").read_text()
    assert "Not graded yet" in page and f"{FULL:g} / " not in page
    done = cli(course, "report")
    assert done.returncode == 0 and "vtdf/carol" in done.stderr
    assert "submitted, not graded" in (course / "reports" / "report.html").read_text()

    done = cli(course, "grade", "vtdf", "--workers", "1")
    assert done.returncode == 0
    assert "graded 2 submission(s) (1 already graded and unchanged)" in done.stdout
    done = cli(course, "export")
    assert "not graded" not in done.stderr
    grades = pd.read_csv(course / "exports" / "grades.csv", dtype=str).set_index("student_id")
    assert float(grades.loc["bob", "score"]) == FULL - Q1 and float(grades.loc["carol", "score"]) == FULL


@pytest.mark.slow
def test_our_grader_gives_the_solutions_every_point_and_the_blanks_none(tmp_path):
    """Graded by `autograder grade` in the sandbox, does each assignment's solution earn every
    autograded point (derived answers included) and its blank release none?"""
    from autograder.assignments import ASSIGNMENTS
    from autograder.grading.pipeline import grade_class
    from autograder.synthetic import blank

    course = released(tmp_path / "course")
    for name in ASSIGNMENTS:
        submit(course, "solution", name, solved(course, name))
        submit(course, "blank", name, blank(course, name))
    results = {(r.student, r.assignment): r for r in grade_class(course, workers=2)}
    for name, a in ASSIGNMENTS.items():
        solution = results["solution", name]
        assert solution.score == a.autograded_points, [
            (i.item, i.status, i.message) for i in solution.items if i.score != i.max_score]
        assert not any(i.score for i in results["blank", name].items), name


def test_only_the_graders_own_ledgers_are_trusted(tmp_path):
    """Is a ledger trusted only when it carries the HMAC under the course's key (kept outside
    every folder a submission's files reach, readable by the grader alone)? A ledger edited to
    full marks, one copied from another course and one a student planted in autograded/ (where
    stock `nbgrader autograde` copies submitted files) all send the submission back to grading."""
    import json
    import shutil
    import stat

    from autograder.grading.pipeline import LEDGER_KEY, LEDGERS, grade_class, plan

    course = released(tmp_path / "course", ["vtdf"])
    submit(course, "alice", "vtdf", solved(course, "vtdf"))
    grade_class(course, ["vtdf"], sandbox=False, workers=1, log=lambda _: None)
    ledger = course / LEDGERS / "vtdf" / "alice.json"
    assert stat.S_IMODE((course / LEDGER_KEY).stat().st_mode) == 0o600
    assert plan(course).todo == []  # the grader's own ledger: kept
    honest = ledger.read_text()

    data = json.loads(honest)
    data["result"]["items"][0]["score"] = 99.0
    ledger.write_text(json.dumps(data))
    assert [j.student for j in plan(course).todo] == ["alice"]  # edited: graded again

    other = copy_course(tmp_path / "other")
    (other / LEDGER_KEY).parent.mkdir(parents=True)
    (other / LEDGER_KEY).write_text("another course's key")
    shutil.copytree(course / "submitted", other / "submitted")
    (other / LEDGERS / "vtdf").mkdir(parents=True)
    (other / LEDGERS / "vtdf" / "alice.json").write_text(honest)
    assert [j.student for j in plan(other).todo] == ["alice"]  # another key: graded again

    ledger.unlink()
    planted = course / "autograded" / "alice" / "vtdf" / "paradox-result.json"
    planted.write_text(honest)
    assert [j.student for j in plan(course).todo] == ["alice"]  # not where the grader looks

    grade_class(course, ["vtdf"], sandbox=False, workers=1, log=lambda _: None)
    assert plan(course).todo == []
    from autograder.nbgrader_run import nbgrader

    nbgrader("autograde", "vtdf", "--student", "alice", "--force", cwd=course)
    assert [j.student for j in plan(course).todo] == ["alice"]  # stock's verdict: graded again
