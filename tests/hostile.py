"""Submissions named after what a student did, each with the outcome the grader must give.

Each edits an assignment's solution (VTDF unless it says otherwise), or the file itself. `q1`
is the expected status of the case's item (VTDF's first item, worth Q1 of the assignment's FULL
autograded points, unless the case names another); a perfect submission scores FULL.
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
    q1: str          # expected status of `item`
    score: float | None  # expected autograded total (None: nothing could be graded)
    assignment: str = "vtdf"
    item: str = "q1_normalized"
    plant: Callable | None = None  # (course, student) -> None: files put beside the notebook


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
    Hostile("os-exit-kills-kernel", q1("import os\nos._exit(1)"), "grading failed", None),
    Hostile("reads-source-and-gradebook", q1(
        "import os\nfor p in ['../../../source/vtdf/vtdf.ipynb', '../../source/vtdf/vtdf.ipynb',\n"
        "          '../../../gradebook.db', '{course}/gradebook.db', '{course}/source/vtdf/vtdf.ipynb',\n"
        "          '{course}/submitted', '{package}/key/vtdf.py']:\n"
        "    try:\n        open(p).read(1)\n        print('LEAK', p)\n"
        "    except OSError as e:\n        print('blocked', p, type(e).__name__)\n"
        "normalized = " + RIGHT), "graded", FULL),
    # (../../ is the sandbox's own /tmp, a private tmpfs it may write; ../../../ is its root)
    Hostile("writes-outside-its-folder", q1(
        "for p in ['{course}/hacked.txt', '../../../hacked.txt', "
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

# Second round (issue 14), one list per class of attack.
# False credit: cells moved, retyped or added to reach the hidden tests; non-finite values;
# forged ledgers; follow-through values from the wrong earlier answers.
BVB = ASSIGNMENTS["build_vs_buy"]
FULL_BVB = float(BVB.autograded_points)


def points(item: str, assignment: str = "build_vs_buy") -> float:
    check = ASSIGNMENTS[assignment].check(item)
    return float(check.points + check.format_points)


# A student cell that looks through the kernel's input history (`In`) for a hidden test of
# `normalized` and takes the expected values written in it.
STEAL = ("import ast, re\n_stolen = None\nfor _src in In:\n"
         "    _m = re.search(r\"check_values\\('normalized', normalized, (\\{.*\\})\\)\", _src, re.S)\n"
         "    if _m:\n        _stolen = pd.DataFrame(ast.literal_eval(_m.group(1))['expected']).T\n"
         "print('STOLE' if _stolen is not None else 'nothing to steal')\nnormalized = _stolen\n")


def _moved_up_and_read(nb):
    """The hidden test moved above its (blank) answer, and a cell after it reading `In`."""
    nb = with_answer(nb, "q1_normalized", "pass  # left blank")
    test = nb.cells.pop(notebooks.find(nb, "q1_normalized_values"))
    at = notebooks.find(nb, "q1_normalized")
    nb.cells[at:at] = [test, nbformat.v4.new_code_cell(STEAL)]
    return nb


def _markdown_with_a_locked_id(nb):
    """A markdown cell carrying the hidden test's grade id near the top, then the thief."""
    nb = with_answer(nb, "q1_normalized", "pass  # left blank")
    fake = nbformat.v4.new_markdown_cell("just a note")
    fake.metadata = nbformat.from_dict(nb.cells[notebooks.find(nb, "q1_normalized_values")].metadata)
    at = notebooks.find(nb, "checks_import") + 1
    nb.cells[at:at] = [fake, nbformat.v4.new_code_cell(STEAL)]
    return nb


def _duplicated_format_cell(nb):
    nb = nbformat.from_dict(nb)
    at = notebooks.find(nb, "q1_normalized_format")
    nb.cells.insert(at + 1, nbformat.from_dict(nb.cells[at]))
    return nb


def _answer(item: str, code: str) -> Callable:
    return lambda nb: with_answer(nb, item, code)


