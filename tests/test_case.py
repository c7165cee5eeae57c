"""The teaching case: its numbers come from case/data, its exhibits are complete and sourced, its
text is original (no copied seed sentences, no invented quotations), it poses the decision the
exercises analyse, and nothing in it depends on what happened after its as-of date."""

from __future__ import annotations

import base64
import html as htmlmod
import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from conftest import copy_course
from seeds import QUOTE_WORDS, seed_quotations, seed_texts, words

from autograder.assignments import get
from autograder.casebook import AS_OF, EXHIBITS, build_case, render_case_text, render_exhibits, word_count
from autograder.casebook.formats import int_commas, longdate, pct, trim, usd, usd_b
from autograder.casebook.sources import Endnotes, ids
from autograder.data import EPILOGUE, DataError
from autograder.key import build_vs_buy as kb
from autograder.key import scenarios as scenario_key

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "case" / "data"
TEMPLATE = ROOT / "case" / "case.md.j2"
DICTIONARY = DATA / "README.md"
CSV_FILES = sorted(p.stem for p in DATA.glob("*.csv"))
REGISTRY = "sources"  # the endnote registry: no exhibit shows it, every exhibit cites from it

# Literal numbers the template may contain: exhibit numbers (1-9). Years 1990-2030 are also text.
ALLOWED_SMALL = set(range(1, 10))
NGRAM = 12  # no run of this many consecutive words from a seed article
WORDS = (4200, 5200)  # narrative length (autograder.casebook.build.word_count)
# The one quotation of a real person the case may carry: a published primary text, cited to it.
LETTER_ID = "zuckerberg-2025-07"
LETTER_SENTENCE = ("We'll need to be rigorous about mitigating these risks and careful about what "
                   "we choose to open source.")
OPTIONS_HEADING = re.compile(r"^## .*\bcourses\b.*$", re.M)  # the section defining the options


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> str:
    out = build_case(ROOT, out=tmp_path_factory.mktemp("build") / "case.html")
    return out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def narrative() -> str:
    return render_case_text(ROOT)


@pytest.fixture
def data_copy(tmp_path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder)
    return folder


def edit_csv(folder: Path, name: str, match: dict, changes: dict) -> None:
    """Set `changes` on the single row of `name`.csv whose columns equal `match`."""
    path = folder / f"{name}.csv"
    table = pd.read_csv(path)
    rows = pd.Series(True, index=table.index)
    for col, value in match.items():
        rows &= table[col] == value
    assert rows.sum() == 1, f"{name}: {match} matches {rows.sum()} rows"
    for col, value in changes.items():
        table[col] = table[col].astype(object)
        table.loc[rows, col] = value
    table.to_csv(path, index=False)


def exhibit_html(number: int, folder: Path) -> str:
    """One exhibit rendered from `folder`, with its own endnote numbering."""
    return EXHIBITS[number - 1].html(folder, Endnotes.read(folder))


def sections(page_html: str) -> dict[int, str]:
    found = re.findall(r'<section class="exhibit" id="exhibit-(\d+)".*?</section>', page_html, re.S)
    bodies = re.findall(r'(<section class="exhibit" id="exhibit-\d+".*?</section>)', page_html, re.S)
    return {int(n): body for n, body in zip(found, bodies)}


def visible_text(page_html: str) -> str:
    return htmlmod.unescape(re.sub(r"<[^>]+>", " ",
                                   re.sub(r"<(style|script)\b.*?</\1>", " ", page_html, flags=re.S)))


_CITE = re.compile(r'<sup class="cite"><a href="#note-(\d+)">[^<]*</a></sup>')


def prose(narrative_text: str) -> str:
    """The narrative without citation marks and HTML tags (citations become ⟦n⟧)."""
    return re.sub(r"<[^>]+>", " ", _CITE.sub(lambda m: f"⟦{m.group(1)}⟧", narrative_text))


# --- exhibits come from case/data ------------------------------------------------------------


