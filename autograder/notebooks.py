"""Notebook files: normalized storage, nbgrader cell metadata, and the generated test cells."""

from __future__ import annotations

import pprint
import re
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from autograder.rubrics import fill as fill_rubrics
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
        tags = cell.get("metadata", {}).get("tags")  # e.g. "variant", the cell a student types in
        cell.metadata = nbformat.from_dict({"tags": list(tags)} if tags else {})
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


def grade_id(cell) -> str | None:
    """A cell's nbgrader grade id, or None, whatever a submission put in its metadata."""
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    nb_meta = meta.get("nbgrader") if isinstance(meta, dict) else None
    gid = nb_meta.get("grade_id") if isinstance(nb_meta, dict) else None
    return gid if isinstance(gid, str) and gid else None


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
    """A locked grade cell. A visible form check is worth 0 points: it cannot lose a point, but
    as a grade cell it is one that nbgrader's Validate reports when it fails (Validate looks at
    grade cells only, and counts a failing 0-point cell as failed)."""
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = nbgrader_meta(cell_id, grade=True, solution=False, locked=True,
                                              points=points)
    return cell


def _literal(value) -> str:
    return pprint.pformat(value, width=96, sort_dicts=False)


def format_source(check: Check, spec: dict) -> str:
    """The visible check: comments, then the call (it prints one line when the form is right).
    No docstring: a test cell must show nothing but what the check prints."""
    later = ("A chart is graded on its form only." if spec.get("type") == "figure"
             else "The values are checked when the notebook is graded.")
    return (f"# Visible check of {check.about} (`{check.variable}`): type, labels and range.\n"
            f"# {later}\n"
            f"check_format({check.variable!r}, {check.variable}, {_literal(spec)})")


def in_kernel(key: dict) -> dict:
    """What a hidden test embeds for stock nbgrader: the key without the grader's bookkeeping
    of which earlier mistake each follow-through value comes from."""
    return {k: v for k, v in key.items() if k != "accept_from"}


def values_source(check: Check, key: dict) -> str:
    """The hidden test. What nbgrader leaves of it in the release (and the grader before it
    runs the notebook) is the comment above the markers: a cell that outputs nothing, so
    nbgrader reads no partial credit from it."""
    if check.derived is not None:
        return derived_source(check, key)
    return (f"# Hidden check of {check.about} (`{check.variable}`) against the answer key;\n"
            "# it runs when the notebook is graded.\n"
            "### BEGIN HIDDEN TESTS\n"
            "# Generated from the answer key by `autograder release`; do not edit by hand.\n"
            f"check_values({check.variable!r}, {check.variable}, {_literal(in_kernel(key))})\n"
            "### END HIDDEN TESTS")


def derived_source(check: Check, key: dict) -> str:
    """The hidden test of an answer that follows from the student's own inputs: the expected
    value (and the catalogued mistakes' values) are recomputed in the kernel from them."""
    assert check.derived is not None
    messages = [[m.message, m.id] for m in check.mistakes]
    return (f"# Hidden check of {check.about} (`{check.variable}`), recomputed from your own\n"
            f"# {', '.join(f'`{u}`' for u in check.derived.uses)}; it runs when the notebook is graded.\n"
            "### BEGIN HIDDEN TESTS\n"
            "# Generated from the assignment's spec by `autograder release`; do not edit by hand.\n"
            f"{check.derived.kernel.strip()}\n"
            "_plain = __import__('checks').plain\n"
            f"check_values({check.variable!r}, {check.variable}, "
            f"{{'expected': _plain(_expected), 'tol': {key['tol']!r}, 'accept': [],\n"
            f" 'mistakes': [[_plain(_wrong[i]), m, i] for m, i in {messages!r} if i in _wrong]}})\n"
            "### END HIDDEN TESTS")


def solution_code(source: str) -> str:
    """An answer cell's solution as a student would submit it (markers removed)."""
    return SOLUTION_MARKERS.sub("", source).strip("\n")


def sync_test_cells(nb: NotebookNode, assignment: Assignment, key: dict, inputs,
                    rubrics: dict | None = None) -> NotebookNode:
    """Write every check's visible and hidden test cells from the spec and the answer key,
    inserting them after the answer cell where missing; each question's points from the spec;
    and each hand-graded prompt's criteria from the guide's rubrics (`autograder.rubrics`)."""
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
    wanted = {f"{c.id}_{part}" for c in assignment.checks for part in ("format", "values")}
    nb.cells = [c for c in nb.cells if not _is_test_id(grade_id(c)) or grade_id(c) in wanted]
    sync_points(nb, assignment)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "RUBRIC" in cell.source.upper():
            cell.source = fill_rubrics(cell.source, rubrics or {}, assignment.notebook)
    return nb


def _is_test_id(cell_id: str | None) -> bool:
    return bool(cell_id) and cell_id.endswith(("_format", "_values"))  # type: ignore[union-attr]


_QUESTION = re.compile(r"^(## Question (\d+) — .*?) \((?:\d+(?:\.\d+)?) points?(, graded by hand)?\)",
                       re.M)
_PART = re.compile(r"\((?:\d+(?:\.\d+)?) points?, graded by hand\.\)")
_TOTAL = re.compile(r"\*\*[\d.]+ points\*\*: [\d.]+ autograded, [\d.]+ graded by hand\.")


def question_points(assignment: Assignment) -> dict[int, tuple[float, bool]]:
    """Question number -> (its points, whether all of them are graded by hand), from the spec:
    item ids start with q<number>."""
    found: dict[int, list[float]] = {}
    hand: dict[int, bool] = {}
    items = [(c.id, c.points + c.format_points, False) for c in assignment.checks]
    items += [(cell, points, True) for cell, points in assignment.manual.items()]
    for item, points, by_hand in items:
        match = re.match(r"q(\d+)", item)
        if match:
            number = int(match.group(1))
            found.setdefault(number, []).append(points)
            hand[number] = hand.get(number, True) and by_hand
    return {n: (sum(p), hand[n]) for n, p in found.items()}


def _points_text(points: float) -> str:
    text = f"{points:g}"
    return f"{text} point" if points == 1 else f"{text} points"


def sync_points(nb: NotebookNode, assignment: Assignment) -> None:
    """Write each question heading's points and the notebook's total from the spec, so a
    change of points is made once."""
    totals = question_points(assignment)
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue

        def heading(m: re.Match) -> str:
            number = int(m.group(2))
            if number not in totals:
                raise ValueError(f"{assignment.notebook}: Question {number} has no graded item")
            points, by_hand = totals[number]
            return f"{m.group(1)} ({_points_text(points)}{', graded by hand' if by_hand else ''})"

        cell.source = _QUESTION.sub(heading, cell.source)
        manual = sum(assignment.manual.values())
        auto = assignment.autograded_points
        cell.source = _TOTAL.sub(f"**{auto + manual:g} points**: {auto:g} autograded, "
                                 f"{manual:g} graded by hand.", cell.source)
    for prompt, answer in zip(nb.cells, nb.cells[1:]):  # "(3 points, graded by hand.)" parts
        cell_id = grade_id(answer)
        if prompt.cell_type == "markdown" and cell_id in assignment.manual:
            prompt.source = _PART.sub(f"({_points_text(assignment.manual[cell_id])}, graded by hand.)",
                                      prompt.source)
