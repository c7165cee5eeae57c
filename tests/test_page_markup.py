"""The markup of the pages people read: the student feedback pages, the instructor report and
the case. What can be checked without a browser: distinct item labels, readable times and
statuses, autoescaping of student text, one <h1>, a viewport, scoped table headers, tables in
their own scrolling blocks, text contrast computed from the stylesheets, nothing loaded from
the network. (The browser suite, tests/test_browser_pages.py, measures the rendered pages.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autograder.assignments import ASSIGNMENTS
from autograder.casebook import build_case
from autograder.grading.results import (
    FAILED,
    GRADED,
    MANUAL,
    UNANSWERED,
    WRONG,
    ItemResult,
    SubmissionResult,
)
from autograder.outputs import render_feedback
from autograder.outputs.exports import exportable_score
from autograder.outputs.feedback import comment, item_label, item_labels, show_time
from autograder.outputs.pages import TEMPLATES, answer_html, answer_text, ident, inline_code, number
from autograder.outputs.report import render_report

ROOT = Path(__file__).resolve().parents[1]
CASE_CSS = ROOT / "autograder" / "casebook" / "templates" / "case.css"
SCRIPT = "<script>alert('x')</script>"
AA = 4.5  # WCAG AA contrast for normal text


# -- colour contrast (WCAG 2) ---------------------------------------------------------------------

def _rgb(hex_colour: str) -> tuple[float, float, float]:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    r, g, b = (int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return r, g, b


def _luminance(hex_colour: str) -> float:
    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(c) for c in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: str, bg: str) -> float:
    a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def test_contrast_matches_known_values():
    """Is the contrast formula right (black on white 21:1, #777 on white 4.48:1, the old
    footer that failed)?"""
    assert contrast("#000", "#fff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#777", "#fff") < AA


def _rule(css: str, selector: str) -> str:
    m = re.search(rf"(?m)^{re.escape(selector)}\s*\{{([^}}]*)\}}", css)
    assert m, f"no rule for {selector}"
    return m.group(1)


def _colour(block: str, prop: str) -> str:
    m = re.search(rf"(?:^|;|\s){prop}\s*:\s*(#[0-9a-fA-F]{{3,6}})", block)
    assert m, f"no {prop} in {block!r}"
    return m.group(1)


def test_case_footer_text_has_aa_contrast():
    """Is the colophon's text colour at least 4.5:1 against the page it sits on (the .case
    column's background), computed from case.css?"""
    css = CASE_CSS.read_text(encoding="utf-8")
    fg = _colour(_rule(css, ".colophon"), "color")
    bg = _colour(_rule(css, ".case"), "background")
    assert contrast(fg, bg) >= AA, (fg, bg, contrast(fg, bg))


def test_every_text_colour_of_the_case_and_shared_stylesheets_has_aa_contrast():
    """Is every text colour of case.css and the feedback/report stylesheet readable on white
    and on the light panels (#f6f8fa, #eef3f8) they use?"""
    sheets = [CASE_CSS.read_text(encoding="utf-8"), (TEMPLATES / "pages.css").read_text(encoding="utf-8")]
    for name in ("feedback.html.j2", "report.html.j2"):
        sheets.append((TEMPLATES / name).read_text(encoding="utf-8").split("</style>")[0])
    colours = {c for css in sheets
               for c in re.findall(r"(?<![-\w])color\s*:\s*(#[0-9a-fA-F]{3,6})", css)}
    assert colours
    for fg in colours - {"#fff", "#ffffff"}:  # white is used on the dark table headers only
        for bg in ("#ffffff", "#f6f8fa", "#eef3f8"):
            assert contrast(fg, bg) >= AA, (fg, bg, round(contrast(fg, bg), 2))
    assert contrast("#ffffff", "#1f4e79") >= AA  # the case's exhibit table headers


