"""Hostile names and files on their way in (issue 14, items 6, 7 and 10), through the real
command line: `autograder collect` on a real zip, `autograder export` on what stock `nbgrader
collect` can leave in submitted/, and the grader on a notebook nested 100,000 deep. Every
hostile case sits beside an honest twin that must come through untouched."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import copy_course, seconds
from hostile import DEEP, ESCAPES, HONEST_INTAKE, HOSTILE_INTAKE, intake_zip

from autograder.grading.results import INVALID_NOTEBOOK, NOT_GRADED
from autograder.grading.sandbox import Limits
from autograder.grading.submission_file import InvalidNotebook, json_depth, load_submission
from autograder.grading.worker import Job, grade
from autograder.synthetic import blank, solved, submit
from autograder.utils import printable

REPO = Path(__file__).resolve().parent.parent
VTDF = (REPO / "release" / "vtdf" / "vtdf.ipynb").read_bytes()
TERMINAL_CONTROLS = ("\x1b", "\x07", "\r", "\u202e", "\x9b")


def cli(course: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", *args, "--course", str(course)],
                          capture_output=True, text=True, errors="surrogateescape",
                          timeout=seconds(300))


def assert_terminal_safe(text: str) -> None:
    """No control character a terminal acts on, and no line faked by a name."""
    assert not [c for c in TERMINAL_CONTROLS if c in text], text
    assert not any(line.startswith("accepted 999") for line in text.splitlines()), text


@pytest.fixture
def course(tmp_path) -> Path:
    return copy_course(tmp_path / "course")


def test_printable_escapes_controls_and_keeps_letters():
    """Does `printable` escape ESC, CR, LF, BEL, a C1 control and a bidi override (as Python
    escapes), and leave letters such as é, spaces and punctuation as they are?"""
    assert printable("Anaé Müller-O'Brien (v2).ipynb") == "Anaé Müller-O'Brien (v2).ipynb"
    assert printable("\x1b]0;t\x07\r\n\x9b\u202eok") == "\\x1b]0;t\\x07\\r\\n\\x9b\\u202eok"
    assert printable("lone \udce9 surrogate") == "lone \\udce9 surrogate"


def test_collect_prints_no_terminal_controls_from_member_names(tmp_path, course):
    """Does `autograder collect` print a member named with an escape sequence, a carriage
    return, a fake "accepted 999" line and a bidi override (and a junk member named so) with
    those characters escaped, while the honest twins in the same zip are accepted?"""
    src = intake_zip(tmp_path / "class.zip", VTDF,
                     [c for c in HOSTILE_INTAKE if c.name == "escape-sequences"])
    with zipfile.ZipFile(src, "a") as zf:
        zf.writestr(f"__MACOSX/{ESCAPES}junk.ipynb", b"\0")
    done = cli(course, "collect", str(src))
    assert done.returncode == 0, done.stderr
    assert_terminal_safe(done.stdout + done.stderr)
    lines = done.stdout.splitlines()
    assert lines[0].startswith("accepted 2 submission(s)")
    assert any(line.startswith(f"  not taken: {printable(ESCAPES)}eve.ipynb: unsafe student id")
               for line in lines), lines
    assert f"  ignored: __MACOSX/{printable(ESCAPES)}junk.ipynb (macOS resource forks)" in lines
    assert sorted(p.name for p in (course / "submitted").iterdir()) == \
        sorted(HONEST_INTAKE.values())


def test_collect_takes_in_the_honest_beside_every_hostile_member(tmp_path, course):
    """With every hostile member in one zip (JSON nested 100,000 deep, a notebook over the size
    cap, formula-like and control-character ids), does `autograder collect` finish, name each
    hostile member with its reason, and take in the honest twins?"""
    src = intake_zip(tmp_path / "class.zip", VTDF, HOSTILE_INTAKE)
    started = time.monotonic()
    done = cli(course, "collect", str(src))
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert_terminal_safe(done.stdout + done.stderr)
    assert done.stdout.startswith("accepted 2 submission(s)")
    for case in HOSTILE_INTAKE:
        line = next((x for x in done.stdout.splitlines()
                     if x.startswith(f"  not taken: {printable(case.member)}: ")), None)
        assert line is not None and case.reason in line, (case.name, done.stdout)
    assert sorted(p.name for p in (course / "submitted").iterdir()) == \
        sorted(HONEST_INTAKE.values())
    print(f"collect of {len(HOSTILE_INTAKE)} hostile members + 2 honest: {took:.2f} s")


def test_export_and_its_warnings_are_safe_for_ids_nbgrader_collect_let_in(course):
    """Stock `nbgrader collect` checks no ids: with `+cmd` and an escape-sequence id in
    submitted/ beside alice, does `autograder export` print its "not graded" warning escaped
    and write the ids as text cells (`'+cmd`), alice's row as it is?"""
    nasty = "\x1b]0;pwned\x07=1+1"
    for student in ("alice", "+cmd", nasty):
        submit(course, student, "vtdf", blank(course, "vtdf"))
    done = cli(course, "export")
    assert done.returncode == 0, done.stderr
    assert_terminal_safe(done.stdout + done.stderr)
    assert f"  vtdf/{printable(nasty)}" in done.stderr.splitlines()
    with (course / "exports" / "grades.csv").open(newline="", encoding="utf-8") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    assert set(rows) == {"alice", "'+cmd", nasty}  # the escaped id starts with ESC, not =
    assert {r["status"] for r in rows.values()} == {NOT_GRADED}


