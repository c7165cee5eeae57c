"""Turn a submitted file into the notebook the grader runs.

The student's own cells are kept in their order; every locked cell (setup, checks, visible and
hidden tests) comes from the instructor's source, whatever the student did to it; a snapshot
cell after each answer records the answer's value before any test can see or change it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import nbformat
from nbformat import NotebookNode

from autograder import notebooks
from autograder.grading.results import MISSING_CELL
from autograder.grading.submission_file import InvalidNotebook, load_submission
from autograder.spec import Assignment

ROLE = "paradox"  # cell metadata key the grader owns: {"role": ..., "item": ...}


@dataclass
class Prepared:
    nb: NotebookNode
    nonce: str
    missing: dict[str, str] = field(default_factory=dict)  # item -> why it cannot be graded


def _role(cell: NotebookNode, role: str, item: str | None = None) -> NotebookNode:
    cell.metadata[ROLE] = {"role": role, "item": item}
    return cell


def prepare(submitted: NotebookNode, source: NotebookNode, assignment: Assignment) -> Prepared:
    src = {gid: c for c in source.cells if (gid := notebooks.grade_id(c))}
    locked = {g for g, c in src.items() if c.metadata["nbgrader"].get("locked")}
    answers = {g for g, c in src.items() if c.metadata["nbgrader"].get("solution")}
    item_of = {c.id: c.id for c in assignment.checks}
    item_of.update({f"{c.id}_{part}": c.id for c in assignment.checks for part in ("format", "values")})

    cells: list[NotebookNode] = []
    placed: set[str] = set()
    missing: dict[str, str] = {}
    for cell in submitted.cells:
        gid = notebooks.grade_id(cell)
        if gid in placed:
            continue  # a duplicated answer or test cell: the first one counts
        if gid in locked:
            cells.append(_role(nbformat.from_dict(src[gid]), "locked", item_of.get(gid)))
            placed.add(gid)
        elif gid in answers:
            placed.add(gid)
            if cell.cell_type != src[gid].cell_type:
                missing[gid] = f"the answer cell was changed from {src[gid].cell_type} to {cell.cell_type}"
                continue
            restored = nbformat.from_dict(src[gid])
            restored.source = cell.source
            cells.append(_role(restored, "answer", item_of.get(gid, gid)))
        elif cell.cell_type in ("code", "markdown"):
            fresh = (nbformat.v4.new_code_cell(cell.source) if cell.cell_type == "code"
                     else nbformat.v4.new_markdown_cell(cell.source))
            cells.append(_role(fresh, "student"))  # the student's own work cells, metadata dropped

    # Locked cells the student deleted come back, after the cell that precedes them in the source.
    order = [notebooks.grade_id(c) for c in source.cells]
    for pos, gid in enumerate(order):
        if gid in locked and gid not in placed:
            before = [g for g in order[:pos] if g in placed]
            at = (max(i for i, c in enumerate(cells) if notebooks.grade_id(c) == before[-1]) + 1
                  if before else 0)
            cells.insert(at, _role(nbformat.from_dict(src[gid]), "locked", item_of.get(gid)))
            placed.add(gid)
    for gid in answers - placed:
        missing.setdefault(gid, "the answer cell is missing (deleted?)")

    nonce = secrets.token_hex(8)
    for check in assignment.checks:
        at = next(i for i, c in enumerate(cells) if notebooks.grade_id(c) == f"{check.id}_format")
        uses = tuple(check.derived.uses) if check.derived else ()
        probe = nbformat.v4.new_code_cell(
            f"print(__import__('checks').snapshot({nonce!r}, {check.id!r}, {check.variable!r}, "
            f"globals(), {uses!r}))")
        cells.insert(at, _role(probe, "snapshot", check.id))
    nb = nbformat.v4.new_notebook(cells=cells, metadata=source.metadata)
    return Prepared(nb=nb, nonce=nonce,
                    missing={item_of.get(g, g): why for g, why in missing.items()})


__all__ = ["prepare", "load_submission", "Prepared", "InvalidNotebook", "ROLE", "MISSING_CELL"]