# -- item labels -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_item_labels_are_distinct_in_every_assignment(name):
    """Does every item of every assignment get its own label, question number included (no
    two items both called "Q4")?"""
    spec = ASSIGNMENTS[name]
    items = [c.id for c in spec.checks] + list(spec.manual)
    labels = [item_label(name, i) for i in items]
    assert len(set(labels)) == len(labels), labels
    numbers = [label.split(" · ")[0] for label in labels]
    assert all(re.fullmatch(r"Q\d+(\([a-z]\))?", n) for n in numbers), numbers
    assert len(set(numbers)) == len(numbers), numbers
    assert item_labels(name, items) == dict(zip(items, labels))


def test_items_sharing_a_question_get_letters_in_order():
    assert item_label("build_vs_buy", "q4_payback").startswith("Q4(a) · ")
    assert item_label("build_vs_buy", "q4_incremental_payback").startswith("Q4(b) · ")
    assert item_label("build_vs_buy", "q2_npv").startswith("Q2 · ")
    assert item_label("nonexistent", "q3b_thing") == "Q3(b) · Thing"
    twice = item_labels("nonexistent", ["x_y", "x y"])
    assert len(set(twice.values())) == 2


# -- the feedback page -----------------------------------------------------------------------------

def _result(items, **kw) -> SubmissionResult:
    return SubmissionResult("s1", "vtdf", GRADED, True, items,
                            timestamp=kw.pop("timestamp", "2025-10-06 17:03:12.345678 UTC"), **kw)


def _visible(page: str) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S))


@pytest.mark.parametrize("given, shown", [
    ("2025-10-06 17:03:12.345678 UTC", "2025-10-06 17:03 UTC"),
    ("2025-10-06 17:03:12", "2025-10-06 17:03 UTC"),
    ("2025-10-06T17:03:12.5+00:00", "2025-10-06 17:03 UTC"),
    ("2025-10-06 17:03:12.1 +0200", "2025-10-06 17:03 UTC+02:00"),
    (None, "unknown"),
    ("yesterday", "yesterday"),
])
def test_times_are_shown_to_the_minute_with_the_zone(given, shown):
    assert show_time(given)[0] == shown


def test_feedback_page_has_no_microseconds_no_backticks_and_a_viewport():
    items = [ItemResult("q1_normalized", UNANSWERED, 0.0, 3,
                        "not answered: the cell still raises NotImplementedError"),
             ItemResult("q2_layer_scores", WRONG, 0.0, 3,
                        "`layer_scores` is not defined: the answer cell raised "),
             ItemResult("q3_totals", GRADED, 4.0, 4)]
    page = render_feedback(_result(items))
    assert "17:03 UTC" in page and "17:03:12" not in page and ".345678" not in page
    assert '<time datetime="2025-10-06T17:03Z">' in page
    assert "`" not in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "<code>layer_<wbr>scores</code>" in page
    text = _visible(page)
    assert "NotImplementedError" in text and "Not answered" in text
    assert not re.search(r"[:;,]\s*(<|$)", page.split("<tbody>")[1].split("</tbody>")[0], re.M)
    assert page.count("<h1>") == 1 and page.count("<main") == 1


def test_comments_read_as_sentences():
    """No status repeated, no dangling colon, Markdown code kept for <code>."""
    unanswered = ItemResult("q1", UNANSWERED, 0.0, 3, "not answered: the cell still raises "
                            "NotImplementedError")
    assert comment(unanswered).startswith("Unanswered — the answer cell still raises")
    failed = ItemResult("q1", FAILED, None, 3, "not graded: the kernel stopped, twice")
    assert comment(failed) == "The kernel stopped, twice"
    dangling = ItemResult("q1", WRONG, 0.0, 3, "`x` is not defined: the answer cell raised :")
    assert comment(dangling) == "`x` is not defined: the answer cell raised"
    assert str(inline_code(comment(dangling))) == "<code>x</code> is not defined: the answer cell raised"
    assert comment(ItemResult("q1", GRADED, 3.0, 3)) == "—"


