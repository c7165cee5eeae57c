"""Per-student variants, instructor side: the course secret, variant codes and their issuance.

Numbers that differ by student, conclusions that do not. Each student gets a short code; the
public `autograder.variant_draw` turns it into their own illustrative inputs, and their answer
key is the same pure function of those inputs. A code is an HMAC of the student under a secret
kept in the course folder, so a student cannot compute another student's code.

Issuance keeps the lesson: of the codes for attempts 0, 1, 2, … it hands out the first whose
variant (a) reaches the same conclusions as the published data (`qualitative`) and (b) moves
every numeric answer beyond its tolerance, so a copied number is a wrong number.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder import variant_draw
from autograder.assignments import get
from autograder.kernel_checks import matches, plain
from autograder.key import build_vs_buy as bvb
from autograder.spec import Assignment, Check, data_digest, rounded
from autograder.tolerances import tolerance
from autograder.utils import atomic_write

SECRET_FILE = Path(".paradox") / "variant_secret"
SECRET_BYTES = 32
CODE_LENGTH = 8  # base32 characters: 40 bits, no collisions to expect in a class
MAX_ATTEMPTS = 50  # past this the bounds are wrong for the case, not unlucky

# Answers whose signs are not a lesson, per assignment, and why (their numbers still must move).
SIGN_EXEMPT: dict[str, dict[str, str]] = {
    "build_vs_buy": {
        "flows": "the year-2 incremental flow is −0.05 by coincidence of the illustrative numbers; "
                 "the lesson is in the NPVs, the IRR and the single sign change (kept below)",
        "npv_by_rate": "a curve crossing zero at the IRR, which must move, so the signs next to "
                       "the crossing move with it; the NPV at the hurdle keeps its sign",
        "npv_grid": "a what-if grid over lags and shares fixed by the question; cells next to "
                    "zero flip with any input, and the lesson (lag and share decide) survives",
    },
    "scenarios": {
        "regret": "its zeros mark the best option in each future, and in Convergence two options "
                  "are 0.25 $B apart (a near-tie of the illustrative numbers) that any cost "
                  "flips; the rule the regrets feed, minimax regret, is kept",
        "best_share": "shares of draws: a share near 0 (Acquisition spree, 0.15%) may hit 0; "
                      "the option most often best is kept",
        "best_share_any": "as best_share",
    },
}
# Valued checks left out of "every number moves", and why: they cannot move by construction.
NUMERIC_EXEMPT: dict[str, dict[str, str]] = {
    "build_vs_buy": {},
    "scenarios": {"q1_inputs": "the probabilities sum to 1 and share one unit in every variant"},
}


class VariantError(RuntimeError):
    """A variant cannot be issued or the course secret cannot be read; the message says why."""


@dataclass(frozen=True)
class Variant:
    code: str
    attempt: int


def course_secret(root: Path) -> bytes:
    """The course's variant secret, created (random, mode 0600) on first use. Kept in
    `.paradox/`, which is gitignored: whoever holds it can compute every student's code."""
    path = Path(root) / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # created meanwhile by another process: read theirs
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(SECRET_BYTES) + "\n")
    try:
        secret = bytes.fromhex(path.read_text().strip())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise VariantError(f"{path}: cannot read the variant secret ({exc}); it must hold "
                           f"{SECRET_BYTES} random bytes as hex") from exc
    if len(secret) != SECRET_BYTES:
        raise VariantError(f"{path}: the variant secret must be {SECRET_BYTES} bytes as hex, "
                           f"found {len(secret)}")
    return secret


def variant_code(secret: bytes, assignment: str, student_id: str, attempt: int = 0) -> str:
    """First CODE_LENGTH characters of base32(HMAC-SHA256(secret, "assignment:student:attempt"))."""
    message = f"{assignment}:{student_id}:{attempt}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:CODE_LENGTH]


