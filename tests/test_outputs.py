"""Outputs of grading a class: student feedback, exports, the instructor report.

All tests build a synthetic class of `SubmissionResult` records here (no notebooks are run)
and write real files under tmp_path.
"""

from __future__ import annotations

import ast
import base64
import csv
import inspect
import math
import random
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import markupsafe
import pandas as pd
import pytest

from autograder.assignments import ASSIGNMENTS, get
from autograder.grading.results import (
    ERROR,
    FAILED,
    GRADED,
    INVALID_NOTEBOOK,
    MANUAL,
    MISSING_CELL,
    NOT_GRADED,
    SCORED,
    STATUSES,
    TAMPERED,
    TIMEOUT,
    UNANSWERED,
    UNSANDBOXED,
    VARIANT_MISMATCH,
    WRONG,
    ItemResult,
    SubmissionResult,
    read_results,
)
from autograder.outputs import (
    common_wrong_values,
    discrimination_index,
    exportable_score,
    item_statistics,
    needs_attention,
    status_counts,
    submission_status,
    write_exports,
    write_feedback,
    write_report,
)
from autograder.outputs.exports import GRADES_COLUMNS, ITEM_COLUMNS
from autograder.outputs.feedback import comment, show_time
from autograder.outputs.pages import inline_code
from autograder.outputs.report import group_weights

SCRIPT = "<script>alert('x')</script>"
N_STUDENTS = 44


# -- a synthetic class ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def vtdf_key() -> dict:
    return get("vtdf").key()


def _mistake_values(name: str, key: dict | None) -> dict[str, list[tuple[str, object, str]]]:
    """Per check: (mistake id, the wrong value it gives, message); values only for vtdf."""
    spec = get(name)
    out = {}
    for check in spec.checks:
        valued = [m for m in check.mistakes if m.value is not None]
        # key entries are [signature, message, ...]; matched to the catalogue by message
        sigs = {entry[1]: entry[0] for entry in (key or {}).get(check.id, {}).get("mistakes", [])}
        out[check.id] = [(m.id, sigs.get(m.message), m.message) for m in valued]
    return out


def _submission(name: str, student: str, rng: random.Random, ability: float,
                key: dict | None) -> SubmissionResult:
    spec = get(name)
    wrongs = _mistake_values(name, key)
    items = []
    for check in spec.checks:
        possible = check.points + check.format_points
        expected = (key or {}).get(check.id, {}).get("expected", 1.5)
        if rng.random() < ability:
            items.append(ItemResult(check.id, GRADED, possible, possible, value=expected,
                                    in_kernel_passed=True))
        elif wrongs[check.id]:
            mistake, value, message = rng.choice(wrongs[check.id])
            items.append(ItemResult(check.id, WRONG, check.format_points if check.points else 0.0,
                                    possible,
                                    message=message, mistake=mistake, value=value,
                                    in_kernel_passed=False))
        else:
            items.append(ItemResult(check.id, WRONG, check.format_points if check.points else 0.0,
                                    possible,
                                    message="check the form of this answer.",
                                    value=rng.randint(90, 99), in_kernel_passed=False))
    for cell, points in spec.manual.items():
        items.append(ItemResult(cell, MANUAL, None, points,
                                message="graded by hand after the deadline."))
    return SubmissionResult(student, name, GRADED, True, items,
                            timestamp=f"2025-03-{1 + rng.randrange(9):02d} 12:00:00.000000 UTC",
                            late=rng.random() < 0.1, seconds=rng.uniform(5, 30))