def test_feedback_table_is_a_responsive_scrolling_block_with_scoped_headers():
    page = render_feedback(_result([ItemResult("q1_normalized", GRADED, 3.0, 3)]))
    assert re.search(r'<div class="table-scroll cards" role="region" aria-label="[^"]+" '
                     r'tabindex="0">\s*<table>', page)
    heads = re.findall(r"<th\b[^>]*>", page)
    assert heads and all('scope="col"' in h for h in heads)
    for label in ("Question", "Points", "Status", "Comment"):
        assert f'data-label="{label}"' in page
    css = page.split("<style>")[1].split("</style>")[0]
    assert "@media (max-width: 600px)" in css and "overflow-wrap: anywhere" in css
    assert "overflow-x: auto" in css


def test_feedback_autoescapes_a_hostile_comment_and_message():
    items = [ItemResult("q1_normalized", WRONG, 0.0, 3, f"your answer was {SCRIPT}"),
             ItemResult("q2_layer_scores", WRONG, 0.0, 3, f"`{SCRIPT}`")]
    page = render_feedback(_result(items, message=f"kernel said {SCRIPT}"))
    assert "<script" not in page
    assert page.count("&lt;script&gt;") >= 3


def test_total_is_incomplete_when_an_item_could_not_be_graded():
    """One item `grading failed` (no score): grades.csv leaves the score blank, so the page
    must not show a number as the total either."""
    items = [ItemResult("q1_normalized", GRADED, 3.0, 3),
             ItemResult("q2_layer_scores", FAILED, None, 3, "not graded: the kernel stopped")]
    result = _result(items)
    assert exportable_score(result) is None
    page = render_feedback(result)
    assert "Total: <strong>incomplete</strong>" in page
    assert "Total: <strong>3 / 6</strong>" not in page
    assert "3 points could not be graded" in page
    graded = render_feedback(_result(items[:1]))
    assert "Total: <strong>3 / 3</strong>" in graded


def test_feedback_template_is_a_file_with_autoescaping():
    assert (TEMPLATES / "feedback.html.j2").is_file() and (TEMPLATES / "report.html.j2").is_file()
    source = (ROOT / "autograder" / "outputs" / "feedback.py").read_text(encoding="utf-8")
    assert "<!DOCTYPE" not in source and "<table" not in source
    report = (ROOT / "autograder" / "outputs" / "report.py").read_text(encoding="utf-8")
    assert "<!DOCTYPE" not in report and len(report.splitlines()) <= 500


# -- the report --------------------------------------------------------------------------------------

def _class() -> list[SubmissionResult]:
    results = []
    for n in range(12):
        items = [ItemResult("q1_normalized", GRADED if n % 3 else WRONG, 3.0 if n % 3 else 0.0, 3,
                            value={"Frontier capability": {"Meta": 0.6, "OpenAI": 1.0}}
                            if n % 3 == 0 else None, message="`x`: rescale"),
                 ItemResult("q4_trailing_layer", WRONG if n < 3 else GRADED,
                            0.0 if n < 3 else 2.0, 2, value=SCRIPT if n < 3 else "Technology",
                            message=f"you said {SCRIPT}"),
                 ItemResult("q9a_paradox_layer", MANUAL, None, 6)]
        results.append(SubmissionResult(f"s{n:02d}", "vtdf", GRADED, True, items,
                                        timestamp="2025-03-01 12:00:00.000000 UTC"))
    return results


@pytest.fixture(scope="module")
def report() -> str:
    return render_report(_class())


def test_report_has_a_viewport_one_h1_and_one_main(report):
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in report
    assert report.count("<h1>") == 1 and report.count("<main") == 1
    assert '<html lang="en">' in report


