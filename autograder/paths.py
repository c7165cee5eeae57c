"""Where the course's parts live, relative to the course root (the folder with nbgrader_config.py)."""

from __future__ import annotations

import os
from pathlib import Path

CONFIG = "nbgrader_config.py"
KERNEL_CHECKS = Path(__file__).with_name("kernel_checks.py")  # shipped beside each notebook
VARIANT_DRAW = Path(__file__).with_name("variant_draw.py")  # beside notebooks with variants


def helpers(variants: bool) -> dict[str, Path]:
    """The package's modules shipped beside a notebook, by the name the notebook imports."""
    return {"checks.py": KERNEL_CHECKS, **({"variant.py": VARIANT_DRAW} if variants else {})}
GUIDE = "instructor_guide.md"  # the teaching note, the rubrics and the runbook


def _is_course(folder: Path) -> bool:
    return (folder / CONFIG).is_file() and (folder / "case" / "data").is_dir()


def course_root(start: Path | None = None) -> Path:
    """The course root. Given `start` (e.g. --course), that folder and nothing else; otherwise
    $PARADOX_COURSE, else the nearest folder up from the cwd with nbgrader_config.py and
    case/data, else the checkout this package was installed from."""
    if start is not None:
        folder = Path(start).resolve()
        if not _is_course(folder):
            raise FileNotFoundError(f"{folder} is not a course folder (it needs {CONFIG} and "
                                    "case/data/)")
        return folder
    env = os.environ.get("PARADOX_COURSE")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if _is_course(folder):
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

