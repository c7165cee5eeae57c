"""Grade one submission, start to finish, in a scratch folder outside the course."""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from autograder import notebooks
from autograder.assignments import get
from autograder.grading.execute import Execution
from autograder.grading.prepare import ROLE, InvalidNotebook, Prepared, load_submission, prepare
from autograder.grading.results import (
    FAILED,
    GRADED,
    INVALID_NOTEBOOK,
    MANUAL,
    TIMEOUT,
    ItemResult,
    SubmissionResult,
)
from autograder.grading.run_task import RunTask, run_task
from autograder.grading.sandbox import Limits
from autograder.grading.sanitize import clean_notebook
from autograder.grading.variant_grading import claimed_code, held, recognised
from autograder.grading.verdict import grader_failure, judge
from autograder.paths import helpers
from autograder.variants import variant_data


@dataclass(frozen=True)
class Job:
    course: Path
    assignment: str
    student: str
    notebook: Path            # the submitted file
    timestamp: str | None = None
    late: bool = False
    # Variants on for this assignment: the code issued to `student`, and every student's code
    # on file (who owns a code found in the notebook). None: off, the published key.
    variant: str | None = None
    issued: tuple[tuple[str, str], ...] = ()
    variant_from_env: bool = False  # an empty VARIANT means the code the hub set (variants.py)


@cache
def _key(course: Path, assignment: str, code: str = ""):
    """The key, inputs and source notebook; the key and inputs of the variant `code` if given."""
    a = get(assignment)
    source = notebooks.read(course / "source" / a.name / a.notebook)
    with variant_data(course / "case" / "data", assignment, code) as folder:
        return a.key(folder, strict=not code), a.inputs(folder), source


def whole(job: Job, status: str, reason: str, sandboxed: bool) -> SubmissionResult:
    """A submission none of whose items could be graded, every item with the same status and
    reason and no score (an unreadable file, a grader failure, a submission not yet graded)."""
    a = get(job.assignment)
    items = [ItemResult(c.id, status, None, c.points + c.format_points, reason) for c in a.checks]
    items += [ItemResult(m, status, None, p, reason) for m, p in a.manual.items()]
    return SubmissionResult(job.student, job.assignment, status, sandboxed, items,
                            job.timestamp, job.late, message=reason)


RETRY_FACTOR = 3  # the one retry after a failure that was not the student's gets 3x the time


def given_files(course: Path, assignment: str) -> tuple[tuple[str, bytes], ...]:
    """What a kernel's folder starts with: the release's files (not the notebook) and the
    grader's own checks (and variant draw), whatever the release or the student holds."""
    a = get(assignment)
    release = course / "release" / a.name
    files = {p.relative_to(release).as_posix(): p.read_bytes() for p in sorted(release.rglob("*"))
             if p.is_file() and p.name != a.notebook and "__pycache__" not in p.parts}
    files.update({name: module.read_bytes() for name, module in helpers(a.variants).items()})
    return tuple(sorted(files.items()))


def _runs(job: Job, prepared: Prepared, limits: Limits, sandboxed: bool) -> RunTask:
    return RunTask(nbformat.writes(prepared.nb), given_files(job.course, job.assignment), limits,
                   sandboxed)


def _not_theirs(run: Execution) -> str | None:
    """Why a run says nothing about the student's work, if so (see verdict.grader_failure)."""
    if run.start_error:
        return f"the kernel could not start ({run.start_error})"
    if run.died_at is not None:
        return "the kernel stopped (crashed or exited)"
    return grader_failure(run)


def _claimed(job: Job, submitted: NotebookNode) -> str:
    """The code the notebook ran on: its VARIANT, or with none on a hub, the student's own."""
    claimed = claimed_code(submitted)
    return job.variant or "" if claimed == "" and job.variant_from_env else claimed


