"""The hostile batch: every case of tests/hostile.py, each beside a correct twin, graded in
one run, once per test process. test_untrusted, test_sanitize and test_exhaustion all read it;
their tests share the xdist group "untrusted", so one worker grades it once."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest
from hostile import HOSTILE, submit_hostile
from timing import seconds

from autograder.grading import pipeline
from autograder.grading.sandbox import Limits

LIMITS = Limits(cell_seconds=seconds(20), notebook_seconds=seconds(120))
ASSIGNED = sorted({c.assignment for c in HOSTILE})  # the assignments the fixtures edit
# Courses of these tests live outside the temp folder, which the sandbox replaces with a
# private tmpfs anyway: there a course would be hidden by accident, and a leak test could not
# tell that from hidden by design (nothing of the course is ever mounted).
OUTSIDE_TMP = Path(os.environ.get("PARADOX_OUTSIDE_TMP", "/var/tmp"))


@pytest.fixture(scope="session")
def listener():
    """A server on the host's loopback that counts who reaches it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    hits = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                hits.append(server.accept())
            except OSError:
                continue
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], hits
    stop.set()
    thread.join()
    server.close()


@pytest.fixture(scope="session")
def batch(built_course_module, listener):
    """All hostile submissions, each next to a correct twin, graded in one run with 2 workers."""
    course = built_course_module
    port, _ = listener
    submit_hostile(course, HOSTILE, port, twins=True)
    started = time.monotonic()
    results = pipeline.grade_class(course, ASSIGNED, workers=2, limits=LIMITS)
    took = time.monotonic() - started
    return course, {r.student: r for r in results}, took


# Courses of these tests live outside the temp folder, which the sandbox replaces with a
# private tmpfs anyway: there a course would be hidden by accident, and a leak test could not
# tell that from hidden by design (nothing of the course is ever mounted).
OUTSIDE_TMP = Path(os.environ.get("PARADOX_OUTSIDE_TMP", "/var/tmp"))


@pytest.fixture(scope="session")
def built_course_module():
    from conftest import released

    folder = Path(tempfile.mkdtemp(prefix="paradox-untrusted-", dir=OUTSIDE_TMP))
    try:
        course = released(folder / "course", ASSIGNED)
        yield course
    finally:
        shutil.rmtree(folder, ignore_errors=True)
