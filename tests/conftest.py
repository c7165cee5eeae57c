"""Shared fixtures: a scratch copy of the course, so tests never touch the working tree."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import pytest

# The browser tests' fixtures (headless Chromium, axe-core), registered for every test module.
from chromium import axe_js, chromium  # noqa: F401

# The hostile batch, graded once per test process (test_untrusted, test_sanitize, test_exhaustion).
from hostile_batch import batch, built_course_module, listener  # noqa: F401
from timing import TIME_FACTOR, seconds  # noqa: F401 (re-exported: tests import them from here)

from autograder import demo

REPO = Path(__file__).resolve().parent.parent

def copy_course(dest: Path) -> Path:
    """The course as committed, without grading leftovers (the demo's own copy)."""
    return demo.copy_course(REPO, dest)


_TEMPLATES: dict[tuple[str, ...], Path] = {}


def released(dest: Path, names: list[str] | None = None) -> Path:
    """A private copy, at `dest`, of the course with `autograder release` run for `names` (all
    assignments by default), gradebook included. The build runs once per test process and
    assignment set; each test then copies it (a build takes seconds, a copy milliseconds)."""
    key = tuple(names or ())
    if key not in _TEMPLATES:
        from autograder.release import build_release

        home = Path(tempfile.mkdtemp(prefix="paradox-released-"))
        atexit.register(shutil.rmtree, home, True)
        template = copy_course(home / "course")
        build_release(template, list(key) or None)
        _TEMPLATES[key] = template
    return Path(shutil.copytree(_TEMPLATES[key], dest, symlinks=True))


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
