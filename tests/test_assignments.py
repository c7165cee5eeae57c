"""The harness every assignment gets for free: its source runs, its solution earns every
autograded point under real nbgrader, its blank release earns none, every catalogued mistake
costs exactly its own item, and the release is what a fresh build makes."""

from __future__ import annotations

import json
import shutil
from functools import cache
from pathlib import Path

import nbformat
import pytest
from conftest import REPO
from nbclient import NotebookClient
from nbgrader.api import Gradebook

from autograder import notebooks
from autograder.assignments import ASSIGNMENTS
from autograder.kernel_checks import difference
from autograder.nbgrader_run import nbgrader
from autograder.release import release_manifest, verify
from autograder.synthetic import blank, solved, with_answer

# One xdist worker per assignment, so its single autograde run serves all its tests.
pytestmark = pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.xdist_group(n)) for n in ASSIGNMENTS])


def submissions(root: Path, name: str) -> dict[str, nbformat.NotebookNode]:
    a = ASSIGNMENTS[name]
    good = solved(root, name)
    subs = {"solution": good, "blank": blank(root, name)}
    for check in a.checks:
        for mistake in check.mistakes:
            subs[f"m-{check.id}-{mistake.id}"] = with_answer(good, check.id, mistake.cell)
    return subs


@cache
def autograded(root: Path, name: str) -> dict[str, dict]:
    """Run real `nbgrader autograde` once over all the harness's submissions for `name`.

    Returns, per student, per grade cell: score, max score and the cell's output text."""
    a = ASSIGNMENTS[name]
    subs = submissions(root, name)
    for student, nb in subs.items():
        folder = root / "submitted" / student / name
        shutil.copytree(root / "release" / name, folder, dirs_exist_ok=True)
        nbformat.write(nb, folder / a.notebook)
    nbgrader("autograde", name, "--create", "--force", cwd=root)
    results: dict[str, dict] = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for student in subs:
            graded = notebooks.read(root / "autograded" / student / name / a.notebook)
            text = {notebooks.grade_id(c): json.dumps(c.get("outputs", []))
                    for c in graded.cells if notebooks.grade_id(c)}
            sub = gb.find_submission_notebook(a.notebook.removesuffix(".ipynb"), name, student)
            results[student] = {g.name: (g.score, g.max_score, text.get(g.name, ""))
                                for g in sub.grades if g.cell_type == "code"}
    return results


def item_cells(name: str, check_id: str) -> set[str]:
    return {f"{check_id}_format", f"{check_id}_values"}


def test_every_source_folder_is_registered(name):
    """Is every folder in source/ an assignment the harness knows?"""
    folders = {p.name for p in (REPO / "source").iterdir() if p.is_dir()}
    assert folders == set(ASSIGNMENTS)


@pytest.mark.slow
def test_source_runs_and_agrees_with_the_key(built_course, name):
    """Does the source notebook run top to bottom in a fresh kernel, and do the answers its
    solution cells compute equal the answer key (checked here, outside the kernel)?"""
    root, _, _ = built_course
    a = ASSIGNMENTS[name]
    folder = root / "source" / name
    nb = notebooks.read(folder / a.notebook)
    variables = [c.variable for c in a.checks if c.hidden]
    nb.cells.append(nbformat.v4.new_code_cell(
        "import json as _j\nfrom checks import plain as _p\n"
        f"print(_j.dumps({{v: _p(globals()[v]) for v in {variables!r}}}))"))
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    got = json.loads(nb.cells[-1].outputs[0]["text"])
    key = a.key(root / "case" / "data")
    for check in a.checks:
        if check.hidden:
            assert difference(got[check.variable], key[check.id]["expected"],
                              key[check.id]["tol"]) is None, check.id


@pytest.mark.slow
def test_solution_earns_every_autograded_point(built_course, name):
    """Does real `nbgrader autograde` give the solution every autograded point?"""
    root, _, _ = built_course
    cells = autograded(root, name)["solution"]
    lost = {cell: out for cell, (score, top, out) in cells.items() if score != top}
    assert not lost
    assert sum(top for _, top, _ in cells.values()) == ASSIGNMENTS[name].autograded_points


@pytest.mark.slow
def test_blank_release_scores_zero(built_course, name):
    """Does the unanswered release fail every autograded test (nbgrader validate --invert)?"""
    root, _, _ = built_course
    cells = autograded(root, name)["blank"]
    assert {cell: score for cell, (score, _, _) in cells.items() if score} == {}


@pytest.mark.slow
def test_every_catalogued_mistake_costs_its_own_item_only(built_course, name):
    """Does each common mistake lose its own item's points, keep every other item's, and show
    its diagnosis in the graded output?"""
    root, _, _ = built_course
    results = autograded(root, name)
    a = ASSIGNMENTS[name]
    assert any(c.mistakes for c in a.checks)
    for check in a.checks:
        assert check.mistakes, f"{check.id} has no catalogued mistakes"
        mine = item_cells(name, check.id)
        for mistake in check.mistakes:
            cells = results[f"m-{check.id}-{mistake.id}"]
            others = {c: s for c, (s, top, _) in cells.items() if c not in mine and s != top}
            assert not others, f"{mistake.id} also cost {others}"
            lost = sum(top - s for c, (s, top, _) in cells.items() if c in mine)
            assert lost > 0, f"{check.id}: mistake {mistake.id} was not penalized"
            shown = " ".join(out for c, (_, _, out) in cells.items() if c in mine)
            assert json.dumps(mistake.message)[1:-1] in shown, (check.id, mistake.id, shown[:500])


def test_release_is_a_fresh_build(built_course, name):
    """Does building again change nothing: release files, source notebooks, data copies?"""
    root, before, built = built_course
    after = release_manifest(root)
    mine = {k: v for k, v in after.items() if k.startswith(f"release/{name}/")}
    assert mine == {k: v for k, v in before.items() if k.startswith(f"release/{name}/")}
    assert not built[name].source_changed, "source test cells were stale: run `autograder release`"
    assert built[name].problems == []
    assert verify(REPO, ASSIGNMENTS[name]) == []


def test_notebooks_stored_clean(name):
    """Are the source and release notebooks stored without outputs and with normalized metadata?"""
    a = ASSIGNMENTS[name]
    source = REPO / "source" / name / a.notebook
    assert source.read_text(encoding="utf-8") == nbformat.writes(
        notebooks.normalize(notebooks.read(source))) + "\n"
    for path in (source, REPO / "release" / name / a.notebook):
        nb = notebooks.read(path)
        assert all(not c.get("outputs") and c.get("execution_count") is None
                   for c in nb.cells if c.cell_type == "code"), path
