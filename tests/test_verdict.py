"""The grader's verdict outside the kernel (autograder/grading/verdict.py:judge), on executed
notebooks made by hand: a real submission prepared from the VTDF source, whose snapshot and
test cells are given the outputs a kernel would have printed. No kernel runs, so every rule of
`judge` is reached in milliseconds."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import nbformat
import pytest
from conftest import REPO

from autograder import notebooks
from autograder.assignments import vtdf
from autograder.grading.execute import Execution
from autograder.grading.prepare import ROLE, prepare
from autograder.grading.results import (
    ERROR,
    FAILED,
    GRADED,
    MANUAL,
    MISSING_CELL,
    TAMPERED,
    TIMEOUT,
    UNANSWERED,
    UNSANDBOXED,
    WRONG,
)
from autograder.grading.verdict import grader_failure, judge
from autograder.kernel_checks import snapshot
from autograder.synthetic import solved, with_answer

A = vtdf.ASSIGNMENT
TOP = {c.id: c.points + c.format_points for c in A.checks}  # an item's points, from the spec
FORM = {c.id: float(c.format_points) for c in A.checks}  # what a right form alone earns
PERCENT = "totals = layer_scores @ (weights * 100)"  # the catalogued "percent-weights" slip


@pytest.fixture(scope="module")
def world():
    """The answer key, the exhibit inputs, the instructor's source and the right answers,
    the chart drawn as the solution draws it."""
    inputs = A.inputs()
    right = A.solve(inputs, {})
    fig, ax = plt.subplots()
    right["layer_scores"].plot.bar(ax=ax, rot=0)
    ax.set(title="VTDF layer scores by firm", xlabel="Firm", ylabel="Layer score")
    ax.legend(title="Layer")
    right["fig"] = fig
    weights_fig, ax = plt.subplots()  # one marker series per firm that leads somewhere
    for firm in right["leader_share"].drop("tie")[lambda s: s > 0].index:
        ax.plot([0.1], [0.2], "o", label=firm)
    ax.set(title="Who leads", xlabel="Technology weight", ylabel="Distribution weight")
    ax.legend()
    right["fig_weights"] = weights_fig
    mine = inputs["scores"].copy()  # the solution's own judgement: Meta's frontier model a 2
    mine.loc[mine["criterion"] == "Frontier capability", "Meta"] = 2
    right["my_scores"] = mine
    right["my_ranks"] = vtdf.key.ranks_with(inputs["scores"], mine.set_index("criterion"),
                                            inputs["weights"])
    right["ranking_changes"] = True
    yield {"key": A.key(), "inputs": inputs, "right": right, "solved": solved(REPO, "vtdf"),
           "source": notebooks.read(REPO / "source" / "vtdf" / A.notebook)}
    plt.close(fig)
    plt.close(weights_fig)


def cells_of(nb, role, item=None):
    return [i for i, c in enumerate(nb.cells) if c.metadata.get(ROLE, {}).get("role") == role
            and (item is None or c.metadata[ROLE].get("item") == item)]


def executed(prepared, namespace, *, failed=(), blocked=(), printed=None, raised=None,
             **stops) -> Execution:
    """The prepared notebook as a kernel would leave it: each snapshot cell prints its record
    of `namespace` (unless the item is `blocked`; `printed` adds lines before it), each test
    cell whose grade id is in `failed` shows an error, and the answer cell of `raised` (an
    item) shows a NameError."""
    nb = nbformat.from_dict(prepared.nb)
    for cell in nb.cells:
        role, item = cell.metadata[ROLE]["role"], cell.metadata[ROLE].get("item")
        if role == "snapshot":
            check = A.check(item)
            uses = check.derived.uses if check.derived else ()
            lines = [] if item in blocked else [
                snapshot(prepared.nonce, item, check.variable, namespace, uses)]
            lines = list((printed or {}).get(item, [])) + lines
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"{line}\n")
                            for line in lines]
        elif role == "locked" and notebooks.grade_id(cell) in failed:
            cell.outputs = [nbformat.v4.new_output("error", ename="AssertionError",
                                                   evalue="the check failed", traceback=[])]
        elif role == "answer" and item == raised:
            cell.outputs = [nbformat.v4.new_output("error", ename="NameError",
                                                   evalue="name 'x' is not defined", traceback=[])]
    return Execution(nb=nb, seconds=0.0, **stops)


def verdicts(world, prepared, run, *, sandboxed=True) -> dict:
    items = judge(A, prepared, run, world["key"], world["inputs"], sandboxed=sandboxed)
    return {r.item: r for r in items}


def answers(world, **changed) -> dict:
    return {**world["right"], **changed}


@pytest.fixture()
def prepared(world):
    return prepare(world["solved"], world["source"], A)


# --- values judged -------------------------------------------------------------------------


def test_right_answers_earn_every_point(world, prepared):
    """Does each right answer get GRADED with its value and format points, and each written
    answer wait for a person?"""
    got = verdicts(world, prepared, executed(prepared, world["right"]))
    for check in A.checks:
        r = got[check.id]
        assert (r.status, r.score, r.max_score, r.mistake) == (GRADED, TOP[check.id],
                                                               TOP[check.id], None), check.id
        assert r.in_kernel_passed is True
    assert got["q3_totals"].cells == {"q3_totals_format": FORM["q3_totals"],
                                      "q3_totals_values": A.check("q3_totals").points}
    assert got["q6_chart"].cells == {"q6_chart_format": TOP["q6_chart"]}  # a chart: form only
    for cell_id, points in A.manual.items():
        assert (got[cell_id].status, got[cell_id].score, got[cell_id].max_score) == (
            MANUAL, None, points)
    assert sum(r.score for r in got.values() if r.score) == A.autograded_points


def test_catalogued_mistake_is_wrong_with_its_diagnosis_and_follow_through(world):
    """Normalized scores divided by 5: the format's points only (none), the "divided-by-5"
    diagnosis, and full credit on layer scores that follow correctly from them."""
    slip = world["inputs"]["scores"].set_index("criterion")[vtdf._firms(world["inputs"])] / 5
    follows = A.solve(world["inputs"], {"normalized": slip})["layer_scores"]
    prepared = prepare(with_answer(world["solved"], "q1_normalized",
                                   'normalized = scores.set_index("criterion")[firms] / 5'),
                       world["source"], A)
    run = executed(prepared, answers(world, normalized=slip, layer_scores=follows),
                   failed={"q1_normalized_values"})
    got = verdicts(world, prepared, run)
    q1 = got["q1_normalized"]
    assert (q1.status, q1.score, q1.mistake, q1.in_kernel_passed) == (
        WRONG, FORM["q1_normalized"], "divided-by-5", True)  # its form is right
    assert q1.cells == {"q1_normalized_format": FORM["q1_normalized"], "q1_normalized_values": 0.0}
    diagnosis = next(m.message for m in A.check("q1_normalized").mistakes if m.id == "divided-by-5")
    assert diagnosis in q1.message
    assert (got["q2_layer_scores"].status, got["q2_layer_scores"].score) == (
        GRADED, TOP["q2_layer_scores"])
    assert "follow-through" in got["q2_layer_scores"].message


# --- the kernel's own tests against the grader's check ---------------------------------------


def test_no_expected_value_reaches_the_kernel(world, prepared):
    """Hidden tests are cleared before the kernel runs: no locked cell of the notebook the
    grader executes calls check_values or carries any expected value of the key."""
    import json

    executed_text = json.dumps([c.source for c in prepared.nb.cells])
    assert "check_values(" not in executed_text and "HIDDEN TESTS" not in executed_text
    for check_id, entry in world["key"].items():
        if "expected" in entry and isinstance(entry["expected"], float):
            assert repr(entry["expected"]) not in executed_text, check_id


def test_a_wrong_value_failing_its_visible_check_is_wrong_not_tampered(world, prepared):
    """Totals 100 times too large fail the format test (its 0-1 range) inside and out: wrong,
    with the catalogued diagnosis alone (it says more than the range), not tampering."""
    wrong = world["right"]["totals"] * 100
    run = executed(prepared, answers(world, totals=wrong), failed={"q3_totals_format"})
    got = verdicts(world, prepared, run)
    r = got["q3_totals"]
    assert (r.status, r.score, r.mistake) == (WRONG, 0.0, "percent-weights")
    assert "100 times too large" in r.message and "should lie between" not in r.message
    assert got["q1_normalized"].status == GRADED  # the other items are not affected


def test_a_wrong_value_with_the_right_form_is_wrong_not_tampered(world, prepared):
    """Totals off by a little pass the format test inside and out: wrong, not tampering (no
    hidden test ran inside to compare with)."""
    wrong = world["right"]["totals"] * 0.9
    got = verdicts(world, prepared, executed(prepared, answers(world, totals=wrong)))
    r = got["q3_totals"]
    assert (r.status, r.score) == (WRONG, FORM["q3_totals"])
    assert "not the expected value" in r.message


def test_a_wrong_format_behind_passing_tests_is_tampering(world, prepared):
    """Raw 1–5 scores fail the format range outside; no test failed inside: tampered, 0."""
    raw = world["inputs"]["scores"].set_index("criterion")[vtdf._firms(world["inputs"])]
    run = executed(prepared, answers(world, normalized=raw))
    r = verdicts(world, prepared, run)["q1_normalized"]
    assert (r.status, r.score) == (TAMPERED, 0.0)


def test_stderr_from_a_test_cell_counts_as_a_failed_test(world, prepared):
    """Raw scores fail the format; the kernel's format test wrote to stderr (nbgrader counts
    that as a failure): wrong, not tampered."""
    raw = world["inputs"]["scores"].set_index("criterion")[vtdf._firms(world["inputs"])]
    run = executed(prepared, answers(world, normalized=raw))
    at = next(i for i in cells_of(run.nb, "locked", "q1_normalized")
              if notebooks.grade_id(run.nb.cells[i]) == "q1_normalized_format")
    run.nb.cells[at].outputs = [nbformat.v4.new_output("stream", name="stderr", text="boom\n")]
    assert verdicts(world, prepared, run)["q1_normalized"].status == WRONG


@pytest.mark.parametrize("failed, status, score", [
    (set(), TAMPERED, 0.0),                                       # blocked, tests "passed"
    ({"q3_totals_format", "q3_totals_values"}, FAILED, None),     # blocked, tests failed
])
def test_no_snapshot_record(world, prepared, failed, status, score):
    """If the grader cannot read the answer, passing tests mean tampering, failing ones an
    error that is not graded."""
    run = executed(prepared, world["right"], blocked={"q3_totals"}, failed=failed)
    r = verdicts(world, prepared, run)["q3_totals"]
    assert (r.status, r.score) == (status, score)


def test_a_record_with_another_nonce_is_ignored(world, prepared):
    """A forged line carrying the right answer but not this run's nonce: does the grader
    ignore it, alone (tampered) and in front of the real record (judged on the real one)?"""
    forged = snapshot("0" * 16, "q3_totals", "totals", world["right"])
    assert prepare(world["solved"], world["source"], A).nonce != prepared.nonce  # fresh per run
    alone = executed(prepared, world["right"], blocked={"q3_totals"},
                     printed={"q3_totals": [forged]})
    assert verdicts(world, prepared, alone)["q3_totals"].status == TAMPERED
    wrong = answers(world, totals=world["right"]["totals"] * 100)
    before = executed(prepared, wrong, printed={"q3_totals": [forged]},
                      failed={"q3_totals_format", "q3_totals_values"})
    r = verdicts(world, prepared, before)["q3_totals"]
    assert (r.status, r.mistake) == (WRONG, "percent-weights")


def test_an_undefined_answer_is_an_error(world, prepared):
    """`totals` never assigned, its answer cell raising NameError: an error that earns
    nothing. (Whether it scores 0 or None is results.py's policy, so either is accepted.)"""
    namespace = {k: v for k, v in world["right"].items() if k != "totals"}
    run = executed(prepared, namespace, raised="q3_totals", failed={"q3_totals_format",
                                                                    "q3_totals_values"})
    r = verdicts(world, prepared, run)["q3_totals"]
    assert r.status == ERROR and not r.score
    assert "totals" in r.message and "NameError" in r.message


# --- runs that stopped ---------------------------------------------------------------------


def test_a_cell_that_timed_out(world, prepared):
    answer = cells_of(prepared.nb, "answer", "q3_totals")[0]
    run = executed(prepared, world["right"], blocked={"q3_totals"}, timed_out={answer})
    got = verdicts(world, prepared, run)
    assert (got["q3_totals"].status, got["q3_totals"].score) == (TIMEOUT, 0.0)  # the student's cell
    assert got["q4_ranks"].status == GRADED  # later cells ran


@pytest.mark.parametrize("stop, status, score", [("deadline_at", TIMEOUT, 0.0),
                                                  ("died_at", FAILED, None)])
def test_items_after_the_notebook_stopped(world, prepared, stop, status, score):
    """The notebook limit reached in the student's ranks cell (their time: 0), or the kernel
    dead there (not theirs to answer for: no score): items before it are graded."""
    at = cells_of(prepared.nb, "answer", "q4_ranks")[0]
    later = {c.id for c in A.checks[A.checks.index(A.check("q4_ranks")):]}
    got = verdicts(world, prepared, executed(prepared, world["right"], blocked=later, **{stop: at}))
    for item in ("q1_normalized", "q2_layer_scores", "q3_totals"):
        assert got[item].status == GRADED
    for item in later:
        assert (got[item].status, got[item].score) == (status, score), item


def test_a_kernel_that_never_started(world, prepared):
    run = executed(prepared, world["right"], blocked={c.id for c in A.checks},
                   start_error="kernel died before replying to kernel_info")
    got = verdicts(world, prepared, run)
    for check in A.checks:
        assert (got[check.id].status, got[check.id].score) == (FAILED, None)
    assert {got[m].status for m in A.manual} == {MANUAL}


# --- how it was run, and what was submitted ----------------------------------------------------


def test_unsandboxed_runs_say_so_but_tampering_still_shows(world, prepared):
    raw = world["inputs"]["scores"].set_index("criterion")[vtdf._firms(world["inputs"])]
    wrong = answers(world, normalized=raw)
    got = verdicts(world, prepared, executed(prepared, wrong), sandboxed=False)
    assert (got["q2_layer_scores"].status, got["q2_layer_scores"].score) == (
        UNSANDBOXED, TOP["q2_layer_scores"])
    assert got["q1_normalized"].status == TAMPERED


def test_deleted_cells_are_missing_not_zero(world):
    """The layer scores' answer cell and a written answer deleted: both "missing cell",
    with no score, while the other items are judged as usual."""
    nb = nbformat.from_dict(world["solved"])
    for cell_id in ("q2_layer_scores", "q9a_paradox_layer"):
        del nb.cells[notebooks.find(nb, cell_id)]
    prepared = prepare(nb, world["source"], A)
    assert set(prepared.missing) == {"q2_layer_scores", "q9a_paradox_layer"}
    got = verdicts(world, prepared, executed(prepared, world["right"]))
    for item in prepared.missing:
        assert (got[item].status, got[item].score) == (MISSING_CELL, None)
    assert got["q1_normalized"].status == GRADED
    assert (got["q9b_moat_or_subsidy"].status, got["q9b_moat_or_subsidy"].score) == (MANUAL, None)


# --- answers that follow from the student's own inputs (derived checks) -----------------------


def _with_scores(world, table, **more) -> dict:
    ranks = vtdf.key.ranks_with(world["inputs"]["scores"], table.set_index("criterion"),
                                world["inputs"]["weights"])
    changed = bool((ranks != world["right"]["ranks"]).any().any())
    return answers(world, my_scores=table, my_ranks=ranks, ranking_changes=changed, **more)


def test_a_derived_answer_is_judged_against_the_students_own_inputs(world, prepared):
    """A different re-scoring than the solution's (DeepSeek's Distribution raised): are ranks
    that follow from it right, whatever the published ranks are?"""
    table = world["inputs"]["scores"].copy()
    table.loc[table["criterion"] == "Developer ecosystem", "DeepSeek"] = 5
    got = verdicts(world, prepared, executed(prepared, _with_scores(world, table)))
    for item in ("q8_my_ranks", "q8_ranking_changes"):
        assert (got[item].status, got[item].score) == (GRADED, TOP[item]), got[item].message


def test_the_published_ranks_are_not_the_students_ranks(world, prepared):
    """Ranks copied from Question 4 when the student's own scores change them: wrong, with the
    catalogued diagnosis, and the in-kernel test (which failed too) is not tampering."""
    wrong = answers(world, my_ranks=world["right"]["ranks"])
    run = executed(prepared, wrong, failed={"q8_my_ranks_values"})
    r = verdicts(world, prepared, run)["q8_my_ranks"]
    assert (r.status, r.score, r.mistake) == (WRONG, FORM["q8_my_ranks"], "published-scores")


@pytest.mark.parametrize("change, message", [
    ({"Meta": 2, "DeepSeek": 5}, "change one firm in one layer only"),
    ({}, "no score was changed"),
    ({"Meta": 6}, "whole numbers from 1 to 5"),
])
def test_inputs_that_break_the_rules_earn_nothing_and_say_why(world, prepared, change, message):
    """Two firms changed, nothing changed, or a score off the 1–5 scale: do the ranks from the
    student's scores lose their points with the rule the student broke, computed outside the
    kernel? (Whether the ranks changed is judged from the student's own `my_ranks`.)"""
    table = world["inputs"]["scores"].copy()
    for firm, value in change.items():
        table.loc[table["criterion"] == "Frontier capability", firm] = value
    run = executed(prepared, _with_scores(world, table), failed={"q8_my_ranks_values"})
    r = verdicts(world, prepared, run)["q8_my_ranks"]
    assert (r.status, r.score) == (WRONG, FORM["q8_my_ranks"])
    assert message in r.message


# --- second round of attacks (issue 14): shape from the source, finite values, follow-through --


def test_the_executed_notebook_takes_its_shape_from_the_source(world):
    """Locked cells shuffled by the student (format tests moved to the end, a hidden test moved
    to the top, a markdown cell carrying a test's id): the grader runs the locked cells in the
    source's order, each answer's snapshot right after its answer cell, the retyped cell not at
    all (reported as tampering)."""
    nb = nbformat.from_dict(world["solved"])
    formats = [c for c in nb.cells if (notebooks.grade_id(c) or "").endswith("_format")]
    nb.cells = [c for c in nb.cells if c not in formats] + formats
    hidden = nb.cells.pop(notebooks.find(nb, "q3_totals_values"))
    fake = nbformat.v4.new_markdown_cell("a note")
    fake.metadata = nbformat.from_dict(hidden.metadata)
    nb.cells[0:0] = [fake, hidden]
    prepared = prepare(nb, world["source"], A)
    locked_source = [notebooks.grade_id(c) for c in world["source"].cells
                     if c.metadata.get("nbgrader", {}).get("locked")]
    locked_run = [notebooks.grade_id(c) for c in prepared.nb.cells
                  if c.metadata[ROLE]["role"] == "locked"]
    assert locked_run == locked_source
    for check in A.checks:
        answer, = cells_of(prepared.nb, "answer", check.id)
        assert cells_of(prepared.nb, "snapshot", check.id) == [answer + 1], check.id
    assert not any(c.cell_type == "markdown" and c.source == "a note" for c in prepared.nb.cells)
    assert "changed from code to markdown" in prepared.tampered["q3_totals"]
    assert "duplicated" not in prepared.tampered["q3_totals"]  # the code cell is the real one
    got = verdicts(world, prepared, executed(prepared, world["right"]))
    assert (got["q3_totals"].status, got["q3_totals"].score) == (TAMPERED, TOP["q3_totals"])
    assert got["q2_layer_scores"].status == GRADED


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), 10**400])
def test_values_that_are_not_finite_numbers_earn_nothing(world, prepared, value):
    """Infinity passes `abs(inf - x) <= rel * inf`; an int too large for a float overflows
    the comparison: both are wrong, with a message, and the other items are judged as usual."""
    layer = world["right"]["layer_scores"].copy().astype(object)
    layer.iloc[0, 0] = value
    run = executed(prepared, answers(world, layer_scores=layer),
                   failed={"q2_layer_scores_format"})  # as the kernel's format test now fails
    got = verdicts(world, prepared, run)
    r = got["q2_layer_scores"]
    assert (r.status, r.score) == (WRONG, 0.0)
    assert "finite" in r.message
    assert got["q3_totals"].status == GRADED


