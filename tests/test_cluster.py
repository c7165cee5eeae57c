"""Grading on a Dask cluster: a real `dask scheduler` and `dask worker` processes on loopback.

One class is graded twice: on this machine's process pool, and through the cluster while the
test kills one of its two workers mid-run. The grades must be the same item by item, every
submission stored exactly once, and nothing of the key, the source notebooks or the gradebook
may reach a worker (each task is recorded as the worker received it).
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import released, seconds
from dask_cluster import Cluster
from dask_payloads import RecordPayloads, recorded
from nbgrader.api import Gradebook

from autograder import notebooks, variants
from autograder.assignments import get
from autograder.grading import cluster
from autograder.grading.pipeline import LEDGERS, grade_class, plan
from autograder.grading.sandbox import Limits, probe
from autograder.synthetic import half_done, solved, submit, with_answer, with_variant

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("cluster"),
              pytest.mark.skipif(probe() is not None, reason="no sandbox here")]

LIMITS = Limits(cell_seconds=seconds(30), notebook_seconds=seconds(120))
PROBE = "# payload-probe-7f3a"  # in alice's vtdf answer: the recorder must see it
VARIANTS = "build_vs_buy"


def make_class(course: Path) -> int:
    """Seven submissions across the three assignments, variants on for build_vs_buy."""
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.Variants.assignments = [{VARIANTS!r}]\n")
    codes = variants.issued_codes(course, VARIANTS, ["alice", "bob"])
    for name in ("vtdf", "build_vs_buy", "scenarios"):
        a, good = get(name), solved(course, name)
        first = a.checks[0]
        right = good.cells[notebooks.find(good, first.id)].source
        work = {"alice": with_answer(good, first.id, f"{PROBE}\n{right}"),
                "bob": with_answer(good, first.id, first.mistakes[0].cell)}
        if name == "vtdf":
            work["carol"] = half_done(course, name)
        for student, nb in work.items():
            submit(course, student, name, with_variant(nb, codes[student]) if name == VARIANTS
                   else nb)
    return 7


def items(results) -> dict:
    return {(r.student, r.assignment, i.item): (i.status, i.score, i.mistake, i.message, repr(i.value))
            for r in results for i in r.items}


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dask")
    running = Cluster(folder)
    try:
        running.add_worker("w1")
        running.add_worker("w2")
        from distributed import Client

        payloads = folder / "payloads"
        payloads.mkdir()
        with Client(running.address, timeout=30) as client:
            client.register_plugin(RecordPayloads(str(payloads)))
        yield running, payloads
    finally:
        running.stop()


@pytest.fixture(scope="module")
def graded_both(dask_cluster, tmp_path_factory):
    """The class graded locally, then through the cluster with worker w1 killed as soon as the
    first submission is stored while w1 is running one."""
    running, payloads = dask_cluster
    root = tmp_path_factory.mktemp("class")
    local_course = released(root / "local")
    n = make_class(local_course)
    remote_course = Path(shutil.copytree(local_course, root / "remote", symlinks=True))
    local = grade_class(local_course, workers=2, limits=LIMITS, log=lambda _: None)

    from distributed import Client

    lines, killed = [], {}

    def on_stored(line: str) -> None:
        lines.append(line)
        if len(lines) != 1:
            return
        # Killed while it runs a notebook: a task w1 has started (recorded) and not finished.
        with Client(running.address, timeout=30) as client:
            names = {a: w["name"] for a, w in client.scheduler_info(n_workers=-1)["workers"]
                     .items()}
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                busy = {names[a]: set(keys) for a, keys in client.processing().items()}
                running_now = busy.get("w1", set()) & {k for w, k, _ in recorded(payloads)
                                                       if w == "w1"}
                if running_now:
                    running.kill_worker("w1")
                    killed.update(w1=sorted(running_now))
                    return
                time.sleep(0.05)

    remote = grade_class(remote_course, limits=LIMITS, log=on_stored, scheduler=running.address)
    return local, remote, lines, killed, remote_course, n


def test_a_class_graded_on_the_cluster_gets_the_local_grades_item_by_item(graded_both):
    local, remote, *_ , n = graded_both
    assert len(local) == len(remote) == n
    mine, theirs = items(local), items(remote)
    assert mine.keys() == theirs.keys()
    differ = {k: (mine[k], theirs[k]) for k in mine if mine[k] != theirs[k]}
    assert not differ
    # The class is not trivial: right, wrong, variant-checked and unanswered items all occur.
    statuses = {s for s, *_ in theirs.values()}
    assert {"graded", "wrong", "unanswered"} <= statuses, statuses
    assert {r.variant for r in remote if r.assignment == VARIANTS} - {None}


def test_a_worker_lost_mid_run_still_stores_each_submission_once(graded_both, dask_cluster):
    _, remote, lines, killed, course, n = graded_both
    _, payloads = dask_cluster
    assert killed.get("w1"), "w1 was never seen running a submission"
    # Each submission stored once: one progress line each, numbered 1..n, and one row each.
    stored = [re.match(r"\[(\d+)/(\d+)\] (\S+): ", line).groups() for line in lines]
    assert [int(i) for i, _, _ in stored] == list(range(1, n + 1))
    assert sorted(who for *_, who in stored) == sorted({f"{r.assignment}/{r.student}"
                                                        for r in remote})
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        rows = {(s.student.id, s.assignment.name): s.score for a in ("vtdf", "build_vs_buy",
                "scenarios") for s in gb.find_assignment(a).submissions}
    assert len(rows) == n
    assert all(rows[(r.student, r.assignment)] == pytest.approx(r.score or 0) for r in remote
               if r.score is not None)
    # What w1 was running when it died was started again on w2, and stored once.
    started = {}
    for worker, key, _ in recorded(payloads):
        started.setdefault(key, []).append(worker)
    for key in killed["w1"]:
        assert sorted(started[key]) == ["w1", "w2"], started[key]
    assert not plan(course).todo  # every ledger written: a rerun grades nothing


def _floats(value) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [f for v in value.values() for f in _floats(v)]
    if isinstance(value, (list, tuple)):
        return [f for v in value for f in _floats(v)]
    return []


def _hidden_tests(course: Path) -> list[str]:
    """Lines of the source notebooks' hidden tests (long enough to be distinctive)."""
    lines = []
    for path in (course / "source").glob("*/*.ipynb"):
        for block in re.findall(r"BEGIN HIDDEN TESTS(.*?)END HIDDEN TESTS", path.read_text(),
                                flags=re.S):
            lines += [line.strip().strip('",').replace('\\"', '"') for line in block.split("\\n")
                      if len(line.strip()) > 25]
    return lines


