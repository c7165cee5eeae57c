"""Matplotlib's font cache is built once and seeded into each sandbox, where it is used as is
(no rebuild, no warning in the student's output), and fontconfig works inside the sandbox."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from conftest import seconds
from nbformat.v4 import new_code_cell, new_notebook

from autograder.grading import fonts
from autograder.grading.sandbox import Limits, bwrap_prefix, claim_slot, prepare_workdir, probe, slot_uid

LIMITS = Limits(cell_seconds=seconds(60), notebook_seconds=seconds(180))
needs_sandbox = pytest.mark.skipif(probe() is not None, reason="bubblewrap cannot start here")

# matplotlib says "generated new fontManager" (INFO) whenever it builds the cache, and warns
# when building takes long or its config folder is unusable; show all of it in the cell.
PLOT = ("import logging, sys\n"
        "log = logging.getLogger('matplotlib')\n"
        "log.addHandler(logging.StreamHandler(sys.stdout))\n"
        "log.setLevel(logging.INFO)\n"
        "import matplotlib.pyplot as plt\n"
        "fig, ax = plt.subplots()\n"
        "ax.plot([1, 2, 3])\n"
        "ax.set_title('revenue')\n"
        "fig.savefig('plot.png')\n"
        "print('DRAWN')\n")
REBUILT = ("generated new fontManager", "building the font cache", "Rebuilding",
           "created a temporary cache directory", "is not a writable directory")


def run_in_kernel(tmp_path: Path, code: str, *, seeded: bool) -> str:
    """Everything a sandboxed kernel printed running `code`, as text."""
    from autograder.grading.execute import execute

    work = tmp_path / "work"
    work.mkdir()
    if seeded:
        fonts.seed(work)
    run = execute(new_notebook(cells=[new_code_cell(code)]), tmp_path, work, LIMITS,
                  sandboxed=True, uid=slot_uid(claim_slot()))
    assert not run.start_error, run.start_error
    return json.dumps(run.nb.cells[0].outputs)


@pytest.mark.slow
@needs_sandbox
def test_a_seeded_kernel_plots_without_building_the_font_cache(tmp_path):
    text = run_in_kernel(tmp_path, PLOT, seeded=True)
    assert "DRAWN" in text, text
    assert "Fontconfig" not in text, text
    assert not [m for m in REBUILT if m in text], text


@pytest.mark.slow
@needs_sandbox
def test_an_unseeded_kernel_builds_the_cache_and_fontconfig_works(tmp_path):
    """The other side of the test above: without the seed the rebuild shows (so its absence
    there means something), and matplotlib's fc-list run prints no fontconfig error."""
    text = run_in_kernel(tmp_path, PLOT, seeded=False)
    assert "DRAWN" in text, text
    assert "generated new fontManager" in text, text
    assert "Fontconfig" not in text, text


@pytest.mark.slow
@needs_sandbox
def test_the_seeded_cache_lists_only_fonts_the_sandbox_can_open(tmp_path):
    code = ("import os\n"
            "folder = os.environ['MPLCONFIGDIR']\n"
            "[name] = [n for n in os.listdir(folder) if n.startswith('fontlist-')]  # the seed\n"
            "from matplotlib import font_manager as fm\n"
            "cache = fm.json_load(os.path.join(folder, name))\n"
            "paths = [f.fname for f in cache.ttflist + cache.afmlist]\n"
            "print('FONTS', len(paths), 'SYSTEM', sum(p.startswith('/usr/share/fonts/') for p in paths))\n"
            "print('MISSING', [p for p in paths if not os.path.isfile(p)])\n")
    text = run_in_kernel(tmp_path, code, seeded=True)
    assert "MISSING []" in text, text
    found = re.search(r"FONTS (\d+) SYSTEM (\d+)", text)
    assert found and int(found[1]) > 0, text
    if any(Path("/usr/share/fonts").rglob("*.ttf")):  # the system's fonts are in it too
        assert int(found[2]) > 0, text


def test_the_cache_is_built_once_for_this_matplotlib(tmp_path):
    from matplotlib.font_manager import FontManager

    for work in (tmp_path / "a", tmp_path / "b"):
        work.mkdir()
        fonts.seed(work)
    name = f"fontlist-v{FontManager.__version__}.json"
    first, second = (tmp_path / w / ".matplotlib" / name for w in "ab")
    assert first.read_bytes() == second.read_bytes()
    assert fonts.font_cache.cache_info().misses <= 1  # built by the first seed at most


@needs_sandbox
@pytest.mark.skipif(shutil.which("fc-list") is None, reason="fontconfig is not installed")
def test_fontconfig_lists_the_system_fonts_inside_the_sandbox():
    uid = slot_uid(claim_slot())
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        prepare_workdir(work, uid)
        inside = subprocess.run(bwrap_prefix(work, uid) + ["fc-list", "--format", "%{file}\n"],
                                capture_output=True, text=True, timeout=seconds(60))
    outside = subprocess.run(["fc-list", "--format", "%{file}\n"], capture_output=True,
                             text=True, timeout=seconds(60))
    assert "Fontconfig" not in inside.stderr, inside.stderr
    system = {p for p in outside.stdout.splitlines() if p.startswith("/usr/")}
    assert system <= set(inside.stdout.splitlines())
