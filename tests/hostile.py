"""Submissions named after what a student did, each with the outcome the grader must give.

Every one edits the VTDF solution (or the file itself). `q1` is the first item, worth Q1 of the
assignment's FULL autograded points (both read from the spec); a perfect submission scores FULL.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat

import autograder
from autograder import notebooks
from autograder.assignments import ASSIGNMENTS
from autograder.synthetic import solved, submit, with_answer

RIGHT = '(scores.set_index("criterion")[firms] - 1) / 4'
RAW = 'scores.set_index("criterion")[firms]'
FULL = float(ASSIGNMENTS["vtdf"].autograded_points)
Q1 = float(ASSIGNMENTS["vtdf"].check("q1_normalized").points
           + ASSIGNMENTS["vtdf"].check("q1_normalized").format_points)
# Question 8 stands on the student's own re-scored table: it earns its points even when
# nothing of Questions 1-7 could be graded.
OWN = float(ASSIGNMENTS["vtdf"].check("q8_my_ranks").points)
BAR_CHART = float(ASSIGNMENTS["vtdf"].check("q6_chart").format_points)


@dataclass(frozen=True)
class Hostile:
    name: str
    build: Callable  # solved notebook -> notebook, bytes or str
    q1: str          # expected status of item q1_normalized
    score: float | None  # expected autograded total (None: nothing could be graded)


def q1(code: str) -> Callable:
    return lambda nb: with_answer(nb, "q1_normalized", code)


def drop(cell_id: str) -> Callable:
    def build(nb):
        nb = nbformat.from_dict(nb)
        del nb.cells[notebooks.find(nb, cell_id)]
        return nb
    return build


def edit(cell_id: str, change: Callable) -> Callable:
    def build(nb):
        nb = nbformat.from_dict(nb)
        change(nb.cells[notebooks.find(nb, cell_id)])
        return nb
    return build


def duplicate_answer(nb):
    nb = nbformat.from_dict(nb)
    at = notebooks.find(nb, "q1_normalized")
    copy = nbformat.from_dict(nb.cells[at])
    copy.source = f"normalized = {RAW}"
    nb.cells.insert(at + 1, copy)
    return nb


def to_markdown(nb):
    nb = nbformat.from_dict(nb)
    at = notebooks.find(nb, "q1_normalized")
    old = nb.cells[at]
    cell = nbformat.v4.new_markdown_cell(old.source)
    cell.metadata = old.metadata
    nb.cells[at] = cell
    return nb


def wrong_answer_and(extra: Callable) -> Callable:
    return lambda nb: extra(with_answer(nb, "q1_normalized", f"normalized = {RAW}"))


def _set_points(cell):
    cell.metadata["nbgrader"]["points"] = 100


def _gut_test(cell):
    cell.source = "pass"


NBFORMAT_3 = json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {},
                         "worksheets": [{"cells": []}]})

FAKE_CHECKS = ("import types\n"
               "_fake = types.SimpleNamespace(check_values=lambda *a, **k: None,\n"
               "                              check_format=lambda *a, **k: None)\n")

BASE = [
    Hostile("correct", lambda nb: nb, "graded", FULL),
    Hostile("invalid-json", lambda nb: b'{"cells": [ {"cell_type": "code", ', "invalid notebook", None),
    Hostile("empty-file", lambda nb: b"", "invalid notebook", None),
    Hostile("nbformat-3", lambda nb: NBFORMAT_3, "invalid notebook", None),
    Hostile("json-but-not-a-notebook", lambda nb: '{"hello": "world"}', "invalid notebook", None),
    Hostile("deleted-test-cell", drop("q1_normalized_values"), "graded", FULL),
    Hostile("edited-test-cell", wrong_answer_and(edit("q1_normalized_values", _gut_test)), "wrong",
            FULL - Q1),
    Hostile("duplicated-answer-cell", duplicate_answer, "graded", FULL),
    Hostile("answer-cell-made-markdown", to_markdown, "missing cell", OWN),
    Hostile("deleted-answer-cell", drop("q1_normalized"), "missing cell", OWN),
    Hostile("points-edited-in-metadata", edit("q1_normalized_values", _set_points), "graded", FULL),
    Hostile("infinite-loop", q1("while True:\n    pass"), "timeout", OWN),
    Hostile("long-sleep", q1("import time\ntime.sleep(3600)"), "timeout", OWN),
    Hostile("memory-bomb", q1("hog = bytearray(10**11)\nnormalized = " + RIGHT), "error", OWN),
    Hostile("fork-bomb", q1("import os\nkids = []\ntry:\n    while True:\n        pid = os.fork()\n"
                            "        if pid == 0:\n            import time; time.sleep(2); os._exit(0)\n"
                            "        kids.append(pid)\nexcept OSError:\n    pass\n"
                            "print('forks allowed:', len(kids))\nfor pid in kids:\n    os.waitpid(pid, 0)\n"
                            "normalized = " + RIGHT), "graded", FULL),
    Hostile("huge-output", q1("print('x' * 100_000_000)\nnormalized = " + RIGHT), "graded", FULL),
    Hostile("sys-exit", q1("normalized = " + RIGHT + "\nimport sys\nsys.exit()"), "graded", FULL),
    Hostile("os-exit-kills-kernel", q1("import os\nos._exit(1)"), "error", None),
    Hostile("reads-source-and-gradebook", q1(
        "import os\nfor p in ['../../../source/vtdf/vtdf.ipynb', '../../source/vtdf/vtdf.ipynb',\n"
        "          '../../../gradebook.db', '{course}/gradebook.db', '{course}/source/vtdf/vtdf.ipynb',\n"
        "          '{course}/submitted', '{package}/key/vtdf.py']:\n"
        "    try:\n        open(p).read(1)\n        print('LEAK', p)\n"
        "    except OSError as e:\n        print('blocked', p, type(e).__name__)\n"
        "normalized = " + RIGHT), "graded", FULL),
    Hostile("writes-outside-its-folder", q1(
        "for p in ['{course}/hacked.txt', '../../hacked.txt', "
        "'{course}/submitted/correct/vtdf/vtdf.ipynb']:\n"
        "    try:\n        open(p, 'w').write('x')\n        print('WROTE', p)\n"
        "    except OSError as e:\n        print('blocked', p, type(e).__name__)\n"
        "normalized = " + RIGHT), "graded", FULL),
    Hostile("network-to-loopback", q1(
        "import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=3)\n"
        "    print('CONNECTED')\nexcept OSError as e:\n    print('blocked', type(e).__name__)\n"
        "normalized = " + RIGHT), "graded", FULL),
    Hostile("patches-math-isclose", q1("import math\nmath.isclose = lambda *a, **k: True\n"
                                       "normalized = " + RAW), "wrong", FULL - Q1),
    Hostile("patches-numpy-isclose", q1("import numpy\nnumpy.isclose = lambda *a, **k: True\n"
                                        "normalized = " + RAW), "wrong", FULL - Q1 - BAR_CHART),
    # (a patched numpy.isclose also breaks matplotlib's labelling of the student's own chart)
    Hostile("patches-the-check-functions", q1("check_values = check_format = lambda *a, **k: None\n"
                                              "normalized = " + RAW), "tampered", FULL - Q1),
    Hostile("patches-builtins-import", q1(
        FAKE_CHECKS + "import builtins\n_real = builtins.__import__\n"
        "builtins.__import__ = lambda name, *a, **k: _fake if name == 'checks' else _real(name, *a, **k)\n"
        "from checks import check_values, check_format\nnormalized = " + RAW), "tampered", 0.0),
    Hostile("patches-sys-modules", q1(
        FAKE_CHECKS + "import sys\nsys.modules['checks'] = _fake\n"
        "from checks import check_values, check_format\nnormalized = " + RAW), "tampered", 0.0),
    Hostile("answer-whose-eq-is-always-true", q1(
        "class Anything:\n    def __eq__(self, other):\n        return True\n"
        "normalized = Anything()"), "wrong", OWN),  # and the later cells that use it fail
]

# Second round (issue 14), one list per class of attack; each case is graded beside a correct twin.
# False credit: cells moved, retyped or added to reach the hidden tests; non-finite values;
# forged ledgers; follow-through values from the wrong earlier answers.
FALSE_CREDIT: list[Hostile] = []

# Injection into the instructor's tools: active HTML/JS in outputs and markdown answers.
INJECTION: list[Hostile] = []

# Exhaustion: the grader's disk, uncounted output messages.
EXHAUSTION: list[Hostile] = []

HOSTILE = BASE + FALSE_CREDIT + INJECTION + EXHAUSTION


def submit_hostile(course: Path, cases, port: int = 9, twins: bool = False) -> None:
    """Submit each case as a student named after it (and a correct twin beside it), with the
    placeholders in its code filled: the course path, the package path, a loopback port."""
    good = solved(course, "vtdf")
    fill = {"course": str(course), "package": str(Path(autograder.__file__).parent),
            "port": str(port)}
    for case in cases:
        made = case.build(good)
        if not isinstance(made, (bytes, str)):
            for cell in made.cells:
                for key, value in fill.items():
                    cell.source = cell.source.replace("{" + key + "}", value)
        submit(course, case.name, "vtdf", made)
        if twins:
            submit(course, f"twin-{case.name}", "vtdf", good)