def _special(results: list[SubmissionResult]) -> None:
    """Turn the first students of vtdf into one case per status (in place)."""
    vt = {r.student: r for r in results if r.assignment == "vtdf"}

    r = vt["s00"]  # unreadable notebook: nothing graded
    r.status, r.items, r.message = INVALID_NOTEBOOK, [], "not valid JSON (line 3)"

    r = vt["s01"]  # the student's code ran the whole notebook out of time: zeros, a total
    r.status, r.message = TIMEOUT, "the notebook ran longer than 300 s"
    for i in r.items:
        if i.status != MANUAL:
            i.status, i.score, i.value, i.mistake = TIMEOUT, 0.0, None, None
            i.message = "ran out of time"

    r = vt["s02"]  # one answer raised in the student's code: 0 for it, a total
    q3 = next(i for i in r.items if i.item == "q3_totals")
    q3.status, q3.score, q3.value, q3.mistake = ERROR, 0.0, None, None
    q3.message = "NameError: name 'layer_score' is not defined"

    r = vt["s10"]  # not the student's doing (the kernel died twice): no score, for a person
    r.status, r.message = FAILED, "the kernel stopped (crashed or exited), twice"
    for i in r.items:
        if i.status != MANUAL:
            i.status, i.score, i.value, i.mistake = FAILED, None, None, None
            i.message = "not graded: the kernel stopped (crashed or exited), twice"

    r = vt["s11"]  # half done: the later answers are still the stubs
    for i in r.items[len(r.items) // 2:]:
        if i.status != MANUAL:
            i.status, i.score, i.value, i.mistake = UNANSWERED, 0.0, None, None
            i.message = "not answered: the cell still raises NotImplementedError"

    r = vt["s03"]  # a deleted answer cell
    q4 = next(i for i in r.items if i.item == "q4_ranks")
    q4.status, q4.score, q4.value, q4.mistake = MISSING_CELL, None, None, None
    q4.message = "the answer cell q4_ranks is missing"

    r = vt["s04"]  # passed in the kernel, failed outside
    q5 = next(i for i in r.items if i.item == "q5_reversal")
    q5.status, q5.score, q5.in_kernel_passed = TAMPERED, 1.0, True
    q5.message = "this answer is being reviewed"

    r = vt["s05"]  # graded without the sandbox
    r.sandboxed = False
    r.items[0].status = UNSANDBOXED

    r = vt["s06"]  # student-controlled text that must be escaped everywhere
    q1 = next(i for i in r.items if i.item == "q1_normalized")
    q1.status, q1.score, q1.mistake, q1.value = WRONG, 1.0, None, SCRIPT
    q1.message = f"your answer was {SCRIPT}"
    r.message = f"kernel said {SCRIPT}"

    r = vt["s07"]  # everything wrong, no format points either: a real zero
    for i in r.items:
        if i.status != MANUAL:
            i.status, i.score, i.value, i.mistake = WRONG, 0.0, 0, None
            i.message = "not yet right"
    r.late = True

    r = vt["s08"]  # hand grading done: a complete grade
    for i in r.items:
        if i.status == MANUAL:
            i.status, i.score, i.message = GRADED, i.max_score / 2, "see the rubric"

    r = vt["s09"]  # resubmitted after the grading run: in submitted/, not graded as it is now
    r.status, r.message = NOT_GRADED, "this version came in after the last grading run"
    for i in r.items:
        i.status, i.score, i.value, i.mistake = NOT_GRADED, None, None, None

    # build_vs_buy is graded with per-student variants: each result names its code
    bvb = {r.student: r for r in results if r.assignment == "build_vs_buy"}
    for n, r in enumerate(bvb.values()):
        r.variant = f"CODE{n:04d}"
    r = bvb["s12"]  # a classmate's code in the notebook: its valued items wait for a person
    r.instructor_note = ("variant mismatch: the notebook's code is 'CODE0013' (issued to s13); "
                         "s12's is 'CODE0012'.")
    for i in r.items:
        if i.status != MANUAL:
            i.status, i.score, i.mistake = VARIANT_MISMATCH, None, None
            i.message = "the notebook's variant code is 'CODE0013', but yours is 'CODE0012'"


@pytest.fixture(scope="module")
def klass(vtdf_key) -> list[SubmissionResult]:
    """44 students on vtdf, 42 on build_vs_buy (two never submitted), 12 on scenarios."""
    rng = random.Random(20250301)
    results = []
    for n in range(N_STUDENTS):
        student = f"s{n:02d}"
        ability = 0.15 + 0.8 * n / (N_STUDENTS - 1)
        results.append(_submission("vtdf", student, rng, ability, vtdf_key))
        if n < N_STUDENTS - 2:
            results.append(_submission("build_vs_buy", student, rng, ability, None))
        if n % 4 == 0 and "scenarios" in ASSIGNMENTS:
            results.append(_submission("scenarios", student, rng, ability, None))
    _special(results)
    return results


@pytest.fixture(scope="module")
def roster() -> dict:
    students = {f"s{n:02d}": {"first_name": f"First{n}", "last_name": f"Last{n}",
                              "email": f"s{n:02d}@uni.example", "sis_id": f"SIS{n:04d}",
                              "section": "A" if n % 2 else "B"}
                for n in range(N_STUDENTS)}
    students["s99"] = {"first_name": "Nora", "last_name": "Nosubmit", "email": "",
                       "sis_id": "SIS9999"}
    return students


def _vt(klass, student) -> SubmissionResult:
    return next(r for r in klass if r.assignment == "vtdf" and r.student == student)


def _statuses_present(results) -> set[str]:
    return {i.status for r in results for i in r.items} | {r.status for r in results}


def test_the_synthetic_class_covers_every_status(klass):
    """Does the synthetic class really contain every status, so the tests below see them all?"""
    assert _statuses_present(klass) >= set(STATUSES)
    assert len({r.student for r in klass}) >= 40


# -- feedback ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def feedback(klass, tmp_path_factory) -> tuple[Path, list[Path]]:
    course = tmp_path_factory.mktemp("course")
    return course, write_feedback(klass, course)


def _page(course: Path, student: str, name: str = "vtdf") -> str:
    stem = Path(get(name).notebook).stem
    return (course / "feedback" / student / name / f"{stem}.html").read_text(encoding="utf-8")


def test_feedback_goes_where_nbgrader_release_feedback_looks(klass, feedback):
    """Is there one page per submission at feedback/<student>/<assignment>/<notebook stem>.html?"""
    course, pages = feedback
    assert len(pages) == len(klass)
    expected = {course / "feedback" / r.student / r.assignment
                / f"{Path(get(r.assignment).notebook).stem}.html" for r in klass}
    assert set(pages) == expected
    assert all(p.is_file() for p in pages)


def test_feedback_shows_every_item_with_its_points_status_and_message(klass, feedback):
    """Does a page list each item with points earned / possible, status words and message?"""
    course, _ = feedback
    r = _vt(klass, "s20")
    page = _page(course, "s20")
    assert get("vtdf").title.replace("'", "&#39;") in page
    assert "s20" in page and show_time(r.timestamp)[0] in page
    assert re.search(r"\d{2}:\d{2} UTC<", page) and ".000000" not in page  # to the minute
    rows = re.findall(r'<tr class="item" data-item="([^"]+)">(.*?)</tr>', page, re.S)
    assert [item for item, _ in rows] == [i.item for i in r.items]
    for (_item, row), result in zip(rows, r.items):
        assert str(inline_code(comment(result))) in row
        if result.status in SCORED:
            assert f"{result.score:g} / {result.max_score:g}" in row
        if result.status == GRADED:
            assert "Correct" in row
        if result.status == WRONG:
            assert "Not yet correct" in row
        if result.status == MANUAL:
            assert "Pending" in row and f"pending / {result.max_score:g}" in row
    auto = sum(i.score for i in r.items if i.status in SCORED)
    assert f"Total: <strong>{auto:g} / {r.max_score:g}</strong>" in page
    assert f"{sum(get('vtdf').manual.values()):g} points are pending" in page  # the written answers


def _numbers(value) -> list[float]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _numbers(v)]
    if isinstance(value, list):
        return [x for v in value for x in _numbers(v)]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [float(value)]
    return []


