"""The hostile submissions of tests/hostile.py graded by stock `nbgrader autograde`, side by side
with ours: what each gives for the first item and the autograded total.

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
from autograder.demo import copy_course  # noqa: E402
from autograder.grading.pipeline import grade_class  # noqa: E402
from autograder.grading.sandbox import Limits  # noqa: E402
from autograder.nbgrader_run import nbgrader  # noqa: E402
from autograder.release import build_release  # noqa: E402

UNSAFE_UNCONFINED = {"fork-bomb", "memory-bomb"}


def stock(course: Path, cases, one_by_one: bool = False) -> dict[str, str]:
    """Stock autograde of the whole batch, or (one_by_one) of each student on its own."""
    out = {}
    if one_by_one:
        for case in cases:
            run = nbgrader("autograde", "vtdf", "--create", "--force", f"--student={case.name}",
                           "--ExecutePreprocessor.timeout=10", cwd=course, check=False)
            if run.returncode:
                out[case.name] = "autograde failed: " + next(
                    (ln.split("ERROR] ")[-1][:90] for ln in (run.stdout + run.stderr).splitlines()
                     if "ERROR" in ln), f"exit {run.returncode}")
        done = run
    else:
        done = nbgrader("autograde", "vtdf", "--create", "--force",
                        "--ExecutePreprocessor.timeout=10", cwd=course, check=False)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for case in cases:
            if case.name in out:
                continue
            try:
                nb = gb.find_submission_notebook("vtdf", "vtdf", case.name)
            except Exception:
                out[case.name] = "not graded (no gradebook row)"
                continue
            grades = {g.name: g for g in nb.grades if g.cell_type == "code"}
            q1 = sum(g.score or 0 for n, g in grades.items() if n.startswith("q1_normalized"))
            total = sum(g.score or 0 for g in grades.values())
            leaks = ""
            graded = course / "autograded" / case.name / "vtdf" / "vtdf.ipynb"
            at = notebooks.find(notebooks.read(graded), "q1_normalized") if graded.exists() else None
            if at is not None:
                text = json.dumps(notebooks.read(graded).cells[at].get("outputs", []))
                leaks = " LEAKED" if "LEAK" in text else (" WROTE" if "WROTE" in text else "")
            out[case.name] = f"q1 {q1:g}/4, total {total:g}/26{leaks}"
    if done.returncode:
        errors = [ln for ln in (done.stdout + done.stderr).splitlines() if "ERROR" in ln]
        out["_run"] = (f"nbgrader exited {done.returncode}; its error lines:\n"
                       + "\n".join(dict.fromkeys(e[:200] for e in errors)))
    return out


def ours(course: Path) -> dict[str, str]:
    results = grade_class(course, ["vtdf"], workers=2, limits=Limits(cell_seconds=10),
                          log=lambda _: None)
    out = {}
    for r in results:
        q1 = next(i for i in r.items if i.item == "q1_normalized")
        auto = [i.score for i in r.items if i.score is not None and i.status != "needs manual grade"]
        total = f"{sum(auto):g}/26" if auto else "— (not gradable)"
        out[r.student] = f"q1 {q1.status}, total {total}"
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        a, a1, b = (copy_course(REPO, Path(tmp) / n) for n in ("stock", "stock1", "ours"))
        safe = [c for c in HOSTILE if c.name not in UNSAFE_UNCONFINED]
        for course in (a, a1, b):
            build_release(course, ["vtdf"])
        submit_hostile(a, safe)
        submit_hostile(a1, safe)
        submit_hostile(b, HOSTILE)
        batch, alone, mine = stock(a, safe), stock(a1, safe, one_by_one=True), ours(b)
    print("| fixture | stock nbgrader 0.9.6, alone | stock, in one batch | ours |\n|---|---|---|---|")
    for case in HOSTILE:
        print(f"| {case.name} | {alone.get(case.name, 'not run unconfined')} | "
              f"{batch.get(case.name, 'not run unconfined')} | {mine[case.name]} |")
    if "_run" in batch:
        print(f"\nstock batch: {batch['_run']}")


if __name__ == "__main__":
    main()
