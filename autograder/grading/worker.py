"""Grade one submission, start to finish, in a scratch folder outside the course."""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from autograder import notebooks
from autograder.assignments import get
from autograder.grading.execute import execute
from autograder.grading.prepare import ROLE, InvalidNotebook, load_submission, prepare
from autograder.grading.results import ERROR, GRADED, INVALID_NOTEBOOK, TIMEOUT, ItemResult, SubmissionResult
from autograder.grading.sandbox import Limits, claim_slot, slot_uid
from autograder.grading.sanitize import clean_notebook
from autograder.grading.verdict import judge
from autograder.paths import KERNEL_CHECKS


@dataclass(frozen=True)
class Job:
    course: Path
    assignment: str
    student: str
    notebook: Path            # the submitted file
    timestamp: str | None = None
    late: bool = False


@cache
def _key(course: Path, assignment: str):
    a = get(assignment)
    folder = course / "case" / "data"
    return a.key(folder), a.inputs(folder), notebooks.read(course / "source" / a.name / a.notebook)


def whole(job: Job, status: str, reason: str, sandboxed: bool) -> SubmissionResult:
    """A submission none of whose items could be graded, every item with the same status and
    reason and no score (an unreadable file, a grader failure, a submission not yet graded)."""
    a = get(job.assignment)
    items = [ItemResult(c.id, status, None, c.points + c.format_points, reason) for c in a.checks]
    items += [ItemResult(m, status, None, p, reason) for m, p in a.manual.items()]
    return SubmissionResult(job.student, job.assignment, status, sandboxed, items,
                            job.timestamp, job.late, message=reason)


def grade(job: Job, limits: Limits, *, sandboxed: bool, slot: int | None = None
          ) -> tuple[SubmissionResult, NotebookNode | None]:
    """The result, and the executed notebook (grader's cells removed) for autograded/."""
    a = get(job.assignment)
    key, inputs, source = _key(job.course, job.assignment)
    started = time.monotonic()
    try:
        submitted = load_submission(job.notebook)
    except (InvalidNotebook, OSError) as exc:
        return whole(job, INVALID_NOTEBOOK, str(exc), sandboxed), None
    prepared = prepare(submitted, source, a)
    base = Path(tempfile.mkdtemp(prefix="paradox-grade-"))
    try:
        work = base / "work"
        release = job.course / "release" / a.name
        shutil.copytree(release, work, ignore=shutil.ignore_patterns(a.notebook, "__pycache__"))
        # The grader's own checks, whatever the release or the student holds.
        shutil.copyfile(KERNEL_CHECKS, work / "checks.py")
        for _attempt in range(2):  # a kernel that fails to start gets one more try
            run = execute(nbformat.from_dict(prepared.nb), base, work, limits, sandboxed=sandboxed,
                          uid=slot_uid(claim_slot() if slot is None else slot) if sandboxed else None)
            if not run.start_error:
                break
    finally:
        shutil.rmtree(base, ignore_errors=True)
    items = judge(a, prepared, run, key, inputs, sandboxed=sandboxed)
    stuck = [i.status for i in items if i.status in (TIMEOUT, ERROR) and i.score is None]
    status = GRADED
    if run.start_error:
        status = ERROR
    elif run.deadline_at is not None or (stuck and all(s == TIMEOUT for s in stuck)):
        status = TIMEOUT if stuck else GRADED
    elif run.died_at is not None:
        status = ERROR
    result = SubmissionResult(job.student, job.assignment, status, sandboxed, items,
                              job.timestamp, job.late, time.monotonic() - started,
                              message=run.start_error)
    graded = run.nb
    graded.cells = [c for c in graded.cells if c.metadata.get(ROLE, {}).get("role") != "snapshot"]
    for cell in graded.cells:
        cell.metadata.pop(ROLE, None)
    # Instructors open this in formgrader: no student HTML/JS may run in their browser.
    return result, clean_notebook(graded)