def test_feedback_never_shows_expected_values_or_hidden_test_code(klass, feedback, vtdf_key):
    """Can a correct answer, or the hidden tests, be read off any vtdf feedback page? (The
    synthetic correct answers carry the expected value in `ItemResult.value`.)"""
    course, _ = feedback
    nontrivial = {x for c in vtdf_key.values() for x in _numbers(c.get("expected"))
                  if abs(x * 4 - round(x * 4)) > 1e-9}
    assert len(nontrivial) >= 10  # layer scores, totals, the reversal weight
    forms = {f for x in nontrivial for f in (repr(x), f"{x:.2f}", f"{x:.3f}", f"{x:.4f}")}
    hidden_code = ("check_values", "check_format", "assert", "expected", "import checks",
                   "'tol'", '"tol"', "accept")
    for r in klass:
        if r.assignment != "vtdf":
            continue
        page = _page(course, r.student)
        leaked = [f for f in forms if f in page]
        assert not leaked, f"{r.student}: expected values on the page: {leaked}"
        assert not [w for w in hidden_code if w in page], r.student
        # q4_trailing_layer's expected answer is a word; it may only appear inside item labels
        assert not re.search(r">\s*Technology\s*<|[\"']Technology[\"']", page), r.student


def test_feedback_escapes_student_controlled_text(feedback):
    """Is a `<script>` in an item message or the notebook message shown as text, not run?"""
    course, _ = feedback
    page = _page(course, "s06")
    assert "<script" not in page
    assert "&lt;script&gt;" in page
    assert page.count("&lt;script&gt;") >= 2  # the item message and the notebook message


def test_feedback_says_what_could_not_be_graded_and_notes_neutrally(klass, feedback):
    """Do pages say "not graded"/"pending", flag lateness, and note unsandboxed and tampered
    runs in neutral words?"""
    course, _ = feedback
    invalid = _page(course, "s00")
    assert "Total: <strong>not graded</strong>" in invalid
    assert "could not be opened" in invalid and "not valid JSON (line 3)" in invalid
    failed = _page(course, "s10")
    assert "Total: <strong>not graded</strong>" in failed and "not your doing" in failed
    timeout = _page(course, "s01")
    assert "Total: <strong>not graded</strong>" not in timeout and "ran out of time" in timeout
    error = _page(course, "s02")
    q3 = get("vtdf").check("q3_totals")
    assert f"0 / {q3.points + q3.format_points:g}" in error and "stopped with an error" in error
    assert "Not answered" in _page(course, "s11")
    assert "missing or was changed" in _page(course, "s03")
    tampered = _page(course, "s04")
    assert "second look" in tampered and "Under review" in tampered
    for word in ("cheat", "tamper", "fraud", "dishonest"):
        assert word not in tampered.lower()
    assert "outside the usual isolated grading environment" in _page(course, "s05")
    assert "outside the usual isolated" not in _page(course, "s20")
    assert "Submitted late" in _page(course, "s07")
    assert "Total: <strong>0 / " in _page(course, "s07")
    complete = _page(course, "s08").split("</style>")[1].split("<table>")[0]
    assert "pending" not in complete and "could not be graded" not in complete


