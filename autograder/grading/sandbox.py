"""Where student code runs: a bubblewrap sandbox around the Jupyter kernel.

The kernel sees the Python installation read-only, its own scratch folder read-write, a
private /tmp, no network (a new network namespace) and nothing of the course, the gradebook,
this package or other submissions. Resource limits are set by a tiny launcher before the
kernel starts. When the grader runs as root, each worker slot runs its kernels under its own
unprivileged uid, because root is exempt from the process limit that bounds a fork bomb.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import autograder

UID_BASE = 61000  # kernels of worker slot k run as uid/gid UID_BASE + k when the grader is root


@dataclass(frozen=True)
class Limits:
    cell_seconds: int = 60          # one cell; the kernel is interrupted, later cells still run
    notebook_seconds: int = 300     # the whole notebook; the kernel is then stopped
    memory_bytes: int = 3 * 2**30   # address space of the kernel and its children
    processes: int = 128            # tasks (processes and threads) of the sandbox's uid
    file_bytes: int = 64 * 2**20    # largest file the student may write
    output_bytes: int = 2**20       # output kept per cell; the rest is dropped with a note
    # Output kept from the student's own cells together (each also within output_bytes): the
    # grader holds the whole notebook in memory, and a student may add any number of cells.
    notebook_output_bytes: int = 16 * 2**20
    # Everything the student can write (the working folder and /tmp) lives in one tmpfs of this
    # size. tmpfs pages are RAM outside RLIMIT_AS: a kernel may hold memory_bytes + disk_bytes.
    disk_bytes: int = 256 * 2**20


class SandboxUnavailable(RuntimeError):
    """bubblewrap cannot start here; the message says why and what to do."""


# Where the sandbox shows the prepared folder (release files, checks.py), read-only: the launcher
# copies it into the size-limited working folder, so nothing the student writes reaches the disk.
GIVEN = "/srv/paradox-given"

# Applied inside the sandbox just before the kernel: stdlib only, since the package is hidden.
# argv: limits, the folder to copy into the working folder ('-': none), the kernel's command.
LAUNCHER = (
    "import os, resource, shutil, sys\n"
    "if sys.argv[2] != '-':\n"
    "    for name in os.listdir(sys.argv[2]):\n"
    "        src = os.path.join(sys.argv[2], name)\n"
    "        copy = shutil.copytree if os.path.isdir(src) else shutil.copy2\n"
    "        copy(src, name)\n"
    "lim = dict(a.split('=') for a in sys.argv[1].split(','))\n"
    "for name, value in lim.items():\n"
    "    n = int(value)\n"
    "    resource.setrlimit(getattr(resource, 'RLIMIT_' + name.upper()), (n, n))\n"
    "os.execv(sys.executable, [sys.executable] + sys.argv[3:])\n"
)


def scrubbed_env(home: Path) -> dict[str, str]:
    """The kernel's whole environment: nothing of the instructor's (tokens, paths) leaks in."""
    return {"HOME": str(home), "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            "LANG": "C.UTF-8", "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(home / ".matplotlib"),
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "PYTHONDONTWRITEBYTECODE": "1", "JPY_SESSION_NAME": "submission"}


def _python_roots() -> list[str]:
    """Folders the interpreter and its packages live in, to mount read-only."""
    roots = {sys.base_prefix, sys.prefix, os.path.realpath(sys.executable).rsplit("/bin/", 1)[0]}
    roots.update(p for p in site.getsitepackages() if os.path.isdir(p))
    found = sorted(r for r in roots if r and os.path.isdir(r))
    return [r for r in found if not any(r != o and r.startswith(o + "/") for o in found)]


def _masked() -> list[str]:
    """This package, wherever it would be visible inside: it holds the answer key."""
    package = os.path.realpath(os.path.dirname(autograder.__file__))
    return [package] if any(package.startswith(r + "/") for r in _python_roots()) else []


SLOTS = Path("/tmp/paradox-sandbox-slots")
_claimed: tuple | None = None  # (slot, its locked file), held until the process exits


def claim_slot(limit: int = 512) -> int:
    """A sandbox slot no other process on this machine is using, held for this process's life.

    Slots must be unique machine-wide, not per run: the grader kills everything a slot's uid
    runs between kernels, so two runs sharing a slot would kill each other's kernels."""
    global _claimed
    if os.geteuid() != 0:
        return 0  # not root: kernels run under the caller's own uid and nothing is reaped
    if _claimed is not None and _claimed[2] == os.getpid():
        return _claimed[0]
    import fcntl

    SLOTS.mkdir(mode=0o755, exist_ok=True)
    for slot in range(limit):
        handle = open(SLOTS / f"{slot}.lock", "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        _claimed = (slot, handle, os.getpid())
        return slot
    raise SandboxUnavailable(f"all {limit} sandbox slots in {SLOTS} are in use")


@contextmanager
def task_slot(limit: int = 512) -> Iterator[int]:
    """A slot held only while the block runs: for a process that runs several kernels at once
    (a Dask worker's threads). The locks are per open file, so slots held this way and the
    one `claim_slot` holds for the process's life never overlap."""
    if os.geteuid() != 0:
        yield 0
        return
    import fcntl

    SLOTS.mkdir(mode=0o755, exist_ok=True)
    for slot in range(limit):
        handle = open(SLOTS / f"{slot}.lock", "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        try:
            yield slot
        finally:
            handle.close()
        return
    raise SandboxUnavailable(f"all {limit} sandbox slots in {SLOTS} are in use")


def die_with_parent() -> None:
    """Pool-worker initializer: the worker is killed when the grader that started it dies
    (even by SIGKILL), so it cannot go on running a kernel and holding its sandbox slot."""
    import ctypes
    import multiprocessing
    import signal

    parent = multiprocessing.parent_process()
    expected = parent.pid if parent is not None else os.getppid()
    pr_set_pdeathsig = 1
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != expected:  # the grader died before the signal was armed
        os.kill(os.getpid(), signal.SIGKILL)


def slot_uid(slot: int) -> int | None:
    return UID_BASE + slot if os.geteuid() == 0 else None


def bwrap_prefix(work: Path, uid: int | None, binds: tuple[Path, ...] = (),
                 disk_bytes: int = Limits.disk_bytes) -> list[str]:
    """bwrap and its mounts. As root (uid given) bwrap needs no user namespace and the kernel
    drops to `uid` inside, with no capabilities; otherwise a user namespace maps the caller.
    The working folder starts empty: the launcher fills it from GIVEN (see `writable`)."""
    if uid is None:
        args = ["bwrap", "--unshare-all", "--uid", "1000", "--gid", "1000"]
    else:
        args = ["bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                "--unshare-cgroup-try"]
    args += ["--die-with-parent", "--new-session", "--proc", "/proc", "--dev", "/dev",
             "--hostname", "sandbox"]
    first, then = writable(work, disk_bytes)
    args += first
    # /etc/fonts and fontconfig's cache: without them fontconfig (which matplotlib runs to
    # list fonts) prints "Fontconfig error" into the student's output.
    system = ("/usr", "/bin", "/lib", "/lib64", "/lib32", "/etc/alternatives", "/etc/ld.so.cache",
              "/etc/localtime", "/etc/ssl", "/etc/fonts", "/var/cache/fontconfig")
    # As root bwrap makes the folders leading to these 0700: the kernel's uid could not reach them.
    for folder in sorted({str(p) for s in system for p in Path(s).parents} - {"/"}, key=len):
        args += ["--perms", "0755", "--dir", folder]
    for path in system:
        args += ["--ro-bind-try", path, path]
    roots = _python_roots()
    targets = [*roots, *map(str, binds), str(work), GIVEN]
    # bwrap would copy the host's modes onto the folders leading to a mount (/root is 0700):
    # make them traversable so the kernel's unprivileged uid can reach what is mounted.
    for folder in sorted({str(a) for t in targets for a in Path(t).parents} - {"/", "/tmp"},
                         key=lambda f: f.count("/")):
        if not any(folder == r or folder.startswith(r + "/") for r in ("/usr", "/bin", "/lib")):
            args += ["--perms", "0755", "--dir", folder]
    for root in roots:
        args += ["--ro-bind", root, root]
    for hidden in _masked():
        args += ["--tmpfs", hidden]
    for extra in binds:  # the kernel's sockets and connection file, at the same path inside
        args += ["--bind", str(extra), str(extra)]
    args += [*then, "--ro-bind", str(work), GIVEN, "--chdir", str(work), "--clearenv"]
    for key, value in scrubbed_env(work).items():
        args += ["--setenv", key, value]
    if uid is not None:
        args += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
    return args


def writable(work: Path, disk_bytes: int) -> tuple[list[str], list[str]]:
    """The only places the student can write, the working folder and /tmp, in one tmpfs of
    `disk_bytes`, so a full disk is the student's own ENOSPC, never the grader's disk (/dev/shm
    and every other folder inside belong to root; the sockets folder is sealed once the kernel
    is up, see execute.seal_sockets). bwrap options to give before the folders leading to the
    mounts are made, and after."""
    size = ["--size", str(disk_bytes)]
    if Path(work).is_relative_to("/tmp"):  # the usual case: the folder is inside /tmp's tmpfs
        return [*size, "--perms", "01777", "--tmpfs", "/tmp"], ["--perms", "0777", "--dir", str(work)]
    # elsewhere, /tmp is a folder of the working folder's tmpfs
    return [], [*size, "--perms", "0777", "--tmpfs", str(work), "--perms", "01777",
                "--dir", f"{work}/.tmp", "--symlink", f"{work}/.tmp", "/tmp"]


def limits_arg(limits: Limits, uid: int | None) -> str:
    procs = limits.processes if uid is not None else _tasks_of(os.getuid()) + limits.processes
    return (f"as={limits.memory_bytes},cpu={limits.notebook_seconds + 30},nproc={procs},"
            f"fsize={limits.file_bytes},core=0")


def _tasks_of(uid: int) -> int:
    """Processes and threads this uid runs now: the process limit counts them all."""
    count = 0
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if os.stat(f"/proc/{pid}").st_uid == uid:
                    count += len(os.listdir(f"/proc/{pid}/task"))
            except OSError:
                continue
    return count


def kernel_argv(work: Path, limits: Limits, *, sandboxed: bool, uid: int | None,
                binds: tuple[Path, ...] = ()) -> list[str]:
    """The command that starts one student's kernel ({connection_file} filled by Jupyter)."""
    kernel = [sys.executable, "-c", LAUNCHER, limits_arg(limits, uid if sandboxed else None),
              GIVEN if sandboxed else "-", "-m", "ipykernel_launcher", "-f", "{connection_file}",
              # no history database: its thread writes to disk and prints into any cell's stdout
              "--HistoryManager.enabled=False"]
    return (bwrap_prefix(work, uid, binds, limits.disk_bytes) + kernel) if sandboxed else kernel


def prepare_workdir(work: Path, uid: int | None) -> None:
    """The scratch folder must belong to the uid the kernel runs as."""
    if uid is not None:
        for path in [work, *work.rglob("*")]:
            os.chown(path, uid, uid, follow_symlinks=False)


def probe(tmp: Path | None = None) -> str | None:
    """Why a sandbox cannot start here, or None if it can."""
    if shutil.which("bwrap") is None:
        return ("bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap); "
                "or grade with --no-sandbox to run student code unconfined")
    if os.geteuid() == 0 and not Path("/usr/bin/setpriv").is_file():
        return "setpriv (util-linux) is needed to drop root before starting the sandbox"
    import tempfile

    with task_slot() as slot, tempfile.TemporaryDirectory(dir=tmp) as work:
        uid = slot_uid(slot)
        prepare_workdir(Path(work), uid)
        done = subprocess.run(bwrap_prefix(Path(work), uid) + [sys.executable, "-c", "pass"],
                              capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        return (f"bubblewrap could not start a sandbox: {done.stderr.strip() or done.returncode} "
                "(unprivileged user namespaces may be disabled: sysctl kernel.unprivileged_userns_clone=1)")
    return None


def reap(uid: int | None, timeout: float = 15.0) -> None:
    """Kill whatever a slot's uid still runs (a fork bomb's children), and wait until it is
    gone: the next kernel in this slot must start with the whole process allowance."""
    if uid is None:
        return
    import signal
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit() and _owned_by(int(p), uid)]
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)


def _owned_by(pid: int, uid: int) -> bool:
    try:
        return os.stat(f"/proc/{pid}").st_uid == uid
    except OSError:
        return False
