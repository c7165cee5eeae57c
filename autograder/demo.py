"""The end-to-end demo: a fresh copy of the course, a synthetic class, graded and reported.

The class covers what an instructor meets: correct work, every catalogued mistake, blank and
half-done notebooks, a broken file, an infinite loop, an edited test cell and two attempts to
cheat the checks. build_vs_buy is graded with per-student variants: everyone has their own
code, and three more students copied a classmate's numbers, typed a classmate's code, or
ignored the code. Everything is real: nbgrader builds the release, sandboxed kernels run the
notebooks, the SQLite gradebook records the grades.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from autograder import notebooks, variants
from autograder.assignments import ASSIGNMENTS, get
from autograder.grading.pipeline import grade_class
from autograder.grading.sandbox import Limits, probe
from autograder.kernel_checks import CODE_STUB
from autograder.outputs import write_exports, write_feedback, write_report
from autograder.paths import course_root
from autograder.release import build_release
from autograder.synthetic import blank, copied_from, solved, submit, with_answer, with_variant

MARKER = ".paradox-demo"  # a folder the demo may replace carries this file
DEMO_VARIANTS = ("build_vs_buy",)  # assignments the demo grades with per-student variants
COURSE_PARTS = ("case", "source", "release", "nbgrader_config.py", "instructor_guide.md")


@dataclass
class Demo:
    course: Path
    results: list
    seconds: dict[str, float]
    sandboxed: bool
    files: dict[str, Path]
    scheduler: str | None = None  # the Dask scheduler whose workers ran the kernels


def copy_course(origin: Path, dest: Path) -> Path:
    """The course as committed (case, source, release, config) into `dest`, without grading
    leftovers or build products."""
    dest.mkdir(parents=True, exist_ok=True)
    skip = shutil.ignore_patterns("build", "__pycache__", ".ipynb_checkpoints")
    for part in COURSE_PARTS:
        src = origin / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=skip)
        elif src.is_file():
            shutil.copy2(src, dest / part)
    return dest


def fresh_course(dest: Path, origin: Path | None = None) -> Path:
    """Copy the course into `dest`, replacing an earlier demo (and nothing else)."""
    if dest.exists():
        if not (dest / MARKER).exists():
            raise FileExistsError(f"{dest} exists and is not a demo folder; choose another --dest")
        shutil.rmtree(dest)
    copy_course(origin or course_root(), dest)
    (dest / MARKER).write_text("made by `autograder demo`; safe to delete\n")
    return dest


def class_scenarios(course: Path, name: str) -> list[tuple[str, NotebookNode | str]]:
    """(scenario, submission) pairs for one assignment."""
    a = get(name)
    good = solved(course, name)
    first = a.checks[0]
    wrong_first = first.mistakes[0].cell
    gutted = with_answer(good, first.id, wrong_first)
    gutted.cells[notebooks.find(gutted, f"{first.id}_values")].source = "pass"
    half = nbformat.from_dict(good)
    for check in a.checks[len(a.checks) // 2:]:
        half.cells[notebooks.find(half, check.id)].source = CODE_STUB
    out = [("correct", good), ("correct", good), ("blank", blank(course, name)),
           ("half done", half), ("broken JSON", nbformat.writes(good)[:-200]),
           ("infinite loop", with_answer(good, first.id, "while True:\n    pass")),
           ("edited test cell", gutted),
           ("patched math.isclose", with_answer(good, first.id, "import math\nmath.isclose = "
                                                 "lambda *a, **k: True\n" + wrong_first)),
           ("patched the checks", with_answer(good, first.id, "check_values = check_format = "
                                               "lambda *a, **k: None\n" + wrong_first))]
    for check in a.checks:
        for mistake in check.mistakes:
            out.append((f"mistake {check.id}/{mistake.id}", with_answer(good, check.id, mistake.cell)))
    return out


def variant_scenarios(course: Path, name: str, entries: list) -> list[tuple[str, NotebookNode | str]]:
    """`entries` with each student's own variant code typed in, then the three ways a variant
    goes wrong: a classmate's numbers under one's own code, a classmate's code, no code."""
    students = [f"student{n:03d}" for n in range(1, len(entries) + 4)]
    codes = variants.issued_codes(course, name, students)
    coded = [(scenario, with_variant(content, code) if isinstance(content, NotebookNode)
              else content) for (scenario, content), code in zip(entries, codes.values())]
    good, neighbour = solved(course, name), codes[students[0]]  # student001 did correct work
    mine = list(codes.values())[len(entries):]
    return coded + [
        ("variant: copied student001's numbers", copied_from(with_variant(good, mine[0]), neighbour)),
        ("variant: typed student001's code", with_variant(good, neighbour)),
        ("variant: no code (published numbers)", good)]