def test_nothing_of_the_key_the_source_or_the_gradebook_reaches_a_worker(graded_both,
                                                                          dask_cluster):
    *_, course, n = graded_both
    _, payloads = dask_cluster
    tasks = recorded(payloads)
    assert len({key for _, key, _ in tasks}) >= n
    everything = b"\n".join(data for *_, data in tasks)
    # The recorder sees what was sent: the student's own text and the given files.
    assert PROBE.encode() in everything
    assert (course / "release" / "vtdf" / "checks.py").read_bytes() in everything
    hidden = _hidden_tests(course)
    assert len(hidden) > 10
    secrets = [(course / ".paradox" / "variant_secret").read_text().strip(),
               (course / ".paradox" / "ledger.key").read_text().strip()]
    forbidden = [str(course), "gradebook.db", "BEGIN SOLUTION", "BEGIN HIDDEN TESTS",
                 *hidden, *secrets]
    found = [f for f in forbidden if f.encode() in everything]
    assert not found
    # No value of any key (the published one, or a student's variant) in text or as a double.
    codes = variants.issued_codes(course, VARIANTS, ["alice", "bob"])
    keys = [get(a).key(course / "case" / "data") for a in ("vtdf", "build_vs_buy", "scenarios")]
    keys += [cluster_key(course, code) for code in codes.values()]
    # Computed values carry many digits; a short one (0.5, 2.5) is as likely a given number.
    values = {v for key in keys for v in _floats(key)
              if len(repr(abs(v)).replace(".", "").strip("0")) >= 6}
    assert len(values) > 20
    leaked = [v for v in values if repr(v).encode() in everything
              or struct.pack(">d", v) in everything or struct.pack("<d", v) in everything]
    assert not leaked