def test_registry_holds_exhibits_one_to_nine_over_existing_files():
    assert [e.number for e in EXHIBITS] == list(range(1, 10))
    used = {f for e in EXHIBITS for f in e.files}
    assert used <= set(CSV_FILES), f"exhibits name missing files: {used - set(CSV_FILES)}"
    unused = set(CSV_FILES) - used - {REGISTRY}
    assert not unused, f"CSV files no exhibit uses: {unused}"
    assert all(e.title and e.source for e in EXHIBITS)


def bump(value) -> float:
    """A new value that differs visibly from `value` whatever the team has tuned it to."""
    return round(float(value) * 1.5 + 0.37, 2)


def perturb(folder: Path, name: str, match: dict, column: str, new=None):
    """Change one cell (to `new`, or a bumped number when `new` is None); return the new value."""
    table = pd.read_csv(folder / f"{name}.csv")
    rows = pd.Series(True, index=table.index)
    for col, value in match.items():
        rows &= table[col] == value
    assert rows.sum() == 1, f"{name}: {match} matches {rows.sum()} rows"
    value = bump(table.loc[rows, column].iloc[0]) if new is None else new
    edit_csv(folder, name, match, {column: value})
    return value


# One cell per exhibit file: (row match, column, new text or None to bump the number).
PERTURB = {
    "meta_financials": ({"year": 2024}, "revenue_usd_b", None),
    "meta_capex": ({"period": "FY2024", "kind": "actual"}, "high_usd_b", None),
    "llama_timeline": ({"event": "Llama 2"}, "detail", "Weights released under revised terms"),
    "llama_license": ({"clause": "Attribution"}, "summary", "Products must credit Meta prominently"),
    "closed_lab_economics": ({"metric": "API / model access"}, "value_usd_b", None),
    "model_prices": ({"model": "GPT-5 mini"}, "output_usd_per_1m", None),
    "vtdf_scores": ({"criterion": "Custom silicon"}, "Meta", None),
    "vtdf_rubric": ({"score": 3}, "meaning", "At par with the field"),
    "vtdf_weights": ({"layer": "Value"}, "platform_lens", None),
    "build_vs_buy": ({"parameter": "annual_benefit"}, "value", None),
    "selfhost": ({"parameter": "utilization"}, "value", None),
    "scenarios": ({"future": "Convergence"}, "description", "The camps blur into one market"),
    "scenario_options": ({"option": "Radical pivot"}, "cost_usd_b", None),
    "scenario_params": ({"parameter": "hurwicz_alpha"}, "value", 0.7),
    "platform_parallels": ({"platform": "Symbian"}, "fact", "Opened in 2008, too late"),
}


@pytest.mark.parametrize(
    "number,name", [(e.number, f) for e in EXHIBITS for f in e.files], ids=lambda v: str(v)
)
def test_each_exhibit_changes_when_its_data_changes(data_copy, number, name):
    before = exhibit_html(number, data_copy)
    assert exhibit_html(number, data_copy) == before, "rendering is not deterministic: a vacuous check"
    perturb(data_copy, name, *PERTURB[name])
    after = exhibit_html(number, data_copy)
    assert after != before, f"Exhibit {number} did not change when {name}.csv changed"


def test_built_page_takes_exhibits_from_the_data_folder_given(data_copy, page, tmp_path):
    perturb(data_copy, "model_prices", *PERTURB["model_prices"])
    changed = sections(
        build_case(ROOT, out=tmp_path / "case.html", data=data_copy).read_text(encoding="utf-8"))
    original = sections(page)
    assert changed[4] != original[4]
    assert changed[8] == original[8]


def test_scenario_probabilities_and_drivers_change_exhibit_9(data_copy):
    before = exhibit_html(9, data_copy)
    edit_csv(data_copy, "scenarios", {"future": "Convergence"}, {"probability": 0.2})
    edit_csv(data_copy, "scenarios", {"future": "Regulatory reset"}, {"probability": 0.2})
    moved = exhibit_html(9, data_copy)
    assert moved != before
    edit_csv(data_copy, "scenario_options", {"option": "Open-source gambit"}, {"exposure": 0.3})
    assert exhibit_html(9, data_copy) != moved


