"""Build release/ from source/ through nbgrader, and check that nothing secret got through.

Per assignment: stage the exhibit data and the check functions beside the source notebook,
regenerate the test cells from the answer key, run `nbgrader generate_assignment`, then verify
the result. Running it twice changes nothing.
"""

from __future__ import annotations

import filecmp
import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from autograder import data, notebooks, rubrics
from autograder.assignments import ASSIGNMENTS, get
from autograder.kernel_checks import CODE_STUB
from autograder.nbgrader_run import generate_assignment
from autograder.paths import GUIDE, course_root, helpers
from autograder.spec import Assignment

# shipped only where the assignment has variants
OPTIONAL_HELPERS = tuple(sorted(set(helpers(True)) - set(helpers(False))))
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


class ReleaseError(RuntimeError):
    """The release could not be built or failed its checks; the message says where."""


@dataclass
class Built:
    assignment: str
    source_changed: bool
    problems: list[str] = field(default_factory=list)


REBUILD = "run `autograder release`"


def stage(root: Path, assignment: Assignment) -> None:
    """Copy the assignment's data and the package's helper modules (the check functions, and
    the variant draw where the notebook reads through it) beside its source notebook. They are
    committed there, so that stock `nbgrader generate_assignment` (formgrader's Generate)
    ships them too; `staged_problems` reports a copy that has gone stale."""
    folder = root / "source" / assignment.name
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    wanted = {f"{name}.csv" for name in assignment.data_files}
    for stale in data.iterdir():
        if stale.name not in wanted:
            stale.unlink()
    for name in sorted(wanted):
        src = root / "case" / "data" / name
        if not src.is_file():
            raise ReleaseError(f"{src}: data file for {assignment.name} not found")
        if not (data / name).is_file() or not filecmp.cmp(src, data / name, shallow=False):
            shutil.copyfile(src, data / name)
    shipped = helpers(assignment.variants)
    for helper, module in shipped.items():
        if not _same(module, folder / helper):
            shutil.copyfile(module, folder / helper)
    for unread in set(OPTIONAL_HELPERS) - set(shipped):  # variants no longer read: not shipped
        (folder / unread).unlink(missing_ok=True)


def sync_source(root: Path, assignment: Assignment) -> bool:
    """Regenerate the source notebook's test cells from the answer key; True if it changed."""
    path = root / "source" / assignment.name / assignment.notebook
    if not path.is_file():
        raise ReleaseError(f"{path}: source notebook not found")
    folder = root / "case" / "data"
    nb = notebooks.read(path)
    guide = root / GUIDE
    try:
        notebooks.sync_test_cells(nb, assignment, assignment.key(folder), assignment.inputs(folder),
                                  rubrics.read(guide) if guide.is_file() else {})
    except ValueError as exc:
        raise ReleaseError(f"{path}: {exc}") from exc
    return notebooks.write(nb, path)


def generate(root: Path, assignment: Assignment) -> None:
    """Real `nbgrader generate_assignment`, from the course folder so it reads its config."""
    try:
        generate_assignment(root, assignment.name)
    except RuntimeError as exc:
        raise ReleaseError(str(exc)) from exc


def _secret_numbers(key: dict) -> set[str]:
    """How the expected values would look if printed: numbers with 3+ significant decimals."""
    found: set[str] = set()

    def walk(value):
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, float) and round(value, 2) != value:
            found.update({repr(value), f"{value:.4f}", f"{value:.6f}"})

    for item in key.values():
        walk(item.get("expected"))  # a derived item has no fixed expected value
    return found


