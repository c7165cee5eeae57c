"""The printable case: cover (title, the "prepared from published sources" line, the as-of date,
the list of exhibits), the narrative, one exhibit per block never split across pages, figures
at print resolution, endnotes; page numbers in the footer. The same pieces as the HTML case
(`casebook.build.case_parts`), so the two never disagree."""

from __future__ import annotations

import re
from pathlib import Path

from markupsafe import Markup

from autograder.casebook.build import PAGE_TEMPLATES, case_parts
from autograder.casebook.exhibits import EXHIBITS
from autograder.kit.printing import css_string, print_pdf, render

PRINT_DPI = 300
_FIRST_SECTION = re.compile(r"<h2[\s>]")


def split_cover(narrative: str) -> tuple[str, str]:
    """The narrative's opening (title, standfirst, the prepared-from-published-sources line), which
    goes on the cover, and the rest, from its first section heading on."""
    match = _FIRST_SECTION.search(narrative)
    if match is None:
        raise ValueError("the case narrative has no section heading (## ...) to start its body")
    return narrative[:match.start()], narrative[match.start():]


def case_print_html(root: Path | None = None, data: Path | None = None) -> tuple[str, str]:
    """The case's title and its print page."""
    parts = case_parts(root, data, dpi=PRINT_DPI)
    cover, body = split_cover(parts["narrative"])
    page = render("case.html.j2", title=parts["title"], running_title=css_string(parts["title"]),
                  case_css=Markup((PAGE_TEMPLATES / "case.css").read_text(encoding="utf-8")),
                  cover=Markup(cover), body=Markup(body), exhibits=Markup(parts["exhibits"]),
                  endnotes=Markup(parts["endnotes"]), as_of=parts["as_of"],
                  contents=[(e.number, e.title) for e in EXHIBITS])
    return parts["title"], page


def build_case_pdf(out: Path, root: Path | None = None, data: Path | None = None) -> Path:
    title, html_text = case_print_html(root, data)
    return print_pdf(html_text, out, title)
