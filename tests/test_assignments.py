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
    # Two workers starting kernels on TCP at once can race for a port ("Address already in
    # use", then "Kernel died before replying"): a failure of the test machine, not of the
    # course, so the run is repeated once (nbgrader then regrades only what it must, --force).
    # Figures are not drawn (Agg: plt.show() draws nothing): what nbgrader grades is the same,
    # and drawing them took a quarter of each run (build_vs_buy: 3.4 s -> 2.5 s). The source runs
    # and the browser tests draw them.
    agg = {"MPLBACKEND": "Agg"}
    done = nbgrader("autograde", name, "--create", "--force", cwd=root, check=False,
                    extra_env=agg)
    if done.returncode != 0 and "Kernel died before replying" in done.stdout + done.stderr:
        nbgrader("autograde", name, "--create", "--force", cwd=root, extra_env=agg)
    elif done.returncode != 0:
        raise RuntimeError(f"nbgrader autograde {name} failed:\n{done.stdout}{done.stderr}")
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
    variables += [u for c in a.checks if c.derived for u in c.derived.uses]
    nb.cells.append(nbformat.v4.new_code_cell(
        "import json as _j\nfrom checks import plain as _p\n"
        f"print(_j.dumps({{v: _p(globals()[v]) for v in {variables!r}}}))"))
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    got = json.loads(nb.cells[-1].outputs[0]["text"])
    key = a.key(root / "case" / "data")
    inputs = a.inputs(root / "case" / "data")
    for check in a.checks:
        if check.hidden:  # a derived answer is checked against what the notebook's own inputs imply
            entry = (a.derived_entry(check, inputs, {u: got[u] for u in check.derived.uses})
                     if check.derived else key[check.id])
            assert difference(got[check.variable], entry["expected"], entry["tol"]) is None, check.id


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


def test_form_alone_earns_at_most_a_tenth(name):
    """Read from the source notebook's metadata, not the spec: do the points of the visible
    form checks (the only points a student with every value wrong could still earn) stay at
    or below 10% of the autograded points?"""
    a = ASSIGNMENTS[name]
    nb = notebooks.read(REPO / "source" / name / a.notebook)
    graded = [c.metadata["nbgrader"] for c in nb.cells
              if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"]
    autograded = sum(m["points"] for m in graded)
    form = sum(m["points"] for m in graded if m["grade_id"].endswith("_format"))
    assert autograded == a.autograded_points
    assert form <= 0.10 * autograded, f"{name}: {form} of {autograded} points for form alone"


def test_question_headings_carry_the_spec_points(name):
    """Does each question heading state the points its items are worth (written by the release
    from the spec, so a change of points is made in one place)?"""
    a = ASSIGNMENTS[name]
    nb = notebooks.read(REPO / "source" / name / a.notebook)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for number, (points, by_hand) in notebooks.question_points(a).items():
        words = f"{points:g} point{'s' if points != 1 else ''}" + (", graded by hand" if by_hand else "")
        assert f"## Question {number} — " in text, number
        heading = next(ln for ln in text.splitlines() if ln.startswith(f"## Question {number} — "))
        assert heading.endswith(f"({words})"), heading


def test_every_hand_graded_prompt_shows_its_rubric(name):
    """Does the prompt above every hand-graded answer print that answer's criteria and points
    exactly as the instructor guide's rubric has them, in the source and in the release?"""
    from autograder import rubrics

    a = ASSIGNMENTS[name]
    written = rubrics.read(REPO / "instructor_guide.md")
    for folder in ("source", "release"):
        nb = notebooks.read(REPO / folder / name / a.notebook)
        for cell_id, points in a.manual.items():
            at = notebooks.find(nb, cell_id)
            assert at is not None, (folder, cell_id)
            rubric = written[(name, cell_id)]
            assert rubric.points == points == rubric.table_points, cell_id
            prompt = nb.cells[at - 1].source
            assert rubrics.block(rubric) in prompt, (folder, cell_id)
