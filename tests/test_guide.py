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
from autograder.casebook.formats import longdate
from autograder.data import AS_OF, EPILOGUE
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

TITLE = "Open by Design: Meta, Llama and the Price of Giving AI Away"
REQUIRED_HEADINGS = (
    "Part I: Teaching note", "Synopsis", "Audience and placement", "Learning objectives",
    "Assignment questions", "Teaching plan: one session (80 minutes)",
    "Teaching plan: two sessions (2 × 80 minutes)", "Board plan", "Analysis",
    "Numbers for the boards", "Expected answers", "Reading the numbers",
    "Where the payoffs come from", "Fighting issues", "Why VTDF, and what it maps to", "Readings",
    "Rubrics for the written answers", f"Epilogue: after {longdate(AS_OF)}",
    "Common mistakes the autograder diagnoses",
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
    """Does a changed exhibit value reach the answer and board tables, and a changed epilogue
    row the epilogue table (so a committed guide goes stale until it is regenerated)?"""
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    shutil.copy(DATA.parent / EPILOGUE, tmp_path / EPILOGUE)  # beside the data, as in case/
    before = answer_table(data)
    assert before == answer_table()
    edit_csv(data, "build_vs_buy", {"parameter": "discount_rate"}, {"value": "0.12"})
    after = answer_table(data)
    assert after != before
    difference = float(get("build_vs_buy").answers(data)["npv"]["difference"])
    assert f"difference {number(difference, 'money')}" in after
    assert glance_table(data) != glance_table()
    assert epilogue_table(data) == epilogue_table()
    edit_csv(tmp_path, "epilogue", {"event": "FY2025 results"},
             {"detail": "FY2025 capex $72.22B; FY2026 capex guidance $115–140B"})
    assert "$115–140B" in epilogue_table(data) and "$115–140B" not in epilogue_table()
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


def test_the_question_table_lists_every_question_with_its_points(text):
    """Has every question heading of each source notebook a row with points, and do the rows add
    up to the assignment's points, value + form + by hand?"""
    from autograder.guide import question_points, question_titles

    table = region(text, "questions")
    for a in ASSIGNMENTS.values():
        titles, points = question_titles(a), question_points(a)
        assert titles and set(titles) == set(points), (a.name, sorted(titles), sorted(points))
        total = sum(sum(p.values()) for p in points.values())
        assert total == a.autograded_points + sum(a.manual.values())
        assert sum(p["form"] for p in points.values()) == sum(c.format_points for c in a.checks)
        for n, title in titles.items():
            assert f"| `{a.name}` | Q{n} | {title} |" in table, (a.name, n)


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


def _numbers_in_data() -> set[float]:
    values = set()
    for csv_path in sorted(DATA.glob("*.csv")):
        for cell in pd.read_csv(csv_path, dtype=str, keep_default_na=False).to_numpy().ravel():
            try:
                values.add(float(cell))
            except ValueError:
                continue
    return values


def _rounds_to(written: float, digits: int, scales: tuple, values: set[float]) -> bool:
    return any(abs(round(abs(v) * sc, digits) - written) < 1e-9 for v in values for sc in scales)


def revealed_numbers(text: str, secrets: set[float], given: set[float]) -> list[str]:
    """Dollar amounts, percentages and decimals in `text` that an autograded expected value
    (`secrets`) rounds to at the precision written, unless a number the student is given
    (`given`: the data) rounds to it too."""
    found = []
    for m in _TOKEN.finditer(text):
        raw, unit = m.group("num"), (m.group("unit") or "").strip()
        if not (m.group("dollar") or unit == "%" or "." in raw):
            continue
        w = float(raw.replace(",", ""))
        d = len(raw.split(".")[1]) if "." in raw else 0
        scales = {"%": (100.0,), "billion": (1.0, 1e-9), "B": (1.0, 1e-9),
                  "million": (1e-6,), "M": (1e-6, 1.0)}.get(unit, (1.0,))
        if _rounds_to(w, d, scales, secrets) and not _rounds_to(w, d, scales, given):
            found.append(text[max(0, m.start() - 40):m.end() + 10])
    return found


def test_the_rubrics_students_see_reveal_no_autograded_answer():
    """The notebooks print each rubric's criteria under its prompt: does no criterion give away
    an autograded expected value (the numbers belong in the sample answers, which students do
    not see)?"""
    from autograder import rubrics
    from autograder.guide import _leaves

    secrets: set[float] = set()
    for a in ASSIGNMENTS.values():
        for entry in a.key().values():
            secrets.update(_leaves(entry.get("expected")))
    given = _numbers_in_data()
    # the check can fire: the first edition's criteria showed Question 5's and Question 5(a)'s answers
    for text, leak in (("from 15% to about 27.4% on Technology", "27.4%"),
                       ("about 7.2 at the $3 billion fee", "7.2")):
        found = revealed_numbers(text, secrets, given)
        assert len(found) == 1 and leak in found[0], found  # 15% and $3 billion are given
    shown = [(key, c.name, bad) for key, r in rubrics.read(GUIDE).items() for c in r.criteria
             for bad in revealed_numbers(f"{c.name}: {c.full_marks}", secrets, given)]
    assert not shown, shown


# --- what the prose says --------------------------------------------------------------------

SLOGAN_CAPABILITY = 0.90  # "90% of the capability for 0% of the cost", quoted
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
    from autograder.key.build_vs_buy import CLAIM_COST
    values |= {SLOGAN_CAPABILITY, CLAIM_COST}  # the slogan's own "90%", and its generous reading
    prose = hand_written(text)
    assert unbacked_numbers("building is worth about $3.8 billion more", values, written)
    assert not unbacked_numbers("building is worth about $3.7 billion more", values, written)
    bad = unbacked_numbers(prose, values, written)
    assert not bad, bad


def test_the_claims_the_prose_rests_on_still_hold():
    """Do the key's answers still say what the teaching plan, the analysis, the fighting issues,
    the rubrics and the model memos say they do (who wins, under which rule, on which side of a
    threshold)?"""
    from autograder.data import load
    from autograder.key import boards
    from autograder.key import build_vs_buy as kb
    from autograder.key import vtdf as kv

    # The notebooks: form checks earn nothing except a chart's, which earns 1.
    for a in ASSIGNMENTS.values():
        for check in a.checks:
            assert check.format_points == (0 if check.hidden else 1), (a.name, check.id)

    # VTDF: Meta first on the platform lens, fourth of five on the capability lens; Distribution
    # its fortress; Technology the largest gap, Financial its weakest layer; Google (not the
    # runner-up OpenAI, whose Technology equals Meta's) overtakes; DeepSeek last on both lenses.
    vtdf = get("vtdf")
    v, vi = vtdf.answers(), vtdf.inputs()
    weights, scores = vi["weights"], vi["scores"]
    ranks, layers, totals = v["ranks"], v["layer_scores"], v["totals"]
    assert ranks.loc["Meta", "platform_lens"] == 1 and ranks.loc["Meta", "capability_lens"] == 4
    assert (ranks.loc["DeepSeek"] == len(ranks)).all()
    assert layers.loc["Meta"].idxmax() == "Distribution" and layers["Distribution"].idxmax() == "Meta"
    assert v["trailing_layer"] == "Technology" and layers.loc["Meta"].idxmin() == "Financial"
    assert boards.best_rivals(layers).loc["Technology", "rival"] == "Google"
    assert layers.loc["OpenAI", "Technology"] == layers.loc["Meta", "Technology"]
    assert totals["platform_lens"].nlargest(2).index[1] == "OpenAI"
    platform = weights["platform_lens"]
    assert boards.vtdf_overtaker(layers, platform) == (v["reversal_weight"], "Google")
    # The weight map: Google leads most of it, then Meta, then OpenAI; nobody else anywhere;
    # Meta about a third; its region needs Distribution >= 40% and Technology <= 50%, and the
    # platform lens sits on its lower edge; the ties are Meta and OpenAI.
    share = v["leader_share"]
    assert list(share.drop(kv.TIE).sort_values(ascending=False).index[:3]) == ["Google", "Meta", "OpenAI"]
    assert share["Anthropic"] == share["DeepSeek"] == 0 and 0 < share[kv.TIE] < 0.02
    assert 0.3 < share["Meta"] < 0.34
    floor = boards.lead_floor(layers, platform).dropna()
    assert floor.min() == pytest.approx(0.40) and floor.index.max() == pytest.approx(0.50)
    assert floor[round(platform["Technology"], 9)] == pytest.approx(platform["Distribution"])
    grid = kv.weight_grid(platform)
    tied = grid[kv.leaders(layers, grid) == kv.TIE]
    for _, w in tied.iterrows():
        top = (layers[list(kv.LAYERS)] @ w).nlargest(2)
        assert set(top.index) == {"Meta", "OpenAI"}
    # One-point re-scorings: 14 of 103 move the platform ranking, each handing first place to
    # OpenAI and none in Technology; 5 move the capability ranking, each OpenAI over Google.
    notches = boards.notch_effects(scores, weights)
    assert len(notches) == 103
    moved = notches[notches["platform_lens_moves"]]
    assert len(moved) == 14 and set(moved["platform_lens_leader"]) == {"OpenAI"}
    assert "Technology" not in set(moved["layer"])
    moved = notches[notches["capability_lens_moves"]]
    assert len(moved) == 5 and set(moved["capability_lens_leader"]) == {"OpenAI"}
    assert totals["capability_lens"].idxmax() == "Google"
    # The notebook's own example: Meta's frontier capability 3 -> 2 (a Value criterion) hands
    # first place under the platform lens to OpenAI and moves nothing under the capability lens.
    mine = scores.set_index("criterion")
    assert mine.loc["Frontier capability", "layer"] == "Value"
    assert mine.loc["Frontier capability", "Meta"] == 3
    mine.loc["Frontier capability", "Meta"] = 2
    after = kv.ranks_with(scores, mine, weights)
    assert after.loc["OpenAI", "platform_lens"] == 1 and after.loc["Meta", "platform_lens"] == 2
    assert after["capability_lens"].equals(ranks["capability_lens"])

    # Build versus buy: buying wins at the hurdle rate, and building would win below the IRR,
    # with a shorter lag or a smaller buy share, in 9 of 25 grid cells (short lags, small shares,
    # never at 30 months) or if the fee grew about 6% a year (to about $4.52B by year 8); the
    # extra outlay pays back inside the horizon, never once discounted; a quarter's capex funds
    # most of the horizon's fees.
    b, inputs = get("build_vs_buy").answers(), get("build_vs_buy").inputs()
    m, h = dict(inputs["meta"]), dict(inputs["buyer"])
    r = m["discount_rate"]
    assert b["npv"]["buy"] > b["npv"]["build"] and b["irr"] < r
    flips = boards.build_buy_flips(m)
    assert flips["capability_lag_months"] < m["capability_lag_months"]
    assert flips["buy_benefit_share"] < m["buy_benefit_share"]
    assert 0.055 < b["fee_growth"] < 0.065
    last_fee = m["buy_fee_per_year"] * (1 + b["fee_growth"]) ** (m["horizon_years"] - 1)
    assert last_fee == pytest.approx(4.52, abs=0.005)
    assert b["incremental_payback"] < m["horizon_years"]
    assert kb.payback(b["flows"]["incremental"], r) is None and b["npv"]["difference"] < 0
    assert m["horizon_years"] - 1 < b["annuity_years"] < m["horizon_years"]
    grid = b["npv_grid"]
    wins = grid > 0
    assert int(wins.to_numpy().sum()) == 9
    last_win = {lag: max((sh for sh in grid.columns if wins.loc[lag, sh]), default=None)
                for lag in grid.index}
    assert last_win == {6: 0.6, 12: 0.55, 18: 0.4, 24: 0.4, 30: None}
    for lag in grid.index:  # a staircase: building wins at every smaller share and shorter lag
        for sh in grid.columns:
            if wins.loc[lag, sh]:
                assert wins.loc[:lag, :sh].to_numpy().all()
    ties = boards.grid_ties(m, list(grid.index))
    assert ties[m["capability_lag_months"]] == pytest.approx(flips["buy_benefit_share"])
    # The buyer: GPT-5 mini is the cheapest adequate API; the line through the two runs gives
    # more tokens a second at the workload's mix than run A's even mix, fewer than run B's, and
    # reading run A alone overstates the GPU cost by about a tenth; the GPU is most of the cost;
    # the open model is exactly adequate but costs about 90% of the API, so the slogan fails;
    # self-hosting saves about a tenth, a third above the volume break-even and about five points
    # above the utilization break-even; OpenAI's hosted open model beats both, Meta's is below
    # the capability bar.
    assert b["cheapest_api"] == "GPT-5 mini"
    mix = boards.mix_throughputs(h)
    assert mix["A"] < b["tokens_per_s"] < mix["B"] and mix["workload"] == pytest.approx(b["tokens_per_s"])
    assert round(mix["A"]) == 8410 and round(mix["B"]) == 9878
    assert 1.05 < b["tokens_per_s"] / mix["A"] < 1.15
    own = b["selfhost_per_1m"]
    assert own["variable"] > own["fixed"]
    adequate, cost_share, verdict = boards.claim_reading(h["selfhost_capability_index"],
                                                         h["adequacy_threshold"], own["total"],
                                                         b["api_prices"]["GPT-5 mini"])
    assert adequate and h["selfhost_capability_index"] == h["adequacy_threshold"]
    assert cost_share == pytest.approx(b["cost_share"]) and 0.85 < cost_share < 0.95
    assert verdict == "fails"
    assert 0.08 < b["annual_costs"]["saving"] / b["annual_costs"]["api"] < 0.12
    assert 0.3 < h["monthly_tokens_m"] / b["breakeven_volume"] - 1 < 0.4
    assert 0.04 < h["utilization"] - b["breakeven_utilization"] < 0.06
    hosted, price, yearly = boards.hosted_alternative(inputs["prices"], b["api_prices"],
                                                      h["adequacy_threshold"], h["monthly_tokens_m"])
    assert hosted == "gpt-oss-120b" and price < own["total"]
    assert 2 * yearly < b["annual_costs"]["self_host"]
    capability = inputs["prices"].set_index("model")["capability_index"]
    assert capability["Llama 4 Maverick"] < h["adequacy_threshold"]
    assert b["api_prices"]["gpt-oss-120b"] < b["api_prices"]["Llama 4 Maverick"]

    # Scenarios: the pivot leads on EV and every option beats staying the course; four rules,
    # four picks; with the baseline on the ballot the pessimistic rules stay the course; raising
    # p(commoditization) hands first place to the gambit, lowering it never dethrones the pivot;
    # Hurwicz picks dependency, then the pivot (at the exhibit's α), then the gambit.
    s, si = get("scenarios").answers(), get("scenarios").inputs()
    payoffs, probs = si["payoffs"], si["probs"]
    assert list(s["ev"].sort_values(ascending=False).index) == [
        "Radical pivot", "Accept dependency", "Acquisition spree", "Open-source gambit"]
    assert (s["ev"] > 0).all()
    assert dict(s["rule_choices"]) == {"maximin": "Accept dependency",
                                       "maximax": "Open-source gambit",
                                       "hurwicz": "Radical pivot",
                                       "minimax regret": "Acquisition spree"}
    on_ballot, regrets = boards.rules_on_ballot(payoffs, si["baseline"], si["alpha"])
    assert on_ballot["maximin"] == on_ballot["minimax regret"] == "Stay the course"
    assert on_ballot["hurwicz"] == "Radical pivot" and regrets.idxmin() == "Stay the course"
    assert boards.ev_overtaker(payoffs, probs, direction="up") == (s["reversal_p"], "Open-source gambit")
    assert boards.ev_overtaker(payoffs, probs, direction="down") is None
    spans = boards.hurwicz_intervals(payoffs)
    assert [o for _, _, o in spans] == ["Accept dependency", "Radical pivot", "Open-source gambit"]
    assert spans[1][0] < si["alpha"] < spans[1][1]
    share = s["best_share"].sort_values(ascending=False)
    assert list(share.index) == ["Radical pivot", "Open-source gambit", "Accept dependency",
                                 "Acquisition spree"] and share.iloc[-1] < 0.01
    # Learn first or act now: perfect information is worth more than the best option's EV;
    # waiting a year at the exhibit's keep beats acting now, unless the year keeps less than
    # about 36%; the staged path takes a different option in each future (never staying);
    # with it on the ballot maximin, Hurwicz and minimax regret pick it and only maximax the
    # gambit; its worst case is convergence and its maximum regret is below every option's.
    best_now, keep = float(s["ev"].max()), si["keep"]
    assert s["evpi"] > best_now and s["staged_value"] > best_now
    assert 0.35 < s["breakeven_keep"] < 0.365 < keep
    path = boards.staged_path(payoffs, keep)
    assert dict(path["option"]) == {"Commoditization victory": "Open-source gambit",
                                    "Premium defense": "Radical pivot",
                                    "Convergence": "Acquisition spree",
                                    "Regulatory reset": "Accept dependency"}
    assert (path["payoff"] @ probs) == pytest.approx(s["staged_value"])
    assert path["payoff"].idxmin() == "Convergence"
    picks, regrets = boards.rules_with_staged(payoffs, si["baseline"], keep, si["alpha"])
    assert dict(picks) == {"maximin": boards.STAGED, "maximax": "Open-source gambit",
                           "hurwicz": boards.STAGED, "minimax regret": boards.STAGED}
    assert regrets.idxmin() == boards.STAGED
    # the cells "Where the payoffs come from" takes apart
    options = load("scenario_options").set_index("option")
    futures = load("scenarios").set_index("future")

    def part(option, future, driver):
        return boards.payoff_parts(options, futures, si["baseline"], option, future)[driver]

    assert part("Open-source gambit", "Commoditization victory", "ecosystem") == pytest.approx(36)
    assert part("Open-source gambit", "Regulatory reset", "exposure") == pytest.approx(-24)
    assert part("Radical pivot", "Premium defense", "control") == pytest.approx(30)
    assert part("Accept dependency", "Regulatory reset", "exposure") == pytest.approx(24)
    assert payoffs.loc["Accept dependency"].idxmax() == "Regulatory reset"
    assert payoffs["Convergence"].idxmax() == "Acquisition spree"

    # The epilogue: a closed frontier model within seven months of the case's date.
    events = pd.read_csv(DATA.parent / EPILOGUE).set_index("event")
    launch = pd.Timestamp(events.loc["Muse Spark", "date"])
    assert launch < pd.Timestamp(AS_OF) + pd.DateOffset(months=7)


# --- one title, and an epilogue with its sources ------------------------------------------------


def test_one_title_everywhere_in_the_guide(text):
    """Does the guide carry the case's one title, and use "platform paradox" only as the
    commentary's term, never as a title?"""
    assert text.splitlines()[0] == f"# Instructor guide: *{TITLE}*"
    prose = " ".join(hand_written(text).split("\n", 1)[1].split())
    assert TITLE in prose  # named again in the opening paragraph
    assert not re.search(r"The Platform Paradox|\*Platform Paradox\*", prose), "a second title"


def epilogue_paragraphs(text: str) -> list[str]:
    prose = hand_written(text)
    start = prose.index(f"## Epilogue: after {longdate(AS_OF)}")
    section = prose[start:prose.index("\n## ", start + 1)]
    return [" ".join(p.split()) for p in section.split("\n\n") if p.strip()]


def test_the_epilogue_prose_gives_each_event_with_its_source_and_grade(text):
    """Is every event of case/epilogue.csv told in the epilogue's prose, in a paragraph that
    names its date, its (first) publisher and its grade?"""
    paragraphs = epilogue_paragraphs(text)
    assert not any(p for p in paragraphs if "grade D" in p)
    table = pd.read_csv(DATA.parent / EPILOGUE, dtype=str, keep_default_na=False)
    assert len(table) >= 5
    for row in table.to_dict("records"):
        day = pd.Timestamp(row["date"]).date()
        month = f"{day:%B %Y}"
        publisher = row["publisher"].split(";")[0].split()[0].lower()
        grade = f"grade {row['reliability']}"
        found = [p for p in paragraphs if month in p and grade in p and publisher in p.lower()]
        assert found, f"epilogue prose lacks {row['event']} ({month}, {publisher}, {grade})"


# --- the board analysis (autograder.key.boards), on cases worked by hand ----------------------


def test_best_rivals_by_hand():
    """Per layer: the best rival, its score, and how far the firm trails it (negative: leads)."""
    from autograder.key import boards

    layers = pd.DataFrame({"L1": [0.5, 0.75, 0.25], "L2": [1.0, 0.5, 0.75]},
                          index=["Meta", "A", "B"])
    got = boards.best_rivals(layers, "Meta")
    assert list(got["rival"]) == ["A", "B"]
    assert list(got["score"]) == [0.75, 0.75] and list(got["gap"]) == [0.25, -0.25]


def _two_layers():
    # weight w on Y, 1 - w on X: Meta 1 - w, A 0.5 + 0.5 w, B 0.6 - 0.4 w.
    # A meets Meta at w = 1/3, B at w = 2/3; today (w = 0.2) Meta leads 0.8 / 0.6 / 0.52.
    layers = pd.DataFrame({"X": [1.0, 0.5, 0.6], "Y": [0.0, 1.0, 0.2]}, index=["Meta", "A", "B"])
    return layers, pd.Series({"X": 0.8, "Y": 0.2})


def test_vtdf_crossings_and_overtaker_by_hand():
    """Where each rival's line meets the leader's, and who takes first place as the weight on
    one layer rises (the others rescaled)?"""
    from autograder.key import boards
    from autograder.key import vtdf as kv

    layers, weights = _two_layers()
    crossings = boards.vtdf_crossings(layers, weights, "Y", "Meta")
    assert crossings["A"] == pytest.approx(1 / 3) and crossings["B"] == pytest.approx(2 / 3)
    weight, rival = boards.vtdf_overtaker(layers, weights, "Y", "Meta")
    assert (weight, rival) == (pytest.approx(1 / 3), "A")
    assert weight == pytest.approx(kv.reversal_weight(layers, weights, "Y", "Meta"))
    # parallel lines never meet; a firm that does not lead has nothing to lose
    parallel = pd.DataFrame({"X": [1.0, 0.5], "Y": [0.5, 0.0]}, index=["Meta", "C"])
    assert boards.vtdf_crossings(parallel, weights, "Y", "Meta").isna().all()
    assert boards.vtdf_overtaker(parallel, weights, "Y", "Meta") is None
    with pytest.raises(ValueError):
        boards.vtdf_overtaker(layers, weights, "Y", "A")


def _simple_program(**change) -> dict:
    # One year, no discounting: build -10 today, +20 in year 1; buy 0 today, 20 s - fee in year 1.
    # NPV(build) - NPV(buy) = 10 - 20 s + fee: with s = 0.5 and fee = 2 it is 2, zero at s = 0.6.
    params = {"horizon_years": 1, "discount_rate": 0.0, "build_capex_t0": 10.0,
              "build_capex_t1": 0.0, "build_opex_per_year": 0.0, "capability_lag_months": 0.0,
              "annual_benefit": 20.0, "buy_integration_t0": 0.0, "buy_fee_per_year": 2.0,
              "buy_benefit_share": 0.5}
    return {**params, **change}


def test_npv_gap_and_parameter_flips_by_hand():
    """The build-minus-buy NPV with one parameter changed, and the value at which it is zero."""
    from autograder.key import boards

    p = _simple_program()
    assert boards.npv_gap(p) == pytest.approx(2.0)
    assert boards.npv_gap(p, buy_fee_per_year=0.0) == pytest.approx(0.0)
    assert boards.npv_gap(p, buy_benefit_share=0.6) == pytest.approx(0.0)
    assert boards.parameter_flip(p, "buy_benefit_share", 0.0, 1.0) == pytest.approx(0.6)
    assert boards.parameter_flip(p, "buy_fee_per_year", -5.0, 5.0) == pytest.approx(0.0)
    # a 6-month lag halves year 1's benefit: gap = -10 + 10 - (10 - 2) = -8; zero lag gives +2,
    # and the gap falls by 10 / 6 a month, so it is zero at 1.2 months
    assert boards.npv_gap(p, capability_lag_months=6.0) == pytest.approx(-8.0)
    assert boards.parameter_flip(p, "capability_lag_months", 0.0, 12.0) == pytest.approx(1.2)
    assert boards.parameter_flip(p, "buy_fee_per_year", 1.0, 5.0) is None  # positive throughout


def test_build_buy_flips_search_each_parameter_over_its_range():
    """The lag is searched over the horizon in months, the share over [0, 1]; a parameter that
    never ties gives None."""
    from autograder.key import boards

    flips = boards.build_buy_flips(_simple_program())
    assert set(flips) == set(boards.FLIPS) == {"capability_lag_months", "buy_benefit_share"}
    assert flips["capability_lag_months"] == pytest.approx(1.2)
    assert flips["buy_benefit_share"] == pytest.approx(0.6)
    # a fee of 25 keeps the gap (35 - 20 s) positive for every share in [0, 1]
    assert boards.build_buy_flips(_simple_program(buy_fee_per_year=25.0))["buy_benefit_share"] is None


def test_grid_sign_changes_by_hand():
    """Per row: the neighbouring columns between which the sign first changes (a zero is a sign
    of its own), or None when the row keeps one sign."""
    from autograder.key import boards

    grid = pd.DataFrame({0.4: [3.0, -1.0, -2.0], 0.5: [1.0, -2.0, 0.0], 0.6: [-1.0, -3.0, 1.0]},
                        index=pd.Index([6, 12, 18], name="lag_months"))
    got = boards.grid_sign_changes(grid)
    assert got.index.name == "lag_months"
    assert got[6] == (0.5, 0.6) and got[12] is None and got[18] == (0.4, 0.5)


def test_grid_ties_by_hand():
    """With the one-year program, a lag of L months leaves 20 (1 - L/12) of year 1's benefit:
    gap = 12 - 20 L / 12 - 20 s, zero at s = 0.6 - L / 12: 0.6 at 0, 0.1 at 6, none at 12."""
    import math

    from autograder.key import boards

    ties = boards.grid_ties(_simple_program(), [0, 6, 12])
    assert ties[0] == pytest.approx(0.6) and ties[6] == pytest.approx(0.1) and math.isnan(ties[12])
    for lag, share in ((0, 0.6), (6, 0.1)):
        assert boards.npv_gap(_simple_program(), capability_lag_months=lag,
                              buy_benefit_share=share) == pytest.approx(0.0, abs=1e-9)


def test_mix_throughputs_by_hand():
    """Run A: 1,000 in / 1,000 out at 100 output tokens/s (0.01 s per output token at r = 1);
    run B: 4,000 in / 1,000 out at 50 (0.02 s at r = 4). The line: 1/150 + r/300 seconds. At
    each run's own mix it gives that run back (200 and 250 tokens/s in all); at the workload's
    3:1 mix, 1/60 s per output token, so 4 x 60 = 240."""
    from autograder.key import boards

    buyer = {"benchmark_a_input_tokens": 1000, "benchmark_a_output_tokens": 1000,
             "benchmark_a_output_tokens_per_s": 100, "benchmark_b_input_tokens": 4000,
             "benchmark_b_output_tokens": 1000, "benchmark_b_output_tokens_per_s": 50,
             "input_share": 0.75}
    got = boards.mix_throughputs(buyer)
    assert list(got.index) == ["A", "B", "workload"]
    assert got["A"] == pytest.approx(200) and got["B"] == pytest.approx(250)
    assert got["workload"] == pytest.approx(240)


def test_claim_reading_and_hosted_alternative_by_hand():
    """The slogan read generously (adequate, and at most 10% of the API's cost), and the
    cheapest adequate open model on a host with its yearly cost."""
    from autograder.key import boards

    assert boards.claim_reading(90.0, 85.0, 1.0, 10.0) == (True, pytest.approx(0.1), "holds")
    assert boards.claim_reading(84.0, 85.0, 0.5, 10.0) == (False, pytest.approx(0.05), "fails")
    assert boards.claim_reading(85.0, 85.0, 9.0, 10.0) == (True, pytest.approx(0.9), "fails")
    prices = pd.DataFrame({"model": ["closed", "weak", "good", "best"],
                           "access": ["closed", "open", "open", "open"],
                           "capability_index": [95, 80, 86, 95]})
    blended = pd.Series({"closed": 0.10, "weak": 0.05, "good": 0.30, "best": 0.50})
    model, price, yearly = boards.hosted_alternative(prices, blended, 85, 1000.0)
    assert (model, price, yearly) == ("good", 0.30, pytest.approx(0.30 * 1000 * 12))
    assert boards.hosted_alternative(prices, blended, 99, 1000.0) is None


def _four_layers() -> tuple[pd.DataFrame, pd.Series]:
    # Meta has only Distribution, A everything else; Value and Financial split the rest evenly.
    # At (t, d): Meta d, A (1 - t - d) + t = 1 - d, so Meta leads where d > 0.5 (a tie at 0.5).
    layers = pd.DataFrame({"Value": [0.0, 1.0], "Technology": [0.0, 1.0],
                           "Distribution": [1.0, 0.0], "Financial": [0.0, 1.0]}, index=["Meta", "A"])
    return layers, pd.Series({"Value": 0.3, "Technology": 0.2, "Distribution": 0.2, "Financial": 0.3})


def test_lead_floor_by_hand():
    """On a grid of step 0.25, Meta leads at d = 0.75 and 1 when t = 0, at 0.75 when t = 0.25,
    and nowhere from t = 0.5 (d = 0.5 is a tie, which does not count)."""
    import math

    from autograder.key import boards

    layers, weights = _four_layers()
    floor = boards.lead_floor(layers, weights, "Meta", 0.25)
    assert list(floor.index) == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert floor[0.0] == 0.75 and floor[0.25] == 0.75
    assert all(math.isnan(floor[t]) for t in (0.5, 0.75, 1.0))
    assert boards.lead_floor(layers, weights, "A", 0.25)[0.0] == 0.0


def test_notch_effects_by_hand():
    """Two firms, one criterion per layer. M 3/3/4/3, R 3/5/3/3 (V/T/D/F); platform weights
    0.2/0.1/0.6/0.1 give M 0.65, R 0.55; capability 0.2/0.6/0.1/0.1 give M 0.525, R 0.8. A point
    moves a total by 0.25 x the layer's weight: only Distribution (0.15) can close the platform
    gap of 0.1, by M down to 3 or R up to 4; nothing closes the capability gap of 0.275.
    Legal moves: 8 for M (D can go to 3 or 5), 7 for R (T is 5 already)."""
    from autograder.key import boards

    scores = pd.DataFrame({"layer": ["Value", "Technology", "Distribution", "Financial"],
                           "criterion": ["v", "t", "d", "f"], "M": [3, 3, 4, 3], "R": [3, 5, 3, 3]})
    weights = pd.DataFrame({"platform_lens": [0.2, 0.1, 0.6, 0.1],
                            "capability_lens": [0.2, 0.6, 0.1, 0.1]},
                           index=pd.Index(["Value", "Technology", "Distribution", "Financial"],
                                          name="layer"))
    got = boards.notch_effects(scores, weights)
    assert len(got) == 15 and (got["firm"] == "M").sum() == 8
    moved = got[got["platform_lens_moves"]]
    assert sorted(zip(moved["criterion"], moved["firm"], moved["score"])) == [("d", "M", 3), ("d", "R", 4)]
    assert set(moved["platform_lens_leader"]) == {"R"} and set(moved["layer"]) == {"Distribution"}
    assert set(got.loc[~got["platform_lens_moves"], "platform_lens_leader"]) == {"M"}
    assert not got["capability_lens_moves"].any() and set(got["capability_lens_leader"]) == {"R"}


def _options_and_futures():
    options = pd.DataFrame({"ecosystem": [0.5, 1.0], "control": [0.5, 0.0], "capability": [0.5, 0.5],
                            "exposure": [0.5, 1.0], "cost_usd_b": [0.0, 2.0]}, index=["base", "bold"])
    futures = pd.DataFrame({"ecosystem_value": [10.0, 0.0], "control_value": [20.0, 40.0],
                            "capability_value": [30.0, 0.0], "exposure_cost": [4.0, 10.0]},
                           index=["F", "G"])
    return options, futures


def test_payoff_parts_add_up_to_the_cell_by_hand():
    """One cell taken apart: (level - baseline's) x worth per driver, exposure as a cost, minus
    the cost; the parts add up to the payoff matrix's cell."""
    from autograder.key import boards
    from autograder.key import scenarios as ks

    options, futures = _options_and_futures()
    parts = boards.payoff_parts(options, futures, "base", "bold", "F")
    # ecosystem +0.5 x 10 = 5; control -0.5 x 20 = -10; capability 0; exposure +0.5 x -4 = -2; cost -2
    assert dict(parts) == {"ecosystem": 5.0, "control": -10.0, "capability": 0.0,
                           "exposure": -2.0, "cost": -2.0}
    assert str(parts["capability"]) == "0.0"  # no "-0.0" on the board
    matrix = ks.payoff_matrix(options, futures, "base")
    assert parts.sum() == pytest.approx(matrix.loc["bold", "F"]) == pytest.approx(-9.0)
    assert boards.payoff_parts(options, futures, "base", "bold", "G").sum() == pytest.approx(-27.0)


def test_driver_changes_by_hand():
    """Each option's levels minus the baseline's, the baseline left out."""
    from autograder.key import boards

    options, _ = _options_and_futures()
    change = boards.driver_changes(options, "base")
    assert list(change.index) == ["bold"]
    assert dict(change.loc["bold"]) == {"ecosystem": 0.5, "control": -0.5, "capability": 0.0,
                                        "exposure": 0.5}


def test_the_baseline_on_the_ballot_by_hand():
    """With the baseline's zero row on the ballot: a has worst case -1 and b -2, so maximin stays
    (0); regrets: a 5 (in F), b 5 (in G), the baseline 4 (in F) -> minimax regret stays too;
    maximax takes b (4); Hurwicz at 0.5 gives a 1, b 1, stay 0 -> a (first on the tie)."""
    from autograder.key import boards

    payoffs = pd.DataFrame({"F": [-1.0, 4.0], "G": [3.0, -2.0]}, index=["a", "b"])
    ballot = boards.with_baseline(payoffs, "stay")
    assert list(ballot.index) == ["stay", "a", "b"] and (ballot.loc["stay"] == 0).all()
    assert ballot.loc[["a", "b"]].equals(payoffs)
    picks, regrets = boards.rules_on_ballot(payoffs, "stay", 0.5)
    assert dict(regrets) == {"stay": 4.0, "a": 5.0, "b": 5.0}
    assert dict(picks) == {"maximin": "stay", "maximax": "b", "hurwicz": "a",
                           "minimax regret": "stay"}


def test_hurwicz_intervals_by_hand():
    """Hurwicz values are lines from the worst case (α = 0) to the best (α = 1): A 10 α,
    B -10 + 40 α, C 5 + α. C leads from 0, B passes it at α = 15/39 and leads to 1; A never leads."""
    import numpy as np

    from autograder.key import boards
    from autograder.key import scenarios as ks

    payoffs = pd.DataFrame({"F": [0.0, -10.0, 5.0], "G": [10.0, 30.0, 6.0]}, index=["A", "B", "C"])
    spans = boards.hurwicz_intervals(payoffs)
    assert [o for _, _, o in spans] == ["C", "B"]
    assert spans[0][0] == 0 and spans[0][1] == pytest.approx(15 / 39) and spans[1][1] == 1
    for alpha in np.linspace(0.001, 0.999, 199):  # brute force, away from the crossing
        if abs(alpha - 15 / 39) > 1e-6:
            inside = next(o for lo, hi, o in spans if lo <= alpha <= hi)
            assert ks.hurwicz(payoffs, alpha) == inside
    # a tie at α = 0 goes to the steeper line, which leads just after it
    tie = pd.DataFrame({"F": [0.0, 0.0], "G": [10.0, 20.0]}, index=["A", "D"])
    assert boards.hurwicz_intervals(tie) == [(0.0, 1.0, "D")]


def test_ev_crossings_and_overtaker_by_hand():
    """Two futures S and T at 0.5 each; with p the probability of S, EV(X) = 10 p, EV(Y) =
    8 (1 - p), EV(Z) = 4. X leads today (5); lowering p, Y draws level at 4/9 before Z does at
    0.4; raising p, nobody passes X."""
    from autograder.key import boards
    from autograder.key import scenarios as ks

    payoffs = pd.DataFrame({"S": [10.0, 0.0, 4.0], "T": [0.0, 8.0, 4.0]}, index=["X", "Y", "Z"])
    probs = pd.Series({"S": 0.5, "T": 0.5})
    crossings = boards.ev_crossings(payoffs, probs, "S")
    assert crossings["Y"] == pytest.approx(4 / 9) and crossings["Z"] == pytest.approx(0.4)
    p, rival = boards.ev_overtaker(payoffs, probs, "S", "down")
    assert (p, rival) == (pytest.approx(4 / 9), "Y")
    assert p == pytest.approx(ks.reversal_probability(payoffs, probs, "S", direction="down"))
    assert boards.ev_overtaker(payoffs, probs, "S", "up") is None
    with pytest.raises(ValueError):
        boards.ev_overtaker(payoffs, probs, "S", "sideways")


def test_staged_path_by_hand():
    """Wait, then take each future's best option, or none when every option loses: a loses 1 and
    b gains 4 in F (take b: 0.5 x 4 = 2); both lose in G (stay: 0). Its expected value at equal
    probabilities is 1, as scenarios.staged_value gives."""
    from autograder.key import boards
    from autograder.key import scenarios as ks

    payoffs = pd.DataFrame({"F": [-1.0, 4.0], "G": [-3.0, -2.0]}, index=["a", "b"])
    path = boards.staged_path(payoffs, 0.5)
    assert list(path.index) == ["F", "G"]
    assert path.loc["F", "option"] == "b" and path.loc["G", "option"] is None
    assert list(path["payoff"]) == [2.0, 0.0] and str(path.loc["G", "payoff"]) == "0.0"
    probs = pd.Series({"F": 0.5, "G": 0.5})
    assert path["payoff"] @ probs == pytest.approx(ks.staged_value(payoffs, probs, 0.5)) == pytest.approx(1.0)


def test_rules_with_staged_by_hand():
    """The ballot test's matrix (a: -1 / 3, b: 4 / -2) with the staged path at keep 0.5
    (2 / 1.5) and staying (0 / 0): worst cases 0, -1, -2, 1.5 -> maximin waits; best cases
    0, 3, 4, 2 -> maximax takes b; Hurwicz at 0.5: 0, 1, 1, 1.75 -> waits; regrets against
    4 / 3: stay 4, a 5, b 5, staged 2 -> minimax regret waits."""
    from autograder.key import boards

    payoffs = pd.DataFrame({"F": [-1.0, 4.0], "G": [3.0, -2.0]}, index=["a", "b"])
    picks, regrets = boards.rules_with_staged(payoffs, "stay", 0.5, 0.5)
    assert dict(picks) == {"maximin": boards.STAGED, "maximax": "b", "hurwicz": boards.STAGED,
                           "minimax regret": boards.STAGED}
    assert dict(regrets) == {"stay": 4.0, "a": 5.0, "b": 5.0, boards.STAGED: 2.0}


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
    vtdf = get("vtdf")
    possible = f"{vtdf.autograded_points + sum(vtdf.manual.values()):g}"
    (course / roster).write_text(  # what Canvas's gradebook export looks like
        "Student,ID,SIS User ID,SIS Login ID,Section,vtdf (4711)\n"
        f"    Points Possible,,,,,{possible}\n"
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


def _scaling_up(text: str) -> str:
    return text[text.index("## Scaling up"):text.index("## Troubleshooting")]


def test_the_cluster_commands_of_the_runbook_use_real_options(text):
    """Does every `autograder` and `dask` command in "Scaling up" use options those commands
    have (the cluster commands sit in ```text blocks: a test cannot run a Slurm cluster)?"""
    from typer.testing import CliRunner

    from autograder.cli import app

    lines = [ln.strip() for block in re.findall(r"^```\w*\n(.*?)^```", _scaling_up(text),
                                                 flags=re.M | re.S)
             for ln in block.splitlines() if re.match(r"\s*(autograder|dask) ", ln)]
    assert sum(ln.startswith("autograder grade --scheduler") for ln in lines) >= 3
    assert sum(ln.startswith("autograder worker-check") for ln in lines) >= 3
    dask = str(Path(sys.executable).parent / "dask")
    helps: dict[str, str] = {}
    for line in lines:
        words = line.rstrip(" &").split()
        verb = tuple(words[:2])
        if verb not in helps:
            helps[verb] = (CliRunner().invoke(app, [words[1], "--help"], terminal_width=200).output
                           if words[0] == "autograder" else
                           subprocess.run([dask, words[1], "--help"], capture_output=True,
                                          text=True).stdout)
        for option in (w for w in words if w.startswith("--")):
            assert re.search(re.escape(option) + r"(?![\w-])", helps[verb]), \
                f"{line}: {option} is not an option of {' '.join(verb)}"