def cluster_key(course: Path, code: str) -> dict:
    from autograder.grading.worker import _key

    return _key(course, VARIANTS, code)[0]


def test_a_worker_that_cannot_grade_is_named_before_anything_is_graded(dask_cluster, tmp_path):
    """A worker without bubblewrap on its PATH: `worker-check` names it and what it lacks, and
    `grade` refuses to start (nothing stored) rather than run code unconfined there."""
    running, _ = dask_cluster
    running.add_worker("nobwrap", env={"PATH": "/nonexistent"})
    try:
        done = subprocess.run([sys.executable, "-m", "autograder", "worker-check", "--scheduler",
                               running.address, "--wait", "5"], capture_output=True, text=True)
        assert done.returncode == 1, done.stdout + done.stderr
        bad = [line for line in done.stdout.splitlines() if "cannot grade" in line]
        assert len(bad) == 1
        assert "bubblewrap is not installed" in done.stdout
        course = released(tmp_path / "course", ["vtdf"])
        submit(course, "alice", "vtdf", solved(course, "vtdf"))
        with pytest.raises(cluster.ClusterError, match="1 Dask worker.*cannot grade.*bubblewrap"):
            grade_class(course, ["vtdf"], limits=LIMITS, scheduler=running.address)
        assert not list((course / LEDGERS).rglob("*.json"))
    finally:
        running.kill_worker("nobwrap")


def test_losing_the_scheduler_stops_the_run_and_a_rerun_resumes(tmp_path, monkeypatch):
    """The scheduler killed once the first submission is stored: `grade` stops with a clear
    error (after the client's reconnect window, shortened here to 3 s), keeps what it stored,
    and a rerun on a new scheduler grades only the rest."""
    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 3)
    running = Cluster(tmp_path / "dask")
    try:
        running.add_worker("solo")
        course = released(tmp_path / "course", ["vtdf"])
        good = solved(course, "vtdf")
        for student in ("ann", "ben", "cat", "dan"):
            submit(course, student, "vtdf", good)
        lines = []

        def on_stored(line: str) -> None:
            lines.append(line)
            if len(lines) == 1:
                running.kill_scheduler()

        with pytest.raises(cluster.ClusterError, match="lost the Dask scheduler.*rerun"):
            grade_class(course, ["vtdf"], limits=LIMITS, log=on_stored,
                        scheduler=running.address)
        kept = list((course / LEDGERS / "vtdf").glob("*.json"))
        assert 1 <= len(kept) < 4
        with pytest.raises(cluster.ClusterError, match="cannot reach the Dask scheduler"):
            grade_class(course, ["vtdf"], limits=LIMITS, scheduler=running.address)
        running.stop()
        running = Cluster(tmp_path / "dask2")
        running.add_worker("solo2")
        assert len(plan(course).todo) == 4 - len(kept)
        rest = []
        results = grade_class(course, ["vtdf"], limits=LIMITS, log=rest.append,
                              scheduler=running.address)
        assert len(rest) == 4 - len(kept)  # only what was not stored is graded again
        assert sorted(r.student for r in results) == ["ann", "ben", "cat", "dan"]
        assert len({r.score for r in results}) == 1
    finally:
        running.stop()
