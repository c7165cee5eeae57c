"""The gradebook on a real PostgreSQL server: the same grading, through any SQLAlchemy URL."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from conftest import copy_course, seconds
from hostile import FULL
from nbgrader.api import Gradebook

from autograder.assignments import get
from autograder.grading.pipeline import grade_class
from autograder.grading.sandbox import Limits
from autograder.nbgrader_run import nbgrader
from autograder.release import build_release
from autograder.synthetic import solved, submit, with_answer

pytestmark = pytest.mark.slow
BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


def _as_postgres() -> list[str]:
    """Run the server as the `postgres` user when we are root (it refuses to run as root)."""
    return ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"] if os.geteuid() == 0 else []


@pytest.fixture(scope="module")
def postgres_url():
    if not BIN:
        message = "PostgreSQL server not installed (Debian: apt-get install postgresql)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs it: a missing server there is a failure
        pytest.skip(message)
    bin_dir = Path(BIN[-1])
    home = Path(tempfile.mkdtemp(prefix="paradox-pg-"))
    os.chmod(home, 0o755)
    if os.geteuid() == 0:
        shutil.chown(home, "postgres", "postgres")
    data = home / "data"
    subprocess.run(_as_postgres() + [str(bin_dir / "initdb"), "-D", str(data), "-U", "paradox",
                                     "-A", "trust", "--no-sync"], check=True, capture_output=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(_as_postgres() + [str(bin_dir / "postgres"), "-D", str(data), "-p",
                                                str(port), "-h", "127.0.0.1", "-k", str(home),
                                                "-F"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    url = f"postgresql+psycopg2://paradox@127.0.0.1:{port}/postgres"
    deadline = time.monotonic() + 30
    while subprocess.run([str(bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
                         capture_output=True).returncode != 0:
        assert time.monotonic() < deadline, "PostgreSQL did not start"
        time.sleep(0.2)
    yield url
    server.terminate()
    server.wait(timeout=30)
    shutil.rmtree(home, ignore_errors=True)


def test_grading_into_postgresql(tmp_path, postgres_url):
    """Do release, grading and stock `nbgrader export` all work with a PostgreSQL gradebook?"""
    course = copy_course(tmp_path / "course")
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text() + f'c.CourseDirectory.db_url = "{postgres_url}"\n')
    build_release(course, ["vtdf"])
    good = solved(course, "vtdf")
    submit(course, "alice", "vtdf", good)
    submit(course, "bob", "vtdf", with_answer(good, "q1_normalized",
                                              'normalized = scores.set_index("criterion")[firms] / 5'))
    results = {r.student: r for r in grade_class(course, ["vtdf"], workers=2,
                                                 limits=Limits(cell_seconds=seconds(30)))}
    value = get("vtdf").check("q1_normalized").points
    assert results["alice"].score == FULL and results["bob"].score == FULL - value  # form passes
    with Gradebook(postgres_url) as gb:
        assert gb.find_submission("vtdf", "alice").score == FULL
        bob = gb.find_submission_notebook("vtdf", "vtdf", "bob")
        assert {g.name: g.score for g in bob.grades}["q1_normalized_values"] == 0
        assert "[wrong]" in {c.name: c.auto_comment for c in bob.comments}["q1_normalized"]
    nbgrader("export", cwd=course)
    exported = (course / "grades.csv").read_text()
    assert "alice" in exported and "bob" in exported
