"""What a student meets in JupyterLab with the nbgrader extension: a passing check says so in a
line, a failing one shows its message alone, a hidden-test placeholder shows nothing (and
`nbgrader validate` reads no partial credit from it), the first cell says how to work, a
percent-scaled answer fails its visible check, the reference chart's legend covers no bar,
stock `nbgrader generate_assignment` builds what `autograder release` builds, and the exchange
works out of the box."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import REPO, copy_course
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from autograder import notebooks
from autograder.assignments import ASSIGNMENTS, get
from autograder.kernel_checks import CODE_STUB, STUB_MESSAGE, plain, plain_format_problem, type_name
from autograder.nbgrader_run import nbgrader
from autograder.release import release_manifest
from autograder.synthetic import solved


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    return copy_course(tmp_path_factory.mktemp("polish") / "course")


def _run(nb: nbformat.NotebookNode, folder: Path, allow_errors: bool = False):
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=allow_errors,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def _text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o["output_type"] == "stream")


# --- 1 and 3: what a check shows --------------------------------------------------------------

def test_checks_speak_in_one_line_and_a_failure_still_stops_run_all(course):
    """In a real kernel: does a passing visible check print one ✓ line (stdout, nothing on
    stderr), does a failing one show only its ✗ message while the kernel still reports an error
    (so Run All stops), and does the untouched stub say where to answer?"""
    folder = course / "release" / "vtdf"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in (
        "from checks import check_format\nimport pandas as pd",
        "check_format('share', 0.4, {'type': 'number', 'range': [0, 1]})",
        "check_format('totals', pd.DataFrame({'a': [68.4]}), {'type': 'DataFrame', "
        "'range': [0, 1], 'range_hint': 'scores are 0–1; did you use percentages?'})",
        "print('never reached')",
    )])
    with pytest.raises(CellExecutionError):
        _run(nb, folder)
    passed, failed, after = nb.cells[1], nb.cells[2], nb.cells[3]
    assert [o["output_type"] for o in passed.outputs] == ["stream"]
    assert passed.outputs[0]["name"] == "stdout"
    assert _text(passed) == "✓ share: form OK — values are checked when graded\n"
    (error,) = failed.outputs
    assert error["output_type"] == "error" and error["ename"] == "CheckFailed"
    assert error["traceback"] == ["✗ totals should lie between 0 and 1; found 68.4 — scores are "
                                  "0–1; did you use percentages?"]
    assert "checks.py" not in str(error)  # no traceback into the checks' internals
    assert not after.get("outputs") and after.get("execution_count") is None  # Run All stopped
    stub = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CODE_STUB)])
    with pytest.raises(CellExecutionError):
        _run(stub, folder)
    assert stub.cells[0].outputs[0]["ename"] == "NotImplementedError"
    assert stub.cells[0].outputs[0]["evalue"] == STUB_MESSAGE == "answer this question here"


@pytest.mark.parametrize("name", list(ASSIGNMENTS))
def test_release_cells_stubs_and_placeholders(name):
    """Does every answer cell of the release hold the course's stub, and is every hidden-test
    placeholder (in the release, and in the source once nbgrader clears its hidden tests)
    comments alone, so it has no output for nbgrader to read as partial credit?"""
    from nbgrader.preprocessors import ClearHiddenTests

    a = ASSIGNMENTS[name]
    release = notebooks.read(REPO / "release" / name / a.notebook)
    source = notebooks.read(REPO / "source" / name / a.notebook)
    for check in a.checks:
        assert CODE_STUB in release.cells[notebooks.find(release, check.id)].source, check.id
        if not check.hidden:
            continue
        for nb in (release, nbformat.from_dict(source)):
            cell = nb.cells[notebooks.find(nb, f"{check.id}_values")]
            ClearHiddenTests().preprocess_cell(cell, {}, 0)
            lines = [ln for ln in cell.source.splitlines() if ln.strip()]
            assert lines and all(ln.startswith("#") for ln in lines), (check.id, cell.source)
        fmt = release.cells[notebooks.find(release, f"{check.id}_format")].source
        code = [ln for ln in fmt.splitlines() if not ln.startswith("#")]
        assert '"""' not in fmt and code[0].startswith("check_format("), fmt


@pytest.mark.slow
@pytest.mark.parametrize("name", list(ASSIGNMENTS))
def test_validate_passes_a_solution_without_partial_credit_warnings(course, name, tmp_path):
    """Does stock `nbgrader validate` pass the solved release with no warning that a grade
    cell's output 'cannot be converted to a float'?"""
    a = ASSIGNMENTS[name]
    folder = tmp_path / name
    shutil.copytree(course / "release" / name, folder)
    nbformat.write(solved(course, name), folder / a.notebook)
    done = nbgrader("validate", a.notebook, cwd=folder, check=False)
    said = done.stdout + done.stderr
    assert done.returncode == 0 and "Success! Your notebook passes all the tests." in said, said
    assert "cannot be converted to a float" not in said and "VALIDATION FAILED" not in said


