"""Grade a class: every submission in its own sandboxed kernel, several at once, one writer.

Each finished submission is committed to the gradebook, then its ledger file is written
(`<course>/.paradox/ledgers/<assignment>/<student>.json`). A run that is killed resumes from
the ledgers: a submission is graded again only if it has no valid ledger, its file changed, or
the instructor asks (--force, --student). Re-grading updates the same gradebook rows.

Ledgers live outside every folder a submission's files reach (`submitted/`, and `autograded/`
where stock `nbgrader autograde` copies them), and each carries an HMAC under a key kept
beside them (`.paradox/ledger.key`, mode 0600): a ledger a student made, or one copied or
edited, fails the check and the submission is simply graded again.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from tqdm import tqdm

from autograder import variants
from autograder.assignments import get
from autograder.grading import cluster, fonts, gradebook, intake, late
from autograder.grading.results import FAILED, NOT_GRADED, SubmissionResult, from_dict
from autograder.grading.sandbox import Limits, SandboxUnavailable, claim_slot, die_with_parent, probe
from autograder.grading.worker import Job, grade, whole
from autograder.utils import atomic_write, printable

LEDGERS = Path(".paradox") / "ledgers"
LEDGER_KEY = Path(".paradox") / "ledger.key"
LOCK = ".paradox-grading.lock"


class CourseBusy(RuntimeError):
    """Another grader holds this course's lock."""


@dataclass
class Plan:
    todo: list[Job]
    done: list[SubmissionResult]   # already graded, unchanged since


def _digest(job: Job) -> str:
    """What a ledger vouches for: the submitted file and time, and the graded notebook as the
    grader wrote it (stock `nbgrader autograde` rewrites that one, and then its verdict from
    inside the kernel is what the gradebook holds: the next run must grade again)."""
    h = hashlib.sha256(job.notebook.read_bytes() if job.notebook.is_file() else b"")
    h.update(str(job.timestamp).encode())
    h.update(f"variant:{job.variant}:{job.variant_from_env}".encode())  # settings changed: regrade
    graded = job.course / "autograded" / job.student / job.assignment / get(job.assignment).notebook
    h.update(hashlib.sha256(graded.read_bytes()).digest() if graded.is_file() else b"none")
    return h.hexdigest()


def _with_variants(course: Path, jobs: list[Job]) -> list[Job]:
    """Each job of an assignment with variants on carries its student's code and the class's
    codes (every student with a submission, and every code issued before)."""
    class_codes = {}
    for name in sorted({j.assignment for j in jobs} & variants.enabled(course)):
        everyone = sorted({s.student for s in intake.discover(course, name)})
        class_codes[name] = variants.issued_codes(course, name, everyone)
    hub = bool(class_codes) and variants.from_environment(course)
    return [replace(j, variant=class_codes[j.assignment][j.student], variant_from_env=hub,
                    issued=tuple(sorted(class_codes[j.assignment].items())))
            if j.assignment in class_codes else j for j in jobs]


def ledger_path(course: Path, job: Job) -> Path:
    return course / LEDGERS / job.assignment / f"{job.student}.json"


