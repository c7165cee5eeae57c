"""Grading on a Dask cluster: the sandboxed runs happen on Dask workers; reading submissions,
judging, the gradebook, the ledgers and the course lock stay with the one `grade` process.

Each run is a Dask task whose only argument is a `RunTask` (the prepared notebook, the given
files, the limits): no answer key, no source notebook, no path into the course leaves this
machine. Dask reschedules the task of a worker that is lost; its result comes back once, and
is stored once. Losing the scheduler stops the run with `ClusterError`: what was stored is
kept (the ledgers), and running `grade` again resumes.
"""

from __future__ import annotations

import hashlib
import os
import platform
import uuid
from collections.abc import Generator, Iterator
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import autograder
from autograder.grading.sandbox import Limits, SandboxUnavailable, probe

if TYPE_CHECKING:  # imported where used: `worker-check` need not load nbgrader and nbclient
    from autograder.grading.run_task import RunTask
    from autograder.grading.worker import Job

# What a worker must share with this machine for a run to come out the same: the kernel's
# packages (student code runs on them), and the grader's own code.
SAME_VERSIONS = ("platform-paradox-autograder", "ipykernel", "jupyter_client", "nbclient",
                 "nbformat", "numpy", "pandas", "matplotlib", "distributed")
CONNECT_SECONDS = 20
WORKER_WAIT_SECONDS = 60


class ClusterError(RuntimeError):
    """The Dask scheduler cannot be reached or was lost, or its workers cannot grade."""


def course_scheduler(course: Path) -> str | None:
    """`c.Cluster.scheduler` in the course's nbgrader_config.py (e.g. "tcp://head:8786")."""
    from autograder.grading.late import course_config

    value = course_config(course).get("Cluster", {}).get("scheduler")
    if value is not None and not (isinstance(value, str) and "://" in value):
        raise ClusterError(f"{Path(course) / 'nbgrader_config.py'}: c.Cluster.scheduler must be "
                           f"a scheduler address such as 'tcp://head:8786'; found {value!r}")
    return value or None


@cache
def _code_digest() -> str:
    """The grader's own source, so two installs of one version with different code differ."""
    root = Path(autograder.__file__).parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:12]


def _versions() -> dict[str, str]:
    found = {}
    for name in SAME_VERSIONS:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "missing"
    return found


def machine_report(sandboxed: bool = True) -> dict:
    """What this machine would grade with (run on each worker by `check_workers`, which also
    warms the worker: its matplotlib font cache is built here, not in the first run)."""
    from autograder.grading import fonts

    sandbox = probe() if sandboxed else None
    if sandboxed and not sandbox:
        fonts.font_cache()
    return {"host": platform.node(), "python": platform.python_version(),
            "versions": _versions(), "code": _code_digest(), "root": os.geteuid() == 0,
            "cores": os.cpu_count(), "sandbox": sandbox}


def problems_of(head: dict, worker: dict) -> list[str]:
    """What a worker lacks, compared with this machine, in words an instructor can act on."""
    found = []
    if worker["sandbox"]:
        found.append(f"cannot start the sandbox: {worker['sandbox']}")
    if worker["python"].rsplit(".", 1)[0] != head["python"].rsplit(".", 1)[0]:
        found.append(f"runs Python {worker['python']}, this machine {head['python']}")
    for name, mine in head["versions"].items():
        theirs = worker["versions"].get(name, "missing")
        if theirs != mine:
            found.append(f"has {name} {theirs}, this machine {mine} (install with `pip install -c "
                         "constraints.txt` from the same checkout)")
    if not found and worker["code"] != head["code"]:
        found.append(f"has different autograder code (digest {worker['code']}, this machine "
                     f"{head['code']}): install the same checkout on every worker")
    return found


def checked_address(address: str) -> str:
    """`address` if Dask can read it as a scheduler's address, else ClusterError saying so."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address, strict=True)
        if scheme in ("tcp", "tls"):
            parse_host_port(location)
    except ValueError as exc:
        raise ClusterError(f"{address!r} is not a Dask scheduler address ({exc}); give one "
                           "such as tcp://head.example.edu:8786") from None
    return address


def connect(address: str):
    from distributed import Client

    checked_address(address)
    try:
        return Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address} ({exc}); is "
                           "`dask scheduler` running there, and is the port open?") from None


def check_workers(client, sandboxed: bool = True,
                  wait: float = WORKER_WAIT_SECONDS) -> dict[str, list[str]]:
    """Each worker's problems (empty list: ready). Waits up to `wait` s for a first worker."""
    try:
        client.wait_for_workers(1, timeout=wait)
    except TimeoutError:
        raise ClusterError(f"no Dask worker joined the scheduler at {client.scheduler.address} "
                           f"within {wait:g} s; start some with `dask worker "
                           f"{client.scheduler.address}`") from None
    head = machine_report(sandboxed=False)
    reports = client.run(machine_report, sandboxed)
    return {worker: problems_of(head, report) for worker, report in sorted(reports.items())}