def test_exhibits_leave_out_rows_after_the_as_of_date(page):
    text = visible_text(page)
    for day in re.findall(r"\b(20\d\d-\d\d-\d\d)\b", text):
        assert day <= AS_OF.isoformat(), f"{day} is after the as-of date"
    months = "January|February|March|April|May|June|July|August|September|October|November|December"
    for day, month, year in re.findall(rf"\b(\d{{1,2}}) ({months}) (20\d\d)\b", text):
        assert datetime.strptime(f"{day} {month} {year}", "%d %B %Y").date() <= AS_OF
    for month, year in re.findall(rf"\b({months}) (20\d\d)\b", text):
        first = datetime.strptime(f"1 {month} {year}", "%d %B %Y").date()
        assert first <= AS_OF, f"{month} {year} is after the as-of date"
    epilogue = pd.read_csv(ROOT / "case" / EPILOGUE)
    for later in [*epilogue["event"], "Muse Spark", "Avocado", "LeCun", "FY2026", "Q3-2025"]:
        assert later not in text, f"epilogue material {later!r} reaches the case"


def test_bad_data_fails_with_an_error_naming_the_file(data_copy):
    edit_csv(data_copy, "model_prices", {"model": "GPT-5 mini"}, {"input_usd_per_1m": "n/a"})
    with pytest.raises(DataError, match="model_prices.csv"):
        exhibit_html(4, data_copy)
    with pytest.raises(DataError, match="model_prices.csv"):
        render_case_text(ROOT, data=data_copy)


def test_unbalanced_probabilities_are_refused(data_copy, tmp_path):
    edit_csv(data_copy, "scenarios", {"future": "Convergence"}, {"probability": 0.5})
    with pytest.raises(DataError, match="scenarios.csv.*sum"):
        build_case(ROOT, out=tmp_path / "case.html", data=data_copy)
    with pytest.raises(scenario_key.InputError, match="sum"):
        get("scenarios").inputs(data_copy)


def test_missing_row_behind_a_placeholder_fails_the_build(data_copy):
    table = pd.read_csv(data_copy / "llama_timeline.csv")
    table[table["event"] != "Llama 3.1"].to_csv(data_copy / "llama_timeline.csv", index=False)
    with pytest.raises(DataError, match="case.md.j2"):
        render_case_text(ROOT, data=data_copy)


# --- nothing in the case depends on a row after the as-of date --------------------------------


def test_the_case_does_not_read_the_epilogue(page, tmp_path):
    course = copy_course(tmp_path / "course")
    (course / "case" / EPILOGUE).unlink()
    rebuilt = build_case(course, out=tmp_path / "case.html").read_text(encoding="utf-8")
    assert rebuilt == page, "the page changed when case/epilogue.csv was deleted"


def test_a_row_after_the_as_of_date_fails_the_build(tmp_path):
    course = copy_course(tmp_path / "course")
    path = course / "case" / "data" / "llama_timeline.csv"
    table = pd.read_csv(path)
    table.loc[len(table)] = {"date": (AS_OF + timedelta(days=1)).isoformat(), "event": "Later event",
                             "detail": "Something that happened after the as-of date",
                             "source": "meta-q2-2025", "reliability": "B"}
    table.to_csv(path, index=False)
    with pytest.raises(DataError, match=r"llama_timeline\.csv.*after the case's as-of date"):
        build_case(course, out=tmp_path / "case.html")


# --- every number the narrative quotes agrees with the data ----------------------------------

_NUMBER = re.compile(r"(?<![\w.])\d+(?:,\d{3})*(?:\.\d+)?")
_ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _numbers(text: str) -> list[tuple[float, int, bool]]:
    """(value, decimals, followed by %) for each number in `text`."""
    found = []
    for match in _NUMBER.finditer(text):
        raw = match.group().replace(",", "")
        decimals = len(raw.split(".")[1]) if "." in raw else 0
        found.append((float(raw), decimals, text[match.end() : match.end() + 1] == "%"))
    return found