def _ledger_key(course: Path) -> bytes:
    """The course's ledger key, made on first use; readable only by the grader's user."""
    path = course / LEDGER_KEY
    if not path.is_file():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another grader made it first
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def _mac(key: bytes, digest: str, result: dict) -> str:
    body = json.dumps({"digest": digest, "result": result}, sort_keys=True, default=str)
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def read_ledger(path: Path, key: bytes) -> tuple[str, SubmissionResult] | None:
    """A ledger's digest and result, if it is whole and carries the grader's own HMAC."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not hmac.compare_digest(str(data["mac"]), _mac(key, data["digest"], data["result"])):
            return None  # not written by this course's grader: grade again
        return data["digest"], from_dict(data["result"])
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None  # missing or half-written: grade again


def write_ledger(course: Path, job: Job, result: SubmissionResult) -> None:
    path = ledger_path(course, job)
    path.parent.mkdir(parents=True, exist_ok=True)
    digest, row = _digest(job), json.loads(json.dumps(asdict(result), default=str))
    atomic_write(path, json.dumps({"digest": digest, "result": row,
                                   "mac": _mac(_ledger_key(course), digest, row)}))


def plan(course: Path, assignments: list[str] | None = None, students: list[str] | None = None,
         force: bool = False) -> Plan:
    jobs = []
    for name in assignments or (None,):
        for sub in intake.discover(course, name):
            if students and sub.student not in students:
                continue
            stamp = sub.timestamp.strftime("%Y-%m-%d %H:%M:%S.%f UTC") if sub.timestamp else None
            jobs.append(Job(course, sub.assignment, sub.student, sub.path, stamp,
                            intake.is_late(course, sub)))
    jobs = _with_variants(course, jobs)
    todo, done = [], []
    key = _ledger_key(course)
    for job in jobs:
        known = None if force else read_ledger(ledger_path(course, job), key)
        if known and known[0] == _digest(job):
            done.append(known[1])
        else:
            todo.append(job)
    return Plan(todo, done)


class CourseLock:
    """One grader per course at a time; a second one is refused with a clear message."""

    def __init__(self, course: Path):
        self.path = course / LOCK
        self.handle = None

    def __enter__(self):
        self.handle = open(self.path, "a+")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.seek(0)
            holder = self.handle.read().strip() or "another process"
            self.handle.close()
            raise CourseBusy(f"{self.path.parent}: already being graded by {holder}; wait for it "
                             "to finish (or stop it) and run again — finished work is kept") from None
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(f"pid {os.getpid()} since {time.strftime('%Y-%m-%d %H:%M:%S')}")
        self.handle.flush()
        return self

    def __exit__(self, *exc):
        self.handle.seek(0)
        self.handle.truncate()
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def _grade_job(job: Job, limits: Limits, sandboxed: bool):
    # Each worker process claims its own machine-wide slot (hence sandbox uid) on first use.
    result, graded = grade(job, limits, sandboxed=sandboxed,
                           slot=claim_slot() if sandboxed else 0)
    return result, (nbformat.writes(graded) if graded is not None else None)


def _crashed(job: Job, exc: BaseException, sandboxed: bool) -> SubmissionResult:
    """The grader itself failed on this submission: say so, grade nothing as zero."""
    why = f"the grader failed on this submission ({exc.__class__.__name__}: {exc}); regrade it"
    return whole(job, FAILED, why, sandboxed)


def not_graded(job: Job) -> SubmissionResult:
    """A submission that is in submitted/ but not graded as it is now (new, or changed since it
    was graded): what the exports show instead of leaving it out."""
    return whole(job, NOT_GRADED, "this version came in after the last grading run", sandboxed=True)


def _store(course: Path, gb: Gradebook, job: Job, result: SubmissionResult, graded: str | None,
           late_plugin=None):
    folder = course / "autograded" / job.student / job.assignment
    folder.mkdir(parents=True, exist_ok=True)
    if graded is not None:
        atomic_write(folder / get(job.assignment).notebook, graded)
    if job.timestamp:
        atomic_write(folder / "timestamp.txt", job.timestamp)
    gradebook.record(gb, result, late_plugin)  # committed before the ledger: a kill in between regrades
    write_ledger(course, job, result)


def _local(jobs: list[Job], limits: Limits, sandbox: bool, workers: int
           ) -> Iterator[tuple[Job, tuple | BaseException]]:
    """(job, (result, executed notebook) or the exception that stopped it), as each finishes,
    from a pool of processes on this machine."""
    fonts.font_cache()  # built once here; the forked workers inherit it
    with ProcessPoolExecutor(workers, initializer=die_with_parent) as pool:
        futures = {pool.submit(_grade_job, job, limits, sandbox): job for job in jobs}
        for future in as_completed(futures):
            try:
                yield futures[future], future.result()
            except Exception as exc:
                yield futures[future], exc


def grade_class(course: Path, assignments: list[str] | None = None,
                students: list[str] | None = None, *, force: bool = False,
                workers: int | None = None, sandbox: bool = True, limits: Limits = Limits(),
                db: str | None = None, log: Callable[[str], None] | None = None,
                scheduler: str | None = None) -> list[SubmissionResult]:
    """Grade what needs grading; return the results of every submission (new and kept).

    `scheduler` (or the course's c.Cluster.scheduler): run the sandboxed executions on that
    Dask cluster's workers; everything else happens here, as without it."""
    scheduler = scheduler or cluster.course_scheduler(course)
    if scheduler:
        cluster.checked_address(scheduler)  # a typo is reported before anything else runs
    if sandbox and not scheduler:
        reason = probe()
        if reason:
            raise SandboxUnavailable(reason)
    log = log or (lambda line: print(line, file=sys.stderr, flush=True))
    with CourseLock(course):
        work = plan(course, assignments, students, force)
        results = list(work.done)
        if not work.todo:
            return results
        url, course_id = gradebook.course_gradebook(course)
        plugin = late.course_plugin(course)  # a misspelt late policy fails before any kernel runs
        with contextlib.ExitStack() as stack:
            if scheduler:
                client = stack.enter_context(cluster.ready_client(scheduler, sandbox))
                outcomes = cluster.graded(client, scheduler, work.todo, limits, sandbox)
            else:
                n = max(1, min(workers or os.cpu_count() or 1, len(work.todo)))
                outcomes = _local(work.todo, limits, sandbox, n)
            gb = stack.enter_context(gradebook.opened(db or url, course_id))
            results += _store_all(course, gb, work.todo, outcomes, sandbox, plugin, log)
    return results


def _store_all(course: Path, gb: Gradebook, todo: list[Job],
               outcomes: Iterator[tuple[Job, tuple | BaseException]], sandbox: bool, plugin,
               log: Callable[[str], None]) -> list[SubmissionResult]:
    """Store each outcome as it comes (one writer: this process), with progress."""
    results = []
    bar = tqdm(total=len(todo), unit="submission", disable=not sys.stderr.isatty(),
               desc="grading")
    for n, (job, outcome) in enumerate(outcomes, start=1):
        if isinstance(outcome, BaseException):  # one bad submission never stops the batch
            result, graded = _crashed(job, outcome, sandbox), None
        else:
            result, graded = outcome
        _store(course, gb, job, result, graded, plugin)
        results.append(result)
        score = "—" if result.score is None else f"{result.score:g}"
        if bar.disable:
            log(f"[{n}/{len(todo)}] {job.assignment}/{printable(job.student)}: {result.status} "
                f"{score}/{result.max_score:g} ({result.seconds:.1f} s)")
        bar.update()
    bar.close()
    return results
