"""Does a grade depend on how busy the machine is? The same class graded on an idle machine
and beside CPU hogs (busy-loop processes, one per core), item by item.

    python bench/load.py [--per-assignment 4] [--hogs 2]

Prints both runs' wall time and every item whose status or score differs (none is the goal).
Uses the demo's limits (10 s a cell, 90 s a notebook), the tightest an instructor meets.
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
from pathlib import Path

from autograder.assignments import ORDER
from autograder.demo import copy_course
from autograder.grading.pipeline import grade_class
from autograder.grading.sandbox import Limits
from autograder.release import build_release
from autograder.synthetic import blank, half_done, solved, submit

REPO = Path(__file__).resolve().parent.parent
LIMITS = Limits(cell_seconds=10, notebook_seconds=90)


def build_class(course: Path, per_assignment: int) -> int:
    build_release(course, list(ORDER))
    count = 0
    for name in ORDER:
        for n in range(per_assignment):
            submit(course, f"correct{n}", name, solved(course, name))
        submit(course, "half", name, half_done(course, name))
        submit(course, "blank", name, blank(course, name))
        count += per_assignment + 2
    return count


def _hog() -> None:
    while True:
        pass


def graded(course: Path, hogs: int) -> tuple[dict, float]:
    procs = [multiprocessing.Process(target=_hog, daemon=True) for _ in range(hogs)]
    for p in procs:
        p.start()
    try:
        started = time.monotonic()
        results = grade_class(course, workers=2, limits=LIMITS, log=lambda _: None)
        took = time.monotonic() - started
    finally:
        for p in procs:
            p.kill()
    items = {(r.student, r.assignment, i.item): (i.status, i.score)
             for r in results for i in r.items}
    return items, took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-assignment", type=int, default=4, help="correct submissions each")
    parser.add_argument("--hogs", type=int, default=2, help="busy-loop processes in the loaded run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        idle_course, busy_course = (copy_course(REPO, Path(tmp) / n) for n in ("idle", "busy"))
        n = build_class(idle_course, args.per_assignment)
        build_class(busy_course, args.per_assignment)
        idle, idle_s = graded(idle_course, 0)
        busy, busy_s = graded(busy_course, args.hogs)
    differ = sorted(k for k in idle if idle[k] != busy.get(k))
    print(f"| run | submissions | items | wall time |\n|---|---|---|---|\n"
          f"| idle | {n} | {len(idle)} | {idle_s:.0f} s |\n"
          f"| beside {args.hogs} CPU hogs | {n} | {len(busy)} | {busy_s:.0f} s "
          f"({busy_s / idle_s:.2f}x) |")
    print(f"\nitems whose status or score differ: {len(differ)}")
    for key in differ:
        print(f"  {'/'.join(key)}: idle {idle[key]} vs busy {busy.get(key)}")


if __name__ == "__main__":
    main()
