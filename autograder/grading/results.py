"""What grading produces: one status and score per item of every submission.

These records are what the gradebook, feedback, exports and the report are written from.
A status says how an item ended. What the student did (or did not do) is scored, zero included:
a wrong answer, an untouched stub, their own code's error or endless loop. What was not the
student's doing (an unreadable file, a dead kernel, a failure in a cell they cannot edit, the
grader's own failure) leaves the item without a score, for a person; it is never exported as a
plain zero.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

GRADED = "graded"            # checked; earned its points
WRONG = "wrong"              # checked; lost points (diagnosis in `message`)
UNANSWERED = "unanswered"    # the answer cell is still the stub (raises NotImplementedError): 0
ERROR = "error"              # the student's own code raised (or never set the answer): 0
TIMEOUT = "timeout"          # the student's cell (or notebook) ran out of time: 0
FAILED = "grading failed"    # not the student's doing: dead kernel, sandbox or locked-cell failure
MISSING_CELL = "missing cell"  # the answer or test cell was deleted or changed type
INVALID_NOTEBOOK = "invalid notebook"  # unreadable file: not JSON, empty, wrong nbformat
TAMPERED = "tampered"        # the in-kernel format test passed what the outside check rejects,
                             # or a locked cell was duplicated or retyped
VARIANT_MISMATCH = "variant mismatch"  # the notebook's variant code is not the one issued to
                                       # the submitting student (or is missing): for a person
UNSANDBOXED = "unsandboxed"  # graded without the sandbox (instructor's explicit opt-out)
MANUAL = "needs manual grade"  # written answers, graded by hand in formgrader
NOT_GRADED = "submitted, not graded"  # in submitted/, but new or changed since the last grading

STATUSES = (GRADED, WRONG, UNANSWERED, ERROR, TIMEOUT, FAILED, MISSING_CELL, INVALID_NOTEBOOK,
            VARIANT_MISMATCH, TAMPERED, UNSANDBOXED, MANUAL, NOT_GRADED)
# statuses whose score is a real grade (zero included)
SCORED = (GRADED, WRONG, UNANSWERED, ERROR, TIMEOUT, TAMPERED, UNSANDBOXED)
UNGRADABLE = (FAILED, MISSING_CELL, INVALID_NOTEBOOK, VARIANT_MISMATCH)  # need a person before a grade


@dataclass
class ItemResult:
    item: str               # check id (e.g. "q1_normalized") or hand-graded cell id
    status: str
    score: float | None     # None when the item could not be graded (or awaits a person)
    max_score: float
    message: str = ""       # what the student sees: a diagnosis, never the expected value
    mistake: str | None = None   # id of the catalogued mistake the answer matched
    value: Any = None       # the student's answer as plain data (for the report)
    in_kernel_passed: bool | None = None  # what the student's own kernel said
    cells: Mapping[str, float | None] = field(default_factory=dict)  # nbgrader grade cell -> score


@dataclass
class SubmissionResult:
    student: str
    assignment: str
    status: str             # GRADED, or the status that stopped the whole notebook
    sandboxed: bool
    items: list[ItemResult] = field(default_factory=list)
    timestamp: str | None = None  # submission time (nbgrader's timestamp.txt)
    late: bool = False
    seconds: float = 0.0    # wall time of the run
    message: str = ""       # notebook-level problem, e.g. "not valid JSON (line 3)"
    seconds_late: float = 0.0  # past the due date plus extension, from the gradebook (late.py)
    late_penalty: float = 0.0  # points the course's nbgrader late plugin took (late.py)
    variant: str | None = None  # the variant code graded against; None: variants are off
    instructor_note: str = ""   # for the report only, never in the feedback (names classmates)

    @property
    def score(self) -> float | None:
        """Points earned on items that could be graded; None when none could be."""
        scored = [i.score for i in self.items if i.status in SCORED and i.score is not None]
        return sum(scored) if scored else None

    @property
    def max_score(self) -> float:
        return sum(i.max_score for i in self.items)


def write_results(results: list[SubmissionResult], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = [{**asdict(r), "score": r.score, "max_score": r.max_score} for r in results]
    path.write_text(json.dumps(payload, indent=1, default=str), encoding="utf-8")
    return path


def from_dict(row: dict) -> SubmissionResult:
    """A record as `asdict` (or results.json) gives it, back as a SubmissionResult."""
    row = {k: v for k, v in row.items() if k not in ("score", "max_score")}  # derived
    items = [ItemResult(**i) for i in row.pop("items")]
    return SubmissionResult(**row, items=items)


def read_results(path: Path) -> list[SubmissionResult]:
    return [from_dict(row) for row in json.loads(path.read_text(encoding="utf-8"))]
