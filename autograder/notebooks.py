"""Notebook files: normalized storage, nbgrader cell metadata, and the generated test cells."""

from __future__ import annotations

import pprint
import re
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from autograder.spec import Assignment, Check

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
CHECKS_CELL = "checks_import"  # the locked cell that imports the check functions
CHECKS_SOURCE = ("# Check functions used by the test cells (no answers inside).\n"
                 "from checks import check_format, check_values")
NBGRADER_KEYS = ("grade", "grade_id", "locked", "points", "schema_version", "solution", "task")
SOLUTION_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.M)


def read(path: Path) -> NotebookNode:
    return nbformat.read(path, as_version=4)


def normalize(nb: NotebookNode) -> NotebookNode:
    """No outputs, no execution counts, stable cell ids, only the metadata that matters."""
    nb.metadata = nbformat.from_dict({"kernelspec": KERNELSPEC, "language_info": {"name": "python"}})
    nb.nbformat, nb.nbformat_minor = 4, 5
    for number, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader")
        cell.metadata = nbformat.from_dict({})
        if meta:
            cell.metadata["nbgrader"] = {k: meta[k] for k in NBGRADER_KEYS if k in meta}
        cell["id"] = (meta or {}).get("grade_id") or f"cell-{number:02d}"
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cell.pop("attachments", None) if not cell.get("attachments") else None
    return nb


def write(nb: NotebookNode, path: Path) -> bool:
    """Write normalized; return whether the file changed."""
    text = nbformat.writes(normalize(nb)) + "\n"
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


def grade_id(cell: NotebookNode) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def find(nb: NotebookNode, cell_id: str) -> int | None:
    return next((i for i, c in enumerate(nb.cells) if grade_id(c) == cell_id), None)


def nbgrader_meta(cell_id: str, *, grade: bool, solution: bool, locked: bool,
                  points: float | None = None) -> dict:
    meta = {"grade": grade, "grade_id": cell_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def test_cell(cell_id: str, source: str, points: float) -> NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = nbgrader_meta(cell_id, grade=True, solution=False, locked=True,
                                              points=points)
    return cell


def _literal(value) -> str:
    return pprint.pformat(value, width=96, sort_dicts=False)


def format_source(check: Check, spec: dict) -> str:
    return (f'"""Visible check of {check.about} (`{check.variable}`): type, labels and range.\n'
            f'The values are checked when the notebook is graded."""\n'
            f"check_format({check.variable!r}, {check.variable}, {_literal(spec)})")


def values_source(check: Check, key: dict) -> str:
    return (f'"""Hidden check of {check.about} (`{check.variable}`) against the answer key; '
            f'runs when graded."""\n'
            "### BEGIN HIDDEN TESTS\n"
            "# Generated from the answer key by `autograder release`; do not edit by hand.\n"
            f"check_values({check.variable!r}, {check.variable}, {_literal(key)})\n"
            "### END HIDDEN TESTS")


def solution_code(source: str) -> str:
    """An answer cell's solution as a student would submit it (markers removed)."""
    return SOLUTION_MARKERS.sub("", source).strip("\n")


def sync_test_cells(nb: NotebookNode, assignment: Assignment, key: dict, inputs) -> NotebookNode:
    """Write every check's visible and hidden test cells from the spec and the answer key,
    inserting them after the answer cell where missing."""
    if find(nb, CHECKS_CELL) is None:
        raise ValueError(f"{assignment.notebook}: no locked cell with grade id {CHECKS_CELL!r} "
                         "importing the checks")
    nb.cells[find(nb, CHECKS_CELL)].source = CHECKS_SOURCE
    for check in assignment.checks:
        answer = find(nb, check.id)
        if answer is None:
            raise ValueError(f"{assignment.notebook}: no answer cell with grade id {check.id!r}")
        cells = [test_cell(f"{check.id}_format", format_source(check, check.format_spec(inputs)),
                           check.format_points)]
        if check.hidden:
            cells.append(test_cell(f"{check.id}_values", values_source(check, key[check.id]),
                                   check.points))
        for offset, cell in enumerate(cells, start=1):
            cell_id = grade_id(cell)
            assert cell_id is not None  # test_cell always sets the grade id
            at = find(nb, cell_id)
            if at is None:
                nb.cells.insert(answer + offset, cell)
            else:
                nb.cells[at].source = cell.source
                nb.cells[at].metadata["nbgrader"] = cell.metadata["nbgrader"]
    return nb
