"""Shared fixtures: a scratch copy of the course, so tests never touch the working tree."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The browser tests' fixtures (headless Chromium, axe-core), registered for every test module.
from chromium import axe_js, chromium  # noqa: F401

from autograder import demo

REPO = Path(__file__).resolve().parent.parent
# Time limits in tests are generous for correct code and scaled by one factor on a slow or
# busy machine (PARADOX_TIME_FACTOR=3 triples them); no test asserts on wall-clock time.
TIME_FACTOR = float(os.environ.get("PARADOX_TIME_FACTOR", "1"))


def seconds(base: float) -> int:
    return max(1, round(base * TIME_FACTOR))


def copy_course(dest: Path) -> Path:
    """The course as committed, without grading leftovers (the demo's own copy)."""
    return demo.copy_course(REPO, dest)


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