def _data_values() -> set[float]:
    values: set[float] = set()
    for name in CSV_FILES:
        table = pd.read_csv(DATA / f"{name}.csv", dtype=str, keep_default_na=False)
        for cell in table.to_numpy().ravel().tolist() + list(table.columns):
            values.update(v for v, _, _ in _numbers(_ISO_DATE.sub(" ", str(cell))))
    return values


def test_template_types_no_number_that_the_data_holds():
    text = TEMPLATE.read_text(encoding="utf-8")
    typed = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", text, flags=re.S)
    data = _data_values()
    offending = []
    for value, decimals, percent in _numbers(typed):
        if value.is_integer() and (1990 <= value <= 2030 or value in ALLOWED_SMALL):
            continue
        candidates = {value, value / 100} if percent else {value}
        # A typed number counts if it equals a data value as written or as rounded in prose.
        if any(abs(round(v, decimals) - c) < 1e-9 for v in data for c in candidates):
            offending.append(value)
    assert not offending, f"numbers typed into case.md.j2 that belong in case/data: {offending}"


def _all_tokens(v: float) -> str:
    """The all-token rate the narrative quotes when run A's output rate is `v` (the rest as given)."""
    from autograder.data import params

    h = {**params("selfhost"), "benchmark_a_output_tokens_per_s": v}
    return f"about {int_commas(kb.tokens_per_second(h))} tokens a second in all"


QUOTED = [
    # (file, row match, column, new text or None to bump, how the narrative must show the value)
    ("meta_financials", {"year": 2024}, "revenue_usd_b", None, usd_b),
    ("meta_financials", {"year": 2024}, "daily_active_people_b", None, lambda v: f"{trim(v)} billion people"),
    ("meta_financials", {"year": 2024}, "operating_income_usd_b", None, usd_b),
    ("meta_financials", {"year": 2024}, "free_cash_flow_usd_b", None, lambda v: f"was {usd_b(v)}"),
    ("meta_capex", {"period": "FY2024", "kind": "actual"}, "high_usd_b", None,
     lambda v: f"closed at {usd_b(v)}"),
    ("meta_capex", {"period": "FY2024", "announced": "2023-10-25"}, "low_usd_b", None,
     lambda v: f"October 2023 at {usd_b(v)}"),
    ("meta_capex", {"period": "FY2025", "announced": "2025-01-29"}, "low_usd_b", None,
     lambda v: f"2025 of {usd_b(v)}"),
    ("llama_license", {"clause": "Additional commercial terms (section 2)"}, "summary",
     "A licensee whose products had more than 750 million monthly active users must request a license",
     lambda v: "more than 750 million monthly active users"),
    ("llama_timeline", {"event": "Llama 3.1"}, "detail",
     "405B model, trained with 31.5M H100 GPU-hours (40.1M for the family)",
     lambda v: "took 31.5 million hours"),
    ("llama_timeline", {"event": "Scale AI stake"}, "detail", "Meta invests $15.2B for 49% of Scale AI",
     lambda v: "invest $15.2 billion for 49%"),
    ("closed_lab_economics", {"metric": "API / model access"}, "value_usd_b", None, usd_b),
    ("closed_lab_economics", {"company": "OpenAI", "period": "Jul 2025"}, "value_usd_b", None,
     lambda v: f"the figure was {usd_b(v)}"),
    ("model_prices", {"model": "Claude Sonnet 4"}, "output_usd_per_1m", None,
     lambda v: f"and {usd(v)} for Claude Sonnet 4"),
    ("selfhost", {"parameter": "gpu_usd_per_hour"}, "value", None, lambda v: f"{usd(v)} an hour"),
    ("selfhost", {"parameter": "monthly_tokens_m"}, "value", None,
     lambda v: f"{trim(v / 1000)} billion tokens"),
    ("selfhost", {"parameter": "benchmark_a_output_tokens_per_s"}, "value", None, _all_tokens),
    ("build_vs_buy", {"parameter": "discount_rate"}, "value", None, lambda v: f"hurdle rate of {pct(v)}"),
    ("build_vs_buy", {"parameter": "buy_fee_per_year"}, "value", None, lambda v: f"yearly fee of {usd_b(v)}"),
    ("vtdf_weights", {"layer": "Distribution"}, "platform_lens", None,
     lambda v: f"put {pct(v)} of the weight"),
    ("platform_parallels", {"platform": "Windows Phone"}, "fact",
     "Microsoft wrote down the Nokia devices acquisition by $8.1B", lambda v: "of $8.1 billion"),
    ("platform_parallels", {"platform": "Android"}, "fact", "On about 72% of smartphones",
     lambda v: "about 72% of the world's"),
]


