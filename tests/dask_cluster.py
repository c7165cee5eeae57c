"""A real Dask cluster on loopback for the tests: `dask scheduler` and `dask worker` processes,
each in its own session so a test can kill one (SIGKILL: a lost machine, not a clean exit)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent
DASK = str(Path(sys.executable).parent / "dask")


def _wait_for(path: Path, proc: subprocess.Popen, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.is_file() or not path.read_text().strip():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start (exit {proc.poll()}); see {path.parent}")
        time.sleep(0.2)


class Cluster:
    """One scheduler and its workers, all started and stopped here."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.workers: dict[str, subprocess.Popen] = {}
        self.scheduler = self._start_scheduler()

    def _start_scheduler(self) -> subprocess.Popen:
        info = self.folder / "scheduler.json"
        info.unlink(missing_ok=True)
        proc = subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", "0",
                                 "--no-dashboard", "--scheduler-file", str(info)],
                                stdout=subprocess.DEVNULL,
                                stderr=open(self.folder / "scheduler.log", "ab"),
                                start_new_session=True)
        _wait_for(info, proc, "dask scheduler")
        self.address = json.loads(info.read_text())["address"]
        return proc

    def add_worker(self, name: str, env: dict | None = None) -> None:
        """A `dask worker` process with one thread, named `name`; the tests' folder is on its
        path, so a plugin defined there can be registered (see dask_payloads.py)."""
        environ = {**os.environ, "PYTHONPATH": str(TESTS), **(env or {})}
        ready = self.folder / f"{name}.ready"
        proc = subprocess.Popen([DASK, "worker", self.address, "--name", name, "--nthreads", "1",
                                 "--no-nanny", "--no-dashboard", "--host", "127.0.0.1",
                                 "--local-directory", str(self.folder / name)],
                                stdout=subprocess.DEVNULL,
                                stderr=open(self.folder / f"{name}.log", "ab"),
                                start_new_session=True, env=environ)
        self.workers[name] = proc
        from distributed import Client

        deadline = time.monotonic() + 60
        with Client(self.address, timeout=30) as client:
            while name not in {w["name"] for w in client.scheduler_info(n_workers=-1)["workers"]
                               .values()}:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"worker {name} did not join; see {self.folder}/{name}.log")
                time.sleep(0.2)
        ready.touch()

    def kill_worker(self, name: str) -> None:
        _kill(self.workers.pop(name))

    def kill_scheduler(self) -> None:
        _kill(self.scheduler)

    def stop(self) -> None:
        for proc in [*self.workers.values(), self.scheduler]:
            _kill(proc)
        self.workers.clear()


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)