@contextmanager
def variant_data(data_dir: Path, assignment_name: str, code: str) -> Iterator[Path]:
    """The folder of the variant `code`'s data files (written to a temporary folder, removed
    afterwards); for "" (no variant), `data_dir` itself."""
    if not code:
        yield Path(data_dir)
        return
    with tempfile.TemporaryDirectory(prefix="paradox-variant-") as tmp:
        yield write_variant(data_dir, Path(tmp), assignment_name, code)


def write_variant(data_dir: Path, out_dir: Path, assignment_name: str, code: str) -> Path:
    """Copy the assignment's data files into `out_dir`, the variant's inputs changed and every
    other byte as published (sourced rows included). Returns `out_dir`."""
    assignment = get(assignment_name)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    varied = variant_draw.files(assignment_name)
    for name in assignment.data_files:
        source, target = Path(data_dir) / f"{name}.csv", out_dir / f"{name}.csv"
        if name in varied:
            text = variant_draw.apply_csv(assignment_name, code, name, source.read_text())
            target.write_text(text)
        else:
            shutil.copyfile(source, target)
    return out_dir


# --- what must not change, what must --------------------------------------------------------


def _plain(value: Any) -> Any:
    """`plain`, with an undefined answer (None: no IRR, never paid back) kept as None."""
    return None if value is None else plain(value)


def _sign(x: float) -> str:
    return "nan" if math.isnan(x) else "+" if x > 0 else "-" if x < 0 else "0"


def _leaves(value: Any, path: str, exact: bool, out: dict[str, Any]) -> None:
    """Flatten plain data: labels, flags, None and (in exact answers) integers as they are,
    every other number by its sign."""
    if isinstance(value, dict):
        for k, v in value.items():
            _leaves(v, f"{path}[{k}]", exact, out)
    elif isinstance(value, list):
        for n, v in enumerate(value):
            _leaves(v, f"{path}[{n}]", exact, out)
    elif value is None or isinstance(value, str | bool) or (exact and isinstance(value, int)):
        out[path] = value
    else:
        out[path] = _sign(float(value))


def _bvb_lessons(inputs: dict, a: dict) -> dict[str, Any]:
    m, h, own = inputs["meta"], inputs["buyer"], a["selfhost_per_1m"]
    adequate = h["selfhost_capability_index"] >= h["adequacy_threshold"]
    return {
        "claim '90% for 0%'": bvb.claim_verdict(bool(adequate), float(a["cost_share"])),
        "self-host adequate": bool(adequate),
        "IRR vs hurdle": _sign(a["irr"] - m["discount_rate"]) if a["irr"] is not None else None,
        "incremental sign changes": bvb.sign_changes(a["flows"]["incremental"]),
        "volume vs break-even": _sign(h["monthly_tokens_m"] - a["breakeven_volume"]),
        "utilization vs break-even": _sign(h["utilization"] - a["breakeven_utilization"]),
        "self-host variable cost vs API": _sign(float(own["variable"]) - float(
            a["api_prices"][a["cheapest_api"]])),
    }


def _scenario_lessons(inputs: dict, a: dict) -> dict[str, Any]:
    return {
        "most often best in the simulation": str(a["best_share"].idxmax()),
        "wait a year vs act now": _sign(inputs["keep"] - a["breakeven_keep"]),
    }


LESSONS: dict[str, Callable[[Any, dict], dict[str, Any]]] = {
    "build_vs_buy": _bvb_lessons, "scenarios": _scenario_lessons}


def qualitative(assignment: Assignment, answers: dict, inputs: Any) -> dict[str, Any]:
    """The conclusions a variant must keep: every label, flag and rank among the answers, the
    sign of every other number (but SIGN_EXEMPT), and the assignment's LESSONS."""
    exact = {c.variable for c in assignment.checks if c.tolerance == "exact"}
    exempt = SIGN_EXEMPT.get(assignment.name, {})
    out: dict[str, Any] = {}
    for name, value in answers.items():
        if name not in exempt:
            _leaves(_plain(value), name, name in exact, out)
    lessons = LESSONS.get(assignment.name)
    if lessons is not None:
        out.update({f"lesson: {k}": v for k, v in lessons(inputs, answers).items()})
    return out


