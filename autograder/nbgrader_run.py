"""Run the real nbgrader command line for a course folder."""

from __future__ import annotations

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


def nbgrader(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    """`nbgrader <args>` in the course folder `cwd`, so it reads that folder's config."""
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env(),
                          capture_output=True, text=True)
    if check and done.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed in {cwd}:\n{done.stdout}{done.stderr}")
    return done
