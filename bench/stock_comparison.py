"""The hostile submissions of tests/hostile.py graded by stock `nbgrader autograde`, side by side
with ours: what each gives for the item it attacks and the autograded total.

    python bench/stock_comparison.py

Stock nbgrader runs student code unconfined, so the fork bomb and the memory bomb are not run
on it here (they would hit this machine itself). Everything else runs for real.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from hostile import HOSTILE, submit_hostile  # noqa: E402
from nbgrader.api import Gradebook  # noqa: E402

from autograder import notebooks  # noqa: E402
from autograder.assignments import ASSIGNMENTS  # noqa: E402
from autograder.demo import copy_course  # noqa: E402
from autograder.grading.pipeline import grade_class  # noqa: E402
from autograder.grading.sandbox import Limits  # noqa: E402
from autograder.nbgrader_run import nbgrader  # noqa: E402
from autograder.release import build_release  # noqa: E402

UNSAFE_UNCONFINED = {"fork-bomb", "memory-bomb"}  # would hit this machine itself


def _autograde(course: Path, assignment: str, *extra: str):
    return nbgrader("autograde", assignment, "--create", "--force", *extra,
                    "--ExecutePreprocessor.timeout=10", cwd=course, check=False)


def _failure(run) -> str:
    return "autograde failed: " + next(
        (ln.split("ERROR] ")[-1][:90] for ln in (run.stdout + run.stderr).splitlines()
         if "ERROR" in ln), f"exit {run.returncode}")


def _stock_row(gb: Gradebook, course: Path, case) -> str:
    a = ASSIGNMENTS[case.assignment]
    try:
        nb = gb.find_submission_notebook(Path(a.notebook).stem, case.assignment, case.name)
    except Exception:
        return "not graded (no gradebook row)"
    grades = {g.name: g for g in nb.grades if g.cell_type == "code"}
    item = sum(g.score or 0 for n, g in grades.items() if n.startswith(case.item))
    total = sum(g.score or 0 for g in grades.values())
    top = a.check(case.item).points + a.check(case.item).format_points
    leaks = ""
    graded = course / "autograded" / case.name / case.assignment / a.notebook
    at = notebooks.find(notebooks.read(graded), case.item) if graded.exists() else None
    if at is not None:
        text = json.dumps(notebooks.read(graded).cells[at].get("outputs", []))
        leaks = " LEAKED" if "LEAK" in text else (" WROTE" if "WROTE" in text else "")
    return f"{case.item} {item:g}/{top:g}, total {total:g}/{a.autograded_points:g}{leaks}"


def stock(course: Path, cases, one_by_one: bool = False) -> dict[str, str]:
    """Stock autograde of the whole batch, or (one_by_one) of each student on its own."""
    out, runs = {}, []
    for assignment in sorted({c.assignment for c in cases}):
        mine = [c for c in cases if c.assignment == assignment]
        if one_by_one:
            for case in mine:
                run = _autograde(course, assignment, f"--student={case.name}")
                if run.returncode:
                    out[case.name] = _failure(run)
        else:
            runs.append((assignment, _autograde(course, assignment)))
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for case in cases:
            out.setdefault(case.name, _stock_row(gb, course, case))
    failed = [(name, run) for name, run in runs if run.returncode]
    if failed:
        out["_run"] = "\n".join(
            f"nbgrader autograde {name} exited {run.returncode}; its error lines:\n" + "\n".join(
                dict.fromkeys(e[:200] for e in (run.stdout + run.stderr).splitlines() if "ERROR" in e))
            for name, run in failed)
    return out


def ours(course: Path, assignments: list[str]) -> dict[str, str]:
    results = grade_class(course, assignments, workers=2, limits=Limits(cell_seconds=10),
                          log=lambda _: None)
    by_name = {c.name: c for c in HOSTILE}
    out = {}
    for r in results:
        case = by_name[r.student]
        item = next(i for i in r.items if i.item == case.item)
        auto = [i.score for i in r.items if i.score is not None and i.status != "needs manual grade"]
        top = ASSIGNMENTS[r.assignment].autograded_points
        total = f"{sum(auto):g}/{top:g}" if auto else "— (not gradable)"
        out[r.student] = f"{case.item} {item.status}, total {total}"
    return out


def main() -> None:
    assignments = sorted({c.assignment for c in HOSTILE})
    with tempfile.TemporaryDirectory() as tmp:
        a, a1, b = (copy_course(REPO, Path(tmp) / n) for n in ("stock", "stock1", "ours"))
        safe = [c for c in HOSTILE if c.name not in UNSAFE_UNCONFINED]
        for course in (a, a1, b):
            build_release(course, assignments)
        submit_hostile(a, safe)
        submit_hostile(a1, safe)
        submit_hostile(b, HOSTILE)
        batch, alone, mine = stock(a, safe), stock(a1, safe, one_by_one=True), ours(b, assignments)
    print("| fixture | stock nbgrader 0.9.6, alone | stock, in one batch | ours |\n|---|---|---|---|")
    for case in HOSTILE:
        print(f"| {case.name} | {alone.get(case.name, 'not run unconfined')} | "
              f"{batch.get(case.name, 'not run unconfined')} | {mine[case.name]} |")
    if "_run" in batch:
        print(f"\nstock batch: {batch['_run']}")


if __name__ == "__main__":
    main()
