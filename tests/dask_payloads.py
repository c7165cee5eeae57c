"""A Dask worker plugin that keeps, for the tests, every task a worker starts: the task as the
worker received it (its function and arguments, pickled), one file per start, named by the
worker and the task's key. What is in these files is everything that reached the worker."""

from __future__ import annotations

import time
from pathlib import Path

import cloudpickle
from distributed import WorkerPlugin


class RecordPayloads(WorkerPlugin):
    name = "paradox-record-payloads"

    def __init__(self, folder: str):
        self.folder = folder

    def setup(self, worker):
        self.worker = worker

    def transition(self, key, start, finish, **kwargs):
        if finish != "executing":
            return
        task = self.worker.state.tasks.get(key)
        if task is None:
            return
        path = Path(self.folder) / f"{self.worker.name}--{key}--{time.time_ns()}.pkl"
        path.write_bytes(cloudpickle.dumps(task.run_spec))


def recorded(folder: Path) -> list[tuple[str, str, bytes]]:
    """(worker name, task key, payload) of every task start recorded in `folder`."""
    out = []
    for path in sorted(folder.glob("*.pkl")):
        worker, key, _ = path.stem.split("--")
        out.append((worker, key, path.read_bytes()))
    return out
