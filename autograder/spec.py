"""What an assignment is made of: graded checks, their catalogued mistakes, and the answer key.

An assignment's answers come from `solve(inputs, given)`, a pure function of the exhibit data.
`given` overrides intermediate answers, which is how a later question is credited when it
follows correctly from a catalogued mistake in an earlier one (follow-through): a mistake then
costs only its own item's points.
"""

from __future__ import annotations

import copy
import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.kernel_checks import matches, plain
from autograder.paths import data_dir
from autograder.tolerances import tolerance

KEY_DIGITS = 12  # significant digits of every float in the key
Inputs = Any  # whatever an assignment's `load` returns: the exhibit tables it needs


@dataclass(frozen=True)
class Mistake:
    """A common wrong answer: the code a student would write, the value it gives, the diagnosis."""

    id: str
    message: str
    cell: str  # the answer cell as the student would write it
    # (inputs, correct answers) -> the wrong value; None where the visible format test catches it
    value: Callable[[Inputs, dict], Any] | None = None


@dataclass(frozen=True)
class Derived:
    """How an expected value follows from the student's own inputs (a judgement they make,
    such as re-scored cells), computed twice: in Python for the grader's verdict outside the
    kernel, and as kernel code for the notebook's hidden test. Tests hold the two to the same
    answers on many inputs."""

    uses: tuple[str, ...]  # the student's variables the expectation is computed from
    # (inputs, {name: plain value}) -> (expected, {mistake id: wrong value}); ValueError with a
    # message for the student when their inputs break the question's rules
    compute: Callable[[Inputs, dict], tuple[Any, dict[str, Any]]]
    kernel: str  # hidden-test code defining `_expected` and `_wrong` from the kernel's variables


@dataclass(frozen=True)
class Check:
    """One autograded item: an answer variable, a visible format test and a hidden value test.

    Cells by grade id: `<id>` (the answer), `<id>_format` (visible), `<id>_values` (hidden).
    """

    id: str
    variable: str
    about: str  # "the normalized scores": used in test-cell docstrings
    tolerance: str  # a kind from autograder.tolerances
    points: float  # hidden value test
    format_points: float  # visible format test
    format: dict | Callable[[Inputs], dict]
    mistakes: tuple[Mistake, ...] = ()
    hidden: bool = True  # False for a chart: only its form is checked, never pixels
    derived: Derived | None = None  # expected value recomputed from the student's own inputs

    def format_spec(self, inputs: Inputs) -> dict:
        return self.format(inputs) if callable(self.format) else self.format


