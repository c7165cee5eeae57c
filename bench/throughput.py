"""Grading throughput: stock `nbgrader autograde` and ours, against the floor of bare execution.

    python bench/throughput.py [--per-assignment 14] [--rounds 2] [--workers 2]

All three grade the same submissions, in one run, alternating their order each round. The class
is the demo's synthetic class for all three assignments (correct work, blank and half-done
notebooks, an edited test cell, two cheats, every catalogued mistake) without the broken file
and the infinite loop (they measure the intake and the cell limit, not throughput);
--per-assignment takes an even spread of that many per assignment (0: all of them).

- stock: `nbgrader autograde <assignment>` for each assignment (one kernel at a time);
- ours:  `grade_class` with N workers, each submission in a sandboxed kernel, checked outside;
- floor: N worker processes executing the submitted notebooks with nbclient and nothing else
         (no sandbox, no preparation, no checks, no gradebook), with a warm font cache.

Each is reported as wall seconds per submission (with N workers that is the time per notebook
divided by N), with the ratios stock/ours (goal >= 3 on 2 cores) and ours/floor (goal <= 1.15).

    python bench/throughput.py --scheduler local|tcp://HOST:8786 [--workers 2]

compares instead the two ways `grade_class` can run the same class on this machine: its local
pool of N processes, and a Dask cluster (`local`: a `dask scheduler` and N one-thread `dask
worker` processes started here for the run; or an address whose workers run on this machine).
It reports the overhead per submission of going through Dask (goal < 10%).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from nbclient import NotebookClient

from autograder import notebooks
from autograder.assignments import ASSIGNMENTS
from autograder.demo import class_scenarios, copy_course
from autograder.grading import fonts
from autograder.grading.pipeline import grade_class
from autograder.grading.sandbox import Limits, probe, scrubbed_env
from autograder.nbgrader_run import nbgrader
from autograder.release import build_release
from autograder.synthetic import submit

REPO = Path(__file__).resolve().parent.parent
LEFT_OUT = ("broken JSON", "infinite loop")


def make_course(root: Path, per_assignment: int) -> tuple[Path, int]:
    """A course holding the class; returns it and how many submissions it holds."""
    course = copy_course(REPO, root)
    build_release(course)
    count = 0
    for name in ASSIGNMENTS:
        chosen = [s for s in class_scenarios(course, name) if s[0] not in LEFT_OUT]
        if 0 < per_assignment < len(chosen):
            chosen = [chosen[i * len(chosen) // per_assignment] for i in range(per_assignment)]
        for n, (_, content) in enumerate(chosen):
            submit(course, f"s{n:03d}", name, content)
        count += len(chosen)
    return course, count


def reset(course: Path) -> None:
    for part in ("autograded", "feedback"):
        shutil.rmtree(course / part, ignore_errors=True)


def run_stock(course: Path) -> float:
    reset(course)
    t = time.perf_counter()
    for name in ASSIGNMENTS:
        nbgrader("autograde", name, "--create", "--force", "--log-level=ERROR", cwd=course)
    return time.perf_counter() - t


def run_ours(course: Path, workers: int, sandbox: bool, scheduler: str | None = None
             ) -> tuple[float, list[float]]:
    reset(course)
    t = time.perf_counter()
    results = grade_class(course, workers=workers, sandbox=sandbox, force=True,
                          limits=Limits(cell_seconds=60), log=lambda _: None, scheduler=scheduler)
    return time.perf_counter() - t, [r.seconds for r in results]


@contextlib.contextmanager
def local_cluster(workers: int, folder: Path) -> Iterator[str]:
    """A `dask scheduler` and `workers` one-thread `dask worker` processes on loopback."""
    dask = str(Path(sys.executable).parent / "dask")
    info = folder / "scheduler.json"
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard", "--scheduler-file", str(info)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        while not info.is_file() or not info.read_text().strip():
            time.sleep(0.2)
        address = json.loads(info.read_text())["address"]
        # As the runbook says: Dask's statistical profiler off (it samples every worker thread
        # many times a second; on this benchmark it cost 25% of the throughput).
        env = {**os.environ, "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False"}
        procs += [subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--no-dashboard",
                                    "--host", "127.0.0.1"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, env=env) for _ in range(workers)]
        from distributed import Client

        with Client(address, timeout=30) as client:
            client.wait_for_workers(workers, timeout=120)
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(timeout=30)


def cluster_main(args, sandbox: bool) -> None:
    """Local pool against Dask, alternating which goes first, on the same class."""
    walls: dict[str, list[float]] = {"local": [], "dask": []}
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        course, n = make_course(Path(tmp) / "course", args.per_assignment)
        address = (stack.enter_context(local_cluster(args.workers, Path(tmp)))
                   if args.scheduler == "local" else args.scheduler)
        for r in range(args.rounds):
            for method in (["local", "dask"] if r % 2 == 0 else ["dask", "local"]):
                total, _ = run_ours(course, args.workers, sandbox,
                                    address if method == "dask" else None)
                walls[method].append(total)
                loads.append(os.getloadavg()[0])
                print(f"round {r + 1}: {method:5s} {total:7.1f} s", flush=True)
    per = {k: statistics.median(v) / n for k, v in walls.items()}
    print(f"\n{n} submissions ({', '.join(ASSIGNMENTS)}) x {args.rounds} rounds; "
          f"{args.workers} local processes against {args.workers} one-thread Dask workers "
          f"({args.scheduler}); {'sandboxed' if sandbox else 'UNSANDBOXED'}; "
          f"{os.cpu_count()} cores; 1-min load average {min(loads):.1f}-{max(loads):.1f}")
    for k in ("local", "dask"):
        print(f"{k:6s} {per[k]:6.2f} s/submission  (rounds: "
              f"{', '.join(f'{w:.0f} s' for w in walls[k])})")
    print(f"dask/local  {per['dask'] / per['local']:5.3f}x  overhead per submission "
          f"{per['dask'] - per['local']:+.2f} s ({(per['dask'] / per['local'] - 1) * 100:+.1f}%; "
          "goal < 10%)")


def bare_one(path: Path, release: Path) -> float:
    """Execute one submitted notebook in a plain kernel, in a copy of its release folder, with
    the kernel environment ours uses and a warm font cache."""
    work = Path(tempfile.mkdtemp(prefix="paradox-floor-"))
    try:
        shutil.copytree(release, work, dirs_exist_ok=True)
        fonts.seed(work)
        nb = notebooks.read(path)
        start = time.perf_counter()
        # The kernel is killed once done, as ours does: a graceful shutdown is waiting, not work.
        client = NotebookClient(nb, timeout=60, allow_errors=True, kernel_name="python3",
                                record_timing=False, shutdown_kernel="immediate")
        client.execute(cwd=str(work), env=scrubbed_env(work), stderr=subprocess.DEVNULL)
        return time.perf_counter() - start
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_floor(course: Path, workers: int) -> tuple[float, list[float]]:
    paths = sorted(course.glob("submitted/*/*/*.ipynb"))
    releases = [course / "release" / p.parent.name for p in paths]
    t = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        each = list(pool.map(bare_one, paths, releases))
    return time.perf_counter() - t, each


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-assignment", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scheduler", help="local, or tcp://HOST:8786: local pool against Dask")
    args = parser.parse_args()
    sandbox = probe() is None
    if args.scheduler:
        return cluster_main(args, sandbox)
    fonts.font_cache()  # built once here; the forked workers inherit it (warm for the floor)
    walls: dict[str, list[float]] = {"floor": [], "stock": [], "ours": []}
    each: dict[str, list[float]] = {"floor": [], "ours": []}
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as tmp:
        course, n = make_course(Path(tmp) / "course", args.per_assignment)
        for r in range(args.rounds):
            for method in (["stock", "ours", "floor"] if r % 2 == 0 else ["floor", "ours", "stock"]):
                if method == "stock":
                    walls["stock"].append(run_stock(course))
                else:
                    total, times = (run_ours(course, args.workers, sandbox) if method == "ours"
                                    else run_floor(course, args.workers))
                    walls[method].append(total)
                    each[method] += times
                loads.append(os.getloadavg()[0])
                print(f"round {r + 1}: {method:5s} {walls[method][-1]:7.1f} s", flush=True)
    report(walls, each, n, args, sandbox, loads)


def report(walls, each, n, args, sandbox: bool, loads: list[float]) -> None:
    per = {k: statistics.median(v) / n for k, v in walls.items()}
    print(f"\n{n} submissions ({', '.join(ASSIGNMENTS)}) x {args.rounds} rounds; "
          f"{args.workers} workers for ours and the floor, stock one at a time; "
          f"{'sandboxed' if sandbox else 'UNSANDBOXED'}; {os.cpu_count()} cores; "
          f"1-min load average {min(loads):.1f}-{max(loads):.1f}")
    print(f"{'':7s} {'s/submission':>12s} {'(min-max)':>13s} {'s/notebook/worker':>18s}")
    for k in ("floor", "stock", "ours"):
        lo, hi = (min(walls[k]) / n, max(walls[k]) / n)
        inside = (f"{statistics.median(each[k]) / args.workers:18.2f}" if k in each
                  else f"{'-':>18s}")
        print(f"{k:7s} {per[k]:12.2f} {f'({lo:.2f}-{hi:.2f})':>13s} {inside}")
    print(f"stock/ours  {per['stock'] / per['ours']:5.2f}x  (goal >= 3)")
    print(f"ours/floor  {per['ours'] / per['floor']:5.2f}x  (goal <= 1.15)")


if __name__ == "__main__":
    main()