def _follow_through_value() -> float:
    """An IRR that follows from a catalogued slip in Question 1's flows (not made here)."""
    return BVB.key()["q3_irr"]["accept"][0]


def _forged_ledger(course: Path, student: str) -> None:
    """A result file claiming full marks, with the digest the grader used to compute, put
    where the student's upload lands, where stock `nbgrader autograde` copies it, and where
    the grader keeps its ledgers (without the grader's key, which the student cannot read)."""
    import hashlib
    from dataclasses import asdict

    from autograder.grading.results import GRADED, MANUAL, ItemResult, SubmissionResult

    a = ASSIGNMENTS["vtdf"]
    folder = course / "submitted" / student / "vtdf"
    digest = hashlib.sha256((folder / a.notebook).read_bytes())
    digest.update((folder / "timestamp.txt").read_text().strip().encode())
    items = [ItemResult(c.id, GRADED, float(c.points + c.format_points),
                        float(c.points + c.format_points)) for c in a.checks]
    items += [ItemResult(m, MANUAL, None, p) for m, p in a.manual.items()]
    result = asdict(SubmissionResult(student, "vtdf", GRADED, True, items))
    forged = {"digest": digest.hexdigest(), "result": result, "mac": "0" * 64}
    for place in (folder / "paradox-result.json",
                  course / "autograded" / student / "vtdf" / "paradox-result.json",
                  course / ".paradox" / "ledgers" / "vtdf" / f"{student}.json"):
        place.parent.mkdir(parents=True, exist_ok=True)
        place.write_text(json.dumps(forged))


FALSE_CREDIT: list[Hostile] = [
    Hostile("hidden-test-moved-up-and-read-from-In", _moved_up_and_read, "error", OWN),
    Hostile("markdown-cell-with-a-locked-test-id", _markdown_with_a_locked_id, "tampered", OWN),
    Hostile("duplicated-locked-format-cell", _duplicated_format_cell, "tampered", FULL),
    Hostile("infinite-npv", _answer("q2_npv", 'npv = pd.Series(float("inf"), index=["build", "buy", '
                                    '"difference"])'), "wrong", FULL_BVB - points("q2_npv"),
            "build_vs_buy", "q2_npv"),
    Hostile("int-too-large-for-a-float", _answer("q3_irr", "irr = 10**400"), "wrong",
            FULL_BVB - points("q3_irr"), "build_vs_buy", "q3_irr"),
    Hostile("follow-through-without-the-mistake", _answer("q3_irr", f"irr = {_follow_through_value()!r}"),
            "wrong", FULL_BVB - points("q3_irr"), "build_vs_buy", "q3_irr"),
    Hostile("forged-result-ledger", _answer("q1_normalized", "pass  # left blank"), "error", OWN,
            plant=_forged_ledger),
]

# Injection into the instructor's tools: active HTML/JS in outputs and markdown answers.
# (Payloads only: the sanitizer and the rendered checks are in test_sanitize.py.)
PNG_DOT = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")
XSS_OUTPUTS = (
    "from IPython.display import HTML, SVG, Javascript, Markdown, display\n"
    "display(HTML('<script>alert(1)</script><img src=x onerror=alert(2)>'\n"
    "             '<a href=\"javascript:alert(3)\">a</a><iframe src=\"https://example.org\"></iframe>'\n"
    "             '<object data=\"x\"></object><embed src=\"x\">'))\n"
    "display(Javascript('alert(4)'))\n"
    "display(Markdown('[m](javascript:alert(5)) <b onmouseover=\"alert(6)\">b</b>'))\n"
    "display(SVG('<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(7)\">'\n"
    "            '<script>alert(8)</script></svg>'))\n"
    "display({'text/html': '<p>framed</p>'}, raw=True, metadata={'text/html': {'isolated': True}})\n"
    f"display({{'image/png': '{PNG_DOT}', 'text/plain': 'a dot'}}, raw=True,\n"
    "        metadata={'image/png': {'width': '1 onerror=alert(9)'}})\n"
    "display({'application/vnd.jupyter.widget-view+json': {'model_id': 'x', 'version_major': 2,\n"
    "         'version_minor': 0}, 'text/plain': 'a widget'}, raw=True)\n")
