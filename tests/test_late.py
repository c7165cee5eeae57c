"""Late work: nbgrader's late-submission penalty plugins, from the course's nbgrader_config.py
to the gradebook (as `nbgrader export` reads it), grades.csv, items.csv, canvas.csv and the
feedback page. A real course, a real SQLite gradebook with a due date set by
`nbgrader db assignment add`, and two submissions graded by the pipeline: one on time, one
26 hours late under a 10%-per-day policy (2 days: 20% of 27 points = 5.4)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from conftest import released

from autograder.grading import late
from autograder.nbgrader_run import nbgrader

DUE = "2025-04-01 17:00:00 UTC"
ON_TIME = "2025-04-01 09:00:00.000000 UTC"
LATE = "2025-04-02 19:00:00.000000 UTC"  # 26 hours after DUE
POLICY = """
c.AssignLatePenalties.plugin_class = "autograder.grading.late.SubtractPerDay"
c.SubtractPerDay.percent_per_day = 10
"""


def _config(course: Path, text: str) -> Path:
    course.mkdir(parents=True, exist_ok=True)
    path = course / "nbgrader_config.py"
    path.write_text("c = get_config()  # noqa: F821\n" + text, encoding="utf-8")
    return course


# -- the policy, read from the config as nbgrader reads it (no kernel) --------------------------

def test_the_course_config_chooses_the_plugin_and_the_penalty_is_kept_within_the_score(tmp_path):
    """Does the course's nbgrader_config.py choose the plugin as it does for nbgrader
    (default: no penalty; 'zero': all of it; the example plugin: 10% per day or part of one),
    and is a penalty kept between 0 and the score, as AssignLatePenalties keeps it?"""
    default = late.course_plugin(_config(tmp_path / "default", ""))
    assert late.penalty(default, "bob", 27.0, 3600) is None

    zero = late.course_plugin(_config(tmp_path / "zero",
                                      "c.LateSubmissionPlugin.penalty_method = 'zero'\n"))
    assert late.penalty(zero, "bob", 27.0, 1) == 27.0
    assert late.penalty(zero, "bob", 27.0, 0) is None  # on time: no penalty at all

    per_day = late.course_plugin(_config(tmp_path / "per_day", POLICY))
    assert isinstance(per_day, late.SubtractPerDay)
    assert late.penalty(per_day, "bob", 27.0, 26 * 3600) == pytest.approx(5.4)
    assert late.penalty(per_day, "bob", 27.0, 1) == pytest.approx(2.7)
    assert late.penalty(per_day, "bob", 27.0, 30 * 24 * 3600) == 27.0  # never past the score

    reckless = _config(tmp_path / "reckless", (
        "from nbgrader.plugins import BasePlugin\n"
        "class Reckless(BasePlugin):\n"
        "    def late_submission_penalty(self, student_id, score, total_seconds_late):\n"
        "        return 100.0 if student_id == 'bob' else -3.0\n"
        "c.AssignLatePenalties.plugin_class = Reckless\n"))
    plugin = late.course_plugin(reckless)
    assert late.penalty(plugin, "bob", 27.0, 60) == 27.0   # the score never goes below 0
    assert late.penalty(plugin, "eve", 27.0, 60) == 0.0    # nor does a penalty raise it

    misspelt = _config(tmp_path / "misspelt", POLICY.replace("SubtractPerDay\"", "SubtractPerDy\""))
    with pytest.raises(late.LatePolicyError, match="nbgrader_config.py.*SubtractPerDy"):
        late.course_plugin(misspelt)  # one line naming the config, not a traceback


# -- a graded class: one on time, one late --------------------------------------------------------

# One xdist worker grades the late class, once; its tests all read it.
LATE_CLASS = pytest.mark.xdist_group("late-class")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from autograder.grading.pipeline import grade_class
    from autograder.synthetic import solved, submit

    course = released(tmp_path_factory.mktemp("late") / "course", ["vtdf"])
    with (course / "nbgrader_config.py").open("a", encoding="utf-8") as fh:
        fh.write(POLICY)
    nbgrader("db", "assignment", "add", "vtdf", "--duedate", DUE, cwd=course)
    submit(course, "alice", "vtdf", solved(course, "vtdf"), timestamp=ON_TIME)
    submit(course, "bob", "vtdf", solved(course, "vtdf"), timestamp=LATE)
    results = grade_class(course, ["vtdf"], sandbox=False, workers=1, log=lambda _: None)
    return course, {r.student: r for r in results}


def _nbgrader_export(course: Path) -> dict[str, dict]:
    out = course / "nbgrader_grades.csv"
    nbgrader("export", "--to", str(out), cwd=course)
    return {row["student_id"]: row for row in csv.DictReader(out.open(encoding="utf-8"))}


@LATE_CLASS
@pytest.mark.slow
def test_the_gradebook_holds_the_penalty_as_nbgrader_export_shows_it(graded):
    """Does grading store the plugin's penalty on the late submission in nbgrader's gradebook,
    so that stock `nbgrader export` shows it (27 points, 5.4 off, 21.6), and none on time?"""
    course, results = graded
    assert [results[s].score for s in ("alice", "bob")] == [27.0, 27.0]  # both fully correct
    rows = _nbgrader_export(course)
    bob, alice = rows["bob"], rows["alice"]
    assert float(bob["raw_score"]) == 27.0
    assert float(bob["late_submission_penalty"]) == pytest.approx(5.4)
    assert float(bob["score"]) == pytest.approx(21.6)
    assert float(alice["late_submission_penalty"]) == 0.0
    assert float(alice["score"]) == float(alice["raw_score"]) == 27.0
    assert (results["bob"].late, results["bob"].seconds_late) == (True, 26 * 3600)
    assert (results["alice"].late, results["alice"].late_penalty) == (False, 0.0)


@LATE_CLASS
@pytest.mark.slow
def test_the_ledger_keeps_lateness_for_the_export_commands(graded):
    """Do the results `autograder export` starts from (the ledgers) carry the penalty too?"""
    from autograder.grading.pipeline import plan

    course, _ = graded
    kept = {r.student: r for r in plan(course, ["vtdf"]).done}
    assert kept["bob"].late_penalty == pytest.approx(5.4)
    assert kept["bob"].seconds_late == 26 * 3600
    assert kept["alice"].late_penalty == 0.0


@LATE_CLASS
@pytest.mark.slow
def test_exports_show_lateness_and_the_score_after_the_penalty(graded, tmp_path):
    """grades.csv: nbgrader's raw_score, late_submission_penalty and score (after the penalty)
    filled in, then `late` and `seconds_late`; items.csv marks the late submission's rows;
    canvas.csv gets the score after the penalty."""
    from autograder.outputs import write_exports

    _, results = graded
    paths = write_exports(list(results.values()), tmp_path)
    grades = {r["student_id"]: r for r in csv.DictReader(paths["grades"].open(encoding="utf-8"))}
    got = {s: (g["raw_score"], g["late_submission_penalty"], g["score"], g["late"],
               g["seconds_late"]) for s, g in grades.items()}
    assert got == {"alice": ("27", "0", "27", "no", "0"),
                   "bob": ("27", "5.4", "21.6", "yes", "93600")}

    items = list(csv.DictReader(paths["items"].open(encoding="utf-8")))
    assert {r["late"] for r in items if r["student"] == "bob"} == {"yes"}
    assert {r["late"] for r in items if r["student"] == "alice"} == {"no"}

    canvas = list(csv.reader(paths["canvas"].open(encoding="utf-8")))
    scores = {row[3]: row[5] for row in canvas[2:]}  # SIS Login ID -> vtdf
    assert scores == {"alice": "27", "bob": "21.6"}


@LATE_CLASS
@pytest.mark.slow
def test_the_feedback_page_says_how_late_and_the_penalty(graded):
    """Does the late student's page say "Submitted 26 hours late; penalty 5.4 points" with the
    total after the penalty, and the on-time student's say "On time" and nothing of a penalty?"""
    from autograder.outputs import write_feedback

    course, results = graded
    write_feedback(list(results.values()), course)
    page = (course / "feedback" / "bob" / "vtdf" / "vtdf.html").read_text(encoding="utf-8")
    assert "Submitted 26 hours late; penalty 5.4 points" in page
    assert "Total: <strong>21.6 / 43</strong>" in page
    assert "27 points before the late penalty" in page
    page = (course / "feedback" / "alice" / "vtdf" / "vtdf.html").read_text(encoding="utf-8")
    assert "On time" in page and "penalty" not in page and "late;" not in page
    assert "Total: <strong>27 / 43</strong>" in page


