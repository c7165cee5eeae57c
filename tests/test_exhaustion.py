"""Exhaustion (issue 14, items 8 and 9): a student fills the disk, or floods the grader with
messages that grow the stored notebook; the grader's disk and memory stay bounded, the student
is told which limit was hit, and the correct twin graded beside each case keeps full marks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import seconds
from hostile import EXHAUSTION, FULL, twin_of
from test_untrusted import autograded

from autograder.grading.sandbox import Limits, claim_slot, slot_uid

pytestmark = pytest.mark.slow
LIMITS = Limits(cell_seconds=seconds(30), notebook_seconds=seconds(180))


@pytest.fixture
def graded(batch):
    """The exhaustion cases, each beside a correct twin: part of the hostile batch (graded
    once per run, tests/hostile_batch.py)."""
    course, results, _ = batch
    return course, results


@pytest.mark.xdist_group("untrusted")
@pytest.mark.parametrize("case", EXHAUSTION, ids=[c.name for c in EXHAUSTION])
def test_exhaustion_case_gets_its_status_and_its_twin_full_marks(graded, case):
    course, results = graded
    q1 = next(i for i in results[case.name].items if i.item == "q1_normalized")
    assert q1.status == case.q1, q1.message
    assert autograded(results[case.name]) == case.score
    assert autograded(results[twin_of(case.name)]) == FULL
    stored = course / "autograded" / case.name / "vtdf" / "vtdf.ipynb"
    assert stored.stat().st_size < 4 * 2**20  # the spam cases reach 200 MB uncounted


@pytest.mark.xdist_group("untrusted")
def test_the_student_is_told_the_disk_limit_was_exceeded(graded):
    _, results = graded
    q1 = next(i for i in results["fills-the-disk"].items if i.item == "q1_normalized")
    assert "disk limit exceeded" in q1.message and "No space left on device" in q1.message


FILL = """
import os
written = 0
try:
    for i in range(32):  # 1 GiB at most, in files under the file-size limit
        with open(('/tmp/' if i % 2 else '') + f'fill{i}', 'wb') as f:
            for _ in range(32):
                f.write(b'x' * 2**20)
                written += 2**20
finally:
    print('written', written)
"""


def test_all_the_student_writes_is_capped_together_and_never_on_the_graders_disk(tmp_path):
    """Do the working folder and /tmp share one cap, with nothing on the grader's disk, and
    does the cell's error name the disk limit?"""
    from nbformat.v4 import new_code_cell, new_notebook

    from autograder.grading.execute import execute

    work = tmp_path / "work"
    work.mkdir()
    (work / "given.csv").write_text("a,b\n1,2\n")
    nb = new_notebook(cells=[new_code_cell(FILL), new_code_cell("print(open('given.csv').read())")])
    run = execute(nb, tmp_path, work, LIMITS, sandboxed=True, uid=slot_uid(claim_slot()))
    on_host = sum(p.stat().st_size for p in work.rglob("*") if p.is_file())
    assert on_host == len("a,b\n1,2\n")  # the given file only, untouched
    text = run.nb.cells[0].outputs[0]["text"]
    written = int(text.split("written ")[1].split()[0])
    assert Limits().disk_bytes // 2 < written <= Limits().disk_bytes
    error = run.nb.cells[0].outputs[-1]
    assert error["output_type"] == "error" and error["evalue"].startswith("disk limit exceeded")
    assert run.disk_full == {0}
    assert "1,2" in run.nb.cells[1].outputs[0]["text"]  # the given files were there to read


# A grader process that executes one flooding cell, then says how big the stored notebook is
# and its own peak memory: VmHWM, the high-water mark of its own address space. (ru_maxrss
# would not do: Linux keeps it across fork and exec, so it reports the pytest worker's peak.)
MEASURE = r'''
import json, sys, tempfile
from pathlib import Path
import nbformat
from nbformat.v4 import new_code_cell, new_notebook
from autograder.grading.execute import execute
from autograder.grading.sandbox import Limits, claim_slot, slot_uid
base = Path(tempfile.mkdtemp(prefix="paradox-spam-"))
(base / "work").mkdir()
nb = new_notebook(cells=[new_code_cell(sys.argv[1]), new_code_cell("print('after')")])
run = execute(nb, base, base / "work", Limits(cell_seconds=int(sys.argv[2])), sandboxed=True,
              uid=slot_uid(claim_slot()))
stored = nbformat.writes(run.nb)
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"stored": len(stored), "peak": int(hwm.split()[1]) * 1024,
                  "truncated": "output truncated by the grader" in json.dumps(run.nb.cells[0].outputs),
                  "after": "after" in json.dumps(run.nb.cells[1].outputs)}))
'''

SPAM = {
    # a display shown 1000 times, then rewritten: each rewrite lands in all 1000 outputs
    "update-display": ("from IPython.display import display, update_display\n"
                       "for _ in range(1000):\n    display('', display_id='spam')\n"
                       "update_display('x' * 300_000, display_id='spam')\n"),
    # widget state, kept by nbclient in the notebook's metadata: new widgets and updates
    "widget-comm": ("from comm import create_comm\nfor _ in range(500):\n"
                    "    c = create_comm(target_name='jupyter.widget', data={'state': {\n"
                    "        '_model_name': 'Spam', '_model_module': 'spam', 'blob': 'x' * 300_000},\n"
                    "        'buffer_paths': []})\n"
                    "for i in range(500):\n"
                    "    c.send({'method': 'update', 'state': {f'k{i}': 'y' * 300_000},\n"
                    "            'buffer_paths': []})\n"),
}


@pytest.mark.parametrize("spam", SPAM, ids=list(SPAM))
def test_messages_that_grow_the_stored_notebook_are_capped(tmp_path, spam):
    """Does a cell that floods the notebook with display updates or widget messages (300 MB
    uncounted) leave a stored notebook within the output caps, with the truncation note, and
    a grader whose peak memory stays far below the flood?"""
    done = subprocess.run([sys.executable, "-c", MEASURE, SPAM[spam], str(seconds(60))],
                          capture_output=True, text=True, timeout=seconds(300), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    print(spam, seen)
    assert seen["stored"] < 2 * Limits().output_bytes + 2**20
    assert seen["truncated"] and seen["after"]
    assert seen["peak"] < 600 * 2**20  # 1.2 GB when uncounted
