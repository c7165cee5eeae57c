"""The teaching note as a PDF: Part I of the instructor guide on its own (synopsis, objectives,
assignment questions, the two teaching plans, the board plan drawn as a figure, the analysis,
rubrics, epilogue), without Part II, the runbook. Its generated tables are regenerated from
the data first, so the PDF follows case/data even before the guide file is synced."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import markdown
from markupsafe import Markup

from autograder.casebook.exhibits import png
from autograder.casebook.formats import longdate
from autograder.data import AS_OF
from autograder.guide import render_guide
from autograder.kit.boards import board_plan
from autograder.kit.markdown_text import section
from autograder.kit.printing import css_string, print_pdf, render
from autograder.paths import GUIDE, course_root, data_dir

BOARD_SKETCH = re.compile(r"(^## Board plan\s*$.*?)^```text\n.*?^```\n", re.M | re.S)
FIGURE_SLOT = "BOARD-PLAN-FIGURE"
_LINK = re.compile(r'<a href="#([^"]+)">(.*?)</a>', re.S)
_ID = re.compile(r'\sid="([^"]+)"')
_COMMENT = re.compile(r"<!--.*?-->", re.S)
PRINT_DPI = 300


# The autograder's catalogue of mistakes (item ids, grader messages) is for the grading run, not
# the classroom: it stays in the guide and the instructor report.
GRADER_ONLY = ("Common mistakes the autograder diagnoses",)


def part_one(guide_text: str) -> str:
    """The Markdown between '# Part I: ...' and '# Part II: ...', without GRADER_ONLY sections."""
    text = section(guide_text, "Part I:", level=1)
    for heading in GRADER_ONLY:
        body = section(text, heading)
        text = text.replace(f"## {heading}\n{body}", "")
    return text


def with_figure_slot(text: str) -> str:
    """The board plan's text sketch replaced by a slot for the drawn figure."""
    replaced, count = BOARD_SKETCH.subn(lambda m: m.group(1) + FIGURE_SLOT + "\n", text)
    if count != 1:
        raise ValueError("instructor guide: the Board plan section has no ```text sketch to replace")
    return replaced


def local_links_only(html_text: str) -> str:
    """Links to sections that are not in this document (the runbook's) become plain text."""
    ids = set(_ID.findall(html_text))
    return _LINK.sub(lambda m: m.group(0) if m.group(1) in ids else m.group(2), html_text)


def note_body(guide_text: str, figure_png: bytes) -> str:
    text = with_figure_slot(part_one(guide_text))
    body = markdown.markdown(_COMMENT.sub("", text), output_format="html",
                             extensions=["tables", "fenced_code", "sane_lists", "toc"])
    image = base64.b64encode(figure_png).decode("ascii")
    figure = (f'<figure class="board-plan"><img src="data:image/png;base64,{image}" alt="The board '
              'plan: four boards with the numbers for each"><figcaption>The board plan, drawn from '
              'the numbers for the boards.</figcaption></figure>')
    body = body.replace(f"<p>{FIGURE_SLOT}</p>", figure)
    return local_links_only(body)


def note_html(root: Path | None, data: Path | None, case_title: str) -> str:
    root = root or course_root()
    data = data or data_dir(root)
    guide_text = render_guide((root / GUIDE).read_text(encoding="utf-8"), data)
    body = note_body(guide_text, png(board_plan(data), PRINT_DPI))
    title = f"Teaching note: {case_title}"
    return render("note.html.j2", title=title, running_title=css_string(title), case_title=case_title,
                  body=Markup(body), as_of=longdate(AS_OF))


def build_teaching_note(out: Path, case_title: str, root: Path | None = None,
                        data: Path | None = None) -> Path:
    return print_pdf(note_html(root, data, case_title), out, f"Teaching note: {case_title}")