@pytest.mark.parametrize("name,match,column,new,shown", QUOTED, ids=[f"{q[0]}-{q[2]}" for q in QUOTED])
def test_quoted_values_follow_the_data(data_copy, narrative, name, match, column, new, shown):
    value = perturb(data_copy, name, match, column, new)
    expected = shown(value)
    assert expected not in narrative
    changed = render_case_text(ROOT, data=data_copy)
    assert changed != narrative
    assert expected in changed, f"narrative does not show {expected!r} after changing {name}.csv"


def test_quoted_probability_follows_the_data(data_copy, narrative):
    # Move probability between two futures so they still sum to one.
    table = pd.read_csv(data_copy / "scenarios.csv").set_index("future")["probability"]
    step = 0.02
    edit_csv(data_copy, "scenarios", {"future": "Regulatory reset"},
             {"probability": table["Regulatory reset"] + step})
    edit_csv(data_copy, "scenarios", {"future": "Convergence"}, {"probability": table["Convergence"] - step})
    expected = f"gave this future {pct(table['Regulatory reset'] + step)}"
    assert expected not in narrative
    assert expected in render_case_text(ROOT, data=data_copy)


def test_option_definitions_follow_the_data(data_copy, narrative):
    new = "Close the frontier model, sell it by subscription and keep small models open"
    edit_csv(data_copy, "scenario_options", {"option": "Radical pivot"}, {"definition": new})
    assert new not in narrative
    assert f"**Radical pivot.** {new}." in render_case_text(ROOT, data=data_copy)


# --- the decision: the case's courses are the exercises' options -----------------------------


def case_option_names(narrative_text: str) -> list[str]:
    """The bold lead-ins of the section that defines the courses of action."""
    heading = OPTIONS_HEADING.search(narrative_text)
    assert heading, "no section heading naming the courses of action"
    section = narrative_text[heading.end():].split("\n## ", 1)[0]
    return re.findall(r"^\*\*(.+?)\.\*\*", section, re.M)


def test_case_options_are_the_data_options_and_the_notebooks_options(narrative):
    options = pd.read_csv(DATA / "scenario_options.csv")
    baseline = set(options.loc[options["role"] == "baseline", "option"])
    others = set(options.loc[options["role"] != "baseline", "option"])
    named = case_option_names(narrative)
    assert len(named) == len(set(named)), f"a course is defined twice: {named}"
    assert set(named) - baseline == others, f"case {sorted(named)} vs scenario_options.csv {sorted(others)}"
    assert baseline <= set(named), "the baseline course is not defined beside the options"
    notebooks = set(get("scenarios").inputs()["payoffs"].index)
    assert notebooks == others, f"notebooks {sorted(notebooks)} vs case {sorted(others)}"
    # The opening poses the same decision: every option by name, and not as exclusive choices.
    opening = narrative.split("\n## ", 2)[1]
    assert all(name.lower() in opening.lower() for name in others)
    assert "not mutually exclusive" in opening


def test_narrative_quotes_no_exercise_answer_and_no_notebook_plumbing(narrative):
    options, futures, baseline, payoffs = _scenario_inputs()
    expected = scenario_key.expected_values(payoffs, futures["probability"])
    values = set(payoffs.to_numpy().ravel()) | set(expected)
    data = _data_values()
    for value in values:
        if any(abs(abs(value) - d) < 1e-9 for d in data):  # coincides with a data figure: no signal
            continue
        assert usd_b(value) not in narrative and usd_b(-value) not in narrative, value
    text = prose(narrative).lower()
    for plumbing in ("random seed", "draws", "dirichlet", "hurwicz_alpha", "monthly_tokens_m"):
        assert plumbing not in text, f"notebook plumbing in the case: {plumbing!r}"


