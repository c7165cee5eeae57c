"""Where the course's parts live, relative to the course root (the folder with nbgrader_config.py)."""

from __future__ import annotations

import os
from pathlib import Path

CONFIG = "nbgrader_config.py"


def course_root(start: Path | None = None) -> Path:
    """The course root: $PARADOX_COURSE, else the nearest folder up from `start` (or the cwd) with
    nbgrader_config.py and case/data, else the checkout this package was installed from."""
    env = os.environ.get("PARADOX_COURSE")
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG).is_file() and (folder / "case" / "data").is_dir():
            return folder
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / CONFIG).is_file():
        return checkout
    raise FileNotFoundError(
        f"no course found from {here}: run inside the course folder (the one with {CONFIG} and "
        "case/data/) or set PARADOX_COURSE"
    )


def data_dir(root: Path | None = None) -> Path:
    return (root or course_root()) / "case" / "data"


def source_dir(root: Path | None = None) -> Path:
    return (root or course_root()) / "source"


def release_dir(root: Path | None = None) -> Path:
    return (root or course_root()) / "release"
