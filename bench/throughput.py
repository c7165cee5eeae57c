"""Grading throughput: stock `nbgrader autograde` against ours, with bare execution as the floor.

    python bench/throughput.py [--submissions 60] [--rounds 2] [--workers 2]

All three grade the same submissions (a mix of correct work and catalogued mistakes across the
three assignments) in one run, alternating their order each round:

- stock: `nbgrader autograde <assignment>` for each assignment (one kernel at a time);
- ours:  `grade_class` with N workers, each submission in a sandboxed kernel, checked outside;
- bare:  nbclient executing the same submitted notebooks one after another, nothing else.

It prints seconds per submission for each, the throughput ratio stock/ours, and our
per-submission overhead over bare execution: ours run one after another (1 worker, sandbox,
snapshots and outside checks included) against nbclient one after another on the same
notebooks. (Per-submission times inside the 2-worker run are shown too; they include the two
workers and the writer sharing 2 cores, so they are not the overhead.)
Targets: ratio >= 1.8 on 2 cores; overhead < 15%.
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from nbclient import NotebookClient

from autograder import notebooks
from autograder.assignments import ASSIGNMENTS, get
from autograder.demo import copy_course
from autograder.grading.pipeline import grade_class
from autograder.grading.sandbox import Limits, probe
from autograder.nbgrader_run import nbgrader
from autograder.release import build_release
from autograder.synthetic import solved, submit, with_answer

REPO = Path(__file__).resolve().parent.parent


def make_course(root: Path, count: int) -> Path:
    course = copy_course(REPO, root)
    build_release(course)
    names = list(ASSIGNMENTS)
    variants = {}
    for name in names:
        good = solved(course, name)
        variants[name] = itertools.cycle(
            [good] + [with_answer(good, c.id, m.cell) for c in get(name).checks for m in c.mistakes[:1]])
    for n in range(count):
        name = names[n % len(names)]
        submit(course, f"s{n:03d}", name, next(variants[name]))
    return course


def reset(course: Path) -> None:
    for part in ("autograded", "feedback"):
        shutil.rmtree(course / part, ignore_errors=True)


def run_stock(course: Path) -> float:
    reset(course)
    t = time.perf_counter()
    for name in ASSIGNMENTS:
        nbgrader("autograde", name, "--create", "--force", "--log-level=ERROR", cwd=course)
    return time.perf_counter() - t


def run_ours(course: Path, workers: int, sandbox: bool) -> tuple[float, list[float]]:
    reset(course)
    t = time.perf_counter()
    results = grade_class(course, workers=workers, sandbox=sandbox, force=True,
                          limits=Limits(cell_seconds=60), log=lambda _: None)
    return time.perf_counter() - t, [r.seconds for r in results]


def run_bare(course: Path) -> tuple[float, list[float]]:
    each = []
    t = time.perf_counter()
    for path in sorted(course.glob("submitted/*/*/*.ipynb")):
        nb = notebooks.read(path)
        work = Path(tempfile.mkdtemp())
        shutil.copytree(course / "release" / path.parent.name, work, dirs_exist_ok=True)
        start = time.perf_counter()
        NotebookClient(nb, timeout=60, allow_errors=True, kernel_name="python3",
                       resources={"metadata": {"path": str(work)}}).execute()
        each.append(time.perf_counter() - start)
        shutil.rmtree(work)
    return time.perf_counter() - t, each


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--submissions", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    sandbox = probe() is None
    with tempfile.TemporaryDirectory() as tmp:
        course = make_course(Path(tmp) / "course", args.submissions)
        n = args.submissions
        stock, ours, bare, ours_each, bare_each, serial = [], [], [], [], [], []
        for r in range(args.rounds):
            order = (["stock", "ours", "serial", "bare"] if r % 2 == 0
                     else ["bare", "serial", "ours", "stock"])
            for method in order:
                if method == "stock":
                    stock.append(run_stock(course))
                elif method == "ours":
                    total, each = run_ours(course, args.workers, sandbox)
                    ours.append(total)
                    ours_each += each
                elif method == "serial":
                    serial.append(run_ours(course, 1, sandbox)[0])
                else:
                    total, each = run_bare(course)
                    bare.append(total)
                    bare_each += each
                print(f"round {r + 1}: {method:5s} done", flush=True)
    s, o, b, one = (statistics.median(x) / n for x in (stock, ours, bare, serial))
    per_ours, per_bare = statistics.mean(ours_each), statistics.mean(bare_each)
    print(f"\n{n} submissions x {args.rounds} rounds, ours with {args.workers} workers, "
          f"{'sandboxed' if sandbox else 'UNSANDBOXED'}")
    print(f"  stock nbgrader autograde : {s:6.2f} s per submission (wall)")
    print(f"  ours                     : {o:6.2f} s per submission (wall)")
    print(f"  bare nbclient            : {b:6.2f} s per submission (wall, sequential)")
    print(f"  throughput ratio stock/ours: {s / o:5.2f}x   (target >= 1.8x)")
    print(f"  ours one after another   : {one:6.2f} s per submission (wall, 1 worker)")
    print(f"  overhead over bare execution: {100 * (one - b) / b:+.1f}%   (target < 15%)")
    print(f"  (inside the {args.workers}-worker run: {per_ours:.2f} s per submission per worker, "
          f"bare {per_bare:.2f} s; cores shared)")


if __name__ == "__main__":
    main()