def _scenario_inputs():
    from autograder.casebook.exhibits import scenario_tables
    return scenario_tables(DATA)


# --- exhibits in order of first mention ------------------------------------------------------


def exhibit_mentions(narrative_text: str) -> list[int]:
    """Exhibit numbers in order of first mention ('Exhibit 3', 'Exhibits 1 and 3')."""
    order: list[int] = []
    for match in re.finditer(r"\bExhibits?\s+(\d+(?:(?:\s*,\s*|\s+and\s+|\s*[–-]\s*)\d+)*)",
                             prose(narrative_text)):
        for number in map(int, re.findall(r"\d+", match.group(1))):
            if number not in order:
                order.append(number)
    return order


def test_exhibits_are_first_mentioned_in_number_order(narrative):
    assert exhibit_mentions(narrative) == [e.number for e in EXHIBITS]


# --- sources: endnotes, the registry, the one quotation ---------------------------------------


def _data_cited_ids(folder: Path = DATA) -> set[str]:
    """Source ids named by data rows (sourced rows of parameter tables only)."""
    found: set[str] = set()
    for name in CSV_FILES:
        if name == REGISTRY:
            continue
        table = pd.read_csv(folder / f"{name}.csv", keep_default_na=False)
        if "basis" in table.columns:
            table = table[table["basis"] == "sourced"]
        for column in ("source", "price_source"):
            if column in table.columns:
                found.update(i for cell in table[column] for i in ids(cell))
    return found


def _template_cited_ids() -> set[str]:
    text = re.sub(r"\{#.*?#\}", " ", TEMPLATE.read_text(encoding="utf-8"), flags=re.S)
    calls = re.findall(r"\bcite\(([^)]*)\)", text)
    return {i for call in calls for i in re.findall(r"[\"']([^\"']+)[\"']", call)}


def check_sources(page_html: str, folder: Path = DATA) -> None:
    """Every source id a data row or the narrative cites is in the registry, and the page's
    endnotes are exactly the cited sources, each pointed to by a citation."""
    registry = set(pd.read_csv(folder / f"{REGISTRY}.csv")["id"])
    from_data, from_template = _data_cited_ids(folder), _template_cited_ids()
    assert from_template, "the narrative cites nothing: the check would be vacuous"
    assert not from_data - registry, f"data rows cite unknown sources: {sorted(from_data - registry)}"
    unknown = sorted(from_template - registry)
    assert not unknown, f"the narrative cites unknown sources: {unknown}"

    notes = Endnotes.read(folder)
    cite = notes.cite
    narrative_ids: list[str] = []

    def recording(*source_ids: str) -> str:
        narrative_ids.extend(source_ids)
        return cite(*source_ids)

    notes.cite = recording  # type: ignore[method-assign]
    render_case_text(ROOT, folder, notes)
    render_exhibits(folder, notes)
    assert set(notes.order) == from_data | set(narrative_ids), "endnotes differ from what is cited"

    listed = re.findall(r'<li id="note-(\d+)"', page_html.split('<ol class="endnotes">', 1)[1])
    assert [int(n) for n in listed] == list(range(1, len(notes.order) + 1)), (
        f"{len(listed)} endnotes listed for {len(notes.order)} cited sources")
    body = page_html.split('<section class="notes">', 1)[0]
    narrative_marks = set(re.findall(r'href="#note-(\d+)"', body))
    exhibit_marks = {n for group in re.findall(r"\[(\d+(?:, \d+)*)\]", visible_text(body))
                     for n in group.split(", ")}
    uncited = [n for n in listed if n not in narrative_marks | exhibit_marks]
    assert not uncited, f"endnotes no citation points to: {uncited}"


