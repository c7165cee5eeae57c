"""Judge an executed notebook in the grader's own process: one status and score per item.

The value of each answer comes from its snapshot; it is checked here against the answer key
with the same logic the hidden tests use, so nothing a student does inside the kernel can
change the verdict. The kernel's own test results are only compared with it: a test that
passed inside while the value is wrong outside marks the item as tampered.
"""

from __future__ import annotations

import json
from dataclasses import replace

from nbformat import NotebookNode

from autograder.grading.execute import Execution
from autograder.grading.prepare import ROLE, TOP, Prepared
from autograder.grading.results import (
    ERROR,
    FAILED,
    GRADED,
    MANUAL,
    MISSING_CELL,
    TAMPERED,
    TIMEOUT,
    UNANSWERED,
    UNSANDBOXED,
    WRONG,
    ItemResult,
)
from autograder.kernel_checks import plain_format_problem, verdict
from autograder.notebooks import grade_id
from autograder.spec import Assignment


def _cells(nb: NotebookNode, role: str, item: str) -> list[tuple[int, NotebookNode]]:
    return [(i, c) for i, c in enumerate(nb.cells)
            if c.metadata.get(ROLE, {}).get("role") == role and c.metadata[ROLE].get("item") == item]


def _failed(cell: NotebookNode) -> bool:
    return any(o.get("output_type") == "error" or (o.get("output_type") == "stream"
                                                   and o.get("name") == "stderr")
               for o in cell.get("outputs", []))


def _error_of(cell: NotebookNode) -> str:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return f"{out.get('ename', 'Error')}: {str(out.get('evalue', ''))[:200]}"
    return ""


