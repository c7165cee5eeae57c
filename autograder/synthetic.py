"""Synthetic submissions, built from the release and the source: a perfect one, one with a
given answer cell rewritten, a blank one. The demo's class and the tests are made of these."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from autograder import notebooks
from autograder.assignments import get


def blank(course: Path, assignment: str) -> NotebookNode:
    a = get(assignment)
    return notebooks.read(course / "release" / a.name / a.notebook)


def solved(course: Path, assignment: str, written: str = "A written answer.") -> NotebookNode:
    """The release notebook with every answer filled in as the source's solution."""
    a = get(assignment)
    source = notebooks.read(course / "source" / a.name / a.notebook)
    nb = blank(course, assignment)
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            at = notebooks.find(nb, meta["grade_id"])
            nb.cells[at].source = (notebooks.solution_code(cell.source)
                                   if cell.cell_type == "code" else written)
    return nb


def half_done(course: Path, assignment: str) -> NotebookNode:
    """The first half of the answer cells solved, the rest still the release's stubs."""
    nb, good = blank(course, assignment), solved(course, assignment)
    answers = [gid for c in good.cells
               if c.metadata.get("nbgrader", {}).get("solution") and (gid := notebooks.grade_id(c))]
    for gid in answers[:len(answers) // 2]:
        nb.cells[notebooks.find(nb, gid)].source = good.cells[notebooks.find(good, gid)].source
    return nb


def with_answer(nb: NotebookNode, cell_id: str, code: str) -> NotebookNode:
    """A copy of `nb` whose answer cell `cell_id` holds `code` instead."""
    nb = nbformat.from_dict(nb)
    nb.cells[notebooks.find(nb, cell_id)].source = code
    return nb


def submit(course: Path, student: str, assignment: str, content: NotebookNode | bytes | str,
           timestamp: str = "2025-04-01 09:00:00.000000 UTC") -> Path:
    """Place a submission where nbgrader puts collected work: submitted/<student>/<assignment>/."""
    a = get(assignment)
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / a.notebook
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        nbformat.write(content, path)
    (folder / "timestamp.txt").write_text(timestamp, encoding="utf-8")
    return path


def with_variant(nb: NotebookNode, code: str) -> NotebookNode:
    """A copy of `nb` with `code` typed into its variant cell (the cell tagged "variant")."""
    nb = nbformat.from_dict(nb)
    cell = next(c for c in nb.cells if "variant" in c.metadata.get("tags", []))
    cell.source = f'VARIANT = "{code}"'
    return nb


def copied_from(nb: NotebookNode, their_code: str) -> NotebookNode:
    """A copy of `nb` (with its own variant code kept) whose answers are a classmate's: a cell
    after the given data reloads it as the classmate's variant `their_code`, so every answer
    computed below it is the classmate's number, as if typed in from their notebook."""
    nb = nbformat.from_dict(nb)
    at = notebooks.find(nb, "setup")
    if at is None:
        raise ValueError("the notebook has no setup cell")
    setup = nb.cells[at].source
    theirs = re.sub(r"^VARIANT = .*$", f'_THEIRS = "{their_code}"', setup, flags=re.M)
    theirs = theirs.replace(", VARIANT,", ", _THEIRS,")
    if theirs.count("_THEIRS") < 2:
        raise ValueError("the setup cell does not read its data through the variant code")
    nb.cells.insert(at + 1, nbformat.v4.new_code_cell("# a classmate's numbers\n" + theirs))
    return nb
