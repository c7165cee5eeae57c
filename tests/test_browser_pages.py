"""The pages people read, opened in headless Chromium at phone and desktop width: each student's
feedback, the instructor's report and the case. They must fit a 390 px phone without sideways
scrolling, show figures at a readable width, load nothing from the network, and pass axe-core
with no serious or critical violation. The feedback and report come from a real graded class."""

from __future__ import annotations

from pathlib import Path

import pytest
from chromium import DESKTOP, PHONE, axe_violations, overflow, watch
from conftest import copy_course, seconds
from lab_server import percent_slip

from autograder.casebook.build import build_case
from autograder.grading.pipeline import grade_class
from autograder.grading.sandbox import Limits
from autograder.outputs.feedback import write_feedback
from autograder.outputs.report import write_report
from autograder.release import build_release
from autograder.synthetic import blank, half_done, solved, submit

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser-pages")]
MIN_FIGURE = 300  # CSS px: a chart narrower than this on a phone cannot be read


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    """A small class graded for real, then its feedback pages, the report and the case."""
    course = copy_course(tmp_path_factory.mktemp("course"))
    build_release(course)
    submit(course, "ada", "vtdf", solved(course, "vtdf"))
    submit(course, "ben", "vtdf", half_done(course, "vtdf"))
    submit(course, "cy", "vtdf", percent_slip(solved(course, "vtdf")))
    submit(course, "dee", "vtdf", blank(course, "vtdf"))
    submit(course, "ada", "build_vs_buy", solved(course, "build_vs_buy"))
    submit(course, "ben", "scenarios", half_done(course, "scenarios"))
    results = grade_class(course, workers=2, limits=Limits(cell_seconds=seconds(30)),
                          log=lambda _: None)
    write_feedback(results, course)
    found = {f"feedback {p.parent.parent.name}/{p.parent.name}": p
             for p in (course / "feedback").rglob("*.html")}
    assert len(found) == 6, sorted(found)
    found["report"] = write_report(results, course / "reports" / "report.html")
    found["case"] = build_case(course, out=course / "case" / "build" / "case.html")
    return found


PAGES = ["feedback ada/vtdf", "feedback ben/vtdf", "feedback cy/vtdf", "feedback dee/vtdf",
         "feedback ada/build_vs_buy", "feedback ben/scenarios", "report", "case"]


def _open(chromium, path: Path, width: int):
    page = chromium.new_page(viewport={"width": width, "height": 900})
    requests = watch(page)
    page.goto(path.as_uri(), wait_until="load")
    return page, requests


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
@pytest.mark.parametrize("name", PAGES)
def test_page_fits_the_screen_and_stays_offline(pages, chromium, name, width):
    """No sideways scrolling of the page, figures at a readable width, one <h1>, and not one
    request leaving the machine (fonts, scripts and images are all inside the file)."""
    page, requests = _open(chromium, pages[name], width)
    try:
        assert overflow(page) <= 0, f"{name} at {width}px is {overflow(page)}px too wide"
        narrow = page.evaluate(
            """min => [...document.images].filter(i => i.naturalWidth >= min)
                 .map(i => [i.alt || i.src.slice(0, 40), Math.round(i.getBoundingClientRect().width)])
                 .filter(([, w]) => w < min)""", MIN_FIGURE)
        assert not narrow, f"{name} at {width}px shows figures narrower than {MIN_FIGURE}px: {narrow}"
        assert page.locator("h1").count() == 1, f"{name}: one <h1> per page"
        assert requests.external == [], f"{name} asked the network for {requests.external}"
    finally:
        page.close()


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_serious_accessibility_violation(pages, chromium, axe_js, name, width):
    page, _ = _open(chromium, pages[name], width)
    try:
        assert axe_violations(page, axe_js) == []
    finally:
        page.close()


def test_feedback_on_a_phone_keeps_the_comment_in_view(pages, chromium):
    """The diagnosis is what a student needs: at 390 px every comment is on screen, not cut
    off to the right."""
    page, _ = _open(chromium, pages["feedback cy/vtdf"], PHONE)
    try:
        text = page.inner_text("body")
        assert "100 times too large" in text, text[:2000]
        offscreen = page.evaluate(
            """() => [...document.querySelectorAll('td, th')].filter(c => {
                   const r = c.getBoundingClientRect();
                   return r.width > 0 && (r.right > window.innerWidth + 1 || r.left < -1);
               }).map(c => c.innerText.slice(0, 60))""")
        assert offscreen == []
    finally:
        page.close()


def test_the_check_itself_can_fail(chromium, tmp_path):
    """A page that is too wide and loads a remote font is caught by the same checks."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!doctype html><html><head><link rel="stylesheet" '
                   'href="https://fonts.example.com/x.css"></head><body>'
                   '<table><tr><td style="white-space:nowrap">' + "wide " * 200 +
                   '</td></tr></table><img src="data:," alt=""></body></html>', encoding="utf-8")
    page, requests = _open(chromium, bad, PHONE)
    try:
        assert overflow(page) > 0
        assert requests.external == ["https://fonts.example.com/x.css"]
    finally:
        page.close()


def test_axe_finds_a_serious_violation_on_a_bad_page(chromium, axe_js, tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text('<!doctype html><html><body><img src="data:,"><p style="color:#aaa;'
                   'background:#fff">faint</p></body></html>', encoding="utf-8")
    page, _ = _open(chromium, bad, DESKTOP)
    try:
        found = axe_violations(page, axe_js)
        assert any(v.startswith(("image-alt", "color-contrast")) for v in found), found
    finally:
        page.close()