@dataclass(frozen=True)
class Assignment:
    name: str  # folder under source/ and release/
    title: str
    notebook: str  # file name inside the folder
    data_files: tuple[str, ...]  # case/data/<name>.csv copied to <folder>/data/
    load: Callable[[Path], Inputs]
    solve: Callable[[Inputs, dict], dict]
    checks: tuple[Check, ...]
    manual: dict[str, float] = field(default_factory=dict)  # hand-graded cell id -> points
    # Its given-data cell reads the exhibits through variant.py's `given`, so per-student
    # variants can be turned on for it (autograder.variants; the draw is autograder.variant_draw).
    variants: bool = False

    def inputs(self, folder: Path | None = None) -> Inputs:
        return self.load(folder or data_dir())

    def answers(self, folder: Path | None = None, given: dict | None = None) -> dict:
        return self.solve(self.inputs(folder), dict(given or {}))

    def check(self, check_id: str) -> Check:
        for check in self.checks:
            if check.id == check_id:
                return check
        raise KeyError(f"{self.name} has no check {check_id!r}")

    @property
    def autograded_points(self) -> float:
        return sum(c.points + c.format_points for c in self.checks)

    def key(self, folder: Path | None = None, strict: bool = True) -> dict[str, dict]:
        """Per check: expected value, tolerance, follow-through answers and mistake signatures,
        all as plain data (what the hidden tests embed and the outside check compares).

        `strict` (the published data) refuses a mistake that equals a follow-through answer;
        a student's variant (not strict) keeps both, since `verdict` tries the follow-through
        first and so still tells a student who made the earlier mistake from one who did not.

        Computed once per assignment and content of its data files (the solve is the costly
        part), and returned as a fresh copy each time, so callers may change what they get."""
        folder = folder or data_dir()
        cache_id = (id(self), data_digest(folder, self.data_files), strict)
        if cache_id not in _KEYS:
            _KEYS[cache_id] = (self, self._solve_key(folder, strict))  # self kept: its id stays unique
            while len(_KEYS) > 32:
                _KEYS.pop(next(iter(_KEYS)))
        return copy.deepcopy(_KEYS[cache_id][1])

    def mistake_values(self, inputs: Inputs, correct: dict) -> dict[str, list]:
        """{valued check id: [(mistake, the answer it gives)]} on these inputs."""
        valued = [c for c in self.checks if c.hidden and c.derived is None]
        return {c.id: [(m, m.value(inputs, correct)) for m in c.mistakes if m.value]
                for c in valued}

    def indistinct(self, inputs: Inputs, correct: dict) -> list[str]:
        """Catalogued mistakes whose answer is right within tolerance on these inputs: a student
        who makes one cannot be told apart (the published data must have none; a variant that
        has one is not issued)."""
        found = []
        for check_id, wrong in self.mistake_values(inputs, correct).items():
            check = self.check(check_id)
            expected = rounded(plain(correct[check.variable]))
            found += [f"{check_id}: mistake {m.id!r} gives the right answer within tolerance"
                      for m, value in wrong
                      if matches(rounded(plain(value)), expected, tolerance(check.tolerance))]
        return found

    def _solve_key(self, folder: Path, strict: bool = True) -> dict[str, dict]:
        inputs = self.inputs(folder)
        correct = self.solve(inputs, {})
        valued = [c for c in self.checks if c.hidden and c.derived is None]
        wrong = self.mistake_values(inputs, correct)
        # One solve per catalogued mistake: every later answer that follows from it.
        downstream = {(c.id, m.id): self.solve(inputs, {c.variable: value})
                      for c in valued for m, value in wrong[c.id]}
        key: dict[str, dict] = {}
        for pos, check in enumerate(valued):
            tol = tolerance(check.tolerance)
            expected = rounded(plain(correct[check.variable]))
            accept: list = []
            sources: list[list[list[str]]] = []  # per accepted value: the [item, mistake]s behind it
            for earlier in valued[:pos]:
                for mistake, _ in wrong[earlier.id]:
                    follows = downstream[earlier.id, mistake.id][check.variable]
                    if follows is None:  # undefined downstream of this mistake: no credit to carry
                        continue
                    follows = rounded(plain(follows))
                    if matches(follows, expected, tol):
                        continue
                    same = next((n for n, a in enumerate(accept) if matches(follows, a, tol)), None)
                    if same is None:
                        accept.append(follows)
                        sources.append([[earlier.id, mistake.id]])
                    else:
                        sources[same].append([earlier.id, mistake.id])
            mistakes = []
            for mistake, value in wrong[check.id]:
                signature = rounded(plain(value))
                if matches(signature, expected, tol):
                    raise ValueError(
                        f"{self.name}/{check.id}: mistake {mistake.id!r} gives the right answer "
                        "within tolerance; it cannot be told apart"
                    )
                if strict and any(matches(signature, a, tol) for a in accept):
                    raise ValueError(
                        f"{self.name}/{check.id}: mistake {mistake.id!r} equals a follow-through "
                        "answer of an earlier mistake"
                    )
                mistakes.append([signature, mistake.message, mistake.id])
            key[check.id] = {"expected": expected, "tol": tol, "accept": accept,
                             "accept_from": sources, "mistakes": mistakes}
        for check in self.checks:  # recomputed per submission from the student's own inputs
            if check.derived is not None:
                key[check.id] = {"derived": list(check.derived.uses), "tol": tolerance(check.tolerance)}
        return {c.id: key[c.id] for c in self.checks if c.id in key}

    def derived_entry(self, check: Check, inputs: Inputs, uses: dict) -> dict:
        """A derived check's key for one student: expected value and mistake signatures
        computed from their own inputs (`uses`: plain data). Raises ValueError, with a message
        for the student, when the inputs are missing or break the question's rules."""
        assert check.derived is not None
        missing = [name for name in check.derived.uses if name not in uses]
        if missing:
            raise ValueError(f"`{missing[0]}` is not defined or cannot be read: answer the "
                             "earlier part first")
        expected, wrong = check.derived.compute(inputs, uses)
        tol = tolerance(check.tolerance)
        expected = rounded(plain(expected))
        messages = {m.id: m.message for m in check.mistakes}
        mistakes = [[rounded(plain(value)), messages[mid], mid] for mid, value in wrong.items()
                    if value is not None and not matches(rounded(plain(value)), expected, tol)]
        return {"expected": expected, "tol": tol, "accept": [], "accept_from": [],
                "mistakes": mistakes}


# Keys already solved: (id of the Assignment, digest of its data files) -> (Assignment, key).
_KEYS: dict[tuple[int, str, bool], tuple[Assignment, dict[str, dict]]] = {}


def data_digest(folder: Path, names: tuple[str, ...]) -> str:
    """What an assignment's answers depend on: the bytes of its data files."""
    h = hashlib.sha256()
    for name in sorted(names):
        path = Path(folder) / f"{name}.csv"
        h.update(name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"missing"))
    return h.hexdigest()


def rounded(value, digits: int = KEY_DIGITS):
    """Plain data with every float rounded to `digits` significant digits.

    The last bits of a float depend on summation order (numpy/pandas version, SIMD path), so a
    key written with full precision would differ from one machine to the next; every tolerance
    is at least 1e-6, so 12 significant digits lose nothing a check can see."""
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v, digits) for v in value]
    if isinstance(value, float) and math.isfinite(value):
        return float(f"{value:.{digits}g}") + 0.0  # + 0.0 turns -0.0 into 0.0
    return value
