"""The test suite's own machinery: the parallel layout the slow tests' cost depends on."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter


def test_loadgroup_keeps_a_group_on_one_worker(tmp_path):
    """Does `pytest -n 2 --dist loadgroup` (the README's command) run every test of an
    xdist_group on one worker? The harness grades each assignment once per group and the hostile
    batch once per run; if a new pytest or xdist breaks the grouping, each worker grades them
    all again and the suite doubles in time without failing."""
    (tmp_path / "test_grouped.py").write_text(
        "import os, pytest\n"
        "pytestmark = pytest.mark.xdist_group('one')\n"
        "@pytest.mark.parametrize('i', range(8))\n"
        "def test_here(i):\n"
        "    print('WORKER', os.environ['PYTEST_XDIST_WORKER'])\n")
    (tmp_path / "test_spread.py").write_text(
        "import pytest\n@pytest.mark.parametrize('i', range(8))\ndef test_any(i):\n    pass\n")
    done = subprocess.run([sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-v",
                           "-p", "no:cacheprovider", "-p", "no:randomly", str(tmp_path)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    workers = Counter(line.split()[0] for line in done.stdout.splitlines()
                      if "test_grouped.py" in line and "PASSED" in line)
    assert sum(workers.values()) == 8 and len(workers) == 1, workers
