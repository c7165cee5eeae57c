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
    row = next(line for line in text.splitlines() if line.startswith("Value,Enterprise"))
    scores.write_text(text.replace(row, row.replace(",2,", ",3,", 1)))  # Meta's enterprise 2 -> 3
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


def test_no_student_data_row_is_dated_after_the_as_of_date():
    """Does every dated file the release ships (release/*/data) hold only rows on or before the
    case's as-of date, so the epilogue cannot reach a student?"""
    from conftest import REPO

    from autograder.data import AS_OF, DATED, load

    checked = 0
    for folder in sorted((REPO / "release").glob("*/data")):
        for path in sorted(folder.glob("*.csv")):
            if path.stem in DATED:
                dates = load(path.stem, folder)[DATED[path.stem]]
                assert (dates <= AS_OF).all(), path
                checked += 1
    assert checked >= 1  # build_vs_buy ships Meta's capex table


def test_verify_and_the_key_refuse_a_row_after_the_as_of_date(course):
    """A capex row dated after the as-of date, in case/data and the release alike: does the key
    refuse to read it, and does the release check name the file and the line?"""
    from autograder.data import AS_OF, DataError

    late = f"FY2025,actual,72.22,72.22,{AS_OF.replace(year=AS_OF.year + 1)},meta-q4-2024,A\n"
    for folder in (course / "case" / "data", course / "release" / "build_vs_buy" / "data"):
        path = folder / "meta_capex.csv"
        path.write_text(path.read_text() + late)
    with pytest.raises(DataError, match=r"meta_capex.csv: line\(s\) \[\d+\] dated after"):
        get("build_vs_buy").answers(course / "case" / "data")
    problems = verify(course, get("build_vs_buy"))
    shipped = course / "release" / "build_vs_buy" / "data" / "meta_capex.csv"
    assert any(p.startswith(f"{shipped}: line(s)") and "dated after" in p for p in problems)


def test_verify_flags_files_no_exercise_reads(course):
    """Is an extra file in a release's data folder (say, the epilogue copied by hand) reported?"""
    shutil.copy(course / "case" / "epilogue.csv", course / "release" / "vtdf" / "data")
    assert any("holds files no exercise reads: epilogue.csv" in p
               for p in verify(course, get("vtdf")))


def test_verify_catches_stale_copies_beside_the_source(course):
    """Stock `nbgrader generate_assignment` ships source/<a>/checks.py and data/ as they are:
    is a stale or missing copy there reported, with the fix?"""
    (course / "source" / "vtdf" / "checks.py").write_text("# an old copy\n")
    data = course / "source" / "vtdf" / "data" / "vtdf_weights.csv"
    data.write_text(data.read_text().replace("0.45", "0.40"))
    (course / "source" / "vtdf" / "data" / "vtdf_scores.csv").unlink()
    problems = verify(course, get("vtdf"))
    folder = course / "source" / "vtdf"
    assert any(p.startswith(f"{folder / 'checks.py'}: stale") and "run `autograder release`" in p
               for p in problems)
    for name in ("vtdf_weights.csv", "vtdf_scores.csv"):
        assert any(p.startswith(f"{folder / 'data' / name}: missing or differs") for p in problems)


def test_verify_catches_another_stub(course):
    """Is an answer cell with nbgrader's default stub (the course config not in effect) reported?"""
    path, nb = _release_nb(course)
    nb.cells[notebooks.find(nb, "q1_normalized")].source = "# YOUR CODE HERE\nraise NotImplementedError()"
    nbformat.write(nb, path)
    assert any("q1_normalized lack the stub" in p for p in verify(course, get("vtdf")))
