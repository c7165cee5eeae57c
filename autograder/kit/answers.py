"""The answer notebooks, for instructors only: each assignment's source notebook (solutions and
hidden tests included) executed top to bottom in a scratch copy of its folder, then exported to
one self-contained HTML page. They are written under dist/instructor/, never near release/."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter

from autograder.assignments import ASSIGNMENTS
from autograder.kit.printing import TEMPLATES, KitError
from autograder.utils import atomic_write

TIMEOUT_S = 180  # per cell; the scenario simulation is the slowest at a few seconds


def executed(folder: Path, notebook: str) -> nbformat.NotebookNode:
    """The notebook run in a scratch copy of `folder` (its data/ and checks.py beside it), so the
    source tree gets no outputs and no checkpoints."""
    with tempfile.TemporaryDirectory(prefix="paradox-answers-") as tmp:
        work = Path(tmp) / folder.name
        shutil.copytree(folder, work, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        nb = nbformat.read(work / notebook, as_version=4)
        try:
            NotebookClient(nb, timeout=TIMEOUT_S, kernel_name="python3",
                           resources={"metadata": {"path": str(work)}}).execute()
        except CellExecutionError as exc:
            first = str(exc).strip().splitlines()[-1:] or ["a cell failed"]
            raise KitError(f"{folder / notebook}: the solution does not run ({first[0]})") from None
        return nb


def answer_page(folder: Path, notebook: str, title: str) -> str:
    nb = executed(folder, notebook)
    nb.metadata["title"] = f"Answers (instructors only): {title}"
    exporter = HTMLExporter(template_file=str(TEMPLATES / "answers.html.j2"), embed_images=True)
    body, _ = exporter.from_notebook_node(nb)
    return body


def build_answer_pages(root: Path, out: Path, names: list[str] | None = None) -> list[Path]:
    """One HTML page per assignment in `out`: <name>-answers.html."""
    written = []
    out.mkdir(parents=True, exist_ok=True)
    for name in names or list(ASSIGNMENTS):
        a = ASSIGNMENTS[name]
        folder = root / "source" / a.name
        if not (folder / a.notebook).is_file():
            raise KitError(f"{folder / a.notebook}: source notebook not found")
        path = out / f"{a.name}-answers.html"
        atomic_write(path, answer_page(folder, a.notebook, a.title))
        written.append(path)
    return written