def numeric_checks(assignment: Assignment) -> tuple[Check, ...]:
    """The checks whose numbers must move beyond their tolerance: valued (hidden, not derived),
    not exact (labels and ranks are conclusions, kept) and not NUMERIC_EXEMPT."""
    exempt = NUMERIC_EXEMPT.get(assignment.name, {})
    return tuple(c for c in assignment.checks if c.hidden and c.derived is None
                 and c.tolerance != "exact" and c.id not in exempt)


@dataclass(frozen=True)
class Assessed:
    """One data folder's answers as the acceptance test sees them."""

    numbers: dict[str, Any]  # check id -> rounded plain value
    lessons: dict[str, Any]  # qualitative()
    inputs: Any = field(default=None, compare=False, repr=False)
    answers: dict = field(default_factory=dict, compare=False, repr=False)


def assess(assignment: Assignment, folder: Path, skip: tuple[str, ...] = ()) -> Assessed:
    """The answers on the data in `folder`, leaving out the answer variables in `skip`."""
    inputs = assignment.load(folder)
    answers = assignment.solve(inputs, dict.fromkeys(skip))
    numbers = {c.id: rounded(_plain(answers[c.variable])) for c in numeric_checks(assignment)
               if c.variable not in skip}
    kept = {k: v for k, v in answers.items() if k not in skip}
    return Assessed(numbers, qualitative(assignment, kept, inputs), inputs, answers)


def problems(assignment: Assignment, published: Assessed, variant: Assessed) -> list[str]:
    """Why a variant would not do, one line per reason; empty when it keeps every conclusion
    and moves every number."""
    found = [f"{k} changed: {published.lessons[k]!r} -> {variant.lessons.get(k)!r}"
             for k in published.lessons if variant.lessons.get(k) != published.lessons[k]]
    found += [f"{k} is new: {v!r}" for k, v in variant.lessons.items() if k not in published.lessons]
    for check in (c for c in numeric_checks(assignment) if c.id in published.numbers):
        mine, theirs = variant.numbers[check.id], published.numbers[check.id]
        if mine is None or theirs is None:
            stayed = mine is theirs  # undefined in both; one-sided is a changed conclusion
        else:
            stayed = matches(mine, theirs, tolerance(check.tolerance))
        if stayed:
            found.append(f"{check.id} did not move beyond its {check.tolerance!r} tolerance")
    return found


# Answers too costly to compute for every attempt, checked only once the rest pass.
COSTLY: dict[str, tuple[str, ...]] = {"scenarios": ("best_share_any",)}  # 400,000 draws
_PUBLISHED: dict[tuple[str, str, tuple[str, ...]], Assessed] = {}


def published(assignment: Assignment, data_dir: Path, skip: tuple[str, ...] = ()) -> Assessed:
    """`assess` of the published data, once per content of its files."""
    cache = (assignment.name, data_digest(Path(data_dir), assignment.data_files), skip)
    if cache not in _PUBLISHED:
        _PUBLISHED[cache] = assess(assignment, Path(data_dir), skip)
    return _PUBLISHED[cache]


def check_variant(assignment_name: str, data_dir: Path, code: str) -> list[str]:
    """`problems` of the variant `code` against the published data in `data_dir`: first
    without the COSTLY answers, which most rejected variants never need, then in full."""
    assignment = get(assignment_name)
    with variant_data(data_dir, assignment_name, code) as folder:
        for skip in (COSTLY.get(assignment_name, ()), ()):
            try:
                mine = assess(assignment, folder, skip)
            except ValueError as exc:  # the variant breaks a question (e.g. nothing reverses)
                return [f"the variant cannot be solved: {exc}"]
            found = problems(assignment, published(assignment, data_dir, skip), mine)
            if found or not skip:
                # and every catalogued mistake must still be told from the right answer
                return found or assignment.indistinct(mine.inputs, mine.answers)
    raise AssertionError("unreachable: the last pass skips nothing")


