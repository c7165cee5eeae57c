"""The release build's own guards: they must catch leaks and drift, not just pass."""

from __future__ import annotations

import shutil

import nbformat
import pytest
from conftest import copy_course

from autograder import notebooks
from autograder.assignments import get
from autograder.release import sync_source, verify
from autograder.spec import Assignment, Check, Mistake


@pytest.fixture
def course(tmp_path):
    return copy_course(tmp_path / "course")


def _release_nb(course):
    path = course / "release" / "vtdf" / "vtdf.ipynb"
    return path, notebooks.read(path)


def test_committed_release_is_clean(course):
    """Is the committed release free of problems to begin with?"""
    assert verify(course, get("vtdf")) == []


def test_verify_catches_solution_code(course):
    """Is a solution line left in a student's answer cell reported?"""
    path, nb = _release_nb(course)
    nb.cells[notebooks.find(nb, "q2_layer_scores")].source += (
        '\nlayer_of = scores.set_index("criterion")["layer"]')
    nbformat.write(nb, path)
    assert any("shows solution code" in p for p in verify(course, get("vtdf")))


def test_verify_catches_hidden_tests_and_answer_values(course):
    """Are hidden-test markers and printed answer values reported?"""
    path, nb = _release_nb(course)
    reversal = get("vtdf").answers(course / "case" / "data")["reversal_weight"]
    nb.cells.append(nbformat.v4.new_markdown_cell(f"### BEGIN HIDDEN TESTS\nanswer {reversal:.4f}"))
    nbformat.write(nb, path)
    problems = verify(course, get("vtdf"))
    assert any("BEGIN HIDDEN TESTS" in p for p in problems)
    assert any("shows answer value" in p for p in problems)


def test_verify_catches_a_removed_stub(course):
    path, nb = _release_nb(course)
    nb.cells[notebooks.find(nb, "q1_normalized")].source = "normalized = None"
    nbformat.write(nb, path)
    assert any("no failing stub" in p for p in verify(course, get("vtdf")))


def test_verify_catches_release_data_drift(course):
    """Does release data that differs from case/data fail the check?"""
    data = course / "release" / "vtdf" / "data" / "vtdf_weights.csv"
    data.write_text(data.read_text().replace("0.45", "0.40"))
    assert any("differs from case/data" in p for p in verify(course, get("vtdf")))


def test_changed_csv_changes_the_key_and_marks_the_source_stale(course):
    """Does the answer key follow the data, and does the build regenerate the hidden tests?"""
    a = get("vtdf")
    before = a.answers(course / "case" / "data")["reversal_weight"]
    scores = course / "case" / "data" / "vtdf_scores.csv"
    text = scores.read_text()
    row = next(line for line in text.splitlines() if line.startswith("Technology,Compute"))
    scores.write_text(text.replace(row, row.replace(",5,", ",4,", 1)))  # Meta's compute 5 -> 4
    after = a.answers(course / "case" / "data")["reversal_weight"]
    assert after != pytest.approx(before, abs=1e-3)
    assert sync_source(course, a) is True
    assert sync_source(course, a) is False  # a second run changes nothing


def test_key_refuses_a_mistake_that_cannot_be_told_apart(course):
    """Is a catalogued 'mistake' that gives the right answer rejected when the key is built?"""
    vtdf = get("vtdf")
    check = vtdf.check("q1_normalized")
    twin = Mistake("same", "never shown", "normalized = normalized", lambda i, a: a["normalized"])
    broken = Assignment(**{**vtdf.__dict__, "checks": (Check(**{**check.__dict__,
                                                                "mistakes": (twin,)}),)})
    with pytest.raises(ValueError, match="cannot be told apart"):
        broken.key(course / "case" / "data")


def test_missing_data_file_is_named(course):
    from autograder.release import ReleaseError, stage

    (course / "case" / "data" / "vtdf_rubric.csv").unlink()
    shutil.rmtree(course / "source" / "vtdf" / "data", ignore_errors=True)
    with pytest.raises(ReleaseError, match="vtdf_rubric.csv"):
        stage(course, get("vtdf"))