def _prepare(job: Job, submitted: NotebookNode, source: NotebookNode) -> Prepared:
    """`prepare`, and on a hub, a notebook that left VARIANT empty runs as it did there: on
    the code the hub set for this student (the grader's kernel has no such environment)."""
    a = get(job.assignment)
    prepared = prepare(submitted, source, a)
    if a.variants and job.variant and job.variant_from_env and claimed_code(submitted) == "":
        at = next(n for n, c in enumerate(prepared.nb.cells)
                  if c.metadata.get(ROLE, {}).get("role") == "locked")
        pin = nbformat.v4.new_code_cell(f"VARIANT = {job.variant!r}  # set by the hub for "
                                        f"{job.student}")
        pin.metadata[ROLE] = {"role": "locked", "item": None}
        prepared.nb.cells.insert(at, pin)
    return prepared


def _variant_checked(job: Job, submitted: NotebookNode, items: list[ItemResult]
                     ) -> tuple[list[ItemResult], str]:
    """Items after the variant checks, and a note for the instructor. A notebook whose code is
    not the one issued (or, variants off, that sets one) has its valued items held for a
    person; otherwise, wrong answers that are right for another variant are diagnosed so."""
    if not get(job.assignment).variants:
        return items, ""
    expected, claimed, issued = job.variant or "", _claimed(job, submitted), dict(job.issued)
    if claimed != expected:
        return held(job.course, job.assignment, job.student, items, expected, claimed, issued)
    return recognised(job.course, job.assignment, job.student, items, issued)


def grading(job: Job, limits: Limits, *, sandboxed: bool
            ) -> Generator[RunTask, Execution, tuple[SubmissionResult, NotebookNode | None]]:
    """Grade one submission: yields each run it needs (a `RunTask`, which carries no key and
    no source), is sent back its `Execution`, and returns the result and the executed notebook
    (grader's cells removed) for autograded/. Whoever drives it decides where runs happen.

    A run that failed for a reason not the student's doing (a given cell timed out on a busy
    machine, the kernel died) is run once more with RETRY_FACTOR times the limits; if it fails
    again, its items are marked FAILED, without a score, for a person."""
    a = get(job.assignment)
    key, inputs, source = _key(job.course, job.assignment, job.variant or "")
    started = time.monotonic()
    try:
        submitted = load_submission(job.notebook)
    except (InvalidNotebook, OSError) as exc:
        return whole(job, INVALID_NOTEBOOK, str(exc), sandboxed), None
    prepared = _prepare(job, submitted, source)
    run = yield _runs(job, prepared, limits, sandboxed)
    note = ""
    failure = _not_theirs(run)
    if failure:
        longer = replace(limits, cell_seconds=limits.cell_seconds * RETRY_FACTOR,
                         notebook_seconds=limits.notebook_seconds * RETRY_FACTOR)
        prepared = _prepare(job, submitted, source)  # a fresh nonce for the fresh run
        run = yield _runs(job, prepared, longer, sandboxed)
        note, failure = f"graded on a second run ({failure} on the first)", _not_theirs(run)
    items = judge(a, prepared, run, key, inputs, sandboxed=sandboxed)
    if failure:
        why = (f"not graded: {failure}, twice (the second time with {RETRY_FACTOR}x the time); "
               "not the student's doing: a person should look at it")
        items = [i if i.status == MANUAL else replace(i, status=FAILED, score=None, message=why)
                 for i in items]
        note = why
    items, for_instructor = _variant_checked(job, submitted, items)
    status = (FAILED if any(i.status == FAILED for i in items)
              else TIMEOUT if run.deadline_at is not None else GRADED)
    result = SubmissionResult(job.student, job.assignment, status, sandboxed, items,
                              job.timestamp, job.late, time.monotonic() - started, message=note,
                              variant=job.variant, instructor_note=for_instructor)
    graded = run.nb
    graded.cells = [c for c in graded.cells if c.metadata.get(ROLE, {}).get("role") != "snapshot"]
    for cell in graded.cells:
        cell.metadata.pop(ROLE, None)
    # Instructors open this in formgrader: no student HTML/JS may run in their browser.
    return result, clean_notebook(graded)


def grade(job: Job, limits: Limits, *, sandboxed: bool, slot: int | None = None
          ) -> tuple[SubmissionResult, NotebookNode | None]:
    """`grading`, its runs made here, in this process (sandbox slot `slot`)."""
    steps = grading(job, limits, sandboxed=sandboxed)
    try:
        task = next(steps)
        while True:
            task = steps.send(run_task(task, slot))
    except StopIteration as done:
        return done.value