XSS_MARKDOWN = ("The paradox layer is distribution. <script>alert(10)</script>\n"
                "<img src=x onerror=alert(11)>\n\n"
                "[read more](javascript:alert(12)) <iframe src=\"https://example.org\"></iframe>\n\n"
                "<details open ontoggle=alert(13)><summary>more</summary></details>\n\n"
                "<a href=\"&#106;avascript:alert(14)\">entity</a> [ref][r]\n\n[r]: javascript:alert(15)\n")


def _markdown_answer(cell):
    cell.source = XSS_MARKDOWN


def _added_markdown_cell(nb):
    nb = nbformat.from_dict(nb)
    nb.cells.insert(notebooks.find(nb, "q1_normalized"), nbformat.v4.new_markdown_cell(
        "<svg><script>alert(16)</script></svg><math><mtext><table><mglyph><style>"
        "<img src=x onerror=alert(17)></style></mglyph></table></mtext></math>"))
    return nb


INJECTION: list[Hostile] = [
    Hostile("script-in-output", q1(XSS_OUTPUTS + "normalized = " + RIGHT), "graded", FULL),
    Hostile("script-in-markdown-answer", edit("q9a_paradox_layer", _markdown_answer), "graded", FULL),
    Hostile("script-in-added-markdown-cell", _added_markdown_cell, "graded", FULL),
]

# Exhaustion: the grader's disk, uncounted output messages.
EXHAUSTION: list[Hostile] = [
    # 32 MiB files (under the file-size limit) in its folder, 1 GiB at most: ENOSPC.
    Hostile("fills-the-disk", q1("for i in range(32):\n"
                                 "    with open(f'fill{i}', 'wb') as f:\n"
                                 "        for _ in range(32):\n            f.write(b'x' * 2**20)\n"
                                 "normalized = " + RIGHT), "error", OWN),
    # one display shown 1000 times, then rewritten with 200 kB: 200 MB in the stored notebook
    Hostile("update-display-spam", q1("from IPython.display import display, update_display\n"
                                      "for _ in range(1000):\n    display('', display_id='spam')\n"
                                      "update_display('x' * 200_000, display_id='spam')\n"
                                      "normalized = " + RIGHT), "graded", FULL),
    # widget state nbclient keeps in the notebook's metadata: 1000 widgets of 200 kB
    Hostile("widget-comm-spam", q1("from comm import create_comm\nfor _ in range(1000):\n"
                                   "    create_comm(target_name='jupyter.widget', data={'state': {\n"
                                   "        '_model_name': 'Spam', '_model_module': 'spam',\n"
                                   "        'blob': 'x' * 200_000}, 'buffer_paths': []})\n"
                                   "normalized = " + RIGHT), "graded", FULL),
]

HOSTILE = BASE + FALSE_CREDIT + INJECTION + EXHAUSTION

# The cases that could reach a neighbour: through the machine (time, memory, processes, disk,
# output), the files around the kernel, the ledgers, or the instructor's pages. Each is graded
# beside a correct twin, named so it sorts right after its case (the batch grades in order, two
# at a time). A case judged on its own notebook alone (an edited cell, a patched check, a file
# that is not a notebook) cannot touch another kernel, and 27 more identical twins told nothing.
TWINNED = ("infinite-loop", "long-sleep", "memory-bomb", "fork-bomb", "huge-output", "sys-exit",
           "os-exit-kills-kernel", "reads-source-and-gradebook", "writes-outside-its-folder",
           "forged-result-ledger", "script-in-output", *(c.name for c in EXHAUSTION))
WITH_TWIN = [c for c in HOSTILE if c.name in TWINNED]