# --- 4: how to work ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(ASSIGNMENTS))
def test_first_cell_says_how_to_work(name):
    """Does the first cell say: answer in order, run each answer cell then its check, what
    Validate does (form only), and name the stub students replace?"""
    first = notebooks.read(REPO / "release" / name / ASSIGNMENTS[name].notebook).cells[0]
    text = first.source
    assert first.cell_type == "markdown"
    for words in ("Answer the questions in order", "Run each answer cell", "then the check cell",
                  "**Validate**", "runs the whole notebook", "*form* of your answers only",
                  "graded after you submit", CODE_STUB.splitlines()[-1]):
        assert words in text, words
    assert "NotImplementedError()" not in text


# --- 5: percentages ---------------------------------------------------------------------------

# Every answer that is a share, a rate or a 0–1 score, with the words its hint must contain.
PERCENT_GUARDED = {
    ("vtdf", "q1_normalized"): "0–1", ("vtdf", "q2_layer_scores"): "percentages",
    ("vtdf", "q3_totals"): "scores are 0–1", ("vtdf", "q5_reversal"): "percentage",
    ("vtdf", "q7_leader_share"): "percentage",
    ("build_vs_buy", "q3_irr"): "percentage",
    ("build_vs_buy", "q11_fee_growth"): "percentage",
    ("scenarios", "q1_inputs"): "percentages", ("scenarios", "q4_reversal"): "percentage",
    ("scenarios", "q5_best_share"): "percentage", ("scenarios", "q5_best_share_any"): "percentage",
    ("scenarios", "q6_breakeven_keep"): "percentage",
}

# Answers that happen to lie in 0–1 here but are no share: what they are instead.
NOT_SHARES = {("build_vs_buy", "q7_selfhost"): "dollars per 1M tokens (0.62 today)",
              # a share, but Question 7's per-1K slip carries into it as a follow-through
              # value in the hundreds, which a range would refuse
              ("build_vs_buy", "q10_cost_share"): "a share with follow-through values above 1",
              ("build_vs_buy", "q12_breakeven_utilization"): "follow-through values above 1 or < 0"}


