"""Grading with per-student variants (autograder.variants): which key a submission is judged
against, what a person must see when the notebook's code is not the student's, and answers
that are right for another variant than one's own.

The code a notebook used is read from its text, never from the run: the last top-level
`VARIANT = "..."` in a cell the student can edit. The grader then judges against the key of the
code issued to the submitting student, whatever the notebook says; a different or missing code
holds every valued item for a person (both codes shown), so no one is graded against someone
else's key, silently or otherwise.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from nbformat import NotebookNode

from autograder.assignments import get
from autograder.grading.results import MANUAL, SCORED, VARIANT_MISMATCH, WRONG, ItemResult
from autograder.kernel_checks import matches, plain
from autograder.spec import rounded
from autograder.tolerances import tolerance

NAME = "VARIANT"
OTHER_VARIANT = "other_variant"          # the answer is right for a classmate's variant
PUBLISHED_NUMBERS = "published_numbers"  # the answer is right for the case's published numbers
SAID = {
    OTHER_VARIANT: "this is the answer for another variant of the data, not yours: compute it "
                   "from your own given data (your VARIANT code) rather than copying a number.",
    PUBLISHED_NUMBERS: "this is the answer on the case's published numbers, not on your variant: "
                       "was your VARIANT code set when you ran the notebook?",
}


def claimed_code(nb: NotebookNode) -> str:
    """The code the notebook sets, upper-cased; "" when none is set (the given cell then uses
    the published numbers). A value that is not a plain string comes back as its source text,
    which no issued code equals."""
    found = ""
    for cell in nb.cells:
        if cell.cell_type != "code" or cell.get("metadata", {}).get("nbgrader", {}).get("locked"):
            continue
        try:
            tree = ast.parse(cell.source)
        except (SyntaxError, ValueError):
            continue
        for node in tree.body:
            if (isinstance(node, ast.Assign) and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name) and node.targets[0].id == NAME):
                value = node.value
                found = (value.value.strip().upper() if isinstance(value, ast.Constant)
                         and isinstance(value.value, str) else ast.unparse(value)[:40])
    return found


@cache
def variant_answers(course: Path, assignment: str, code: str) -> dict[str, Any]:
    """{check id: expected value} of the valued checks on the variant `code` ("" = published):
    the solve alone, without the catalogue of mistakes, to recognise answers from other variants."""
    from autograder.variants import variant_data

    a = get(assignment)
    with variant_data(course / "case" / "data", assignment, code) as folder:
        answers = a.solve(a.load(folder), {})
    return {c.id: rounded(plain(answers[c.variable])) for c in a.checks
            if c.hidden and c.derived is None and answers.get(c.variable) is not None}


def _right(items: list[ItemResult], answers: dict[str, Any], assignment: str) -> int:
    a = get(assignment)
    return sum(1 for i in items if i.item in answers and i.value is not None
               and matches(i.value, answers[i.item], tolerance(a.check(i.item).tolerance)))


def held(course: Path, assignment: str, student: str, items: list[ItemResult], expected: str,
         claimed: str, issued: dict[str, str]) -> tuple[list[ItemResult], str]:
    """The items with every valued one held for a person (no score), and the note for the
    instructor: both codes, whose the notebook's is, and how many values are right under each."""
    a = get(assignment)
    valued = {c.id for c in a.checks if c.hidden}
    owner = next((s for s, c in issued.items() if c == claimed), None)
    theirs = repr(claimed) if claimed else "empty"
    yours = repr(expected) if expected else "none (variants are off for this assignment)"
    told = (f"the notebook's variant code is {theirs}, but the code issued to you is {yours}: "
            "not graded against either key; your instructor will look at it")
    out = [replace(i, status=VARIANT_MISMATCH, score=None, message=told, cells={})
           if i.item in valued and i.status in SCORED and i.status != MANUAL else i
           for i in items]
    whose = ("no code: the published numbers" if not claimed else
             f"issued to {owner}" if owner else "not issued to any student on file")
    counts = [f"{_right(items, variant_answers(course, assignment, expected), assignment)} on "
              f"{student}'s own {expected!r}"]
    if claimed == "" or claimed.isalnum():
        counts.append(f"{_right(items, variant_answers(course, assignment, claimed), assignment)} "
                      f"on the notebook's {claimed or 'published numbers'!r}")
    note = (f"variant mismatch: the notebook's code is {theirs} ({whose}); "
            f"{student}'s is {expected or 'none'!r}. Values right, of {len(valued)}: "
            + ", ".join(counts) + ".")
    return out, note


def recognised(course: Path, assignment: str, student: str, items: list[ItemResult],
               issued: dict[str, str]) -> tuple[list[ItemResult], str]:
    """Wrong answers no catalogued mistake explains but another variant's key does (a
    classmate's, or the published numbers): diagnosed as such for the student, and named for
    the instructor (which classmate)."""
    a = get(assignment)
    others = {"the published numbers": ""} | {s: c for s, c in issued.items() if s != student}
    unexplained = [i for i in items if i.status == WRONG and i.mistake is None and i.value is not None]
    fits: dict[str, set[str]] = {}  # who -> the unexplained answers their variant gives
    for who, code in others.items() if unexplained else ():
        theirs = variant_answers(course, assignment, code)
        fits[who] = {i.item for i in unexplained if i.item in theirs and matches(
            i.value, theirs[i.item], tolerance(a.check(i.item).tolerance))}
    # each answer goes to the variant that explains the most answers (a copy is of one notebook)
    ranked = sorted((who for who in fits if fits[who]), key=lambda who: -len(fits[who]))
    out: list[ItemResult] = []
    matched: dict[str, list[str]] = {}
    for item in items:
        found = next((w for w in ranked if item.item in fits[w]), None)
        if found is not None and item in unexplained:
            who = found
            kind = PUBLISHED_NUMBERS if not others[who] else OTHER_VARIANT
            item = replace(item, mistake=kind, message=SAID[kind])
            matched.setdefault(who, []).append(item.item)
        out.append(item)
    note = "; ".join(f"{len(ids)} answer(s) match {who}"
                     + ("'s variant" if who != "the published numbers" else "")
                     + f" ({', '.join(ids)})" for who, ids in matched.items())
    return out, note
