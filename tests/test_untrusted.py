"""Untrusted code and broken input: every hostile submission ends with its expected status
and score, cannot see or change anything outside its folder, and leaves the correct
submissions graded beside it untouched."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import released
from hostile import FULL, HOSTILE, TWINNED, WITH_TWIN, twin_of
from hostile_batch import LIMITS
from nbgrader.api import Gradebook

import autograder
from autograder.assignments import ASSIGNMENTS
from autograder.grading import pipeline
from autograder.grading.results import GRADED, SCORED, UNSANDBOXED
from autograder.grading.sandbox import Limits, _masked, _python_roots, probe, slot_uid
from autograder.synthetic import solved, submit

# One xdist worker grades the hostile batch, once per run.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("untrusted")]
# The hostile batch (`batch`, `listener`, `built_course_module`) is graded once per run, in
# tests/hostile_batch.py: test_sanitize and test_exhaustion read it too, in the same group.


def test_the_hostile_course_is_outside_every_folder_the_sandbox_provides(built_course_module):
    """Is the course of the leak tests outside /tmp and outside every folder mounted into the
    sandbox, so that only the sandbox's design can keep it from student code?"""
    course = built_course_module.resolve()
    assert not course.is_relative_to(Path(tempfile.gettempdir()).resolve())
    assert not any(course.is_relative_to(root) for root in _python_roots())


@pytest.mark.install
def test_the_package_with_the_key_is_hidden_from_student_code(tmp_path):
    """Can a sandboxed kernel read the package that holds the answer key? It must not, whether
    the package is installed as a copy inside site-packages (mounted, so masked) or in editable
    mode from a checkout (never mounted). CI runs this under both kinds of install."""
    from nbformat.v4 import new_code_cell, new_notebook

    from autograder.grading.execute import execute
    from autograder.grading.sandbox import claim_slot

    package = Path(autograder.__file__).resolve().parent
    targets = [package / "key" / "vtdf.py", package / "assignments" / "vtdf.py",
               package / "spec.py"]
    assert all(t.is_file() for t in targets)
    code = ("for p in %r:\n    try:\n        open(p).read(1)\n        print('LEAK', p)\n"
            "    except OSError as e:\n        print('blocked', type(e).__name__)\n"
            % [str(t) for t in targets])
    work = tmp_path / "work"
    work.mkdir()
    run = execute(new_notebook(cells=[new_code_cell(code)]), tmp_path, work, LIMITS,
                  sandboxed=True, uid=slot_uid(claim_slot()))
    text = json.dumps(run.nb.cells[0].outputs)
    assert "LEAK" not in text and text.count("blocked") == len(targets), text
    if any(package.is_relative_to(root) for root in map(Path, _python_roots())):
        assert str(package) in _masked()  # a copy in site-packages: hidden by the mask


def autograded(result):
    return sum(i.score for i in result.items if i.score is not None and i.status != "needs manual grade") \
        if any(i.score is not None for i in result.items) else None


def test_the_sandbox_is_available():
    """Can bubblewrap start here? (The rest of this file needs it.)"""
    assert probe() is None


@pytest.mark.parametrize("case", HOSTILE, ids=[c.name for c in HOSTILE])
def test_hostile_submission_gets_its_expected_status_and_score(batch, case):
    _, results, _ = batch
    result = results[case.name]
    q1 = next(i for i in result.items if i.item == case.item)
    assert q1.status == case.q1, q1.message
    assert autograded(result) == case.score
    if case.q1 in SCORED:  # what the student did (or did not do) is scored, zero included
        assert q1.score is not None
    else:
        assert q1.score is None, "an item that was not the student's doing must not be a zero"


def test_every_twinned_case_exists():
    assert len(WITH_TWIN) == len(TWINNED)


@pytest.mark.parametrize("case", WITH_TWIN, ids=[c.name for c in WITH_TWIN])
def test_correct_twin_is_unaffected(batch, case):
    """Does the correct submission graded right after it, in the same batch, keep its full
    marks?"""
    _, results, _ = batch
    twin = results[twin_of(case.name)]
    assert autograded(twin) == ASSIGNMENTS[case.assignment].autograded_points
    assert all(i.status in (GRADED, "needs manual grade") for i in twin.items)


def _cell_text(course, student, cell_id):
    from autograder import notebooks

    nb = notebooks.read(course / "autograded" / student / "vtdf" / "vtdf.ipynb")
    return json.dumps(nb.cells[notebooks.find(nb, cell_id)].outputs)


def test_student_code_cannot_read_solutions_gradebook_or_the_key(batch):
    course, _, _ = batch
    text = _cell_text(course, "reads-source-and-gradebook", "q1_normalized")
    assert "LEAK" not in text and text.count("blocked") == 7


def test_student_code_cannot_write_outside_its_folder(batch):
    course, _, _ = batch
    text = _cell_text(course, "writes-outside-its-folder", "q1_normalized")
    assert "WROTE" not in text
    assert not (course / "hacked.txt").exists() and not (course.parent / "hacked.txt").exists()


def test_student_code_reaches_no_network(batch, listener):
    course, _, _ = batch
    _, hits = listener
    assert "CONNECTED" not in _cell_text(course, "network-to-loopback", "q1_normalized")
    assert hits == []


def test_fork_bomb_is_bounded_and_cleaned_up(batch):
    course, _, _ = batch
    text = _cell_text(course, "fork-bomb", "q1_normalized")
    allowed = int(text.split("forks allowed: ")[1].split("\\n")[0])
    assert 0 < allowed < Limits().processes


