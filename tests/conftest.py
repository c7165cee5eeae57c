"""Shared fixtures: a scratch copy of the course, so tests never touch the working tree."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
COURSE_PARTS = ("case", "source", "release", "nbgrader_config.py")


def copy_course(dest: Path) -> Path:
    """The course as committed (plus staged data), without grading leftovers."""
    dest.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("build", "__pycache__", ".ipynb_checkpoints")
    for part in COURSE_PARTS:
        src = REPO / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=ignore)
        elif src.is_file():
            shutil.copy2(src, dest / part)
    return dest


@pytest.fixture(scope="session")
def built_course(tmp_path_factory) -> Path:
    """A scratch course on which `autograder release` has run (gradebook included)."""
    from autograder.release import build_release, release_manifest

    root = copy_course(tmp_path_factory.mktemp("course"))
    before = release_manifest(root)
    results = build_release(root)
    root.joinpath("before.manifest").write_text(repr(before))
    built = {r.assignment: r for r in results}
    return root, before, built