@LATE_CLASS
@pytest.mark.slow
def test_the_penalty_follows_hand_grades_and_extensions_when_grades_go_out(graded, tmp_path):
    """After the written answers are graded by hand (8 more points: 35), is the penalty
    recomputed on the final score (7.0) and written to the gradebook for `nbgrader export`;
    and after an extension of two days, is the late submission on time with no penalty?"""
    from autograder.grading import gradebook

    source, results = graded
    course = tmp_path / "course"
    shutil.copytree(source, course)  # the other tests keep the graded gradebook as it was
    url, course_id = gradebook.course_gradebook(course)
    with gradebook.opened(url, course_id) as gb:
        nb = gb.find_submission_notebook("vtdf", "vtdf", "bob")
        hand = {"q8_evidence": 2.0, "q9a_paradox_layer": 3.0, "q9b_moat_or_subsidy": 3.0}
        for grade in nb.grades:
            if grade.name in hand:
                grade.manual_score = hand[grade.name]
        gb.db.commit()

    final = gradebook.with_hand_grades(list(results.values()), url, course_id)
    out = {r.student: r for r in late.with_penalties(final, course)}
    assert out["bob"].score == 35.0 and out["bob"].late_penalty == pytest.approx(7.0)
    assert out["alice"].late_penalty == 0.0
    rows = _nbgrader_export(course)
    assert float(rows["bob"]["late_submission_penalty"]) == pytest.approx(7.0)
    assert float(rows["bob"]["score"]) == pytest.approx(28.0)

    with gradebook.opened(url, course_id) as gb:
        gb.grant_extension("vtdf", "bob", days=2)
    out = {r.student: r for r in late.with_penalties(final, course)}
    assert (out["bob"].late, out["bob"].seconds_late, out["bob"].late_penalty) == (False, 0, 0)
    assert float(_nbgrader_export(course)["bob"]["late_submission_penalty"]) == 0.0