def test_an_answer_too_large_to_read_spoils_only_itself(world, prepared):
    """A record the grader cannot parse (an int of 5,000 digits): that item is wrong and says
    why; every other item is judged (before, the whole submission was an error)."""
    line = (f'{{"nonce": "{prepared.nonce}", "item": "q5_reversal", "defined": true, '
            f'"type": "number", "value": {"9" * 5000}}}')
    run = executed(prepared, world["right"], blocked={"q5_reversal"},
                   printed={"q5_reversal": [line]})
    got = verdicts(world, prepared, run)
    assert (got["q5_reversal"].status, got["q5_reversal"].score) == (WRONG, 0.0)
    assert "too large" in got["q5_reversal"].message
    assert all(got[c.id].status == GRADED for c in A.checks if c.id != "q5_reversal")


def test_follow_through_credit_needs_the_students_own_earlier_mistake(world, prepared):
    """Layer scores that follow from normalized scores divided by 5: credited after that
    slip in Question 1 (see above), not after a right Question 1."""
    slip = world["inputs"]["scores"].set_index("criterion")[vtdf._firms(world["inputs"])] / 5
    follows = A.solve(world["inputs"], {"normalized": slip})["layer_scores"]
    got = verdicts(world, prepared, executed(prepared, answers(world, layer_scores=follows)))
    assert (got["q2_layer_scores"].status, got["q2_layer_scores"].score) == (
        WRONG, FORM["q2_layer_scores"])
    assert "follow-through" not in got["q2_layer_scores"].message
    sources = world["key"]["q2_layer_scores"]["accept_from"]
    assert ["q1_normalized", "divided-by-5"] in [s for group in sources for s in group]


