"""The teaching case: its numbers come from case/data, its exhibits are complete and sourced, and
its text is original (no copied seed sentences, no invented quotations)."""

from __future__ import annotations

import base64
import html as htmlmod
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from seeds import QUOTE_WORDS, seed_quotations, seed_texts, words

from autograder.casebook import AS_OF, EXHIBITS, build_case, render_case_text, word_count
from autograder.casebook.exhibits import longdate, pct, trim, usd, usd_b
from autograder.data import DataError

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "case" / "data"
TEMPLATE = ROOT / "case" / "case.md.j2"
DICTIONARY = DATA / "README.md"
CSV_FILES = sorted(p.stem for p in DATA.glob("*.csv"))

# Literal numbers the template may contain: exhibit numbers (1-9). Years 1990-2030 are also text.
ALLOWED_SMALL = set(range(1, 10))
NGRAM = 12  # no run of this many consecutive words from a seed article


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


def sections(page_html: str) -> dict[int, str]:
    found = re.findall(r'<section class="exhibit" id="exhibit-(\d+)".*?</section>', page_html, re.S)
    bodies = re.findall(r'(<section class="exhibit" id="exhibit-\d+".*?</section>)', page_html, re.S)
    return {int(n): body for n, body in zip(found, bodies)}


def visible_text(page_html: str) -> str:
    return htmlmod.unescape(re.sub(r"<[^>]+>", " ",
                                   re.sub(r"<(style|script)\b.*?</\1>", " ", page_html, flags=re.S)))


# --- exhibits come from case/data ------------------------------------------------------------


def test_registry_holds_exhibits_one_to_nine_over_existing_files():
    assert [e.number for e in EXHIBITS] == list(range(1, 10))
    used = {f for e in EXHIBITS for f in e.files}
    assert used <= set(CSV_FILES), f"exhibits name missing files: {used - set(CSV_FILES)}"
    assert set(CSV_FILES) <= used, f"CSV files no exhibit uses: {set(CSV_FILES) - used}"
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


# One cell per exhibit file: (row match, column, new text or None to bump the number). Rows are
# ones the case shows (dated on or before the as-of date).
PERTURB = {
    "meta_financials": ({"year": 2024}, "revenue_usd_b", None),
    "meta_capex": ({"period": "FY2024", "kind": "actual"}, "high_usd_b", None),
    "llama_timeline": ({"event": "Llama 2"}, "detail", "Weights released under revised terms"),
    "llama_license": ({"clause": "Attribution"}, "summary", "Products must credit Meta prominently"),
    "closed_lab_economics": ({"metric": "API / model access"}, "value_usd_b", None),
    "model_prices": ({"model": "GPT-4o mini"}, "output_usd_per_1m", None),
    "vtdf_scores": ({"criterion": "Custom silicon"}, "Meta", None),
    "vtdf_rubric": ({"score": 3}, "meaning", "At par with the field"),
    "vtdf_weights": ({"layer": "Value"}, "platform_lens", None),
    "build_vs_buy": ({"parameter": "annual_benefit"}, "value", None),
    "selfhost": ({"parameter": "utilization"}, "value", None),
    "scenarios": ({"future": "Convergence"}, "description", "The camps blur into one market"),
    "scenario_payoffs": ({"option": "Radical pivot"}, "Convergence", None),
    "scenario_params": ({"parameter": "draws"}, "value", None),
    "platform_parallels": ({"platform": "Fire Phone"}, "fact", "Amazon took a $180M write-down"),
}


@pytest.mark.parametrize(
    "number,name", [(e.number, f) for e in EXHIBITS for f in e.files], ids=lambda v: str(v)
)
def test_each_exhibit_changes_when_its_data_changes(data_copy, number, name):
    exhibit = next(e for e in EXHIBITS if e.number == number)
    before = exhibit.html(data_copy)
    assert exhibit.html(data_copy) == before, "rendering is not deterministic: the check would be vacuous"
    perturb(data_copy, name, *PERTURB[name])
    after = exhibit.html(data_copy)
    assert after != before, f"Exhibit {number} did not change when {name}.csv changed"


def test_built_page_takes_exhibits_from_the_data_folder_given(data_copy, page, tmp_path):
    perturb(data_copy, "model_prices", *PERTURB["model_prices"])
    changed = sections(
        build_case(ROOT, out=tmp_path / "case.html", data=data_copy).read_text(encoding="utf-8"))
    original = sections(page)
    assert changed[4] != original[4]
    assert changed[9] == original[9]


def test_scenario_probabilities_change_exhibit_8(data_copy):
    exhibit = EXHIBITS[7]
    before = exhibit.html(data_copy)
    edit_csv(data_copy, "scenarios", {"future": "Convergence"}, {"probability": 0.2})
    edit_csv(data_copy, "scenarios", {"future": "Regulatory reset"}, {"probability": 0.2})
    assert exhibit.html(data_copy) != before


def test_exhibits_leave_out_rows_after_the_as_of_date(page):
    for day in re.findall(r"\b(20\d\d-\d\d-\d\d)\b", visible_text(page)):
        assert day <= AS_OF.isoformat(), f"{day} is after the as-of date"
    for later in ("Scale AI", "Jun 2025", "Jul 2025", "FY2026"):
        assert later not in visible_text(page)


def test_bad_data_fails_with_an_error_naming_the_file(data_copy):
    edit_csv(data_copy, "model_prices", {"model": "GPT-4o mini"}, {"input_usd_per_1m": "n/a"})
    with pytest.raises(DataError, match="model_prices.csv"):
        EXHIBITS[3].html(data_copy)
    with pytest.raises(DataError, match="model_prices.csv"):
        render_case_text(ROOT, data=data_copy)


