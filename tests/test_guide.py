"""The instructor guide: are its generated tables those of the key and the data, do its rubrics
carry each hand-graded cell's points, does every runbook command run, and does it quote nobody
it should not?"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from conftest import copy_course
from seeds import QUOTE_WORDS, seed_quotations, words

from autograder.assignments import ASSIGNMENTS, get
from autograder.guide import (
    BEGIN,
    END,
    answer_table,
    epilogue_table,
    glance_table,
    hand_written,
    known_values,
    manual_points,
    number,
    regions,
    render_guide,
    rubric_points,
    sync_guide,
)
from autograder.synthetic import solved, submit, with_answer

REPO = Path(__file__).resolve().parents[1]
GUIDE = REPO / "instructor_guide.md"
DATA = REPO / "case" / "data"

REQUIRED_HEADINGS = (
    "Part I: Teaching note", "Synopsis", "Audience and placement", "Learning objectives",
    "Assignment questions", "Teaching plan (80 minutes)", "Analysis", "Numbers for the boards",
    "Expected answers", "Fighting issues", "Rubrics for the written answers",
    "Epilogue: after 31 March 2025", "Common mistakes the autograder diagnoses",
    "Part II: Runbook", "Set-up", "Building and checking the release", "Handing it out",
    "Collecting submissions", "Grading", "Grading with stock nbgrader",
    "Manual grading in formgrader", "Feedback", "Exports to the LMS", "Regrading one student",
    "The sandbox", "Scaling up", "Troubleshooting",
)


@pytest.fixture(scope="module")
def text() -> str:
    return GUIDE.read_text(encoding="utf-8")


def region(text: str, name: str) -> str:
    start = text.index(BEGIN.format(name=name))
    return text[start:text.index(END.format(name=name), start)]


def edit_csv(folder: Path, name: str, match: dict, changes: dict) -> None:
    path = folder / f"{name}.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    rows = pd.Series(True, index=table.index)
    for column, value in match.items():
        rows &= table[column] == value
    assert rows.sum() == 1, f"{name}: {match} matches {rows.sum()} rows"
    for column, value in changes.items():
        table.loc[rows, column] = value
    table.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL)


# --- one source of truth ----------------------------------------------------------------------


def test_sync_is_a_no_op_on_the_committed_guide(tmp_path, text):
    """Is every generated region of the committed guide what the key and the data give now?"""
    copy = tmp_path / GUIDE.name
    shutil.copy(GUIDE, copy)
    assert sync_guide(copy) is False, ("instructor_guide.md is stale: regenerate it with "
                                       "`autograder guide` (autograder.guide.sync_guide())")
    assert copy.read_text(encoding="utf-8") == text
    for name in regions():
        assert text.count(BEGIN.format(name=name)) == 1 and text.count(END.format(name=name)) == 1


def test_sync_rewrites_a_hand_edited_region(tmp_path, text):
    """Is a hand edit inside a generated region undone by the sync (and reported as a change)?"""
    copy = tmp_path / GUIDE.name
    marker = BEGIN.format(name="answers")
    copy.write_text(text.replace(marker, marker + "\n\n| hand-typed | 3.8 |\n"), encoding="utf-8")
    assert sync_guide(copy) is True
    assert copy.read_text(encoding="utf-8") == text
    with pytest.raises(ValueError):
        render_guide(text.replace(END.format(name="answers"), ""))


def test_a_changed_csv_changes_the_generated_tables(tmp_path, text):
    """Does a changed exhibit value reach the answer, board and epilogue tables (so a committed
    guide goes stale until it is regenerated)?"""
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    before = answer_table(data)
    assert before == answer_table()
    edit_csv(data, "build_vs_buy", {"parameter": "discount_rate"}, {"value": "0.12"})
    after = answer_table(data)
    assert after != before
    difference = float(get("build_vs_buy").answers(data)["npv"]["difference"])
    assert f"difference {number(difference, 'money')}" in after
    assert glance_table(data) != glance_table()
    edit_csv(data, "meta_capex", {"period": "FY2026", "kind": "guidance"}, {"high_usd_b": "140"})
    assert "$115–140 billion" in epilogue_table(data)
    assert render_guide(text, data) != text


# --- rubrics and mistakes -------------------------------------------------------------------


def test_rubrics_carry_each_hand_graded_cells_points():
    """Has every hand-graded cell a rubric whose heading and criteria add up to its points?"""
    found = rubric_points(GUIDE)
    expected = manual_points()
    assert set(found) == set(expected), (sorted(set(expected) - set(found)),
                                         sorted(set(found) - set(expected)))
    for key, (heading, criteria) in found.items():
        assert heading == expected[key], f"{key}: heading says {heading}, cell is worth {expected[key]}"
        assert criteria == expected[key], f"{key}: criteria add up to {criteria}, not {expected[key]}"


def test_every_catalogued_mistake_is_in_the_mistakes_table(text):
    """Does the mistakes table list every catalogued mistake with its diagnosis?"""
    table = region(text, "mistakes")
    rows = set()
    for line in table.splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) == 4:
            rows.add(tuple(cells[:3]))
    for a in ASSIGNMENTS.values():
        for check in a.checks:
            for mistake in check.mistakes:
                assert (a.name, check.id, mistake.id) in rows, (a.name, check.id, mistake.id)
                assert mistake.message.replace("|", "\\|") in table


def test_required_headings_exist(text):
    """Has the guide every section an instructor looks for?"""
    prose = re.sub(r"^```.*?^```[ \t]*$", "", text, flags=re.M | re.S)
    headings = {line.lstrip("#").strip() for line in prose.splitlines() if line.startswith("#")}
    missing = [h for h in REQUIRED_HEADINGS if h not in headings]
    assert not missing, missing


# --- what the prose says --------------------------------------------------------------------

_VERSIONED = re.compile(r"(Llama|Claude|Python|nbgrader|version|Gemini|GPT-)[ -]?$", re.I)
_TOKEN = re.compile(r"(?P<dollar>\$)?(?P<num>\d[\d,]*(?:\.\d+)?)"
                    r"(?P<unit>\s?(?:%|billion\b|million\b|B\b|M\b))?")


def unbacked_numbers(prose: str, values: set[float], written: set[float]) -> list[str]:
    """Dollar amounts, percentages and decimals in `prose` that no value of the key, the data or
    the board table rounds to, at the precision written."""
    bad = []
    for m in _TOKEN.finditer(prose):
        raw, unit = m.group("num"), (m.group("unit") or "").strip()
        if not (m.group("dollar") or unit == "%" or "." in raw):
            continue  # counts, minutes, points, years: not data
        if m.start() and (prose[m.start() - 1].isalnum() or prose[m.start() - 1] in "-_"):
            continue  # part of a name such as Q4-2024 or GPT-4o
        if _VERSIONED.search(prose[max(0, m.start() - 12):m.start()]):
            continue  # Llama 3.1, Python 3.11
        w = float(raw.replace(",", ""))
        d = len(raw.split(".")[1]) if "." in raw else 0
        scales = {"%": (100.0,), "billion": (1.0, 1e-9), "B": (1.0, 1e-9),
                  "million": (1e-6,), "M": (1e-6, 1.0)}.get(unit, (1.0,))
        ok = w in written or any(abs(round(abs(v) * s, d) - w) < 1e-9
                                 for v in values for s in scales)
        if not ok:
            bad.append(prose[max(0, m.start() - 40):m.end() + 10].replace("\n", " "))
    return bad


def test_prose_numbers_agree_with_the_key_and_the_data(text):
    """Does every figure typed in the prose round from a value of the key, the data or the
    board table, at the precision written?"""
    values, written = known_values()
    from autograder.key.build_vs_buy import CLAIM_CAPABILITY, CLAIM_COST
    values |= {CLAIM_CAPABILITY, CLAIM_COST}
    prose = hand_written(text)
    assert unbacked_numbers("building is worth about $3.8 billion more", values, written)
    assert not unbacked_numbers("building is worth about $3.7 billion more", values, written)
    bad = unbacked_numbers(prose, values, written)
    assert not bad, bad


def test_the_claims_the_prose_rests_on_still_hold():
    """Do the key's answers still say what the teaching plan and the analysis say they do?"""
    from autograder.key import scenarios as ks
    from autograder.key import vtdf as kv

    v = get("vtdf").answers()
    ranks, layers = v["ranks"], v["layer_scores"]
    assert ranks.loc["Meta", "platform_lens"] == 1 and ranks.loc["Meta", "capability_lens"] == 4
    assert layers.loc["Meta"].idxmax() == "Distribution" and layers["Distribution"].idxmax() == "Meta"
    assert v["trailing_layer"] == "Technology" and layers.loc["Meta"].idxmin() == "Financial"
    assert layers.loc["OpenAI", "Technology"] == layers.loc["Meta", "Technology"]
    weights = get("vtdf").inputs()["weights"]["platform_lens"]
    after = kv.total_at(layers, weights, "Technology", v["reversal_weight"] + 1e-6)
    assert after.idxmax() == "Google" and v["totals"]["platform_lens"].nlargest(2).index[1] == "OpenAI"

    b = get("build_vs_buy").answers()
    r = float(get("build_vs_buy").inputs()["meta"]["discount_rate"])
    assert b["npv"]["difference"] > 0 and b["irr"] > r and b["claim"] == "fails"
    assert b["annual_costs"]["saving"] > 0 and 0 < b["breakeven_volume"] < 20000
    assert b["annuity_years"] < 3

    s = get("scenarios").answers()
    inputs = get("scenarios").inputs()
    assert (s["ev_rank"].idxmin() == "Open-source gambit"
            and s["ev"].nlargest(2).index[1] == "Accept dependency")
    assert s["rule_choices"].nunique() == 4
    assert dict(s["rule_choices"]) == {"maximin": "Accept dependency", "maximax": "Radical pivot",
                                       "hurwicz": "Open-source gambit",
                                       "minimax regret": "Acquisition spree"}
    below = ks.ev_at(inputs["payoffs"], inputs["probs"], ks.COMMODITIZATION, s["reversal_p"] - 1e-6)
    assert below.idxmax() == "Acquisition spree"
    assert s["best_share"].idxmax() == "Open-source gambit"


