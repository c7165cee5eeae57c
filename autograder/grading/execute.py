"""Run a prepared notebook in a fresh kernel, inside the sandbox, within its time limits."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode
from nbformat.v4 import new_output

from autograder.grading.sandbox import Limits, kernel_argv, prepare_workdir, reap, scrubbed_env

KERNEL = "paradox-grading"


@dataclass
class Execution:
    nb: NotebookNode
    seconds: float
    timed_out: set[int] = field(default_factory=set)  # cells interrupted at the cell limit
    died_at: int | None = None   # the cell during which the kernel died
    deadline_at: int | None = None  # the cell running when the notebook limit was reached
    start_error: str = ""         # the kernel could not start at all


class GradingClient(NotebookClient):
    """nbclient, noting which cells timed out and keeping at most `output_bytes` per cell."""

    def __init__(self, nb, output_bytes: int, **kw):
        super().__init__(nb, **kw)
        self.output_bytes = output_bytes
        self.timed_out: set[int] = set()
        self.current = -1
        self._sizes: dict[int, int] = {}

    async def async_execute_cell(self, cell, cell_index, *args, **kwargs):
        self.current = cell_index
        return await super().async_execute_cell(cell, cell_index, *args, **kwargs)

    async def _async_handle_timeout(self, timeout, cell=None):
        self.timed_out.add(self.current)
        return await super()._async_handle_timeout(timeout, cell)

    def output(self, outs, msg, display_id, cell_index):
        size = len(json.dumps(msg.get("content", {}), default=str))
        total = self._sizes.get(cell_index, 0)
        self._sizes[cell_index] = total + size
        if total + size > self.output_bytes:
            if total <= self.output_bytes:
                outs.append(new_output("stream", name="stdout", text=(
                    f"\n[output truncated by the grader after {self.output_bytes} bytes]\n")))
            return None
        return super().output(outs, msg, display_id, cell_index)


class SandboxKernelManager(AsyncKernelManager):
    """Hands the connection file (written 0600 by the grader) to the kernel's own uid."""

    owner: int | None = None

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        if self.owner is not None:
            os.chown(self.connection_file, self.owner, self.owner)


def _kernel_manager(base: Path, work: Path, limits: Limits, sandboxed: bool, uid: int | None):
    ipc = base / "ipc"
    ipc.mkdir(exist_ok=True)
    spec_dir = base / "kernels" / KERNEL
    spec_dir.mkdir(parents=True, exist_ok=True)
    argv = kernel_argv(work, limits, sandboxed=sandboxed, uid=uid, binds=(ipc,))
    # Interrupts go as messages: a signal would reach bwrap, not the kernel inside it.
    spec_dir.joinpath("kernel.json").write_text(json.dumps(
        {"argv": argv, "display_name": KERNEL, "language": "python", "interrupt_mode": "message"}))
    prepare_workdir(ipc, uid)
    km = SandboxKernelManager(
        kernel_name=KERNEL, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(base / "kernels")]),
        transport="ipc", ip=str(ipc / "k"), connection_file=str(ipc / "kernel.json"))
    km.owner = uid if sandboxed else None
    return km


async def _run(client: GradingClient, km: AsyncKernelManager, work: Path, limits: Limits,
               sandboxed: bool) -> tuple[int | None, int | None]:
    died = deadline = None
    env = scrubbed_env(work)
    try:
        await asyncio.wait_for(
            client.async_execute(cwd=str(work), env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL),
            timeout=limits.notebook_seconds)
    except TimeoutError:
        deadline = client.current
    except DeadKernelError:
        died = client.current
    finally:
        await _kill(km)
    return died, deadline


async def _kill(km: AsyncKernelManager) -> None:
    """Stop the kernel for sure. Killing bwrap ends the sandbox's pid namespace, and with it
    everything the student started (forks, sleepers)."""
    process = getattr(km.provisioner, "process", None) if km.provisioner else None
    try:
        if km.has_kernel:
            await km.shutdown_kernel(now=True)
    except Exception:  # a half-closed channel must not leave the sandbox running
        pass
    if process is not None and process.poll() is None:
        process.kill()
        process.wait(timeout=10)


def execute(nb: NotebookNode, base: Path, work: Path, limits: Limits, *, sandboxed: bool,
            uid: int | None) -> Execution:
    """Execute `nb` with `work` as its folder; `base` holds the kernel's sockets and spec."""
    prepare_workdir(work, uid)
    if uid is not None:
        os.chmod(work, 0o700)
    if sandboxed:
        reap(uid)
    km = _kernel_manager(base, work, limits, sandboxed, uid)
    client = GradingClient(nb, limits.output_bytes, km=km, timeout=limits.cell_seconds,
                           allow_errors=True, interrupt_on_timeout=True,
                           error_on_timeout={"ename": "CellTimeout",
                                             "evalue": f"the cell ran longer than {limits.cell_seconds} s",
                                             "traceback": []},
                           startup_timeout=60, record_timing=False)
    started = time.monotonic()
    try:
        died, deadline = asyncio.run(_run(client, km, work, limits, sandboxed))
    except RuntimeError as exc:  # the kernel never came up
        return Execution(nb, time.monotonic() - started, start_error=str(exc))
    finally:
        if sandboxed:
            reap(uid)
    return Execution(nb, time.monotonic() - started, set(client.timed_out), died, deadline)
