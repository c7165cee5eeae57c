"""The instructor's workflow around grading: hand grades, regrading, and the course folder."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest
from nbgrader.api import Gradebook

from autograder.paths import course_root
from autograder.release import build_release
from autograder.synthetic import solved, submit
from conftest import copy_course


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
    course = copy_course(tmp_path / "course")
    build_release(course, ["vtdf"])
    submit(course, "alice", "vtdf", solved(course, "vtdf"))
    assert cli(course, "grade", "vtdf", "--workers", "1").returncode == 0
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook("vtdf", "vtdf", "alice")
        for grade in nb.grades:
            if grade.name in ("q7a_paradox_layer", "q7b_moat_or_subsidy"):
                grade.manual_score = 5.0
        gb.db.commit()
    done = cli(course, "export")
    assert done.returncode == 0, done.stderr
    row = pd.read_csv(course / "exports" / "grades.csv").iloc[0]
    assert row["score"] == 26 + 10
    items = pd.read_csv(course / "exports" / "items.csv")
    assert items.loc[items["item"] == "q7a_paradox_layer", "score"].item() == 5

    for path in (course / "autograded" / "alice" / "vtdf").iterdir():
        os.chmod(path, 0o444)
    done = cli(course, "grade", "vtdf", "--student", "alice", "--force", "--workers", "1")
    assert done.returncode == 0, done.stdout + done.stderr