def _snapshot(cell: NotebookNode, nonce: str, item: str) -> dict | None:
    """The record the snapshot cell printed, found by its opening in the cell's whole stdout
    (another thread's print may split it across messages or sit on the same line)."""
    text = "".join(str(o.get("text", "")) for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")
    head = json.dumps({"nonce": nonce, "item": item})[:-1]  # how the record starts
    at = text.find(head)
    while at >= 0:
        try:
            record, _ = json.JSONDecoder().raw_decode(text, at)
        except json.JSONDecodeError:
            pass
        except (ValueError, RecursionError):  # an int of 4,300+ digits, nesting too deep
            return {"nonce": nonce, "item": item, "defined": True, "type": "?",
                    "unreadable": "the value is too large or too deeply nested to check"}
        else:
            if isinstance(record, dict) and record.get("nonce") == nonce and record.get("item") == item:
                return record
        at = text.find(head, at + 1)
    return None


def _stopped(index: int, run: Execution) -> tuple[str, float | None, str] | None:
    """Why the cell at `index` never produced a result, if it did not: a status, its score
    (0 when the student's own cell used up the time, None when it was not their doing)."""
    if run.start_error:
        return FAILED, None, "the notebook's kernel could not start"
    if index in run.timed_out:
        return TIMEOUT, 0.0, "this cell ran out of time"
    if run.deadline_at is not None and index >= run.deadline_at:
        return TIMEOUT, 0.0, "the notebook ran out of time before this point"
    if run.died_at is not None and index >= run.died_at:
        return FAILED, None, "the kernel stopped (crashed or exited) before this point"
    return None


def grader_failure(run: Execution) -> str | None:
    """Why this run says nothing about the student, if it does not: a cell the student cannot
    edit (setup, checks, a test, a snapshot) timed out, or stopped the notebook's time, or a
    given cell (setup, checks import) raised. Such a failure is the grader's (a busy machine,
    a broken release), never charged to the student."""
    for index, cell in enumerate(run.nb.cells):
        role = cell.metadata.get(ROLE, {})
        if role.get("role") not in ("locked", "snapshot"):
            continue
        gid = grade_id(cell) or role.get("role")
        if index in run.timed_out or index == run.deadline_at:
            return f"the grader's cell {gid!r} ran out of time"
        if role.get("role") == "locked" and role.get("item") is None and _failed(cell):
            return f"the given cell {gid!r} failed: {_error_of(cell) or 'it wrote to stderr'}"
    return None


def _entry(assignment: Assignment, check, key: dict, inputs, record: dict) -> tuple[dict | None, str]:
    """The key an answer is judged against: the fixed one, or for a derived check the one
    recomputed here, outside the kernel, from the student's own recorded inputs; or None and
    why, when those inputs break the question's rules."""
    if check.derived is None:
        return key[check.id], ""
    try:
        return assignment.derived_entry(check, inputs, record.get("uses", {})), ""
    except ValueError as exc:
        return None, str(exc)


def _format_cells(nb: NotebookNode, item: str) -> list[tuple[int, NotebookNode]]:
    """The item's visible format test as it ran in the kernel (the only test that runs there:
    hidden tests are cleared before execution)."""
    return [(i, c) for i, c in _cells(nb, "locked", item) if grade_id(c) == f"{item}_format"]


def _judge_check(assignment: Assignment, check, prepared: Prepared, run: Execution, key: dict,
                 inputs, earlier: dict[str, str | None], sandboxed: bool) -> ItemResult:
    nb, top = run.nb, check.points + check.format_points
    if check.id in prepared.missing:
        return ItemResult(check.id, MISSING_CELL, None, top, prepared.missing[check.id])
    answer = _cells(nb, "answer", check.id)
    (at, probe), = _cells(nb, "snapshot", check.id)
    record = _snapshot(probe, prepared.nonce, check.id)
    stopped = _stopped(answer[0][0], run) if answer else None
    stopped = stopped or (None if record else _stopped(at, run))
    if stopped:
        return ItemResult(check.id, stopped[0], stopped[1], top, stopped[2])
    tests = _format_cells(nb, check.id)
    passed_inside = bool(tests) and not any(_failed(c) for _, c in tests)
    if record is None:  # the snapshot was blocked or forged
        if passed_inside:
            return ItemResult(check.id, TAMPERED, 0.0, top,
                              "the notebook's own tests passed but the grader could not read "
                              "the answer: the checks were changed or bypassed.",
                              in_kernel_passed=True)
        return ItemResult(check.id, FAILED, None, top,
                          "the grader could not read this answer " + _error_of(probe))
    if not record.get("defined"):
        why = _error_of(answer[0][1]) if answer else ""
        if why.startswith("NotImplementedError"):
            return ItemResult(check.id, UNANSWERED, 0.0, top,
                              "not answered: the cell still raises NotImplementedError")
        return ItemResult(check.id, ERROR, 0.0, top,
                          f"`{check.variable}` is not defined"
                          + (f": the answer cell raised {why}" if why else
                             " — did you run the answer cell and keep the name?"))
    value = record.get("value")
    problem: str | None
    if "unreadable" in record:
        problem = f"{check.variable}: {record['unreadable']}"
    else:
        problem = plain_format_problem(check.variable, record.get("type", "?"), value,
                                       check.format_spec(inputs))
    cells = {f"{check.id}_format": 0.0 if problem else float(check.format_points)}
    message, mistake = problem or "", None
    if check.hidden:
        cells[f"{check.id}_values"] = 0.0
        if "unreadable" not in record:
            entry, said = _entry(assignment, check, key, inputs, record)
            if entry is not None:
                outcome, said, mistake = verdict(value, entry, earlier)
                if outcome in ("correct", "follow-through"):
                    cells[f"{check.id}_values"] = float(check.points)
            # a catalogued mistake's diagnosis says more than the form problem it also causes
            shown = None if mistake else problem
            message = "; ".join(m for m in (shown, said and f"{check.variable}: {said}") if m)
    score = sum(cells.values())
    status = GRADED if score == top else WRONG
    if passed_inside and problem and "unreadable" not in record:
        # the kernel's format test passed a value that fails the same test here
        status = TAMPERED
        message = ("the notebook's own format test passed but the grader's did not: the checks "
                   "were changed or bypassed. " + message).strip()
    elif not sandboxed:
        status = UNSANDBOXED
    return ItemResult(check.id, status, score, top, message, mistake, value, passed_inside, cells)


def _tampered(item: ItemResult, why: str) -> ItemResult:
    """An item whose locked cells the submission duplicated or retyped: judged as usual (the
    instructor's cells ran), reported for a person to see."""
    return replace(item, status=TAMPERED, message=(
        f"{why}; the instructor's version was run instead. {item.message}").strip())


def judge(assignment: Assignment, prepared: Prepared, run: Execution, key: dict, inputs,
          *, sandboxed: bool) -> list[ItemResult]:
    results = []
    earlier: dict[str, str | None] = {}  # item -> catalogued mistake its answer matched
    for check in assignment.checks:
        try:
            item = _judge_check(assignment, check, prepared, run, key, inputs, earlier, sandboxed)
        except Exception as exc:  # one answer the checker cannot handle spoils only itself
            item = ItemResult(check.id, FAILED, None, check.points + check.format_points,
                              f"the grader could not judge this answer ({exc.__class__.__name__}); "
                              "a person should look at it")
        if item.score == 0 and not item.cells:  # a zero the student earned: each grade cell at 0
            item = replace(item, cells={f"{check.id}_format": 0.0,
                                        **({f"{check.id}_values": 0.0} if check.hidden else {})})
        earlier[check.id] = item.mistake
        why = prepared.tampered.get(check.id) or prepared.tampered.get(TOP)
        results.append(_tampered(item, why) if why and item.score is not None else item)
    for cell_id, points in assignment.manual.items():
        if cell_id in prepared.missing:
            results.append(ItemResult(cell_id, MISSING_CELL, None, points, prepared.missing[cell_id]))
        else:
            results.append(ItemResult(cell_id, MANUAL, None, points, "graded by hand"))
    return results
