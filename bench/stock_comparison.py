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

from nbgrader.api import Gradebook  # noqa: E402

import autograder  # noqa: E402
from autograder import notebooks  # noqa: E402
from autograder.grading.pipeline import grade_class  # noqa: E402
from autograder.grading.sandbox import Limits  # noqa: E402
from autograder.nbgrader_run import nbgrader  # noqa: E402
from autograder.release import build_release  # noqa: E402
from autograder.synthetic import solved, submit  # noqa: E402
from conftest import copy_course  # noqa: E402
from hostile import HOSTILE  # noqa: E402

UNSAFE_UNCONFINED = {"fork-bomb", "memory-bomb"}


def prepare(course: Path, cases) -> None:
    good = solved(course, "vtdf")
    fill = {"course": str(course), "package": str(Path(autograder.__file__).parent), "port": "9"}
    for case in cases:
        made = case.build(good)
        if not isinstance(made, (bytes, str)):
            for cell in made.cells:
                for key, value in fill.items():
                    cell.source = cell.source.replace("{" + key + "}", value)
        submit(course, case.name, "vtdf", made)


def stock(course: Path, cases) -> dict[str, str]:
    done = nbgrader("autograde", "vtdf", "--create", "--force",
                    "--ExecutePreprocessor.timeout=10", cwd=course, check=False)
    out = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for case in cases:
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
            if graded.exists():
                text = json.dumps(notebooks.read(graded).cells[
                    notebooks.find(notebooks.read(graded), "q1_normalized")].get("outputs", []))
                leaks = " LEAKED" if "LEAK" in text else (" WROTE" if "WROTE" in text else "")
            out[case.name] = f"q1 {q1:g}/4, total {total:g}/26{leaks}"
    if done.returncode:
        out["_run"] = f"nbgrader exited {done.returncode}"
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
        a = copy_course(Path(tmp) / "stock")
        b = copy_course(Path(tmp) / "ours")
        build_release(a, ["vtdf"])
        build_release(b, ["vtdf"])
        prepare(a, [c for c in HOSTILE if c.name not in UNSAFE_UNCONFINED])
        prepare(b, HOSTILE)
        theirs, mine = stock(a, HOSTILE), ours(b)
    print("| fixture | stock nbgrader 0.9.6 | ours |\n|---|---|---|")
    for case in HOSTILE:
        print(f"| {case.name} | {theirs.get(case.name, 'not run unconfined')} | {mine[case.name]} |")
    if "_run" in theirs:
        print(f"\nstock run: {theirs['_run']}")


if __name__ == "__main__":
    main()