def test_report_tables_scroll_in_their_own_block_with_scoped_headers(report):
    tables = re.findall(r"<table\b", report)
    blocks = re.findall(r'<div class="table-scroll[^"]*" role="region" aria-label="[^"]+" '
                        r'tabindex="0">\s*<table\b', report)
    assert tables and len(blocks) == len(tables)
    heads = re.findall(r"<th\b[^>]*>", report)
    assert all(re.search(r'scope="(col|row)"', h) for h in heads)
    images = re.findall(r"<img\b[^>]*>", report)
    assert images and all(re.search(r'alt="[^"]{10,}"', i) for i in images)


def test_report_identifiers_wrap_only_at_underscores(report):
    assert "<code>q4_<wbr>trailing_<wbr>layer</code>" in report
    css = (TEMPLATES / "pages.css").read_text(encoding="utf-8")
    assert "word-break: break-all" not in css and "word-break: break-all" not in report


def test_report_shows_answers_readably_and_escapes_them(report):
    assert '<span class="key">Frontier capability</span>: Meta: 0.6, OpenAI: 1' in report
    assert "{&#34;" not in report and '{"' not in report  # no raw JSON
    assert "<script" not in report and "&lt;script&gt;" in report
    assert "`" not in _visible(report)


def test_answer_formatting():
    assert number(12345.678) == "12,346" and number(0.0123456) == "0.01235"
    assert number(1.23456) == "1.235" and number(3.0) == "3" and number(2000000) == "2,000,000"
    assert answer_text({"a": 0.123456, "b": [1, 2.5]}) == "a: 0.1235; b: 1, 2.5"
    assert answer_text(list(range(100))).endswith("…")
    assert len(answer_text("x" * 500)) == 160 and answer_text("x" * 500).endswith("…")
    html = str(answer_html({SCRIPT: 1}))
    assert "<script" not in html and html.startswith('<ul class="answer">')
    assert str(ident("a_b<c")) == "a_<wbr>b&lt;c"


# -- the case ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def case_page(tmp_path_factory) -> str:
    return build_case(ROOT, out=tmp_path_factory.mktemp("case") / "case.html").read_text(encoding="utf-8")


def test_case_has_one_h1_in_order_headings_and_one_main(case_page):
    assert len(re.findall(r"<h1\b", case_page)) == 1
    assert len(re.findall(r"<main\b", case_page)) == 1
    levels = [int(n) for n in re.findall(r"<h([1-6])\b", case_page)]
    assert levels[0] == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), "a heading level is skipped"
    assert '<h2 class="exhibits-heading"' in case_page and '<h2 class="notes-heading"' in case_page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in case_page


def test_case_tables_scroll_in_their_own_block_and_figures_fit(case_page):
    tables = re.findall(r"<table\b", case_page)
    blocks = re.findall(r'<div class="table-block" role="region" aria-label="[^"]+" tabindex="0">'
                        r'<p class="table-caption">[^<]*</p><table\b', case_page)
    assert tables and len(blocks) == len(tables)
    heads = re.findall(r"<th\b[^>]*>", case_page)
    assert heads and all('scope="col"' in h for h in heads)
    images = re.findall(r"<img\b[^>]*>", case_page)
    assert images and all(re.search(r'alt="[^"]{10,}"', i) for i in images)
    css = CASE_CSS.read_text(encoding="utf-8")
    figure = _rule(css, ".exhibit-figure img")
    assert "max-width: 100%" in figure and "height: auto" in figure and "width: 100%" in figure
    assert "overflow-x: auto" in _rule(css, ".table-block")


@pytest.mark.parametrize("kind", ["feedback", "report", "case"])
def test_pages_load_nothing_from_the_network(kind, report, case_page):
    page = {"feedback": render_feedback(_result([ItemResult("q1_normalized", GRADED, 3.0, 3)])),
            "report": report, "case": case_page}[kind]
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert not re.search(r"<link\b|<script\b[^>]*\bsrc|@import|url\(\s*['\"]?(https?:)?//", page)
