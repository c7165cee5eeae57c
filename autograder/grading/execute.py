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

from autograder.grading.prepare import ROLE
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
    disk_full: set[int] = field(default_factory=set)  # cells that failed on the disk limit


GRADER_ROLES = ("locked", "snapshot")  # cells the grader wrote: outside the notebook budget


def _size(msg: dict) -> int:
    """What a message adds to the stored notebook, in bytes of JSON (buffers as base64)."""
    buffers = sum(len(b) for b in msg.get("buffers") or ())
    return len(json.dumps(msg.get("content", {}), default=str)) + buffers * 4 // 3


class GradingClient(NotebookClient):
    """nbclient, noting which cells timed out, and keeping at most `output_bytes` of what each
    cell adds to the notebook and `notebook_bytes` from the student's cells together. Every
    message that makes the stored notebook grow is counted: outputs, updates of a display (as
    many times as the display is shown) and widget (comm) messages, whose state nbclient keeps
    in the notebook's metadata. What goes over is dropped, with a note in the cell."""

    def __init__(self, nb, output_bytes: int, notebook_bytes: int | None = None, **kw):
        super().__init__(nb, **kw)
        self.output_bytes = output_bytes
        self.notebook_bytes = notebook_bytes if notebook_bytes is not None else Limits.notebook_output_bytes
        self.timed_out: set[int] = set()
        self.current = -1
        self.ready = lambda: None  # called once the kernel answers, before any cell runs
        self._sizes: dict[int, int] = {}
        self._student_bytes = 0
        self._truncated: set[int] = set()

    async def async_start_new_kernel_client(self):
        client = await super().async_start_new_kernel_client()
        self.ready()
        return client

    async def async_execute_cell(self, cell, cell_index, *args, **kwargs):
        self.current = cell_index
        return await super().async_execute_cell(cell, cell_index, *args, **kwargs)

    async def _async_handle_timeout(self, timeout, cell=None):
        self.timed_out.add(self.current)
        return await super()._async_handle_timeout(timeout, cell)

    def _keep(self, cell_index: int, size: int, outs: list) -> bool:
        """Count `size` bytes against the cell's and the notebook's allowance: may they stay?"""
        total = self._sizes[cell_index] = self._sizes.get(cell_index, 0) + size
        within = total <= self.output_bytes
        if self.nb.cells[cell_index].metadata.get(ROLE, {}).get("role") not in GRADER_ROLES:
            self._student_bytes += size
            within = within and self._student_bytes <= self.notebook_bytes
        if not within and cell_index not in self._truncated:
            self._truncated.add(cell_index)
            outs.append(self._note())
        return within

    def _note(self):
        return new_output("stream", name="stdout", text=(
            f"\n[output truncated by the grader after {self.output_bytes} bytes in this cell "
            f"or {self.notebook_bytes} bytes in the notebook]\n"))

    def output(self, outs, msg, display_id, cell_index):
        if not self._keep(cell_index, _size(msg), outs):
            return None
        return super().output(outs, msg, display_id, cell_index)

    def clear_output(self, outs, msg, cell_index):
        super().clear_output(outs, msg, cell_index)
        if cell_index in self._truncated and not outs:
            outs.append(self._note())  # the note stays visible

    def _update_display_id(self, display_id, msg):
        # An update rewrites every output showing the display: it adds its size once per output.
        shown = sum(map(len, self._display_id_map.get(display_id, {}).values()))
        if shown and self.current >= 0 and not self._keep(self.current, _size(msg) * shown,
                                    self.nb.cells[self.current].outputs):
            return None
        return super()._update_display_id(display_id, msg)

    def handle_comm_msg(self, outs, msg, cell_index):
        if not self._keep(cell_index, _size(msg), outs):
            return None
        return super().handle_comm_msg(outs, msg, cell_index)


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
    client = GradingClient(nb, limits.output_bytes, limits.notebook_output_bytes, km=km,
                           timeout=limits.cell_seconds,
                           allow_errors=True, interrupt_on_timeout=True,
                           error_on_timeout={"ename": "CellTimeout",
                                             "evalue": f"the cell ran longer than {limits.cell_seconds} s",
                                             "traceback": []},
                           startup_timeout=60, record_timing=False)
    if sandboxed and uid is not None:
        client.ready = lambda: seal_sockets(base / "ipc")
    started = time.monotonic()
    try:
        died, deadline = asyncio.run(_run(client, km, work, limits, sandboxed))
    except RuntimeError as exc:  # the kernel never came up
        return Execution(nb, time.monotonic() - started, start_error=str(exc))
    finally:
        if sandboxed:
            reap(uid)
    return Execution(nb, time.monotonic() - started, set(client.timed_out), died, deadline,
                     disk_full=mark_disk_full(nb, limits))


def seal_sockets(ipc: Path) -> None:
    """Once the kernel has bound its sockets, its folder (on the grader's disk) goes back to
    root: student code can no longer create files there, nor write the connection file."""
    for path in ipc.iterdir():
        if path.is_file():
            os.chown(path, 0, 0)
            os.chmod(path, 0o600)
    os.chown(ipc, 0, 0)
    os.chmod(ipc, 0o755)


# --- The disk limit, as the student sees it -----------------------------------------------
DISK_FULL = "disk limit exceeded"


def mark_disk_full(nb: NotebookNode, limits: Limits) -> set[int]:
    """Cells whose error is a full disk (ENOSPC): the files the notebook wrote reached
    `disk_bytes`. Their error text is prefixed with a note naming the limit, so every message
    built from the error (the verdict quotes its first 200 characters) says which limit."""
    note = (f"{DISK_FULL} (the files this notebook writes may total at most "
            f"{limits.disk_bytes // 2**20} MiB): ")
    hit = set()
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            text = str(out.get("evalue", ""))
            if out.get("output_type") == "error" and not text.startswith(DISK_FULL) and (
                    "No space left on device" in text or "[Errno 28]" in text):
                out["evalue"] = note + text
                hit.add(index)
    return hit
