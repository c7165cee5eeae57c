"""The kit's PDFs, printed for real by headless Chromium and read back with pypdf: the case,
the teaching note and the assignment sheets open, have sensible page counts, hold every
exhibit title and no blank page; the student files hold no date after the case's as-of date and
nothing instructor-only; the teaching note is Part I of the guide without the runbook."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys

import openpyxl
import pypdf
import pytest
from conftest import seconds
from kit_checks import dates_after, instructor_only, instructor_only_snippets, normalized

from autograder.assignments import ASSIGNMENTS
from autograder.casebook.build import render_case_text, title_of
from autograder.casebook.exhibits import EXHIBITS
from autograder.data import AS_OF
from autograder.guide import question_titles
from autograder.kit import case_pdf, sheets, teaching_note
from autograder.kit.printing import KitError, find_chromium, print_pdf
from autograder.paths import data_dir

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("kit-pdfs")]

ROOT = data_dir().parent.parent
TITLE = title_of(render_case_text(ROOT))
FOOTER = re.compile(r"Page (\d+) of (\d+)")


def pages_text(path) -> list[str]:
    return [normalized(page.extract_text()) for page in pypdf.PdfReader(path).pages]


def without_footer(text: str) -> str:
    return re.sub(r"\s+", " ", FOOTER.sub(" ", text)).strip()


STUDENT_FILES = {"case.pdf", "assignment-sheets.pdf", "exhibits.xlsx"}
INSTRUCTOR_FILES = {"teaching-note.pdf", "class-deck.pptx", "exhibits-key.xlsx",
                    *(f"answers/{name}-answers.html" for name in ASSIGNMENTS)}


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    """The whole kit, built once by the command an instructor runs."""
    if shutil.which("chromium") is None and not os.environ.get("CI"):
        pytest.skip("no chromium")  # .ci/run installs it; in CI a missing browser fails
    out = tmp_path_factory.mktemp("kit") / "dist"
    command = [sys.executable, "-m", "autograder", "kit", "--course", str(ROOT), "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds(600))
    assert done.returncode == 0, done.stderr
    return out, done.stdout


@pytest.fixture(scope="module")
def printed(kit):
    out, _ = kit
    return {"case": out / "student" / "case.pdf", "sheets": out / "student" / "assignment-sheets.pdf",
            "note": out / "instructor" / "teaching-note.pdf"}


def test_kit_command_builds_every_part_into_its_audience_folder(kit):
    out, stdout = kit
    found = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert found == {f"student/{f}" for f in STUDENT_FILES} | {f"instructor/{f}" for f in INSTRUCTOR_FILES}
    for line in found:
        assert line in stdout  # one line per file written, with its size
    assert not list(out.rglob("*.partial")) and not list(out.rglob(".*.tmp"))


def test_student_workbook_holds_nothing_for_instructors(kit):
    out, _ = kit
    book = openpyxl.load_workbook(out / "student" / "exhibits.xlsx")
    text = " ".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value is not None)
    assert instructor_only(text) == [] and dates_after(text, AS_OF) == []


def test_kit_command_refuses_wrong_input_with_one_line(tmp_path):
    bad = subprocess.run([sys.executable, "-m", "autograder", "kit", "--only", "slides"],
                         capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "'slides' is not one of" in bad.stderr
    elsewhere = subprocess.run([sys.executable, "-m", "autograder", "kit", "--course", str(tmp_path)],
                               capture_output=True, text=True)
    assert elsewhere.returncode == 1 and "is not a course folder" in elsewhere.stderr
    missing = subprocess.run([sys.executable, "-m", "autograder", "kit", "--course", str(ROOT), "--out",
                              str(tmp_path / "dist"), "--only", "case"], capture_output=True, text=True,
                             env={**os.environ, "PARADOX_CHROMIUM": "no-such-browser"})
    assert missing.returncode == 1
    assert missing.stderr.strip() == "error: PARADOX_CHROMIUM=no-such-browser: no such program"
    assert not (tmp_path / "dist" / "student" / "case.pdf").exists()


@pytest.mark.parametrize("name, low, high", [("case", 18, 30), ("note", 25, 60), ("sheets", 3, 3)])
def test_pdfs_open_with_numbered_pages_and_no_blank_page(printed, name, low, high):
    reader = pypdf.PdfReader(printed[name])
    assert low <= len(reader.pages) <= high, f"{name}: {len(reader.pages)} pages"
    assert reader.metadata.title and TITLE in reader.metadata.title
    assert reader.metadata.creation_date.date() == AS_OF  # not the build time
    for number, page in enumerate(reader.pages, start=1):
        text = normalized(page.extract_text())
        assert FOOTER.search(text) and FOOTER.search(text).groups() == (str(number), str(len(reader.pages)))
        body = FOOTER.sub("", text).replace(TITLE, "").strip()
        assert len(body) > 200 or list(page.images), f"{name} page {number} is blank: {body!r}"


def test_case_pdf_has_its_front_matter_and_every_exhibit_whole(printed):
    pages = [without_footer(t) for t in pages_text(printed["case"])]
    assert "prepared by the case writers from published sources" in pages[0]
    assert f"set on {AS_OF.day} {AS_OF:%B %Y}" in pages[0]
    for e in EXHIBITS:
        heading = f"Exhibit {e.number}. {e.title}"
        assert heading in pages[0], f"the cover lists {heading!r}"
        # The exhibit starts a page; its pages all carry its running header; it ends (its
        # source line) within two pages of its start: a continuation, never a cut table.
        starts = [i for i, t in enumerate(pages) if i and t.startswith(f"Exhibit {e.number} {heading}")]
        assert len(starts) == 1, f"{heading!r} does not start a page exactly once"
        own = [i for i, t in enumerate(pages) if t.startswith(f"Exhibit {e.number} ")]
        assert own == list(range(starts[0], starts[0] + len(own))) and len(own) <= 3
        assert "Source:" in pages[own[-1]]


def test_case_pdf_figures_are_at_print_resolution(printed):
    widths = [image.image.width for page in pypdf.PdfReader(printed["case"]).pages for image in page.images]
    figures = sum(e.figures for e in EXHIBITS)
    assert len(widths) >= figures
    # Figures are drawn about 8 inches wide at 300 dpi; the screen page uses 150 dpi.
    assert sorted(widths)[-figures] >= 1800, sorted(widths)


@pytest.mark.parametrize("name", ["case", "sheets"])
def test_student_pdfs_stop_at_the_as_of_date_and_hold_nothing_for_instructors(printed, name):
    text = " ".join(pages_text(printed[name]))
    assert dates_after(text, AS_OF) == []
    assert instructor_only(text) == []


def test_the_checks_catch_instructor_material_and_later_dates():
    # The two detectors above can fail: a rubric line, a line of solution code, an epilogue
    # event and a later date are each found in text that carries them.
    from kit_checks import instructor_only_snippets
    snippets = instructor_only_snippets()
    for kind in ("solution", "rubric", "epilogue"):
        planted = f"intro text {snippets[kind][0]} outro"
        assert instructor_only(planted) and instructor_only(planted)[0].startswith(kind)
    assert dates_after("reported on 22 October 2025, in FY2026", AS_OF) == ["22 October 2025", "October 2025",
                                                                            "FY2026"]


def test_assignment_sheets_one_page_each_with_questions_points_and_submission(printed):
    pages = pages_text(printed["sheets"])
    assert len(pages) == len(ASSIGNMENTS)
    for n, (page, a) in enumerate(zip(pages, ASSIGNMENTS.values()), start=1):
        assert f"Assignment {n}: {a.title}" in page
        assert "Due (date and time):" in page and "How to submit" in page and "Validate" in page
        for q, title in question_titles(a).items():
            assert f"Q{q} {normalized(title)}" in page, (a.name, q, title)
        total = a.autograded_points + sum(a.manual.values())
        assert f"{a.notebook}: {total:g} points" in page
        for number_, title in sheets.exhibits_for(a):
            assert f"Exhibit {number_}. {title}" in page


def test_teaching_note_is_part_one_with_the_board_plan_drawn_and_no_runbook(printed):
    text = " ".join(pages_text(printed["note"]))
    for heading in ("Synopsis", "Learning objectives", "Assignment questions",
                    "Teaching plan: one session", "Teaching plan: two sessions", "Board plan",
                    "Numbers for the boards", "Rubrics for the written answers", "Epilogue: after"):
        assert heading in text, heading
    for runbook in ("Part II", "Runbook", "Building and checking the release", "Exports to the LMS",
                    "Common mistakes the autograder diagnoses",
                    "Troubleshooting"):
        assert runbook not in text, runbook
    caption = "The board plan, drawn from the numbers for the boards."
    board_pages = [p for p in pypdf.PdfReader(printed["note"]).pages
                   if caption in normalized(p.extract_text())]
    assert len(board_pages) == 1 and board_pages[0].images, "the board plan is a drawn figure"
    assert "┌─ Board 1" not in text  # the text sketch is replaced


def test_teaching_note_keeps_links_within_part_one():
    guide = (ROOT / "instructor_guide.md").read_text(encoding="utf-8")
    body = teaching_note.note_body(guide, b"\x89PNG")
    ids = set(re.findall(r'\sid="([^"]+)"', body))
    targets = re.findall(r'<a href="#([^"]+)"', body)
    assert targets and set(targets) <= ids
    assert "(see Manual grading)" in body  # a link into the runbook kept as its text


def test_case_print_page_follows_the_data(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "case" / "data", data)
    before = case_pdf.case_print_html(ROOT, data)[1]
    text = (data / "build_vs_buy.csv").read_text(encoding="utf-8")
    (data / "build_vs_buy.csv").write_text(text.replace("build_capex_t0,Build: capex paid today,12.0",
                                                        "build_capex_t0,Build: capex paid today,12.75"),
                                           encoding="utf-8")
    after = case_pdf.case_print_html(ROOT, data)[1]
    assert after != before and "12.75" in after and "12.75" not in before


def test_printing_without_chromium_says_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("PARADOX_CHROMIUM", "no-such-browser")
    with pytest.raises(KitError, match="PARADOX_CHROMIUM=no-such-browser: no such program"):
        find_chromium()
    monkeypatch.delenv("PARADOX_CHROMIUM")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(KitError, match="install Debian's `chromium`"):
        print_pdf("<p>x</p>", tmp_path / "x.pdf", "x")
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.install
def test_the_installed_package_carries_the_print_templates(tmp_path):
    """Do the kit's templates ship with the package (CI also runs this on a non-editable
    install, where a template left out of package-data is missing)?"""
    from autograder.kit.build import build_kit

    written = build_kit(ROOT, tmp_path / "dist", only=["sheets"])
    assert [p.name for p in written] == ["assignment-sheets.pdf"]
    assert len(pypdf.PdfReader(written[0]).pages) == len(ASSIGNMENTS)


def test_answer_pages_are_the_solutions_run_and_load_nothing_from_elsewhere(kit):
    out, _ = kit
    solutions = instructor_only_snippets()["solution"]
    for a in ASSIGNMENTS.values():
        page = (out / "instructor" / "answers" / f"{a.name}-answers.html").read_text(encoding="utf-8")
        text = html.unescape(re.sub(r"<[^>]+>", "", page))
        title = re.search(r"<title>(.*?)</title>", page, re.S)
        assert title and html.unescape(title.group(1)) == f"Answers (instructors only): {a.title}"
        assert re.findall(r'(?:src|href)="(?:https?:)?//', page) == []  # works offline, no CDN
        outputs = re.findall(r'class="[^"]*\bjp-OutputArea-output\b', page)
        assert len(outputs) >= len(a.checks)  # executed: every check printed its line
        assert "Traceback" not in text and 'data-mime-type="application/vnd.jupyter.stderr"' not in page
        assert sum(s in text for s in solutions) >= 5  # the solution code is there
        assert "\\$" not in text  # an escaped dollar in Markdown shows as a plain "$"