def ready_client(address: str, sandboxed: bool):
    """A client whose every worker can grade, or ClusterError saying what each lacks."""
    client = connect(address)
    try:
        lacking = {w: p for w, p in check_workers(client, sandboxed).items() if p}
    except BaseException:
        client.close()
        raise
    if lacking:
        client.close()
        each = " | ".join(f"{w}: {'; '.join(p)}" for w, p in lacking.items())
        raise ClusterError(f"{len(lacking)} Dask worker(s) cannot grade, so nothing was graded "
                           f"(`autograder worker-check` lists them): {each}")
    return client


def _lost(client, address: str, exc: BaseException) -> ClusterError:
    return ClusterError(f"lost the Dask scheduler at {address} ({exc.__class__.__name__}: "
                        f"{exc}); every submission graded so far is stored and kept: start the "
                        "scheduler again and rerun the same `autograder grade` to resume")


def graded(client, address: str, jobs: list[Job], limits: Limits, sandboxed: bool
           ) -> Iterator[tuple[Job, tuple | BaseException]]:
    """(job, (result, executed notebook) or the exception that stopped it), as each finishes.

    ClusterError when the scheduler is lost (the client gives up after CONNECT_SECONDS of
    trying to reconnect), or a worker cannot start the sandbox."""
    from distributed.client import FutureCancelledError

    outcomes = _graded(client, jobs, limits, sandboxed)
    while True:
        try:
            outcome = next(outcomes)
        except StopIteration:
            return
        except (FutureCancelledError, OSError, TimeoutError) as exc:
            outcomes.close()
            raise _lost(client, address, exc) from None
        yield outcome


def _graded(client, jobs: list[Job], limits: Limits, sandboxed: bool
            ) -> Generator[tuple[Job, tuple | BaseException], None, None]:
    """At most about twice as many runs as the cluster has threads are in flight, so the
    prepared notebooks waiting here stay few however large the class."""
    import nbformat
    from distributed import as_completed
    from distributed.client import FutureCancelledError

    from autograder.grading.run_task import run_remote
    from autograder.grading.worker import grading

    queue, done = list(reversed(jobs)), as_completed(loop=client.loop)
    steps: dict[Job, Generator[RunTask, Any, Any]] = {}
    owner: dict[str, Job] = {}  # task key -> its submission

    def start(job: Job, run=None) -> tuple | BaseException | None:
        gen = steps.get(job) or grading(job, limits, sandboxed=sandboxed)
        try:
            task: RunTask = next(gen) if run is None else gen.send(run)
        except StopIteration as finished:
            steps.pop(job, None)
            result, nb = finished.value
            return result, (nbformat.writes(nb) if nb is not None else None)
        except Exception as exc:  # judging failed on this submission: it alone is affected
            steps.pop(job, None)
            return exc
        steps[job] = gen
        future = client.submit(run_remote, task, key=f"paradox-run-{uuid.uuid4().hex}",
                               pure=False)
        owner[future.key] = job
        done.add(future)
        return None

    def room() -> int:
        return max(2, 2 * sum(client.nthreads().values())) - done.count()

    def fill() -> Iterator[tuple[Job, tuple | BaseException]]:
        while queue and room() > 0:
            job = queue.pop()
            outcome = start(job)
            if outcome is not None:
                yield job, outcome

    try:
        yield from fill()
        while not done.is_empty():
            future = next(done)
            job = owner.pop(future.key)
            try:
                run = future.result()
            except (FutureCancelledError, OSError, TimeoutError):
                raise  # the scheduler is gone: `graded` says so
            except SandboxUnavailable as exc:
                raise ClusterError(f"a Dask worker cannot run the sandbox: {exc}") from None
            except Exception as exc:  # the run failed there (a KilledWorker after retries)
                steps.pop(job, None)
                yield job, exc
            else:
                outcome = start(job, run)
                if outcome is not None:
                    yield job, outcome
            yield from fill()
    finally:
        for gen in steps.values():
            gen.close()
