"""Matplotlib's font cache, built once per grading process and handed to every kernel.

Each sandbox starts with an empty MPLCONFIGDIR, so without this every kernel that imports
matplotlib scans every font file again, on every submission (slower still under load, when
it can push a given setup cell past a short cell limit). The cache is built once by the kernel's own Python
with the kernel's environment, and `seed` copies it into the prepared folder, which the
launcher copies into the sandbox's working folder.

It is copied, not bound read-only: matplotlib insists on a writable MPLCONFIGDIR (see
`matplotlib._get_config_or_cache_dir`) and otherwise warns and builds the cache again in a
temporary folder.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

from autograder.grading.sandbox import _python_roots, scrubbed_env

# Run by the kernel's Python: build the cache, keep only fonts the sandbox can see (it mounts
# /usr and the Python installation at the same paths), save it where matplotlib would.
_BUILD = (
    "import os, sys\n"
    "from matplotlib import font_manager as fm\n"
    "roots = tuple(r.rstrip('/') + '/' for r in sys.argv[1:])\n"
    "m = fm.fontManager\n"
    "m.ttflist = [f for f in m.ttflist if f.fname.startswith(roots)]\n"
    "m.afmlist = [f for f in m.afmlist if f.fname.startswith(roots)]\n"
    "path = os.path.join(os.environ['MPLCONFIGDIR'], f'fontlist-v{m.__version__}.json')\n"
    "fm.json_dump(m, path)\n"
    "print(os.path.basename(path))\n"
)


@cache
def font_cache() -> tuple[str, bytes] | None:
    """(file name, contents) of matplotlib's font cache as the kernel would build it, or None
    if the kernel's Python cannot build one (no matplotlib): kernels then build their own.
    The name carries the cache's version, so a newer matplotlib never reads an old cache."""
    with tempfile.TemporaryDirectory(prefix="paradox-fonts-") as tmp:
        env = scrubbed_env(Path(tmp))  # HOME is the empty folder: no user fonts slip in
        Path(env["MPLCONFIGDIR"]).mkdir()
        try:
            done = subprocess.run([sys.executable, "-c", _BUILD, "/usr", *_python_roots()],
                                  env=env, cwd=tmp, capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            return None
        name = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
        built = Path(env["MPLCONFIGDIR"]) / name
        if done.returncode != 0 or not name.startswith("fontlist-") or not built.is_file():
            return None
        return name, built.read_bytes()


def seed(work: Path) -> None:
    """Put the shared font cache into `work`'s MPLCONFIGDIR, so the kernel finds it warm."""
    built = font_cache()
    if built is None:
        return
    name, contents = built
    folder = Path(scrubbed_env(work)["MPLCONFIGDIR"])  # where the kernel will look
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(contents)