def issue(secret: bytes, student_id: str, assignment_name: str, data_dir: Path,
          max_attempts: int = MAX_ATTEMPTS) -> Variant:
    """The first variant for the student (attempt 0, 1, …) that keeps the lesson and moves every
    number; VariantError after `max_attempts`, with the last attempt's reasons."""
    if not variant_draw.draw(assignment_name, "0"):
        raise VariantError(f"{assignment_name} has no variants (see autograder.variant_draw)")
    reasons: list[str] = []
    for attempt in range(max_attempts):
        code = variant_code(secret, assignment_name, student_id, attempt)
        reasons = check_variant(assignment_name, data_dir, code)
        if not reasons:
            return Variant(code, attempt)
    raise VariantError(f"{assignment_name}: no variant for {student_id!r} in {max_attempts} "
                       f"attempts keeps the lesson; the last failed on: {'; '.join(reasons[:3])}")


# --- the course: which assignments have variants, and each student's code --------------------

CODES_DIR = Path(".paradox") / "variant_codes"  # issued codes, cached: issuance solves the key


def enabled(course: Path) -> set[str]:
    """The assignments with variants on: `c.Variants.assignments` in the course's
    nbgrader_config.py (off unless listed). VariantError for a name that cannot have them."""
    from autograder.assignments import ASSIGNMENTS
    from autograder.grading.late import course_config

    config = course_config(course)
    names = config.get("Variants", {}).get("assignments", [])
    where = Path(course) / "nbgrader_config.py"
    if isinstance(names, str) or not all(isinstance(n, str) for n in names):
        raise VariantError(f"{where}: c.Variants.assignments must be a list of assignment names, "
                           f"e.g. ['build_vs_buy']; found {names!r}")
    for name in names:
        if name not in ASSIGNMENTS:
            raise VariantError(f"{where}: c.Variants.assignments names {name!r}, which is not an "
                               f"assignment (known: {', '.join(ASSIGNMENTS)})")
        if not ASSIGNMENTS[name].variants:
            able = [n for n, a in ASSIGNMENTS.items() if a.variants]
            raise VariantError(f"{where}: {name} cannot have variants (its notebook reads the "
                               f"published exhibits only); assignments that can: {', '.join(able)}")
    return set(names)


def from_environment(course: Path) -> bool:
    """`c.Variants.environment = True`: a JupyterHub spawner sets each student's code in the
    environment (variant_draw.environment_variable), so a notebook whose VARIANT is left empty
    ran on the student's own variant, and is graded so."""
    from autograder.grading.late import course_config

    value = course_config(course).get("Variants", {}).get("environment", False)
    if not isinstance(value, bool):
        raise VariantError(f"{Path(course) / 'nbgrader_config.py'}: c.Variants.environment must "
                           f"be True or False; found {value!r}")
    return value


def issued_codes(course: Path, assignment_name: str, students: list[str]) -> dict[str, str]:
    """{student: variant code} for `students`, issuing what is not yet on file. The file
    (`.paradox/variant_codes/<assignment>.json`) is only a cache of `issue`: it is tied to the
    secret and the data, and rebuilt when either changes."""
    course = Path(course)
    secret = course_secret(course)
    data_dir = course / "case" / "data"
    stamp = hashlib.sha256(secret + data_digest(data_dir, get(assignment_name).data_files)
                           .encode()).hexdigest()[:16]
    path = course / CODES_DIR / f"{assignment_name}.json"
    known: dict[str, str] = {}
    try:
        kept = json.loads(path.read_text())
        if kept.get("stamp") == stamp:
            known = {str(k): str(v) for k, v in kept["codes"].items()}
    except (OSError, ValueError, KeyError, AttributeError):
        pass  # no cache, or not ours: issue again
    missing = [s for s in students if s not in known]
    for student in missing:
        known[student] = issue(secret, student, assignment_name, data_dir).code
    if missing:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, json.dumps({"stamp": stamp, "codes": dict(sorted(known.items()))},
                                      indent=1))
    return {s: known[s] for s in students}