# --- originality: no seed quotations --------------------------------------------------------

NAMES = ("Zuckerberg", "LeCun", "Altman", "Fei-Fei Li", "Cusumano", "Kai-Fu Lee", "Barzilay",
         "Gebru", "Brynjolfsson", "Abbeel", "Etzioni", "Amodei", "Pichai", "Wang")


def reproduced(quotes: list[str], text: str) -> list[str]:
    found = " " + " ".join(words(text)) + " "
    return [q for q in quotes if f" {q} " in found]


def test_no_seed_quotation_appears(text):
    """Is no quotation the seed articles attribute to anyone reproduced in the guide?"""
    quotes = seed_quotations()
    assert quotes, "no seed quotations found: the check would be vacuous"
    assert reproduced(quotes, f"As one executive put it, “{quotes[-1]}”.")  # the check can fire
    present = reproduced(quotes, text)
    assert not present, f"seed quotations reproduced: {present}"


def test_no_quoted_sentence_near_a_named_person(text):
    """Is no sentence-length quotation set next to a named person?"""
    prose = hand_written(text)
    for quote in re.finditer(r"[“\"]([^”\"]+)[”\"]", prose):
        if len(quote.group(1).split()) >= QUOTE_WORDS:
            nearby = prose[max(0, quote.start() - 200):quote.end() + 200]
            assert not any(n in nearby for n in NAMES), f"quotation near a named person: {quote.group()}"


