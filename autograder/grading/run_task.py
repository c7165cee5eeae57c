"""One sandboxed run of a prepared notebook: the part of grading that may happen elsewhere.

A `RunTask` is everything a run needs and nothing more: the prepared notebook (answers in
place, hidden tests already cleared), the release's given files with the grader's checks,
and the limits. It carries no answer key, no source notebook and no path into the course,
so it can be handed to another process or, through Dask, to another machine; judging
happens where the task came from.
"""

from __future__ import annotations

import platform
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath

import nbformat

from autograder.grading import fonts
from autograder.grading.execute import Execution, execute
from autograder.grading.sandbox import (
    Limits,
    SandboxUnavailable,
    claim_slot,
    probe,
    slot_uid,
    task_slot,
)


@dataclass(frozen=True)
class RunTask:
    notebook: str                          # the prepared notebook, as JSON text
    given: tuple[tuple[str, bytes], ...]   # (path in the kernel's folder, contents)
    limits: Limits
    sandboxed: bool


def _run(task: RunTask, slot: int) -> Execution:
    base = Path(tempfile.mkdtemp(prefix="paradox-grade-"))
    try:
        work = base / "work"
        work.mkdir()
        for name, data in task.given:
            if name.startswith("/") or ".." in PurePosixPath(name).parts:
                raise ValueError(f"given file {name!r} lies outside the kernel's folder")
            path = work / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        fonts.seed(work)  # matplotlib's font cache, warm: no kernel rebuilds it
        uid = slot_uid(slot) if task.sandboxed else None
        for _attempt in range(2):  # a kernel that fails to start gets one more try
            run = execute(nbformat.reads(task.notebook, as_version=4), base, work, task.limits,
                          sandboxed=task.sandboxed, uid=uid)
            if not run.start_error:
                break
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return run


def run_task(task: RunTask, slot: int | None = None) -> Execution:
    """Run `task` in a fresh scratch folder, in sandbox slot `slot` (this process's own slot
    if None; see `sandbox.claim_slot`)."""
    return _run(task, claim_slot() if slot is None else slot)


@cache
def _sandbox_problem() -> str | None:
    return probe()


def run_remote(task: RunTask) -> Execution:
    """`run_task` on a Dask worker, whose threads each run a kernel at once: each run holds a
    slot of its own for just as long as it runs. A worker that cannot start the sandbox says
    so (the grading run stops) rather than run the student's code unconfined."""
    if task.sandboxed and (reason := _sandbox_problem()):
        raise SandboxUnavailable(f"{platform.node()}: {reason}")
    with task_slot() as slot:
        return _run(task, slot)