def verify(root: Path, assignment: Assignment) -> list[str]:
    """Problems with the built release of one assignment (empty when all is well)."""
    problems = staged_problems(root, assignment)
    source_path = root / "source" / assignment.name / assignment.notebook
    if not source_path.is_file():
        return problems + [f"{source_path}: source notebook not found"]
    source = notebooks.read(source_path)
    path = root / "release" / assignment.name / assignment.notebook
    if not path.is_file():
        return problems + [f"{path}: not built: {REBUILD}"]
    text = path.read_text(encoding="utf-8")
    released = notebooks.read(path)
    problems += [f"{path}: contains '{m}'" for m in MARKERS if m in text]
    other_stub: list[str] = []  # answer cells whose stub is not the course's CODE_STUB
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not (meta.get("solution") and cell.cell_type == "code"):
            continue
        at = notebooks.find(released, meta["grade_id"])
        if at is None:
            problems.append(f"{path}: answer cell {meta['grade_id']!r} missing")
            continue
        stub = released.cells[at].source
        if "raise NotImplementedError" not in stub:
            problems.append(f"{path}: answer cell {meta['grade_id']!r} has no failing stub")
        elif CODE_STUB not in stub:
            other_stub.append(meta["grade_id"])
        code = [ln.strip() for ln in notebooks.solution_code(cell.source).splitlines()]
        leaked = [ln for ln in code if len(ln) > 12 and not ln.startswith("#") and ln in stub]
        if leaked:
            problems.append(f"{path}: answer cell {meta['grade_id']!r} shows solution code {leaked[0]!r}")
    if other_stub:
        problems.append(f"{path}: answer cell(s) {', '.join(other_stub)} lack the stub "
                        f"{CODE_STUB.splitlines()[-1]!r} (nbgrader_config.py sets it as "
                        f"ClearSolutions.code_stub): {REBUILD}")
    try:
        key = assignment.key(root / "case" / "data")
    except data.DataError as exc:  # reported with the data checks below
        problems.append(f"the answer key cannot be computed: {exc}")
    else:
        shown = [n for n in _secret_numbers(key) if n in text]
        if shown:
            problems.append(f"{path}: shows answer value(s) {sorted(shown)[:3]}")
    shipped = root / "release" / assignment.name / "data"
    for name in assignment.data_files:
        have = shipped / f"{name}.csv"
        if not have.is_file() or not filecmp.cmp(root / "case" / "data" / f"{name}.csv", have,
                                                 shallow=False):
            problems.append(f"{have}: missing or differs from case/data/{name}.csv: {REBUILD}")
        elif name in data.DATED:
            try:  # refuses any row dated after the case's as-of date: that is epilogue material
                data.load(name, shipped)
            except data.DataError as exc:
                problems.append(str(exc))
    extra = sorted(p.name for p in shipped.glob("*") if p.stem not in assignment.data_files)
    if extra:
        problems.append(f"{shipped}: holds files no exercise reads: {', '.join(extra)}")
    return problems + _helper_problems(root / "release" / assignment.name, assignment)


def _helper_problems(folder: Path, assignment: Assignment) -> list[str]:
    """Missing or stale copies of the package's helper modules in `folder`, or one shipped
    that the notebook does not read."""
    problems = []
    shipped = helpers(assignment.variants)
    for name, module in shipped.items():
        if not _same(module, folder / name):
            problems.append(f"{folder / name}: {'stale' if (folder / name).is_file() else 'missing'}"
                            f" (it should be a copy of autograder/{module.name}): {REBUILD}")
    problems += [f"{folder / name}: shipped, but {assignment.name} has no variants: {REBUILD}"
                 for name in OPTIONAL_HELPERS if name not in shipped and (folder / name).exists()]
    return problems


def _same(a: Path, b: Path) -> bool:
    return b.is_file() and filecmp.cmp(a, b, shallow=False)


def staged_problems(root: Path, assignment: Assignment) -> list[str]:
    """Stale or missing copies beside the source notebook (checks.py, variant.py, data/*.csv), which stock
    `nbgrader generate_assignment` would ship as they are."""
    folder = root / "source" / assignment.name
    problems = _helper_problems(folder, assignment)
    for name in assignment.data_files:
        if not _same(root / "case" / "data" / f"{name}.csv", folder / "data" / f"{name}.csv"):
            problems.append(f"{folder / 'data' / f'{name}.csv'}: missing or differs from "
                            f"case/data/{name}.csv: {REBUILD}")
    extra = sorted(p.name for p in (folder / "data").glob("*") if p.stem not in assignment.data_files)
    if extra:
        problems.append(f"{folder / 'data'}: holds files no exercise reads: {', '.join(extra)}: "
                        f"{REBUILD}")
    return problems


def build_release(root: Path | None = None, names: list[str] | None = None) -> list[Built]:
    """Stage, sync, generate and verify each assignment (all registered ones by default)."""
    root = root or course_root()
    results = []
    for assignment in (get(n) for n in names) if names else ASSIGNMENTS.values():
        stage(root, assignment)
        changed = sync_source(root, assignment)
        generate(root, assignment)
        results.append(Built(assignment.name, changed, verify(root, assignment)))
    return results


def release_manifest(root: Path) -> dict[str, str]:
    """Every file under release/ with its bytes' digest: what "a fresh build changes nothing" compares."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((root / "release").rglob("*")) if p.is_file()}