# --- every runbook command runs -------------------------------------------------------------

CANVAS_MEMBER = "lovelaceada_10234_556677_vtdf.ipynb"


def runbook_blocks(text: str) -> list[tuple[str, str]]:
    """The ```bash and ```python blocks, in document order."""
    return [(lang, body) for lang, body in
            re.findall(r"^```(\w*)[ \t]*\n(.*?)^```[ \t]*$", text, flags=re.M | re.S)
            if lang in ("bash", "python")]


def test_runbook_blocks_are_well_formed(text):
    """Is every ```bash line one `autograder` or `nbgrader` command, and do the commands that
    cannot run in a test sit in ```text blocks instead?"""
    blocks = runbook_blocks(text)
    lines = [ln.strip() for lang, body in blocks if lang == "bash" for ln in body.splitlines()
             if ln.strip() and not ln.strip().startswith("#")]
    assert len(lines) >= 15
    for line in lines:
        assert line.split()[0] in ("autograder", "nbgrader"), line
        assert not re.search(r"\b(demo|release_assignment|collect vtdf|release_feedback)\b", line), line
    assert any(re.match(r"autograder collect \S+\.zip$", ln) for ln in lines)
    assert CANVAS_MEMBER in text


@pytest.mark.slow
def test_every_runbook_command_runs(tmp_path, text):
    """Does each ```bash command (and ```python block) of the runbook exit 0, in order, on a
    scratch course with a tiny class?"""
    course = copy_course(tmp_path / "course")
    good = solved(course, "vtdf")
    submit(course, "alice", "vtdf", good)
    slip = get("vtdf").check("q1_normalized").mistakes[1].cell
    submit(course, "bob", "vtdf", with_answer(good, "q1_normalized", slip))
    blocks = runbook_blocks(text)
    bash = [ln.strip() for lang, body in blocks if lang == "bash" for ln in body.splitlines()]
    zip_name = next(ln.split()[2] for ln in bash if ln.startswith("autograder collect "))
    with zipfile.ZipFile(course / zip_name, "w") as zf:
        zf.writestr(CANVAS_MEMBER, nbformat.writes(good))
    roster = next(ln.split("--roster ")[1].split()[0] for ln in bash if "--roster " in ln)
    (course / roster).write_text(  # what Canvas's gradebook export looks like
        "Student,ID,SIS User ID,SIS Login ID,Section,vtdf (4711)\n"
        "    Points Possible,,,,,38\n"
        "\"Lovelace, Ada\",10234,S1,alovelace,Section 1,\n")

    env = {k: v for k, v in os.environ.items() if k != "PARADOX_COURSE"}
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    for lang, body in blocks:
        commands = ([ln.strip() for ln in body.splitlines()
                     if ln.strip() and not ln.strip().startswith("#")]
                    if lang == "bash" else [None])
        for line in commands:
            argv = [sys.executable, "-c", body] if line is None else ["/bin/bash", "-c", line]
            done = subprocess.run(argv, cwd=course, env=env, capture_output=True, text=True,
                                  timeout=300)
            assert done.returncode == 0, f"{line or body}\n{done.stdout}\n{done.stderr}"

    assert (course / "case" / "build" / "case.html").is_file()
    assert (course / "submitted" / "10234" / "vtdf" / "vtdf.ipynb").is_file()
    assert (course / "feedback" / "alice" / "vtdf" / "vtdf.html").is_file()
    assert (course / "reports" / "report.html").is_file() and (course / "grades.csv").is_file()
    with open(course / "exports" / "canvas.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][-1] == "vtdf (4711)" and rows[1][0] == "Points Possible"
    assert any(r[0] == "Lovelace, Ada" and r[1] == "10234" for r in rows[2:])
