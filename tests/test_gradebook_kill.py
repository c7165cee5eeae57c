"""A grader killed at the worst moment: between nbgrader's commits while a submission is
recorded, and (the parent itself) while its pool workers run kernels."""

from __future__ import annotations

import csv
import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import released
from hostile import FULL

from autograder.synthetic import solved, submit, with_answer

# The child records a full-marks result and is SIGKILLed right after the first commit that
# makes a submission of its student visible in the gradebook file: with nbgrader's
# update_or_create_submission that is the commit of the still-empty submission.
CHILD = r'''
import os, signal, sqlite3, sys
from sqlalchemy import event
from sqlalchemy.orm import Session
from autograder.assignments import get
from autograder.grading import gradebook
from autograder.grading.results import GRADED, MANUAL, ItemResult, SubmissionResult

db, student = sys.argv[1], sys.argv[2]

def kill_once_visible(session):
    con = sqlite3.connect(db)
    seen = con.execute("select count(*) from submitted_assignment where student_id = ?",
                       (student,)).fetchone()[0]
    con.close()
    if seen:
        os.kill(os.getpid(), signal.SIGKILL)

a = get("vtdf")
items = []
for c in a.checks:
    cells = {f"{c.id}_format": float(c.format_points)}
    if c.hidden:
        cells[f"{c.id}_values"] = float(c.points)
    items.append(ItemResult(c.id, GRADED, sum(cells.values()), c.points + c.format_points,
                            cells=cells))
items += [ItemResult(m, MANUAL, None, p, "graded by hand") for m, p in a.manual.items()]
result = SubmissionResult(student, "vtdf", GRADED, True, items, "2025-04-01 09:00:00.000000 UTC")
event.listen(Session, "after_commit", kill_once_visible)
with gradebook.opened(f"sqlite:///{db}") as gb:
    gradebook.record(gb, result)
print("not killed")
'''


def test_a_kill_between_nbgraders_commits_leaves_no_zero_scored_submission(tmp_path):
    """Killed right after the first commit that shows the student's submission, does the
    gradebook hold either nothing for the student or the whole score, never a 0.0 that
    `nbgrader export` would report?"""
    course = released(tmp_path / "course", ["vtdf"])
    db = course / "gradebook.db"
    child = subprocess.run([sys.executable, "-c", CHILD, str(db), "zed"],
                           capture_output=True, text=True, timeout=300)
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr
    done = subprocess.run([sys.executable, "-m", "nbgrader", "export"], cwd=course,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    with open(course / "grades.csv", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["student_id"] == "zed"]
    assert rows, "the kill came after the last commit: the submission must be there"
    assert [float(r["raw_score"]) for r in rows] == [FULL], rows


# --- After a SIGKILL of the parent grader, its pool workers must not linger ----------------

SLOTS = Path("/tmp/paradox-sandbox-slots")


def _children(pid: int) -> set[int]:
    """Every living descendant of `pid`."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry)] = int(fields[1])
    found, todo = set(), [pid]
    while todo:
        now = todo.pop()
        for child, parent in parents.items():
            if parent == now and child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _slot_locks(pids: set[int]) -> set[Path]:
    held = set()
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = Path(os.readlink(f"/proc/{pid}/fd/{fd}"))
            except OSError:
                continue
            if target.parent == SLOTS and target.suffix == ".lock":
                held.add(target)
    return held


def _free(lock: Path) -> bool:
    with open(lock, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True


def _held_by_leftover(lock: Path, family: set[int]) -> bool:
    """Is `lock` held by a process of `family`, or by an orphan (re-parented to init), rather
    than by a live grader elsewhere that claimed the slot after it was freed?"""
    inode = os.stat(lock).st_ino
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if len(fields) > 5 and fields[1] == "FLOCK" and fields[5].endswith(f":{inode}"):
            holder = int(fields[4])
            try:
                parent = int(Path(f"/proc/{holder}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue  # gone meanwhile: not held
            return holder in family or parent == 1
    return False


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="sandbox slots are held when grading as root")
def test_workers_die_with_a_killed_grader_and_free_their_slots(tmp_path):
    """SIGKILL the grader while its two workers run sleeping kernels: do the workers, their
    bwrap and kernels disappear, and can their sandbox slots be claimed again?"""
    course = released(tmp_path / "course", ["vtdf"])
    slow = with_answer(solved(course, "vtdf"), "q1_normalized", "import time\ntime.sleep(600)")
    for student in ("slow1", "slow2"):
        submit(course, student, "vtdf", slow)
    grader = subprocess.Popen([sys.executable, "-m", "autograder", "grade", "vtdf", "--course",
                               str(course), "--workers", "2", "--cell-timeout", "900",
                               "--notebook-timeout", "900"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    family: set[int] = set()
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:  # both workers have a kernel in its sandbox
            family = _children(grader.pid)
            if sum(Path(f"/proc/{p}/comm").read_text().strip() == "bwrap"
                   for p in family if _alive(p)) >= 2:
                break
            time.sleep(0.5)
        else:
            pytest.fail("the workers never started their kernels")
        time.sleep(2)
        family = _children(grader.pid)
        locks = _slot_locks(family)
        assert locks, "the workers hold no sandbox slot"
        grader.kill()
        grader.wait()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and any(_alive(p) for p in family):
            time.sleep(0.5)
        assert not [p for p in family if _alive(p)], "processes of the killed grader remain"
        # Slots are machine-wide: a grader in another test may claim a freed one at once.
        # What must not happen is a lock kept by the killed grader's family or an orphan of it.
        assert not [lock for lock in locks if not _free(lock) and _held_by_leftover(lock, family)]
    finally:
        for pid in family:  # what the test started, if a check above failed
            if _alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if grader.poll() is None:
            grader.kill()
            grader.wait()