def test_a_record_split_by_another_threads_print_is_still_read(world, prepared):
    """A background thread's message printed into the snapshot cell, and the record arriving
    in two stream messages: the grader still finds and judges the record."""
    record = snapshot(prepared.nonce, "q3_totals", "totals", world["right"])
    run = executed(prepared, world["right"])
    at, = cells_of(run.nb, "snapshot", "q3_totals")
    half = len(record) // 2
    run.nb.cells[at].outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="a warning from a thread "),
        nbformat.v4.new_output("stream", name="stderr", text="noise\n"),
        nbformat.v4.new_output("stream", name="stdout", text=record[:half]),
        nbformat.v4.new_output("stream", name="stdout", text=record[half:] + "\nmore\n")]
    r = verdicts(world, prepared, run)["q3_totals"]
    assert (r.status, r.score) == (GRADED, TOP["q3_totals"])


# --- partial work and failures that are not the student's (issue 15) --------------------------


def test_an_untouched_stub_is_unanswered_and_counts_zero(world, prepared):
    namespace = {k: v for k, v in world["right"].items() if k != "totals"}
    run = executed(prepared, namespace)
    at, = cells_of(run.nb, "answer", "q3_totals")
    run.nb.cells[at].outputs = [nbformat.v4.new_output(
        "error", ename="NotImplementedError", evalue="", traceback=[])]
    r = verdicts(world, prepared, run)["q3_totals"]
    assert (r.status, r.score) == (UNANSWERED, 0.0)
    assert r.cells == {"q3_totals_format": 0.0, "q3_totals_values": 0.0}  # the gradebook's zeros


def test_only_the_graders_cells_make_a_grader_failure(world, prepared):
    """A given cell that timed out or raised, or a snapshot cut off by the time limit, is the
    grader's failure; the student's own cell timing out or raising is not."""
    setup, = [i for i, c in enumerate(prepared.nb.cells) if notebooks.grade_id(c) == "setup"]
    answer, = cells_of(prepared.nb, "answer", "q3_totals")
    snap, = cells_of(prepared.nb, "snapshot", "q3_totals")
    assert grader_failure(executed(prepared, world["right"])) is None
    assert grader_failure(executed(prepared, world["right"], timed_out={answer})) is None
    assert "'setup' ran out of time" in grader_failure(
        executed(prepared, world["right"], timed_out={setup}))
    assert "ran out of time" in grader_failure(executed(prepared, world["right"], deadline_at=snap))
    raised = executed(prepared, world["right"], failed={"setup"})
    assert "given cell 'setup' failed" in grader_failure(raised)