def make_class(course: Path) -> list[dict]:
    """Write the synthetic submissions; return the roster (who did what)."""
    roster = []
    with_variants = variants.enabled(course)
    for name in ASSIGNMENTS:
        entries = class_scenarios(course, name)
        if name in with_variants:
            entries = variant_scenarios(course, name, entries)
        for n, (scenario, content) in enumerate(entries, start=1):
            student = f"student{n:03d}"
            submit(course, student, name, content)
            roster.append({"student": student, "assignment": name, "scenario": scenario})
    return roster


def turn_on_variants(course: Path, names: tuple[str, ...]) -> None:
    """Variants on for `names`, as an instructor does it: a line in nbgrader_config.py."""
    with open(course / "nbgrader_config.py", "a", encoding="utf-8") as config:
        config.write(f"\n# The demo's choice: per-student variants for {', '.join(names)}.\n"
                     f"c.Variants.assignments = {list(names)!r}\n")


def run_demo(dest: Path, workers: int | None = None, log=print,
             scheduler: str | None = None) -> Demo:
    seconds = {}
    t = time.monotonic()
    course = fresh_course(dest)
    turn_on_variants(course, DEMO_VARIANTS)
    build_release(course)
    seconds["release"] = time.monotonic() - t
    roster = make_class(course)
    reason = None if scheduler else probe()  # on a cluster, the workers are checked instead
    if reason:
        log(f"WARNING: no sandbox here ({reason}).\n"
            "The demo grades its own synthetic notebooks WITHOUT a sandbox; results are marked "
            "'unsandboxed'. Never grade real submissions like this.")
    t = time.monotonic()
    # A progress bar on a terminal; piped, one plain line per graded submission on stderr.
    results = grade_class(course, workers=workers, sandbox=reason is None,
                          limits=Limits(cell_seconds=10, notebook_seconds=90),
                          scheduler=scheduler)
    seconds["grading"] = time.monotonic() - t
    t = time.monotonic()
    files = {"case data": course / "case" / "data", "release": course / "release",
             "gradebook": course / "gradebook.db", "autograded": course / "autograded"}
    write_feedback(results, course)
    files["feedback"] = course / "feedback"
    files.update(write_exports(results, course / "exports"))
    files["report"] = write_report(results, course / "reports" / "report.html")
    roster_path = course / "exports" / "demo_roster.csv"
    import pandas as pd

    pd.DataFrame(roster).to_csv(roster_path, index=False)
    files["roster"] = roster_path
    seconds["outputs"] = time.monotonic() - t
    return Demo(course, results, seconds, reason is None, files, scheduler)


def summary(demo: Demo) -> str:
    """The table the demo prints: per assignment, how many, how they scored, how they ended."""
    import pandas as pd

    rows = []
    for name in ASSIGNMENTS:
        mine = [r for r in demo.results if r.assignment == name]
        scores = [r.score for r in mine if r.score is not None]
        statuses = Counter(i.status for r in mine for i in r.items)
        a = get(name)
        rows.append({"assignment": name, "submissions": len(mine),
                     "autograded points": a.autograded_points,
                     "mean score": round(sum(scores) / len(scores), 1) if scores else None,
                     "full marks": sum(1 for s in scores if s == a.autograded_points),
                     "not gradable": sum(1 for r in mine if r.score is None),
                     "item statuses": ", ".join(f"{k} {v}" for k, v in sorted(statuses.items()))})
    table = pd.DataFrame(rows).to_string(index=False)
    where = "\n".join(f"  {k:<10} {v}" for k, v in demo.files.items())
    took = ", ".join(f"{k} {v:.0f} s" for k, v in demo.seconds.items())
    sandbox = "sandboxed (bubblewrap)" if demo.sandboxed else "UNSANDBOXED"
    if demo.scheduler:
        sandbox += f" on the Dask workers of {demo.scheduler}"
    return (f"\n{table}\n\nGraded {len(demo.results)} submissions, {sandbox}; {took}.\n"
            f"Files in {demo.course}:\n{where}\n")
