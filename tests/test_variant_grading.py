"""Grading with per-student variants (issue 18): each student judged against the key of the
code issued to them, a code that is not theirs held for a person, and a classmate's numbers
under one's own code earning nothing, visibly.

Real parts: a course copy with variants on in its nbgrader_config.py, nbgrader's release, the
sandboxed kernels, the SQLite gradebook and the report's own tables.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import nbformat
import pandas as pd
import pytest
from conftest import REPO, copy_course, released
from nbgrader.api import Gradebook

from autograder import variants
from autograder.assignments import get
from autograder.demo import turn_on_variants
from autograder.grading.pipeline import grade_class
from autograder.grading.results import GRADED, MANUAL, VARIANT_MISMATCH, WRONG
from autograder.grading.variant_grading import (
    OTHER_VARIANT,
    PUBLISHED_NUMBERS,
    claimed_code,
    variant_answers,
)
from autograder.kernel_checks import matches
from autograder.outputs.exports import exportable_score
from autograder.outputs.report import common_wrong_values, needs_attention, variant_table
from autograder.release import staged_problems
from autograder.synthetic import copied_from, solved, submit, with_variant
from autograder.tolerances import tolerance

NAME = "build_vs_buy"
A = get(NAME)
VALUED = {c.id for c in A.checks if c.hidden}
pytestmark = pytest.mark.xdist_group("variant-grading")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """alice and bob with their own codes; dave with bob's numbers under his own code; erin
    without a code. Then alice's and bob's files swapped and graded again."""
    course = released(tmp_path_factory.mktemp("variants") / "course", [NAME])
    turn_on_variants(course, (NAME,))  # the release is the same with variants on or off
    codes = variants.issued_codes(course, NAME, ["alice", "bob", "dave", "erin"])
    good = solved(course, NAME)
    mine = {s: with_variant(good, codes[s]) for s in ("alice", "bob")}
    for student, nb in mine.items():
        submit(course, student, NAME, nb)
    submit(course, "dave", NAME, copied_from(with_variant(good, codes["dave"]), codes["bob"]))
    submit(course, "erin", NAME, good)
    first = {r.student: r for r in grade_class(course, [NAME], workers=2)}
    submit(course, "alice", NAME, mine["bob"])
    submit(course, "bob", NAME, mine["alice"])
    swapped = {r.student: r for r in grade_class(course, [NAME], ["alice", "bob"], workers=2)}
    # On a hub the spawner sets each code in the environment: frank left VARIANT empty and
    # worked on his own variant there; erin's empty code now means her own variant too.
    with open(course / "nbgrader_config.py", "a", encoding="utf-8") as config:
        config.write("c.Variants.environment = True\n")
    frank = variants.issued_codes(course, NAME, ["frank"])["frank"]
    submit(course, "frank", NAME, copied_from(good, frank))  # the hub's data, VARIANT left ""
    submit(course, "gail", NAME, copied_from(good, ""))  # the published numbers, copied in
    hub = {r.student: r for r in grade_class(course, [NAME], ["erin", "frank", "gail"],
                                             workers=2)}
    return course, codes, first, swapped, hub


def _valued(result):
    return [i for i in result.items if i.item in VALUED]


@pytest.mark.slow
def test_two_students_each_with_their_own_code_get_full_marks(graded):
    course, codes, first, *_ = graded
    assert codes["alice"] != codes["bob"]
    for student in ("alice", "bob"):
        r = first[student]
        assert r.variant == codes[student]
        assert r.score == A.autograded_points, [(i.item, i.status, i.message) for i in r.items
                                                if i.status not in (GRADED, MANUAL)]
        # the notebook's own format tests (the Validate button) pass on the student's variant
        assert all(i.in_kernel_passed for i in _valued(r)), student
    # and their numbers differ: the NPVs they were both credited for are not the same number
    npv = {s: next(i.value for i in first[s].items if i.item == "q2_npv") for s in ("alice", "bob")}
    assert not matches(npv["alice"], npv["bob"], tolerance(A.check("q2_npv").tolerance))


@pytest.mark.slow
def test_each_ones_answers_under_the_others_id_are_held_not_credited(graded):
    course, codes, first, swapped, _ = graded
    for student, other in (("alice", "bob"), ("bob", "alice")):
        r = swapped[student]
        assert r.variant == codes[student]  # judged for the submitting student, never the other
        held = _valued(r)
        assert held and all(i.status == VARIANT_MISMATCH and i.score is None for i in held)
        assert exportable_score(r) is None  # blank in the exports, never a zero or a full mark
        told = held[0].message
        assert codes[other] in told and codes[student] in told and other not in told
        assert f"issued to {other}" in r.instructor_note
        assert f"{len(VALUED)} on the notebook's {codes[other]!r}" in r.instructor_note
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook(NAME, NAME, "alice")
        values = [g for g in nb.grades if g.name.endswith("_values")]
        assert values and all(g.needs_manual_grade and not g.auto_score for g in values)
        assert nb.flagged
    attention = needs_attention(list(swapped.values()))
    assert set(attention.student) == {"alice", "bob"}
    assert attention.review.str.contains(VARIANT_MISMATCH).all()


@pytest.mark.slow
def test_a_copied_pair_earns_no_value_credit_and_the_item_analysis_shows_it(graded):
    course, codes, first, *_ = graded
    dave, bob = first["dave"], variant_answers(course, NAME, codes["bob"])
    own = variant_answers(course, NAME, codes["dave"])
    differ = {c for c in bob if c in VALUED and not matches(
        bob[c], own[c], tolerance(A.check(c).tolerance))}
    assert len(differ) >= len(VALUED) - 4  # the code moves nearly every number
    copied = [i for i in _valued(dave) if i.item in differ]
    assert all(i.status == WRONG and i.cells[f"{i.item}_values"] == 0 for i in copied), copied
    # diagnosed as another variant's answer, unless the number is also one of dave's own
    # catalogued mistakes (his key is searched first; a neighbour's figure can land on one)
    flagged = [i for i in copied if i.mistake == OTHER_VARIANT]
    assert len(flagged) >= len(copied) - 2 and all(i.mistake for i in copied), copied
    assert all("another variant" in i.message and "bob" not in i.message for i in flagged)
    assert "match bob's variant" in dave.instructor_note
    results = list(first.values())
    analysis = common_wrong_values(results)
    rows = analysis[analysis.mistake == OTHER_VARIANT]
    assert set(rows.item) == {i.item for i in flagged} and (rows["count"] == 1).all()
    table = variant_table(results).set_index("student")
    assert table.loc["dave", "from_other"] == len(flagged) and table.loc["alice", "from_other"] == 0
    assert "answers from another variant" in needs_attention(results).set_index("student").loc[
        "dave", "review"]


@pytest.mark.slow
def test_no_code_is_held_and_the_note_says_it_matches_the_published_numbers(graded):
    course, codes, first, *_ = graded
    erin = first["erin"]
    assert all(i.status == VARIANT_MISMATCH for i in _valued(erin))
    assert "no code: the published numbers" in erin.instructor_note
    assert f"{len(VALUED)} on the notebook's 'published numbers'" in erin.instructor_note


def test_the_code_is_read_from_the_notebooks_text():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('VARIANT = " ab12cd34 "')])
    assert claimed_code(nb) == "AB12CD34"
    nb.cells.append(nbformat.v4.new_code_cell('x = 1\nVARIANT = "ZZZZZZZZ"  # changed my mind'))
    assert claimed_code(nb) == "ZZZZZZZZ"  # the last one set, as the kernel would see it
    nb.cells.append(nbformat.v4.new_code_cell("VARIANT = neighbour_code()"))
    assert claimed_code(nb) == "neighbour_code()"  # not a plain string: matches no code
    locked = nbformat.v4.new_code_cell('VARIANT = "LOCKEDAA"')
    locked.metadata["nbgrader"] = {"locked": True, "grade_id": "setup"}
    nb.cells.append(locked)
    assert claimed_code(nb) == "neighbour_code()"  # the given cells are not the student's
    assert claimed_code(nbformat.v4.new_notebook()) == ""
    broken = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("VARIANT = (")])
    assert claimed_code(broken) == ""


def test_variants_are_opt_in_and_a_wrong_name_is_refused(tmp_path):
    course = copy_course(tmp_path / "course")
    assert variants.enabled(course) == set()
    turn_on_variants(course, ("vtdf",))
    with pytest.raises(variants.VariantError, match="vtdf cannot have variants.*build_vs_buy"):
        variants.enabled(course)
    turn_on_variants(course, ("build_vs_buy", "nope"))
    with pytest.raises(variants.VariantError, match="nbgrader_config.py.*'nope'"):
        variants.enabled(course)


def test_the_cli_issues_codes_for_the_roster(tmp_path):
    course = copy_course(tmp_path / "course")
    roster = tmp_path / "roster.csv"
    pd.DataFrame({"student_id": ["alice", "bob"]}).to_csv(roster, index=False)

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "autograder", *args, "--course", str(course)],
                              capture_output=True, text=True)

    off = cli("variants", NAME, "--roster", str(roster))
    assert off.returncode == 1 and "variants are off for build_vs_buy" in off.stderr
    turn_on_variants(course, (NAME,))
    done = cli("variants", NAME, "--roster", str(roster))
    assert done.returncode == 0, done.stderr
    written = pd.read_csv(course / "exports" / f"variant_codes_{NAME}.csv", dtype=str)
    assert dict(zip(written.student_id, written.variant_code)) == variants.issued_codes(
        course, NAME, ["alice", "bob"])
    assert (course / variants.SECRET_FILE).stat().st_mode & 0o077 == 0


def test_the_variant_module_ships_beside_the_notebook_and_staleness_is_caught(tmp_path):
    course = copy_course(tmp_path / "course")
    staged = course / "source" / NAME / "variant.py"
    assert staged.read_bytes() == (course / "release" / NAME / "variant.py").read_bytes()
    assert not staged_problems(course, A)
    staged.write_text(staged.read_text() + "\n# edited\n")
    assert any("variant.py: stale" in p for p in staged_problems(course, A))
    shutil.copy(staged, course / "source" / "vtdf" / "variant.py")
    assert any("vtdf has no variants" in p for p in staged_problems(course, get("vtdf")))


@pytest.mark.slow
def test_on_a_hub_an_empty_code_is_the_students_own(graded):
    """With c.Variants.environment (the spawner sets PARADOX_VARIANT_<ASSIGNMENT>), an empty
    VARIANT ran on the student's own variant: the grader runs it so (erin's code computes her
    own numbers now) and judges it against that key, so copied published numbers are wrong
    answers, diagnosed as such."""
    course, codes, first, swapped, hub = graded
    for student in ("frank", "erin"):
        r = hub[student]
        assert r.score == A.autograded_points, [(i.item, i.status, i.message)
                                                for i in r.items if i.score != i.max_score]
    gail = hub["gail"]
    assert not any(i.status == VARIANT_MISMATCH for i in gail.items)
    moved = [i for i in _valued(gail) if i.mistake == PUBLISHED_NUMBERS]
    assert len(moved) >= len(VALUED) - 4 and all(i.status == WRONG for i in moved)
    assert "match the published numbers" in gail.instructor_note


def test_the_given_cell_reads_the_hubs_code_when_none_is_typed(monkeypatch, tmp_path):
    from autograder import variant_draw

    path = str(tmp_path / "build_vs_buy.csv")
    shutil.copy(REPO / "case" / "data" / "build_vs_buy.csv", path)
    assert variant_draw.given(NAME, "", path) == path  # no code anywhere: the published file
    monkeypatch.setenv(variant_draw.environment_variable(NAME), "ABCD2345")
    assert variant_draw.given(NAME, "", path).read() == variant_draw.given(NAME, "abcd2345",
                                                                           path).read()
    typed = variant_draw.given(NAME, "ZZZZ2345", path).read()
    assert typed != variant_draw.given(NAME, "", path).read()  # a typed code wins
    with pytest.raises(ValueError, match="not a variant code"):
        variant_draw.given(NAME, "ab-12", path)
