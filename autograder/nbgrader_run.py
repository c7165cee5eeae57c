"""Run the real nbgrader command line for a course folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def env() -> dict[str, str]:
    """The environment nbgrader needs: it shells out to `alembic`, which lives beside this
    Python, so that folder goes first on PATH even when the virtualenv is not activated."""
    bin_dir = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}


def nbgrader(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    """`nbgrader <args>` in the course folder `cwd`, so it reads that folder's config."""
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env(),
                          capture_output=True, text=True)
    if check and done.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed in {cwd}:\n{done.stdout}{done.stderr}")
    return done
