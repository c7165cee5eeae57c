"""Run the real nbgrader command line for a course folder."""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
from pathlib import Path


def _with_bin_dir(path: str) -> str:
    """PATH with this Python's folder first: nbgrader shells out to `alembic`, which lives
    there, and the virtualenv may not be activated (`.venv/bin/autograder ...`)."""
    bin_dir = str(Path(sys.executable).parent)
    parts = path.split(os.pathsep) if path else []
    return os.pathsep.join([bin_dir] + [p for p in parts if p != bin_dir])


def env() -> dict[str, str]:
    """The environment for an `nbgrader` subprocess."""
    return {**os.environ, "PATH": _with_bin_dir(os.environ.get("PATH", ""))}


def put_alembic_on_path() -> None:
    """The same for nbgrader used in this process: a new gradebook runs `alembic heads`."""
    os.environ["PATH"] = _with_bin_dir(os.environ.get("PATH", ""))


def nbgrader(*args: str, cwd: Path, check: bool = True,
             extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`nbgrader <args>` in the course folder `cwd`, so it reads that folder's config."""
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd,
                          env={**env(), **(extra_env or {})}, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed in {cwd}:\n{done.stdout}{done.stderr}")
    return done


class _Kept(logging.Handler):
    """Keeps the first line of each error nbgrader logs (its tracebacks and its closing
    "see the above" lines left out), for one error message."""

    GENERIC = ("Traceback", "There was an error processing", "Please see the",
               "Removing failed assignment")

    def __init__(self):
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        first = record.getMessage().strip().splitlines()[0] if record.getMessage().strip() else ""
        if first and not first.startswith(self.GENERIC):
            self.lines.append(first.rstrip(": "))


def generate_assignment(root: Path, name: str) -> None:
    """nbgrader's own `generate_assignment <name> --force --create`, run in this process, from
    the course folder as the command would be: importing nbgrader takes about 2.5 s, which
    three subprocesses paid three times (a release took 12 s in nbgrader, now 4 s).
    RuntimeError, with what nbgrader logged, if it fails."""
    from nbgrader.apps.generateassignmentapp import GenerateAssignmentApp

    put_alembic_on_path()
    kept = _Kept()
    app = GenerateAssignmentApp()
    try:
        with contextlib.chdir(root):  # the config nbgrader reads from the working folder
            app.initialize([name, "--force", "--create", "--log-level=ERROR"], root=str(root))
            for handler in list(app.log.handlers):  # what it would print is said once, below
                app.log.removeHandler(handler)
            app.log.addHandler(kept)
            app.start()
    except (SystemExit, Exception) as exc:
        if isinstance(exc, SystemExit) and not exc.code:
            return
        said = "; ".join(kept.lines) or f"{exc.__class__.__name__}: {exc}"
        raise RuntimeError(f"nbgrader generate_assignment {name} failed in {root}: {said}") from None
    finally:
        app.log.removeHandler(kept)
