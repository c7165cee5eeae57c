"""Turn a submitted file into the notebook the grader runs.

The notebook's shape comes from the instructor's source, never from the submission: the order,
type and set of locked cells (setup, checks, tests), and where each answer sits. From the
submission the grader takes only the text of each answer cell and the student's own extra
cells, each kept after the source cell it followed. A snapshot cell right after each answer
records its value before anything else runs. Hidden tests are cleared before the kernel sees
them (judging happens outside), so no expected value ever enters the student's kernel.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import nbformat
from nbformat import NotebookNode
from nbgrader.preprocessors import ClearHiddenTests

from autograder.grading.results import MISSING_CELL
from autograder.grading.submission_file import InvalidNotebook, load_submission
from autograder.notebooks import grade_id
from autograder.spec import Assignment

ROLE = "paradox"  # cell metadata key the grader owns: {"role": ..., "item": ...}
TOP = ""          # anchor of student cells placed before any source cell


@dataclass
class Prepared:
    nb: NotebookNode
    nonce: str
    missing: dict[str, str] = field(default_factory=dict)   # item -> why it cannot be graded
    tampered: dict[str, str] = field(default_factory=dict)  # item (or TOP) -> what was done


def _role(cell: NotebookNode, role: str, item: str | None = None) -> NotebookNode:
    cell.metadata[ROLE] = {"role": role, "item": item}
    return cell


def _cleared(cell: NotebookNode) -> NotebookNode:
    """A copy of a source cell with its hidden tests removed (nbgrader's own preprocessor)."""
    cell = nbformat.from_dict(cell)
    ClearHiddenTests().preprocess_cell(cell, {}, 0)
    return cell


@dataclass
class _Taken:
    """What the grader takes from a submission: answer texts, student cells by anchor."""
    answers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, list[NotebookNode]] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    tampered: dict[str, str] = field(default_factory=dict)


def _take(submitted: NotebookNode, src: dict[str, NotebookNode], locked: set[str],
          answers: set[str], item_of: dict[str, str]) -> _Taken:
    taken, seen, anchor = _Taken(), set(), TOP
    for cell in submitted.cells:
        gid = grade_id(cell)
        if gid in locked:
            if gid in seen or cell.cell_type != src[gid].cell_type:
                what = ("duplicated" if gid in seen else
                        f"changed from {src[gid].cell_type} to {cell.cell_type}")
                item, said = item_of.get(gid, TOP), f"the locked cell {gid!r} was {what}"
                taken.tampered[item] = "; ".join(filter(None, (taken.tampered.get(item), said)))
                continue
            seen.add(gid)
            anchor = gid
        elif gid in answers:
            if gid in seen:
                continue  # a duplicated answer cell: the first one counts
            seen.add(gid)
            anchor = gid
            if cell.cell_type != src[gid].cell_type:
                taken.missing[gid] = (f"the answer cell was changed from {src[gid].cell_type} "
                                      f"to {cell.cell_type}")
            else:
                taken.answers[gid] = cell.source
        elif cell.cell_type in ("code", "markdown"):
            fresh = (nbformat.v4.new_code_cell(cell.source) if cell.cell_type == "code"
                     else nbformat.v4.new_markdown_cell(cell.source))
            # The student's own work, metadata dropped: it runs after the cell it followed.
            taken.extra.setdefault(anchor, []).append(_role(fresh, "student"))
    for gid in answers - seen:
        taken.missing.setdefault(gid, "the answer cell is missing (deleted?)")
    return taken


def prepare(submitted: NotebookNode, source: NotebookNode, assignment: Assignment) -> Prepared:
    src = {gid: c for c in source.cells if (gid := grade_id(c))}
    locked = {g for g, c in src.items() if c.metadata["nbgrader"].get("locked")}
    answers = {g for g, c in src.items() if c.metadata["nbgrader"].get("solution")} - locked
    item_of = {c.id: c.id for c in assignment.checks}
    item_of.update({f"{c.id}_{part}": c.id for c in assignment.checks for part in ("format", "values")})
    taken = _take(submitted, src, locked, answers, item_of)
    checks = {c.id: c for c in assignment.checks}
    nonce = secrets.token_hex(8)

    cells: list[NotebookNode] = list(taken.extra.get(TOP, []))
    for gid, original in src.items():  # the source's order, whatever the submission's
        if gid in locked:
            cells.append(_role(_cleared(original), "locked", item_of.get(gid)))
        elif gid in taken.answers:
            restored = nbformat.from_dict(original)
            restored.source = taken.answers[gid]
            cells.append(_role(restored, "answer", item_of.get(gid, gid)))
        if gid in checks:  # the answer's value, taken before any other cell can run
            check = checks[gid]
            uses = tuple(check.derived.uses) if check.derived else ()
            cells.append(_role(nbformat.v4.new_code_cell(
                f"print(__import__('checks').snapshot({nonce!r}, {check.id!r}, "
                f"{check.variable!r}, globals(), {uses!r}))"), "snapshot", check.id))
        cells.extend(taken.extra.get(gid, []))
    nb = nbformat.v4.new_notebook(cells=cells, metadata=source.metadata)
    return Prepared(nb=nb, nonce=nonce,
                    missing={item_of.get(g, g): why for g, why in taken.missing.items()},
                    tampered=taken.tampered)


__all__ = ["prepare", "load_submission", "Prepared", "InvalidNotebook", "ROLE",
           "MISSING_CELL", "TOP"]