@pytest.mark.skipif(os.geteuid() != 0, reason="slots and reaping apply when grading as root")
def test_slots_are_unique_across_processes_and_reaped_clean():
    """Does every grading process get its own sandbox uid, and is a slot emptied between kernels?"""
    import multiprocessing

    from autograder.grading.sandbox import claim_slot, reap

    ctx = multiprocessing.get_context("spawn")
    claimed, everyone_holds = ctx.Queue(), ctx.Barrier(3)
    holders = [ctx.Process(target=_hold_a_slot, args=(claimed, everyone_holds)) for _ in range(3)]
    for holder in holders:
        holder.start()
    slots = [claimed.get(timeout=120) for _ in holders]
    for holder in holders:
        holder.join(timeout=120)
    assert len(set(slots)) == 3, slots  # three processes holding slots at once: three slots
    uid = slot_uid(claim_slot())
    sleeper = subprocess.Popen(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                                "sleep", "60"])
    time.sleep(0.2)
    reap(uid)
    assert sleeper.wait(timeout=5) != 0
    assert not [p for p in os.listdir("/proc") if p.isdigit() and os.stat(f"/proc/{p}").st_uid == uid]


def _hold_a_slot(claimed, everyone_holds):
    from autograder.grading.sandbox import claim_slot

    claimed.put(claim_slot())
    everyone_holds.wait(timeout=120)  # keep it until all three have claimed theirs


def test_huge_output_is_truncated(batch):
    course, _, _ = batch
    path = course / "autograded" / "huge-output" / "vtdf" / "vtdf.ipynb"
    assert path.stat().st_size < 3 * 2**20
    assert "output truncated by the grader" in path.read_text()


def test_gradebook_holds_no_plain_zero_for_ungradable_items(batch):
    """Does an item that could not be graded (the kernel died) wait for a person in formgrader,
    not count as 0, while the student's own endless loop is a plain, unflagged 0?"""
    course, _, _ = batch
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook("vtdf", "vtdf", "os-exit-kills-kernel")
        grades = {g.name: g for g in nb.grades}
        assert grades["q1_normalized_values"].auto_score is None
        assert grades["q1_normalized_values"].needs_manual_grade
        assert nb.flagged
        comments = {c.name: c.auto_comment for c in nb.comments}
        assert comments["q1_normalized"].startswith("[grading failed]")
        loop = gb.find_submission_notebook("vtdf", "vtdf", "infinite-loop")
        grades = {g.name: g for g in loop.grades}
        assert grades["q1_normalized_values"].auto_score == 0 and not loop.flagged
        assert {c.name: c.auto_comment for c in loop.comments}["q1_normalized"].startswith("[timeout]")
        ok = gb.find_submission_notebook("vtdf", "vtdf", "correct")
        assert ok.score == FULL and not ok.flagged  # manual answers not yet graded


def test_unsandboxed_results_are_marked(tmp_path):
    """When the instructor opts out of the sandbox, is every graded item marked unsandboxed?"""

    course = released(tmp_path / "course", ["vtdf"])
    submit(course, "alice", "vtdf", solved(course, "vtdf"))
    (result,) = pipeline.grade_class(course, ["vtdf"], sandbox=False, limits=LIMITS)
    assert {i.status for i in result.items} == {UNSANDBOXED, "needs manual grade"}
    assert autograded(result) == FULL and not result.sandboxed


def _grade_in_background(course, *extra):
    return subprocess.Popen([sys.executable, "-m", "autograder", "grade", "vtdf", "--course",
                             str(course), "--workers", "1", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def test_killed_run_resumes_and_grades_everyone_exactly_once(tmp_path):
    """After SIGKILL mid-batch, does a second run finish the rest, each student once, no rows lost?"""

    course = released(tmp_path / "course", ["vtdf"])
    good = solved(course, "vtdf")
    students = [f"s{n:02d}" for n in range(8)]
    for student in students:
        submit(course, student, "vtdf", good)
    run = _grade_in_background(course)

    def ledgers():
        return sorted(course.glob(".paradox/ledgers/vtdf/*.json"))

    deadline = time.monotonic() + 120
    while len(ledgers()) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    before = {p: p.stat().st_mtime_ns for p in ledgers()}
    assert 3 <= len(before) < len(students)
    again = _grade_in_background(course)
    out, _ = again.communicate(timeout=300)
    assert again.returncode == 0, out
    assert {p: p.stat().st_mtime_ns for p in before} == before  # finished work was kept
    assert len(ledgers()) == len(students)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assert sorted(s.student_id for s in gb.assignment_submissions("vtdf")) == students
        assert all(gb.find_submission("vtdf", s).score == FULL for s in students)


def test_a_second_grader_on_the_same_course_is_refused(tmp_path):
    from autograder.synthetic import with_answer

    course = released(tmp_path / "course", ["vtdf"])
    slow = with_answer(solved(course, "vtdf"), "q1_normalized",
                       "import time\ntime.sleep(20)\n"
                       "normalized = (scores.set_index('criterion')[firms] - 1) / 4")
    submit(course, "slow", "vtdf", slow)
    first = _grade_in_background(course, "--cell-timeout", "60")
    try:
        deadline = time.monotonic() + 30
        while not (course / pipeline.LOCK).exists() or not (course / pipeline.LOCK).read_text():
            assert time.monotonic() < deadline
            time.sleep(0.1)
        second = _grade_in_background(course)
        out, _ = second.communicate(timeout=60)
        assert second.returncode == 1
        assert "already being graded" in out
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