def _times_100(value):
    if isinstance(value, dict):
        return {k: _times_100(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_times_100(v) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value * 100
    return value


def _numbers(value) -> list[float]:
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return [] if isinstance(value, bool) or not isinstance(value, (int, float)) else [value]


@pytest.mark.parametrize("name", list(ASSIGNMENTS))
def test_a_percent_scaled_answer_fails_its_visible_check(name):
    """Does the correct answer pass its visible check and the same answer in percent (×100)
    fail it with the hint? And is every answer whose values all lie in 0–1 (a share, a rate,
    a score) guarded so?"""
    a = ASSIGNMENTS[name]
    inputs, answers = a.inputs(), a.answers()
    for check in a.checks:
        if not check.hidden or check.derived:  # a derived answer (ranks, a bool) is no share
            continue
        spec = check.format_spec(inputs)
        value = answers[check.variable]
        got, kind = plain(value), type_name(value)
        assert plain_format_problem(check.variable, kind, got, spec) is None, check.id
        nums = _numbers(got)
        fractional = (nums and all(0 <= n <= 1 for n in nums) and any(n != int(n) for n in nums))
        if (name, check.id) in NOT_SHARES:
            continue
        if (name, check.id) not in PERCENT_GUARDED:
            assert not fractional, f"{name}/{check.id} looks like a share: guard it against percentages"
            continue
        problem = plain_format_problem(check.variable, kind, _times_100(got), spec)
        assert problem and "should lie between" in problem, (check.id, problem)
        assert PERCENT_GUARDED[name, check.id] in problem, (check.id, problem)


def test_percent_totals_fail_the_vtdf_visible_check():
    """The reviewer's case: VTDF totals from weights in percent."""
    from autograder.kernel_checks import CheckFailed, check_format

    a = get("vtdf")
    inputs = a.inputs()
    spec = a.check("q3_totals").format_spec(inputs)
    totals = a.answers()["totals"]
    check_format("totals", totals, spec)
    with pytest.raises(CheckFailed, match="scores are 0–1.*did you use percentages"):
        check_format("totals", totals * 100, spec)


# --- 6: the reference chart -------------------------------------------------------------------

def test_vtdf_reference_chart_legend_covers_no_bar():
    """Drawn from the source's solution: does the legend of Question 6's chart overlap no bar,
    and does it lie inside the figure?"""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    a = get("vtdf")
    nb = notebooks.read(REPO / "source" / "vtdf" / a.notebook)
    code = notebooks.solution_code(nb.cells[notebooks.find(nb, "q6_chart")].source)
    namespace = {"layer_scores": a.answers()["layer_scores"], "plt": plt}
    exec(code.replace("plt.show()", ""), namespace)
    fig = namespace["fig"]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    (ax,) = fig.get_axes()
    legend = ax.get_legend().get_window_extent(renderer)
    bars = [p.get_window_extent(renderer) for p in ax.patches]
    assert len(bars) == 20
    assert not any(legend.overlaps(b) for b in bars)
    assert fig.bbox.contains(legend.x0, legend.y0) and fig.bbox.contains(legend.x1, legend.y1)
    plt.close(fig)


# --- 7: stock Generate ------------------------------------------------------------------------

@pytest.mark.slow
def test_stock_generate_assignment_builds_the_committed_release(tmp_path):
    """In a fresh copy of the course (what git holds), with release/ removed: does stock
    `nbgrader generate_assignment <a> --force` (formgrader's Generate) produce exactly the
    committed release, checks.py and data included?"""
    root = copy_course(tmp_path / "course")
    committed = release_manifest(REPO)
    shutil.rmtree(root / "release")
    for name in ASSIGNMENTS:
        nbgrader("generate_assignment", name, "--force", cwd=root)
    assert release_manifest(root) == committed
    assert {k for k in committed if k.endswith("checks.py")} == {
        f"release/{n}/checks.py" for n in ASSIGNMENTS}


def test_shipped_copies_beside_the_source_are_committed():
    """Are source/<a>/checks.py and source/<a>/data/ no longer ignored by git?"""
    done = subprocess.run(["git", "check-ignore", "source/vtdf/checks.py",
                           "source/vtdf/data/vtdf_scores.csv"], cwd=REPO, capture_output=True,
                          text=True)
    assert done.stdout.strip() == "", done.stdout


# --- 8: the exchange --------------------------------------------------------------------------

@pytest.mark.slow
def test_exchange_works_from_a_fresh_course(tmp_path):
    """With a home of its own (no system-wide exchange): does the course config make its
    exchange (world-writable, as nbgrader makes it), does `nbgrader release_assignment` put the
    assignment there, and does `nbgrader list` find it, run in the course folder and run by a
    student elsewhere whose config points at the same exchange?"""
    root = copy_course(tmp_path / "course")
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env.update(HOME=str(home), PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}")

    def run(*args: str, cwd: Path) -> str:
        done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout + done.stderr

    said = run("release_assignment", "vtdf", "--force", cwd=root)
    exchange = root / "exchange"
    assert exchange.is_dir() and (exchange.stat().st_mode & 0o777) == 0o777
    assert "Permissions for exchange directory" not in said  # made as nbgrader wants it
    assert (exchange / "platform-paradox" / "outbound" / "vtdf" / "vtdf.ipynb").is_file()
    assert "platform-paradox vtdf" in run("list", cwd=root)
    student = home / "work"
    student.mkdir()
    (student / "nbgrader_config.py").write_text(f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\n")
    assert "platform-paradox vtdf" in run("list", cwd=student)
    run("fetch_assignment", "vtdf", "--course", "platform-paradox", cwd=student)
    assert (student / "vtdf" / "checks.py").is_file()


def test_a_system_wide_exchange_wins_over_the_course_default(tmp_path):
    """A JupyterHub-style config on Jupyter's config path that sets Exchange.root: does the
    course config leave it alone (and make no exchange/ of its own)?"""
    from traitlets.config.loader import PyFileConfigLoader

    root = copy_course(tmp_path / "course")
    system = tmp_path / "etc-jupyter"
    system.mkdir()
    (system / "nbgrader_config.py").write_text('c = get_config()\nc.Exchange.root = "/srv/x"\n')
    code = ("from traitlets.config.loader import PyFileConfigLoader\n"
            f"c = PyFileConfigLoader('nbgrader_config.py', {str(root)!r}).load_config()\n"
            "print(c.Exchange.get('root', 'unset'))")
    env = {**os.environ, "JUPYTER_CONFIG_PATH": str(system)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.stdout.strip() == "unset", done.stdout + done.stderr
    assert not (root / "exchange").exists()
    own = PyFileConfigLoader("nbgrader_config.py", str(root)).load_config()
    assert own.Exchange.root == str(root / "exchange")


# --- dollar signs in Markdown ------------------------------------------------------------------

def _dollar_pairs(text: str) -> list[str]:
    """Paragraphs in which JupyterLab would typeset the text between two unescaped dollar signs
    as LaTeX ("in $ per 1M ... in $ per 1M" becomes italic math); code spans do not count."""
    found = []
    for paragraph in re.split(r"\n\s*\n", text):
        prose = re.sub(r"`[^`]*`", "", paragraph)
        if len(re.findall(r"(?<!\\)\$", prose)) >= 2:
            found.append(paragraph[:120])
    return found


def test_markdown_dollar_amounts_never_pair_up_as_math():
    """Does any Markdown cell of a source or release notebook hold two unescaped `$` in one
    paragraph? JupyterLab (and nbconvert) would render the text between them as math."""
    assert _dollar_pairs("costs $3 and $4") and not _dollar_pairs(r"costs \$3 and \$4")
    assert not _dollar_pairs("costs $3\n\nand $4") and not _dollar_pairs("`x = '$'` costs $3")
    for path in sorted([*REPO.glob("source/*/*.ipynb"), *REPO.glob("release/*/*.ipynb")]):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown":
                assert _dollar_pairs(cell.source) == [], f"{path.relative_to(REPO)} cell {cell.get('id')}"