def test_unbalanced_probabilities_are_refused(data_copy):
    edit_csv(data_copy, "scenarios", {"future": "Convergence"}, {"probability": 0.5})
    with pytest.raises(DataError, match="scenarios.csv"):
        EXHIBITS[7].html(data_copy)


def test_missing_row_behind_a_placeholder_fails_the_build(data_copy):
    table = pd.read_csv(data_copy / "llama_timeline.csv")
    table[table["event"] != "Llama 3.1"].to_csv(data_copy / "llama_timeline.csv", index=False)
    with pytest.raises(DataError, match="case.md.j2"):
        render_case_text(ROOT, data=data_copy)


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
    prose = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", text, flags=re.S)
    data = _data_values()
    offending = []
    for value, decimals, percent in _numbers(prose):
        if value.is_integer() and (1990 <= value <= 2030 or value in ALLOWED_SMALL):
            continue
        candidates = {value, value / 100} if percent else {value}
        # A typed number counts if it equals a data value as written or as rounded in prose.
        if any(abs(round(v, decimals) - c) < 1e-9 for v in data for c in candidates):
            offending.append(value)
    assert not offending, f"numbers typed into case.md.j2 that belong in case/data: {offending}"


QUOTED = [
    # (file, row match, column, new text or None to bump, how the narrative must show the value)
    ("meta_financials", {"year": 2024}, "revenue_usd_b", None, usd_b),
    ("meta_financials", {"year": 2024}, "daily_active_people_b", None, lambda v: f"{trim(v)} billion people"),
    ("meta_capex", {"period": "FY2024", "kind": "actual"}, "high_usd_b", None,
     lambda v: f"closed at {usd_b(v)}"),
    ("meta_capex", {"period": "FY2025", "announced": "2025-01-29"}, "low_usd_b", None,
     lambda v: f"between {usd_b(v)}"),
    ("llama_license", {"clause": "Additional commercial terms (section 2)"}, "summary",
     "A licensee whose products had more than 750 million monthly active users must request a license",
     lambda v: "more than 750 million monthly active users"),
    ("llama_timeline", {"event": "Downloads >1B"}, "event", "Downloads >2B", lambda v: "passed 2 billion"),
    ("closed_lab_economics", {"metric": "API / model access"}, "value_usd_b", None, usd_b),
    ("model_prices", {"model": "Claude 3.5 Sonnet"}, "output_usd_per_1m", None,
     lambda v: f"{usd(v)} per million output"),
    ("selfhost", {"parameter": "gpu_usd_per_hour"}, "value", None, lambda v: f"{usd(v)} an hour"),
    ("selfhost", {"parameter": "monthly_tokens_m"}, "value", None,
     lambda v: f"{trim(v / 1000)} billion tokens"),
    ("build_vs_buy", {"parameter": "discount_rate"}, "value", None, lambda v: f"hurdle rate of {pct(v)}"),
    ("vtdf_weights", {"layer": "Distribution"}, "platform_lens", None,
     lambda v: f"put {pct(v)} of the weight"),
    ("platform_parallels", {"platform": "Windows Phone"}, "fact",
     "Microsoft wrote down the Nokia devices acquisition by $8.1B", lambda v: "by $8.1 billion"),
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


# --- sources and the data dictionary ---------------------------------------------------------


def test_every_exhibit_has_a_source_line(page):
    found = sections(page)
    for number in range(1, 10):
        match = re.search(r'<p class="source"><strong>Source:</strong>(.*?)</p>', found[number], re.S)
        assert match and match.group(1).strip(), f"Exhibit {number} has no source line"


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


def test_no_quoted_sentence_near_a_named_person(narrative):
    names = ("Zuckerberg", "LeCun", "Altman", "Fei-Fei Li", "Cusumano", "Kai-Fu Lee", "Barzilay",
             "Gebru", "Brynjolfsson", "Abbeel", "Etzioni", "Amodei", "Pichai")
    for quote in re.finditer(r"[“\"]([^”\"]+)[”\"]", narrative):
        if len(quote.group(1).split()) >= QUOTE_WORDS:
            nearby = narrative[max(0, quote.start() - 200) : quote.end() + 200]
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
    assert 3500 <= word_count(narrative) <= 5500, word_count(narrative)


def test_word_count_ignores_markup():
    assert word_count("## Heading\n\nTwo **bold** words.[^note]\n\n[^note]: A note.") == 6


def test_protagonist_is_composite_and_as_of_date_is_stated(narrative, page):
    # The opening paragraph (first after the first section heading) footnotes its protagonist,
    # and that footnote says the role is composite and fictional.
    opening = re.split(r"\n\s*\n", narrative.split("\n## ", 1)[1])[1]
    marks = re.findall(r"\[\^([^\]]+)\](?!:)", opening)
    assert marks, "the opening paragraph has no footnote on its protagonist"
    notes = {m: re.search(rf"^\[\^{re.escape(m)}\]:(.*)$", narrative, re.M) for m in marks}
    assert any(n and "composite" in n.group(1) and "fictional" in n.group(1) for n in notes.values())
    assert narrative.count(longdate(AS_OF)) >= 2  # the setting line and the opening
    assert longdate(AS_OF) in visible_text(page)


def test_build_defaults_to_case_build_under_the_root(tmp_path):
    root = tmp_path / "course"
    (root / "case").mkdir(parents=True)
    shutil.copytree(DATA, root / "case" / "data")
    shutil.copy(TEMPLATE, root / "case" / TEMPLATE.name)
    out = build_case(root)
    assert out == root / "case" / "build" / "case.html" and out.is_file()