def test_every_cited_source_is_registered_and_every_endnote_is_cited(page):
    check_sources(page)


def test_the_only_long_quotation_is_the_letter_cited_to_it():
    notes = Endnotes.read(DATA)
    text = prose(render_case_text(ROOT, DATA, notes))
    quotes = [(m.group(1) or m.group(2), m.end())
              for m in re.finditer(r"[“\"]([^”\"]+)[”\"]|‘([^’]+)’", text)]
    long = [(q, end) for q, end in quotes if len(words(q)) > 5]
    assert long, "the letter's sentence is not quoted: the check would be vacuous"
    for quoted, end in long:
        assert quoted.replace("’", "'") == LETTER_SENTENCE, f"quotation other than the letter: {quoted!r}"
        mark = re.match(r"\s*[.,;]?\s*⟦(\d+)⟧", text[end:])
        assert mark, "the letter's sentence is not followed by its citation"
        assert notes.order[int(mark.group(1)) - 1] == LETTER_ID


def test_every_exhibit_has_a_source_line(page):
    found = sections(page)
    for number in range(1, 10):
        match = re.search(r'<p class="source"><strong>Source:</strong>(.*?)</p>', found[number], re.S)
        assert match and match.group(1).strip(), f"Exhibit {number} has no source line"


def test_no_vague_sources(page):
    text = visible_text(page)
    for vague in ("via press", "mirrors", "widely documented", "facts.md"):
        assert vague not in text, f"vague source {vague!r} on the page"


# --- the data dictionary ---------------------------------------------------------------------


def _dictionary() -> dict[str, list[str]]:
    text = DICTIONARY.read_text(encoding="utf-8")
    entries: dict[str, list[str]] = {}
    for block in re.split(r"^### ", text, flags=re.M)[1:]:
        name = block.splitlines()[0].strip()
        assert "| column | unit | basis | description |" in block, f"{name}: table header missing"
        rows = re.findall(r"^\|\s*`?([^|`]+?)`?\s*\|", block, re.M)
        entries[name] = [r for r in rows if r != "column" and not set(r) <= set("-: ")]
    return entries


def test_data_dictionary_covers_every_file_and_column_exactly():
    entries = _dictionary()
    assert sorted(entries) == sorted(f"{n}.csv" for n in CSV_FILES)
    for name in CSV_FILES:
        columns = list(pd.read_csv(DATA / f"{name}.csv", nrows=0).columns)
        listed = entries[f"{name}.csv"]
        assert sorted(listed) == sorted(columns), f"{name}.csv: dictionary {listed} vs file {columns}"
    text = DICTIONARY.read_text(encoding="utf-8")
    assert all(f"**{grade}**" in text for grade in "ABC"), "reliability grades A/B/C not explained"
    assert longdate(AS_OF) in text and "autograder/data.py" in text, "as-of date and its home not stated"
    assert EPILOGUE in text, "the dictionary does not say where later events live"


# --- originality: no copied seed text, no invented quotations --------------------------------

@pytest.fixture(scope="module")
def case_words(page, narrative) -> str:
    return " " + " ".join(words(narrative + " " + visible_text(page))) + " "


def test_no_run_of_twelve_words_from_a_seed(case_words):
    case = case_words.split()
    grams = {tuple(case[i : i + NGRAM]) for i in range(len(case) - NGRAM + 1)}
    for name, text in seed_texts().items():
        seed = words(text)
        copied = [" ".join(seed[i : i + NGRAM]) for i in range(len(seed) - NGRAM + 1)
                  if tuple(seed[i : i + NGRAM]) in grams]
        assert not copied, f"{name}: copied run(s) {copied[:3]}"


def test_no_quotation_from_the_seeds_appears(case_words):
    quotes = seed_quotations()
    assert quotes, "no seed quotations found: the check would be vacuous"
    present = [q for q in quotes if f" {q} " in case_words]
    assert not present, f"seed quotations reproduced: {present}"