def twin_of(name: str) -> str:
    return f"{name}-twin"


def submit_hostile(course: Path, cases, port: int = 9, twins: bool = False) -> None:
    """Submit each case as a student named after it (and, if TWINNED, a correct twin), with the
    placeholders in its code filled: the course path, the package path, a loopback port."""
    good = {name: solved(course, name) for name in {c.assignment for c in cases}}
    fill = {"course": str(course), "package": str(Path(autograder.__file__).parent),
            "port": str(port)}
    for case in cases:
        made = case.build(good[case.assignment])
        if not isinstance(made, (bytes, str)):
            for cell in made.cells:
                for key, value in fill.items():
                    cell.source = cell.source.replace("{" + key + "}", value)
        submit(course, case.name, case.assignment, made)
        if case.plant:
            case.plant(course, case.name)
        if twins and case.name in TWINNED:
            submit(course, twin_of(case.name), case.assignment, good[case.assignment])


# -- Intake (issue 14, items 6, 7 and 10) ----------------------------------------------------------
# Hostile zip members, each taken in beside honest twins in the same zip (`intake_zip`): the
# twins must still be accepted, the hostile member refused with a reason naming it.

@dataclass(frozen=True)
class HostileMember:
    name: str
    member: str  # its name in the zip
    data: Callable[[bytes], bytes]  # an honest notebook's bytes -> the member's bytes
    reason: str  # a piece of the reason intake must give for not taking it


DEEP = 100_000
# A member name that retitles the terminal, returns the cursor and prints a fake report line.
ESCAPES = "\x1b]0;pwned\x07\r\naccepted 999 submission(s) into the course\n\u202e"
NESTED = f"JSON nested {DEEP} levels deep (the limit is 100)"

HOSTILE_INTAKE = [
    # 10: nested JSON; json.loads raised RecursionError and intake stopped for everyone
    HostileMember("deep-json-array", "mallory.ipynb", lambda nb: b"[" * DEEP + b"]" * DEEP, NESTED),
    HostileMember("deep-json-cells", "oscar/vtdf.ipynb",
                  lambda nb: b'{"cells": ' + b"[" * (DEEP - 1), NESTED),
    HostileMember("over-the-size-cap", "walter/vtdf.ipynb", lambda nb: _padded(nb), "too large"),
    # 6: ids a spreadsheet runs as a formula (ids become CSV cells and folder names)
    HostileMember("formula-plus", "+cmd.ipynb", lambda nb: nb, "read as a formula"),
    HostileMember("formula-minus", "-2+3.ipynb", lambda nb: nb, "read as a formula"),
    HostileMember("formula-at", "@SUM.ipynb", lambda nb: nb, "read as a formula"),
    HostileMember("formula-equals", "=HYPERLINK(evil).ipynb", lambda nb: nb, "read as a formula"),
    HostileMember("formula-tab", "\tcalc.ipynb", lambda nb: nb, "control characters"),
    # 7: terminal control sequences in the member's name
    HostileMember("escape-sequences", ESCAPES + "eve.ipynb", lambda nb: nb, "control characters"),
]
HONEST_INTAKE = {"alice.ipynb": "alice", "bob/vtdf.ipynb": "bob"}  # member -> student id


def _padded(nb: bytes) -> bytes:
    """The notebook with 21 MiB of incompressible text in a field: over the 20 MiB cap on a
    notebook, under the 50 MiB intake allowed before, and no zip bomb by its ratio."""
    import base64
    import random

    noise = base64.b64encode(random.Random(14).randbytes(16 * 1024 * 1024))
    return b'{"padding": "' + noise + b'", ' + nb.lstrip()[1:]


def intake_zip(path: Path, notebook: bytes, cases) -> Path:
    """A zip of the honest twins (mapped by content and by name) and the members of `cases`."""
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for member in HONEST_INTAKE:
            zf.writestr(member, notebook)
        for case in cases:
            zf.writestr(case.member, case.data(notebook))
    return path