@pytest.mark.parametrize("case", [c for c in HOSTILE_INTAKE
                                  if c.name in ("deep-json-array", "deep-json-cells",
                                                "over-the-size-cap")], ids=lambda c: c.name)
def test_the_grader_reports_a_deep_or_huge_notebook_as_invalid(course, case):
    """Placed in submitted/ behind intake's back, is a notebook nested 100,000 deep or over
    the size cap graded `invalid notebook` with the reason (no RecursionError), while its
    correct twin still reads as a notebook?"""
    path = submit(course, "mallory", "vtdf", case.data(VTDF))
    twin = submit(course, "twin", "vtdf", solved(course, "vtdf"))
    started = time.monotonic()
    result, graded = grade(Job(course, "vtdf", "mallory", path), Limits(), sandboxed=False)
    took = time.monotonic() - started
    assert graded is None and result.status == INVALID_NOTEBOOK
    reason = "over the limit of 20971520 bytes" if case.reason == "too large" else case.reason
    assert result.message.startswith("vtdf.ipynb: ") and reason in result.message, result.message
    assert result.items and {i.status for i in result.items} == {INVALID_NOTEBOOK}
    assert load_submission(twin).cells
    print(f"{case.name}: refused by the grader in {took:.3f} s")


def test_depth_is_counted_outside_strings_and_the_limit_is_exact(tmp_path):
    """Are brackets inside strings (escaped quotes included) ignored by the depth scan, and is a
    notebook nested exactly 100 deep read while 101 deep is refused with the file's name?"""
    assert json_depth(json.dumps({"a": ["[[[{{", "\\\"[[", '"]]]']}).encode()) == 2
    assert json_depth(b"[" * DEEP + b"]" * DEEP) == DEEP
    assert json_depth(b'"unterminated [[[') == 0
    nb = json.loads(VTDF)
    for depth in (100, 101):
        value: object = 0
        for _ in range(depth - 2):  # inside the notebook object and its metadata object
            value = [value]
        nb["metadata"]["deep"] = value
        path = tmp_path / "vtdf.ipynb"
        path.write_text(json.dumps(nb))
        assert json_depth(path.read_bytes()) == depth
        if depth == 100:
            assert load_submission(path).metadata["deep"]
        else:
            with pytest.raises(InvalidNotebook, match=r"^vtdf.ipynb: JSON nested 101 levels deep"):
                load_submission(path)
