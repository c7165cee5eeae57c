"""The command line met with wrong input: every mistake ends in one clear line on stderr that
names what is wrong, a non-zero exit, and no file written or overwritten on the way."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import copy_course

from autograder.synthetic import blank, submit

VERBS_WITH_ASSIGNMENTS = [("grade", "vtdff"), ("release", "vtdff"), ("key", "vtdff"),
                          ("grade", "vtdf", "vtdff")]


def cli(course: Path | None, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    extra = ["--course", str(course)] if course is not None else []
    return subprocess.run([sys.executable, "-m", "autograder", *args, *extra],
                          capture_output=True, text=True, env=env, timeout=300)


def one_line_error(done: subprocess.CompletedProcess) -> str:
    """The error output, asserting it is short: no traceback, at most a usage banner."""
    assert "Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) <= 8, done.stderr
    return done.stderr


@pytest.fixture
def course(tmp_path) -> Path:
    return copy_course(tmp_path / "course")


@pytest.mark.parametrize("args", VERBS_WITH_ASSIGNMENTS, ids=lambda a: " ".join(a))
def test_an_unknown_assignment_is_a_usage_error(course, args):
    """Does a misspelt assignment name stop every verb at once with the names it knows, exit 2,
    instead of "graded 0 submission(s)" or a KeyError?"""
    (course / "exports").mkdir()
    (course / "exports" / "results.json").write_text("[\"kept\"]")
    done = cli(course, *args)
    assert done.returncode == 2
    text = one_line_error(done)
    assert "'vtdff' is not one of" in text and "'build_vs_buy'" in text
    assert (course / "exports" / "results.json").read_text() == "[\"kept\"]"


def test_grading_nothing_is_an_error_and_writes_nothing(course):
    """Does `grade` with no submissions (or an unknown student) say so and exit 1, leaving any
    earlier results.json alone?"""
    (course / "exports").mkdir()
    (course / "exports" / "results.json").write_text("[\"kept\"]")
    done = cli(course, "grade", "vtdf")
    assert done.returncode == 1
    assert "no submissions of vtdf in" in one_line_error(done)
    submit(course, "alice", "vtdf", blank(course, "vtdf"))
    done = cli(course, "grade", "vtdf", "--student", "nobody")
    assert done.returncode == 1 and "by nobody" in one_line_error(done)
    assert (course / "exports" / "results.json").read_text() == "[\"kept\"]"


def test_a_corrupt_gradebook_is_one_line_naming_the_file(course):
    """Is a gradebook.db that is not a database reported as that file and that problem, in a
    line, with exit 1 (not a 200-line traceback)?"""
    submit(course, "alice", "vtdf", blank(course, "vtdf"))
    (course / "gradebook.db").write_bytes(b"this is not sqlite\n" * 50)
    for verb in ("export", "feedback", "report", "grade"):
        done = cli(course, verb)
        assert done.returncode == 1, (verb, done.stdout, done.stderr)
        text = one_line_error(done)
        assert f"gradebook {course / 'gradebook.db'}" in text, (verb, text)
        assert "not a database" in text, (verb, text)


def test_wrong_options_are_named(course, tmp_path):
    """Are a bad --canvas-id, an unreadable roster and a non-course --course each one line?"""
    submit(course, "alice", "vtdf", blank(course, "vtdf"))
    done = cli(course, "export", "--canvas-id", "vtdff=12")
    assert done.returncode == 1 and "--canvas-id 'vtdff=12'" in one_line_error(done)
    (tmp_path / "roster.csv").write_text("name,email\nAda,ada@x\n")
    done = cli(course, "export", "--roster", str(tmp_path / "roster.csv"))
    assert done.returncode == 1 and "roster.csv: a roster needs a student_id" in one_line_error(done)
    done = cli(tmp_path, "export")
    assert done.returncode == 1 and "is not a course folder" in one_line_error(done)
    done = cli(course, "grade", "--workers", "0")
    assert done.returncode == 2 and "workers" in one_line_error(done)


def test_a_new_gradebook_is_made_without_the_venv_on_path(tmp_path):
    """Can the package create a gradebook in-process (nbgrader shells out to `alembic`) when the
    virtual environment is not activated, i.e. its bin/ is not on PATH?"""
    code = ("import sys\nfrom autograder.grading.gradebook import opened\n"
            f"with opened('sqlite:///{tmp_path / 'new.db'}', 'c') as gb:\n"
            "    print(len(gb.assignments))\n")
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["PATH"] = "/usr/bin:/bin"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0" and (tmp_path / "new.db").is_file()


def test_check_names_a_missing_release_file_and_the_fix(course):
    """With release/vtdf/checks.py deleted, does `autograder check` (run in the course folder)
    name the file and say to run `autograder release`, exit 1, with no traceback?"""
    (course / "release" / "vtdf" / "checks.py").unlink()
    env = {k: v for k, v in os.environ.items() if k != "PARADOX_COURSE"}
    done = subprocess.run([sys.executable, "-m", "autograder", "check"], cwd=course, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    text = one_line_error(done)
    assert f"{course / 'release' / 'vtdf' / 'checks.py'}: missing" in text
    assert "run `autograder release`" in text


def test_the_errors_reported_in_one_line_are_real_exception_classes():
    """`main` names them rather than importing them (startup time): each name must resolve."""
    import importlib

    from autograder import cli

    for name in (*cli.USER_ERRORS, cli.SANDBOX_ERROR):
        module, _, cls = name.rpartition(".")
        found = getattr(importlib.import_module(module), cls)
        assert isinstance(found, type) and issubclass(found, Exception), name
        assert cli._is(found("x"), name)


def test_a_wrong_scheduler_is_one_line_and_grades_nothing(course):
    """Is a missing or malformed Dask scheduler address one line naming it, before anything is
    graded (no ledger), and is a malformed c.Cluster.scheduler named with its file?"""
    done = cli(course, "worker-check")
    assert done.returncode == 1 and "no scheduler: give --scheduler" in one_line_error(done)
    submit(course, "alice", "vtdf", blank(course, "vtdf"))
    for verb, address, why in (("worker-check", "nonsense", "Invalid url scheme"),
                               ("worker-check", "tcp://head", "missing port"),
                               ("grade", "tcp://head:87x6", "invalid literal")):
        done = cli(course, verb, "--scheduler", address)
        said = one_line_error(done)
        assert done.returncode == 1 and f"{address!r} is not a Dask scheduler address" in said
        assert why in said
    assert not (course / ".paradox" / "ledgers").exists()
    with open(course / "nbgrader_config.py", "a") as config:
        config.write("\nc.Cluster.scheduler = 8786\n")
    done = cli(course, "grade")
    assert done.returncode == 1
    assert "nbgrader_config.py: c.Cluster.scheduler must be a scheduler address" in one_line_error(done)