def test_feedback_total_is_pending_when_only_hand_graded_items_remain():
    """When nothing was autograded yet but hand grading is pending, does the total say
    "pending" rather than 0?"""
    from autograder.outputs import render_feedback

    items = [ItemResult("q7a_paradox_layer", MANUAL, None, 6),
             ItemResult("q1_normalized", TIMEOUT, None, 4)]
    page = render_feedback(SubmissionResult("s1", "vtdf", GRADED, True, items))
    assert "Total: <strong>pending</strong> (out of 10)" in page
    assert "Total: <strong>0" not in page


def test_feedback_is_self_contained(feedback):
    """Does a page load nothing from outside (inline CSS, no scripts, no links)?"""
    course, _ = feedback
    page = _page(course, "s20")
    assert "<style>" in page
    assert not re.search(r"<(script|link|img|iframe)\b", page)
    assert "http" not in page


def test_feedback_carries_the_files_nbgrader_release_feedback_reads(klass, tmp_path):
    """Can `nbgrader release_feedback` hand out the pages (it needs timestamp.txt and
    submission_secret.txt beside each page)?"""
    course = tmp_path / "course"
    graded = [r for r in klass if r.assignment == "vtdf"][:3]
    for r in graded:
        folder = course / "autograded" / r.student / "vtdf"
        folder.mkdir(parents=True)
        (folder / "timestamp.txt").write_text(r.timestamp)
        (folder / "submission_secret.txt").write_text(f"secret-{r.student}")
    write_feedback(graded, course)
    for r in graded:
        folder = course / "feedback" / r.student / "vtdf"
        assert (folder / "submission_secret.txt").read_text() == f"secret-{r.student}"
        assert (folder / "timestamp.txt").read_text() == r.timestamp
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    nbgrader = Path(sys.executable).with_name("nbgrader")
    if not nbgrader.exists():
        pytest.skip("nbgrader command not installed beside this Python")
    run = subprocess.run(
        [str(nbgrader), "release_feedback", "vtdf", "--course=pp101",
         f"--Exchange.root={exchange}", f"--CourseDirectory.root={course}"],
        cwd=course, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    released = list((exchange / "pp101" / "feedback").glob("*.html"))
    assert len(released) == len(graded)


def test_feedback_refuses_ids_that_would_leave_the_feedback_folder(tmp_path):
    """Is a student id like "../x" refused rather than written outside feedback/?"""
    bad = SubmissionResult("../x", "vtdf", GRADED, True, [])
    with pytest.raises(ValueError):
        write_feedback([bad], tmp_path)
    assert not (tmp_path / "x").exists()


# -- exports -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def exports(klass, roster, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("exports")
    return write_exports(klass, out, students=roster, canvas_ids={"vtdf": 1234},
                         duedates={"vtdf": "2025-03-07 23:59:00"})


def _nbgrader_keys() -> list[str]:
    """The columns in nbgrader's own CsvExportPlugin, read from its source."""
    from nbgrader.plugins import export

    tree = ast.parse(inspect.getsource(export.CsvExportPlugin))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "keys"
                                                for t in node.targets):
            return [e.value for e in node.value.elts]
    raise AssertionError("no `keys` list in nbgrader's CsvExportPlugin")


