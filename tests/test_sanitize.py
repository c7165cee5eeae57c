"""Stored XSS into the instructor's tools (issue 14, item 5): nothing a student's code displays
or a student's markdown holds may run when formgrader or `nbgrader generate_feedback` shows the
graded notebook. Pages are rendered the way those tools render them and parsed as HTML."""

from __future__ import annotations

import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from conftest import seconds
from hostile import FULL, INJECTION, PNG_DOT, XSS_MARKDOWN, twin_of
from nbconvert import HTMLExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from autograder import notebooks
from autograder.grading.sandbox import Limits
from autograder.grading.sanitize import clean_markdown, clean_notebook

REPO = Path(__file__).resolve().parent.parent
LIMITS = Limits(cell_seconds=seconds(20), notebook_seconds=seconds(120))
ACTIVE_TAGS = {"script", "iframe", "object", "embed", "frame", "applet", "svg", "base", "meta"}


class Page(HTMLParser):
    """What a browser could run in a page: script elements (with their text), event-handler
    attributes, script URLs, and frame/object/embed-like elements."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.handlers: list[str] = []
        self.script_urls: list[str] = []
        self.active: list[str] = []
        self._in_script = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts.append(str(sorted((k, v or "") for k, v in attrs)))
            self._in_script = True
        elif tag in ACTIVE_TAGS:
            self.active.append(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"{tag} {name}={value}")
            url = "".join((value or "").split()).lower()  # browsers ignore whitespace in schemes
            if url.startswith(("javascript:", "vbscript:", "data:text/html", "data:image/svg")):
                self.script_urls.append(f"{tag} {name}={value}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and self.scripts:
            self.scripts[-1] += data

    def summary(self) -> dict:
        return {"scripts": len(self.scripts), "handlers": len(self.handlers),
                "script URLs": len(self.script_urls), "frames/objects": len(self.active)}


def _course_config(course: Path) -> Config:
    """The course's nbgrader_config.py, as nbgrader's apps load it."""
    return PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()


def formgrader_html(nb: nbformat.NotebookNode, course: Path) -> str:
    """The page formgrader serves for a submission: nbconvert's HTMLExporter with the course
    config and the settings FormgradeExtension.build_extra_config adds (nbgrader 0.9), and the
    resources SubmissionHandler passes (fixed values, so two pages differ only by notebook)."""
    from nbgrader.server_extensions.formgrader import handlers

    config = _course_config(course)
    config.HTMLExporter.template_name = "formgrade"
    config.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    resources = {"assignment_id": "vtdf", "notebook_id": "vtdf", "submission_id": "s", "index": 0,
                 "total": 1, "base_url": "/", "student": "s", "last_name": "", "first_name": "",
                 "notebook_path": "autograded/s/vtdf/vtdf.ipynb"}
    html, _ = HTMLExporter(config=config).from_notebook_node(nb, resources=resources)
    return html


def feedback_html(course: Path, student: str) -> str:
    """The page `nbgrader generate_feedback` writes (run for real, in the course folder)."""
    nbgrader = Path(sys.executable).with_name("nbgrader")
    done = subprocess.run([str(nbgrader), "generate_feedback", "vtdf", "--student", student, "--force"],
                          cwd=course, capture_output=True, text=True, timeout=seconds(120))
    assert done.returncode == 0, done.stdout + done.stderr
    return (course / "feedback" / student / "vtdf" / "vtdf.html").read_text(encoding="utf-8")


def assert_inert(page: Page, twin: Page) -> None:
    """No active content beyond what the exporter puts in every page (the twin's)."""
    assert page.scripts == twin.scripts, page.summary()
    assert page.handlers == twin.handlers  # formgrader's own two name toggles
    assert page.script_urls == twin.script_urls == []
    assert page.active == twin.active  # the template's <meta> tags


# -- the graded notebooks, end to end ----------------------------------------------------------

@pytest.fixture
def graded(batch):
    """The injection cases and their correct twins, graded by the real grader (sandboxed):
    part of the hostile batch (graded once per run, tests/hostile_batch.py)."""
    course, results, _ = batch
    return course, results


def _graded_nb(course: Path, student: str) -> nbformat.NotebookNode:
    return notebooks.read(course / "autograded" / student / "vtdf" / "vtdf.ipynb")


@pytest.mark.xdist_group("untrusted")
@pytest.mark.slow
@pytest.mark.parametrize("case", INJECTION, ids=[c.name for c in INJECTION])
def test_formgrader_page_of_a_graded_notebook_runs_nothing_of_the_student(graded, case):
    """Rendered as formgrader renders it, does the graded notebook hold no script, event
    handler, javascript: URL, frame, object or embed beyond the exporter's own?"""
    course, results = graded
    nb = _graded_nb(course, case.name)
    nbformat.validate(nb)
    twin = Page(formgrader_html(_graded_nb(course, twin_of("script-in-output")), course))
    assert_inert(Page(formgrader_html(nb, course)), twin)


@pytest.mark.xdist_group("untrusted")
@pytest.mark.slow
def test_feedback_pages_run_nothing_of_the_student(graded):
    """Does `nbgrader generate_feedback` (the real command) write inert pages?"""
    course, _ = graded
    twin = Page(feedback_html(course, twin_of("script-in-output")))
    for case in INJECTION:
        assert_inert(Page(feedback_html(course, case.name)), twin)


@pytest.mark.xdist_group("untrusted")
@pytest.mark.slow
def test_injections_keep_their_marks_and_the_twin_keeps_its_outputs(graded):
    """Are the attacks graded like any answer, and does the correct twin keep full marks and
    its text, tables and charts?"""
    course, results = graded
    for case in INJECTION:
        result = results[case.name]
        assert result.score == case.score == FULL
        assert next(i.status for i in result.items if i.item == case.item) == case.q1
    assert results[twin_of("script-in-output")].score == FULL
    twin = _graded_nb(course, twin_of("script-in-output"))
    kinds = [m for c in twin.cells if c.cell_type == "code" for o in c.outputs for m in o.get("data", {})]
    assert "text/html" in kinds and "text/plain" in kinds
    assert clean_notebook(twin) == twin  # stable: a second pass changes nothing
    assert 'class="dataframe"' in formgrader_html(twin, course)  # its tables still render
    answer = twin.cells[notebooks.find(twin, "q9a_paradox_layer")]
    assert answer.source == "A written answer."


@pytest.mark.xdist_group("untrusted")
@pytest.mark.slow
def test_hostile_outputs_lose_their_active_parts_and_keep_the_safe_ones(graded):
    course, _ = graded
    nb = _graded_nb(course, "script-in-output")
    outputs = nb.cells[notebooks.find(nb, "q1_normalized")].outputs
    kinds = [sorted(o.data) for o in outputs if "data" in o]
    assert ["image/png", "text/plain"] in kinds  # the image kept, its hostile width dropped
    assert all(not o.get("metadata") for o in outputs if "data" in o)
    plain = [o.data["text/plain"] for o in outputs if list(o.get("data", {})) == ["text/plain"]]
    assert {"<IPython.core.display.Javascript object>", "<IPython.core.display.SVG object>",
            "a widget"} <= set(plain)  # scripts, svg and widget views dropped, their text kept
    marked = _graded_nb(course, "script-in-markdown-answer")
    answer = marked.cells[notebooks.find(marked, "q9a_paradox_layer")].source
    assert answer.startswith("```") and "javascript:alert(12)" in answer  # shown, as text


# -- clean_notebook on a hand-made notebook (no kernel) ----------------------------------------

def _display(data: dict, metadata: dict | None = None):
    return new_output("display_data", data=data, metadata=metadata or {})


def hostile_notebook() -> nbformat.NotebookNode:
    """One cell per kind of active content, beside outputs that must survive."""
    import pandas as pd

    frame = pd.DataFrame({"score": [1, 2]}, index=["a", "b"])
    outputs = [
        _display({"text/html": "<script>alert(1)</script><img src=x onerror=alert(2)>"
                  "<a href='javascript:alert(3)'>a</a><iframe src='https://e.org'></iframe>"
                  "<object data=x></object><embed src=x><svg onload=alert(4)></svg>",
                  "text/plain": "<IPython.core.display.HTML object>"}),
        _display({"application/javascript": "alert(5)"}),
        _display({"text/markdown": "[m](javascript:alert(6)) <b onclick=alert(7)>b</b>"}),
        _display({"image/svg+xml": "<svg xmlns='http://www.w3.org/2000/svg'><script>alert(8)</script></svg>"}),
        _display({"text/html": "<p>framed</p>"}, {"text/html": {"isolated": True}}),
        _display({"image/png": PNG_DOT, "text/plain": "dot"}, {"image/png": {"width": "1 onerror=alert(9)"}}),
        _display({"application/vnd.jupyter.widget-view+json": {"model_id": "x", "version_major": 2,
                                                                 "version_minor": 0}}),
        new_output("execute_result", data={"text/html": frame._repr_html_(), "text/plain": str(frame)},
                   execution_count=1),
    ]
    code = new_code_cell("show()", outputs=outputs, execution_count=1)
    answer = new_markdown_cell(XSS_MARKDOWN)
    answer.metadata["nbgrader"] = {"grade": True, "grade_id": "q9a", "locked": False, "points": 6,
                                   "schema_version": 3, "solution": True, "task": False}
    attached = new_markdown_cell("![chart](attachment:chart.png) ![page](attachment:page.html)")
    attached.attachments = {"chart.png": {"image/png": PNG_DOT},
                            "page.html": {"text/html": "PHNjcmlwdD5hbGVydCgxMCk8L3NjcmlwdD4="}}
    honest = new_markdown_cell("Costs fall: R&D > 3% and `a<b`.\n\n> quoted\n\n"
                               "| a | b |\n|:--|--:|\n| 1 | 2 |\n\n# Part 2\n\n[source](https://example.org)")
    nb = new_notebook(cells=[code, answer, attached, honest,
                             new_markdown_cell("![gone](attachment:missing.png)")])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    return nb


def test_the_hostile_notebook_is_active_without_cleaning():
    """The check can fail: rendered as it is, the hand-made notebook runs student content."""
    nb = hostile_notebook()
    nb.cells.pop()  # the missing attachment would stop the rendering altogether
    page = Page(formgrader_html(nb, REPO))
    assert page.handlers and page.script_urls and page.active


def test_clean_notebook_leaves_nothing_active_and_keeps_what_is_safe():
    nb = hostile_notebook()
    before = nbformat.from_dict(nb)
    cleaned = clean_notebook(nb)
    nbformat.validate(cleaned)
    assert nb == before  # the input is not changed
    page = Page(formgrader_html(cleaned, REPO))
    twin = Page(formgrader_html(new_notebook(cells=[new_markdown_cell("x")]), REPO))
    assert_inert(page, twin)
    html = formgrader_html(cleaned, REPO)
    assert 'class="dataframe"' in html and "<th>a</th>" in html  # tables stay tables
    assert f"data:image/png;base64,{PNG_DOT}" in html
    outputs = cleaned.cells[0].outputs
    assert outputs[5].data == {"image/png": PNG_DOT, "text/plain": "dot"} and outputs[5].metadata == {}
    assert "removed by the grader" in outputs[1].data["text/plain"]
    assert cleaned.cells[1].metadata == nb.cells[1].metadata  # nbgrader metadata untouched
    assert cleaned.cells[2].attachments == {"chart.png": {"image/png": PNG_DOT}}
    assert cleaned.cells[3].source == nb.cells[3].source  # honest markdown is left as written
    assert "widgets" not in cleaned.metadata


def test_configured_exporter_alone_drops_scripts_but_keeps_tables():
    """nbgrader_config.py's second layer: without clean_notebook, the exporter emits no
    student JavaScript and sanitizes HTML outputs, and DataFrames still render as tables.
    (Output metadata, which the templates trust, and markdown cells, which nbgrader's templates
    render unsanitized, are left to clean_notebook.)"""
    nb = hostile_notebook()
    nb.cells = nb.cells[:1]
    nb.cells[0].outputs = [o for o in nb.cells[0].outputs if not o.metadata]
    page = Page(formgrader_html(nb, REPO))
    assert page.scripts == Page(formgrader_html(new_notebook(), REPO)).scripts
    blank = Page(formgrader_html(new_notebook(), REPO))
    assert page.handlers == blank.handlers and page.active == blank.active
    assert "<th>a</th>" in formgrader_html(nb, REPO)


@pytest.mark.parametrize("source", [
    "[x](javascript:alert(1))", "[x](JaVaScRiPt:alert(1))", "[x](java\tscript:alert(1))",
    "![x](javascript:alert(1))", "<javascript:alert(1)>", "[r]\n\n[r]: javascript:alert(1)",
    "<a href='&#106;avascript:alert(1)'>x</a>", "<div>\n<img/src=x onerror=alert(1)>\n</div>",
    "<details open ontoggle=alert(1)>x</details>", "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<a href='vbscript:msgbox(1)'>x</a>", "```\n<script>alert(1)</script>\n``` [y](javascript:1)",
])
def test_markdown_payload_renders_inert(source):
    cleaned = clean_markdown(source)
    nb = new_notebook(cells=[new_markdown_cell(cleaned)])
    assert_inert(Page(formgrader_html(nb, REPO)), Page(formgrader_html(new_notebook(), REPO)))