def test_no_quoted_sentence_near_a_named_person_but_the_letter(narrative):
    names = ("Zuckerberg", "LeCun", "Altman", "Fei-Fei Li", "Cusumano", "Kai-Fu Lee", "Barzilay",
             "Gebru", "Brynjolfsson", "Abbeel", "Etzioni", "Amodei", "Pichai", "Wang", "Friedman",
             "Mensch")
    text = prose(narrative)
    for quote in re.finditer(r"[“\"]([^”\"]+)[”\"]", text):
        if len(quote.group(1).split()) >= QUOTE_WORDS and quote.group(1).replace("’", "'") != LETTER_SENTENCE:
            nearby = text[max(0, quote.start() - 200) : quote.end() + 200]
            assert not any(n in nearby for n in names), f"quotation near a named person: {quote.group()}"


# --- the page: complete, self-contained, the right length, honest framing ---------------------


def test_page_contains_every_exhibit_in_order(page):
    found = sections(page)
    assert sorted(found) == list(range(1, 10))
    positions = [page.index(f'id="exhibit-{n}"') for n in range(1, 10)]
    assert positions == sorted(positions)
    assert page.index('id="exhibit-1"') > page.index("composite")  # exhibits follow the text


def test_illustrative_exhibits_are_flagged(page):
    found = sections(page)
    for exhibit in EXHIBITS:
        flagged = "Illustrative: teaching assumptions, not company data" in found[exhibit.number]
        assert flagged == exhibit.illustrative, f"Exhibit {exhibit.number} illustrative flag"
    assert "ILLUSTRATIVE" in found[4]  # the capability index column


def test_figures_are_embedded_and_no_image_is_broken(page, tmp_path):
    sources = re.findall(r'<img\b[^>]*\bsrc="([^"]*)"', page)
    for src in sources:
        if src.startswith("data:"):
            assert src.startswith("data:image/png;base64,")
            assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
        else:
            assert (tmp_path / src).is_file(), f"broken image link {src}"
    found = sections(page)
    for exhibit in EXHIBITS:
        assert found[exhibit.number].count('src="data:image/png;base64,') == exhibit.figures
    assert sum(e.figures for e in EXHIBITS) >= 2
    assert len(sources) == sum(e.figures for e in EXHIBITS)
    assert not re.search(r'<link\b[^>]*stylesheet|<script\b[^>]*\bsrc=', page), "page must be self-contained"


def test_narrative_length(narrative):
    low, high = WORDS
    assert low <= word_count(narrative) <= high, word_count(narrative)


def test_word_count_ignores_markup():
    assert word_count("## Heading\n\nTwo **bold** words.[^note]\n\n[^note]: A note.") == 6


def test_protagonist_is_composite_and_front_matter_is_complete(narrative, page):
    # The opening paragraph (first after the first section heading) footnotes its protagonist,
    # and that footnote says the role is composite and fictional.
    opening = re.split(r"\n\s*\n", narrative.split("\n## ", 1)[1])[1]
    marks = re.findall(r"\[\^([^\]]+)\](?!:)", opening)
    assert marks, "the opening paragraph has no footnote on its protagonist"
    notes = {m: re.search(rf"^\[\^{re.escape(m)}\]:(.*)$", narrative, re.M) for m in marks}
    assert any(n and "composite" in n.group(1) and "fictional" in n.group(1) for n in notes.values())
    assert narrative.count(longdate(AS_OF)) >= 2  # the setting line and the opening
    assert longdate(AS_OF) in visible_text(page)
    front = narrative.split("\n## ", 1)[0]
    assert "prepared by the case writers from published sources" in front
    assert "only information that was public on that date" in front
    assert "Open by Design: Meta, Llama and the Price of Giving AI Away" in front


def test_build_defaults_to_case_build_under_the_root(tmp_path):
    root = tmp_path / "course"
    (root / "case").mkdir(parents=True)
    shutil.copytree(DATA, root / "case" / "data")
    shutil.copy(TEMPLATE, root / "case" / TEMPLATE.name)
    out = build_case(root)
    assert out == root / "case" / "build" / "case.html" and out.is_file()