def _read(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_export_writes_the_four_files(exports):
    """Are grades.csv, items.csv, canvas.csv and results.json all written?"""
    assert set(exports) == {"grades", "items", "canvas", "results"}
    assert {p.name for p in exports.values()} == {"grades.csv", "items.csv", "canvas.csv",
                                                  "results.json"}
    assert all(p.stat().st_size > 0 for p in exports.values())


def test_grades_csv_has_nbgrader_export_columns_plus_status(exports):
    """Are grades.csv's columns exactly those of `nbgrader export`, in order, plus status and
    lateness?"""
    header = exports["grades"].read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header == _nbgrader_keys() + ["status", "late", "seconds_late"]
    assert header == list(GRADES_COLUMNS)


def test_grades_csv_leaves_ungradable_blank_never_zero(klass, roster, exports):
    """Is every submission that could not be graded blank with its status, while a real zero
    stays 0 and pending hand grading is said?"""
    rows = {(r["assignment"], r["student_id"]): r for r in _read(exports["grades"])}
    assignments = {r.assignment for r in klass}
    assert len(rows) == len(assignments) * len(roster)

    def row(student, name="vtdf"):
        return rows[(name, student)]

    for student in ("s00", "s03", "s10"):  # nothing to blame on the student: blank
        assert row(student)["score"] == row(student)["raw_score"] == "", student
    for student in ("s01", "s02", "s11"):  # their own time-out, error, stubs: a total
        assert float(row(student)["score"]) == pytest.approx(_vt(klass, student).score), student
    assert row("s10")["status"].startswith("grading failed: q1_normalized")
    assert row("s00")["status"] == INVALID_NOTEBOOK
    assert row("s01")["status"].startswith("timeout: q1_normalized")
    assert "error: q3_totals" in row("s02")["status"]
    assert "missing cell: q4_ranks" in row("s03")["status"]
    assert row("s07")["score"] == "0" and row("s07")["raw_score"] == "0"
    assert row("s99")["score"] == "" and row("s99")["status"] == "not submitted"
    assert row("s43", "build_vs_buy")["status"] == "not submitted"
    s20 = _vt(klass, "s20")
    assert float(row("s20")["score"]) == pytest.approx(s20.score)
    assert row("s20")["status"] == "needs manual grade: " + ", ".join(get("vtdf").manual)
    assert row("s08")["status"] == GRADED
    assert row("s04")["status"].startswith("tampered: q5_reversal")
    assert row("s04")["score"] != ""  # a tampered item still carries its score
    assert row("s05")["status"].startswith("unsandboxed")
    vtdf = get("vtdf")
    possible = vtdf.autograded_points + sum(vtdf.manual.values())
    assert float(row("s20")["max_score"]) == possible  # autograded + by hand
    assert float(row("s00")["max_score"]) == possible  # not the 0 of an unreadable notebook
    assert row("s20")["last_name"] == "Last20" and row("s20")["email"] == "s20@uni.example"
    assert row("s20")["duedate"] == "2025-03-07 23:59:00"
    assert row("s20")["timestamp"] == s20.timestamp
    for r in rows.values():  # no plain zero anywhere except real zeros
        if r["score"] == "0":
            result = _vt(klass, r["student_id"]) if r["assignment"] == "vtdf" else next(
                x for x in klass if x.student == r["student_id"] and x.assignment == r["assignment"])
            assert all(i.score == 0 for i in result.items if i.status in SCORED), r["student_id"]


def test_pending_manual_blank_leaves_partial_grades_blank(klass, tmp_path):
    """With pending_manual="blank", is a grade awaiting hand grading blank too, while a
    completely graded one is kept?"""
    paths = write_exports(klass, tmp_path, pending_manual="blank")
    rows = {(r["assignment"], r["student_id"]): r for r in _read(paths["grades"])}
    assert rows[("vtdf", "s20")]["score"] == ""
    assert rows[("vtdf", "s08")]["score"] != ""
    with pytest.raises(ValueError):
        exportable_score(_vt(klass, "s20"), pending_manual="zero")


def test_items_csv_has_one_row_per_item_and_blank_scores_when_not_graded(klass, exports):
    """Does items.csv list every item, leave ungraded items blank, and keep mistake ids?"""
    rows = _read(exports["items"])
    assert list(rows[0]) == list(ITEM_COLUMNS)
    assert len(rows) == sum(len(r.items) for r in klass)
    for row in rows:
        if row["status"] in SCORED:
            float(row["score"])
        else:
            assert row["score"] == "", row
    q3 = next(r for r in rows if r["student"] == "s02" and r["item"] == "q3_totals")
    assert q3["status"] == ERROR and "NameError" in q3["message"]
    wrong = [r for r in rows if r["status"] == WRONG and r["mistake"]]
    ids = {m.id for a in ASSIGNMENTS.values() for c in a.checks for m in c.mistakes}
    assert wrong and all(r["mistake"] in ids for r in wrong)


def _canvas(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, skiprows=[1], dtype={"ID": str, "SIS User ID": str})


def test_canvas_csv_is_importable_and_leaves_ungradable_blank(klass, roster, exports):
    """Does canvas.csv have Canvas's identity columns, a Points Possible row, numeric scores
    that pandas reads back, and blanks (not zeros) where nothing could be graded?"""
    lines = list(csv.reader(exports["canvas"].open(encoding="utf-8")))
    assert lines[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert lines[0][5:] == ["vtdf (1234)", "build_vs_buy"] + (
        ["scenarios"] if "scenarios" in ASSIGNMENTS else [])
    vtdf = get("vtdf")
    assert lines[1][0] == "Points Possible"
    assert float(lines[1][5]) == vtdf.autograded_points + sum(vtdf.manual.values())
    table = _canvas(exports["canvas"]).set_index("SIS User ID")
    assert len(table) == len(roster)
    vt = table["vtdf (1234)"]
    assert vt.dtype.kind == "f"
    for sid in ("s00", "s03", "s10"):
        assert math.isnan(vt[roster[sid]["sis_id"]]), sid
    for sid in ("s01", "s02", "s11"):
        assert vt[roster[sid]["sis_id"]] == pytest.approx(_vt(klass, sid).score), sid
    assert math.isnan(table.loc["SIS9999", "vtdf (1234)"])
    assert vt["SIS0007"] == 0
    assert vt["SIS0020"] == pytest.approx(_vt(klass, "s20").score)
    assert table.loc["SIS0020", "Student"] == "Last20, First20"
    assert table.loc["SIS0020", "SIS Login ID"] == "s20"
    assert table.loc["SIS0020", "Section"] == "B"
    blanks = vt.isna().sum()
    ungradable = sum(exportable_score(r) is None for r in klass if r.assignment == "vtdf")
    assert blanks == ungradable + 1  # + the roster student who never submitted


def test_results_json_round_trips(klass, exports):
    """Does results.json read back into the very records that were written?"""
    assert read_results(exports["results"]) == klass


def test_submission_status_names_the_status_first():
    """Does the status text start with a status word a script can filter on?"""
    items = [ItemResult("q1", GRADED, 1, 1), ItemResult("q2", FAILED, None, 2),
             ItemResult("q3", MANUAL, None, 3)]
    r = SubmissionResult("a", "tiny", GRADED, False, items)
    assert submission_status(r) == "grading failed: q2; needs manual grade: q3; unsandboxed"
    timed_out = replace(r, items=[items[0], ItemResult("q2", TIMEOUT, 0.0, 2)])
    assert exportable_score(timed_out) == 1  # the student's own time-out counts 0
    assert submission_status(replace(r, items=items[:1], sandboxed=True)) == GRADED
    assert exportable_score(r) is None
    assert exportable_score(replace(r, items=[items[0], items[2]])) == 1
    assert exportable_score(replace(r, items=[items[2]])) is None  # nothing scored yet: blank
    assert exportable_score(replace(r, items=[])) is None


# -- statistics ----------------------------------------------------------------------------------

def test_discrimination_index_matches_a_hand_computation():
    """Is the index of a 10-student example the value worked out by hand (groups of 2.7)?

    Top 27% = students with totals 100, 90 and 0.7 of 80: all answered right, mean 1.
    Bottom 27% = totals 10, 20 (wrong) and 0.7 of 30 (right): mean 0.7 / 2.7.
    """
    totals = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    right = [0, 0, 1, 0, 1, 1, 0, 1, 1, 1]
    assert discrimination_index(right, totals) == pytest.approx(1 - 0.7 / 2.7)
    assert discrimination_index(right, totals) == pytest.approx(0.7407407407)
    assert discrimination_index([1 - x for x in right], totals) == pytest.approx(-(1 - 0.7 / 2.7))


def test_discrimination_index_shares_ties_and_ignores_listing_order():
    """Do students tied at a group's edge share it equally, whatever order they are listed in?

    Totals 10, 20, 20, 40 with halves: upper = 40 plus half of each 20; lower = 10 plus half of
    each 20. Item right for 20a and 40: upper (1 + .5) / 2 = .75, lower (0 + .5) / 2 = .25.
    """
    assert group_weights([10, 20, 20, 40], 0.5, upper=True) == [0, 0.5, 0.5, 1]
    assert group_weights([10, 20, 20, 40], 0.5, upper=False) == [1, 0.5, 0.5, 0]
    d = discrimination_index([0, 1, 0, 1], [10, 20, 20, 40], share=0.5, min_students=2)
    assert d == pytest.approx(0.5)
    swapped = discrimination_index([0, 0, 1, 1], [10, 20, 20, 40], share=0.5, min_students=2)
    assert swapped == pytest.approx(d)


def test_discrimination_index_is_not_computed_for_small_or_flat_classes():
    """Is the index NaN with fewer than 10 students or when all totals are equal?"""
    assert math.isnan(discrimination_index([1, 0, 1], [3, 1, 2]))
    assert math.isnan(discrimination_index([1, 0] * 10, [5] * 20))
    with pytest.raises(ValueError):
        discrimination_index([1, 0], [1])
    with pytest.raises(ValueError):
        group_weights([1, 2, 3], share=0.6)


def _tiny() -> list[SubmissionResult]:
    """10 students on an unregistered assignment: item a (2 points) right for the top half
    and for student 0; item b (1 point) always right; student 9's item a timed out."""
    out = []
    for n in range(10):
        a_right = n >= 5 or n == 0
        a = ItemResult("q1_a", GRADED if a_right else WRONG, 2.0 if a_right else 0.0, 2.0,
                       mistake=None if a_right else "slip", value=None if a_right else 7)
        b = ItemResult("q2_b", GRADED, 1.0, 1.0)
        extra = ItemResult("q3_extra", GRADED, float(n), 10.0)  # orders the students by total
        out.append(SubmissionResult(f"t{n}", "tiny", GRADED, True, [a, b, extra]))
    out[9].items[0] = ItemResult("q1_a", TIMEOUT, None, 2.0)
    return out


def test_item_statistics_on_a_hand_checked_example():
    """Are mean, full-marks share, counts and discrimination per item what they should be?

    Item a: scored for 9 students (t9 timed out): 2 points for t0, t5..t8 -> mean 10/9,
    full marks 5/9. Discrimination needs a complete submission, so t9 is out: 9 students
    is below 10, so it is n/a. With min_students=2 the groups are 2.43 students. Totals
    (a + b + extra): t1 2, t0 3, t2 3, t3 4, t4 5, t5 8, t6 9, t7 10, t8 11. Upper: t8, t7
    and .43 of t6, all right: 1. Lower: t1 (wrong), then t0 (right) and t2 (wrong) tie at 3
    and share the remaining 1.43 (.715 each): .715 / 2.43.
    """
    stats = item_statistics(_tiny()).set_index("item")
    a = stats.loc["q1_a"]
    assert (a.n, a.not_graded, a.pending, a.wrong) == (9, 1, 0, 4)
    assert a.mean_score == pytest.approx(10 / 9)
    assert a.mean_fraction == pytest.approx(5 / 9)
    assert a.full_marks == pytest.approx(5 / 9)
    assert math.isnan(a.discrimination)
    assert stats.loc["q2_b"].full_marks == 1 and stats.loc["q2_b"].mean_score == 1
    small = item_statistics(_tiny(), min_students=2).set_index("item")
    assert small.loc["q1_a"].discrimination == pytest.approx(1 - 0.715 / 2.43)
    assert small.loc["q2_b"].discrimination == pytest.approx(0)


def test_common_wrong_values_group_by_catalogued_mistake(klass):
    """Are wrong answers grouped by the catalogued mistake they match, with its message?"""
    table = common_wrong_values(klass)
    q3 = table[(table.assignment == "vtdf") & (table["item"] == "q3_totals")]
    assert 1 <= len(q3) <= 3
    check = get("vtdf").check("q3_totals")
    messages = {m.id: m.message for m in check.mistakes}
    for row in q3.itertuples():
        assert row.mistake in messages and row.message == messages[row.mistake]
    wrong_q3 = [i for r in klass if r.assignment == "vtdf" for i in r.items
                if i.item == "q3_totals" and i.status == WRONG]
    top = max(sum(i.mistake == m for i in wrong_q3) for m in messages)
    assert q3["count"].max() == top
    assert q3["share"].sum() <= 1 + 1e-9
    assert all(m is None or isinstance(m, str) for m in table["mistake"])
    script = table[table["value"] == SCRIPT]
    assert len(script) == 1 and script.iloc[0].mistake is None  # not catalogued
    tiny = common_wrong_values(_tiny())
    assert list(tiny["count"]) == [4] and list(tiny["mistake"]) == ["slip"]


def test_status_counts_add_up_to_every_item(klass):
    """Does the status table count every item once, with a row for every status?"""
    table = status_counts(klass)
    assert list(table.index[:len(STATUSES)]) == list(STATUSES)
    assert table["all"].sum() == sum(len(r.items) for r in klass)
    assert table.loc[TIMEOUT, "vtdf"] == sum(i.status == TIMEOUT for i in _vt(klass, "s01").items)
    assert table.loc[TAMPERED, "all"] == 1


def test_needs_attention_lists_manual_and_review_items(klass):
    """Are students with pending hand grading or items to review all listed, and no one else?"""
    table = needs_attention(klass)
    listed = set(zip(table.student, table.assignment))
    assert ("s08", "vtdf") not in listed  # hand grading done, nothing to review
    for student in ("s00", "s01", "s02", "s03", "s04", "s05", "s20"):
        assert (student, "vtdf") in listed, student
    row = table[(table.student == "s10") & (table.assignment == "vtdf")].iloc[0]
    assert "grading failed: q1_normalized" in row.review
    assert next(iter(get("vtdf").manual)) in row.manual
    assert table[(table.student == "s00")].iloc[0].submission == INVALID_NOTEBOOK
    decide = (table.review != "") | (table.submission != "")
    assert decide.iloc[:decide.sum()].all()  # what needs a decision comes first


# -- the report ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def report(klass, tmp_path_factory) -> str:
    path = write_report(klass, tmp_path_factory.mktemp("report") / "report.html")
    assert path.name == "report.html"
    return path.read_text(encoding="utf-8")


def test_report_has_one_histogram_per_assignment(klass, report):
    """Is there exactly one embedded PNG histogram per assignment?"""
    names = {r.assignment for r in klass}
    images = re.findall(r'<img class="histogram" data-assignment="([^"]+)"[^>]*'
                        r'src="data:image/png;base64,([^"]+)"', report)
    assert sorted(n for n, _ in images) == sorted(names)
    for _, data in images:
        assert base64.b64decode(data).startswith(b"\x89PNG\r\n\x1a\n")


def test_report_has_the_item_table_status_table_and_attention_list(klass, report):
    """Does the report show every item, the status counts, the wrong answers and who needs a
    person, with no outside resources and student text escaped?"""
    for r in klass:
        table = re.search(rf'<table class="items" data-assignment="{r.assignment}">(.*?)</table>',
                          report, re.S).group(1)
        for i in r.items:
            assert f'data-item="{i.item}"' in table
    assert '<table class="statuses">' in report
    for status in STATUSES:
        assert f'<th scope="row">{status}</th>' in report
    assert '<table class="attention">' in report and "q3_totals" in report
    assert str(markupsafe.escape(get("vtdf").check("q3_totals").mistakes[0].message)) in report
    assert "<script" not in report and "&lt;script&gt;" in report
    assert ">nan<" not in report and ">None<" not in report
    assert not re.search(r'(src|href)="http', report) and "<link" not in report


def test_write_report_into_a_folder(klass, tmp_path):
    """Given a folder, does write_report put grading_report.html inside it?"""
    path = write_report(klass[:5], tmp_path)
    assert path == tmp_path / "grading_report.html" and path.is_file()


# -- spreadsheet formulas (issue 14, item 6) -----------------------------------------------------

FORMULA_IDS = ["+cmd", "-2+3", "@SUM(A1:A9)", '=HYPERLINK("http://evil.example","marks")',
               "\t=1+1", "\r=1+1", "bob\r=1+1"]  # an unquoted CR would start a new row
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _formula_cells(path: Path) -> list[str]:
    """Cells a spreadsheet would evaluate: text starting a formula that is not a number."""
    bad = []
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.reader(fh):
            for cell in row:
                try:
                    float(cell)
                except ValueError:
                    if cell.startswith(FORMULA_START):
                        bad.append(cell)
    return bad


def test_no_exported_csv_cell_is_a_spreadsheet_formula(tmp_path):
    """Do formula-like student ids (stock `nbgrader collect` lets them into submitted/), roster
    names and messages reach grades.csv, items.csv and canvas.csv as text with a leading ',
    while the honest twin is exported as it is and scores such as -1.5 and 0 stay numbers?"""
    def result(student: str) -> SubmissionResult:
        return SubmissionResult(student, "vtdf", GRADED, True, [
            ItemResult("q1_normalized", GRADED, 2.0, 2.0),
            ItemResult("q2_weighted", WRONG, -1.5, 2.0, message="-1.5: =SUM(A1) is wrong",
                       mistake="@m"),
            ItemResult("q3_totals", WRONG, 0.0, 2.0, message="not yet right")],
            timestamp="2025-04-01 09:00:00.000000 UTC")
    results = [result(sid) for sid in ["alice"] + FORMULA_IDS]
    students = {"alice": {"first_name": "Alice", "last_name": "Liddell", "sis_id": "SIS1"},
                "+cmd": {"first_name": "=cmd|' /C calc'!A0", "last_name": "@SUM(1+1)",
                         "email": "-x@evil.example", "sis_id": "+1+1", "section": "-A"}}
    paths = write_exports(results, tmp_path, students=students)
    for kind in ("grades", "items", "canvas"):
        assert _formula_cells(paths[kind]) == [], kind
    grades = {r["student_id"]: r for r in _read(paths["grades"])}
    assert set(grades) == {"alice", "'+cmd", "'-2+3", "'@SUM(A1:A9)", "'\t=1+1", "'\n=1+1",
                           "'=HYPERLINK(\"http://evil.example\",\"marks\")", "bob\n=1+1"}
    assert grades["alice"]["score"] == "0.5" and grades["alice"]["last_name"] == "Liddell"
    assert grades["'+cmd"]["first_name"] == "'=cmd|' /C calc'!A0"
    assert grades["'+cmd"]["score"] == "0.5"
    items = _read(paths["items"])
    q2 = [r for r in items if r["item"] == "q2_weighted"]
    assert {r["score"] for r in q2} == {"-1.5"} and {r["mistake"] for r in q2} == {"'@m"}
    assert {r["score"] for r in items if r["item"] == "q3_totals"} == {"0"}
    assert {r["message"] for r in q2} == {"'-1.5: =SUM(A1) is wrong"}
    canvas = _canvas(paths["canvas"]).set_index("SIS Login ID")
    assert canvas["vtdf"].dtype.kind == "f" and (canvas["vtdf"] == 0.5).all()
    assert canvas.loc["alice", "Student"] == "Liddell, Alice"
    assert canvas.loc["'+cmd", "Section"] == "'-A"
    assert canvas.loc["'+cmd", "SIS User ID"] == "'+1+1"
    assert results == read_results(paths["results"])  # the JSON keeps the ids as they are
