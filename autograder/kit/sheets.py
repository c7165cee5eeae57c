"""The student assignment sheets: one printed page per assignment with the reading (the case and
the exhibits whose data the notebook uses), the questions to prepare, the notebook's questions
and their points, how each part is graded, a due-date line for the instructor to fill, and how
to submit. Student-facing: nothing here comes from the key, the rubrics or the epilogue."""

from __future__ import annotations

import re
from pathlib import Path

from markupsafe import Markup

from autograder.assignments import ASSIGNMENTS
from autograder.casebook.exhibits import EXHIBITS
from autograder.casebook.formats import longdate
from autograder.data import AS_OF
from autograder.guide import number, question_points, question_titles
from autograder.kit.markdown_text import section
from autograder.kit.printing import css_string, print_pdf, render
from autograder.paths import GUIDE, course_root
from autograder.spec import Assignment

PREPARE_HEADING = "Assignment questions"
_ROW = re.compile(r"^\|\s*\d+\s*\|(.+?)\|(.+?)\|", re.M)
_CODE = re.compile(r"`([^`]+)`")


def exhibits_for(a: Assignment) -> list[tuple[int, str]]:
    """The exhibits whose data files the notebook ships, in exhibit order."""
    return [(e.number, e.title) for e in EXHIBITS if set(e.files) & set(a.data_files)]


def prepare_questions(guide_text: str, name: str) -> list[str]:
    """The discussion questions of the guide's 'Assignment questions' table that are worked in
    this notebook (its 'Where it is worked' cell names the notebook in backticks)."""
    return [question.strip() for question, where in _ROW.findall(section(guide_text, PREPARE_HEADING))
            if name in _CODE.findall(where)]


def sheet(a: Assignment, number_: int, guide_text: str) -> dict:
    titles, points = question_titles(a), question_points(a)
    rows = [{"n": n, "title": titles.get(n, ""),
             **{k: number(p[k]) if p[k] else "—" for k in ("value", "form", "hand")},
             "total": number(sum(p.values()))} for n, p in points.items()]
    hand = sum(a.manual.values())
    return {"number": number_, "title": a.title, "folder": a.name, "notebook": a.notebook,
            "exhibits": exhibits_for(a), "prepare": prepare_questions(guide_text, a.name),
            "rows": rows, "value_points": number(sum(c.points for c in a.checks)),
            "form_points": number(sum(c.format_points for c in a.checks)), "hand": number(hand),
            "total": number(a.autograded_points + hand), "valued": len(a.checks),
            "written": len(a.manual)}


def sheets_html(case_title: str, root: Path | None = None) -> str:
    guide_text = ((root or course_root()) / GUIDE).read_text(encoding="utf-8")
    sheets = [sheet(a, n, guide_text) for n, a in enumerate(ASSIGNMENTS.values(), start=1)]
    title = f"Assignments: {case_title}"
    return render("sheets.html.j2", title=title, running_title=css_string(title),
                  case_title=case_title, sheets=sheets, as_of=longdate(AS_OF),
                  code=lambda text: Markup(_CODE.sub(r"<code>\1</code>", str(Markup.escape(text)))))


def build_sheets(out: Path, case_title: str, root: Path | None = None) -> Path:
    return print_pdf(sheets_html(case_title, root), out, f"Assignments: {case_title}")
