"""What a student-facing file must not hold, as checks over its text: a date after the case's
as-of date, or instructor-only material (solution code, rubric lines, the epilogue). Shared by
the kit's tests (PDFs, workbook); each returns what it found, so a failure names it."""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cache
from pathlib import Path

import nbformat
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
LIGATURES = {"ﬁ": "fi", "ﬂ": "fl", "ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "\xa0": " ", "’": "'"}


def normalized(text: str) -> str:
    """PDF text as a reader sees it: ligatures spelled out, hyphen-free line breaks joined."""
    for glyph, letters in LIGATURES.items():
        text = text.replace(glyph, letters)
    return re.sub(r"\s+", " ", text)


def dates_after(text: str, as_of: date) -> list[str]:
    """Every date in `text` later than `as_of`: ISO dates, '15 September 2025', 'September 15,
    2025', 'September 2025', 'Q4-2025'/'Q4 2025' and fiscal years 'FY2026'."""
    found = [d for d in re.findall(r"\b(20\d\d-\d\d-\d\d)\b", text) if d > as_of.isoformat()]
    for day, month, year in re.findall(rf"\b(\d{{1,2}}) ({MONTHS}) (20\d\d)\b", text):
        if datetime.strptime(f"{day} {month} {year}", "%d %B %Y").date() > as_of:
            found.append(f"{day} {month} {year}")
    for month, day, year in re.findall(rf"\b({MONTHS}) (\d{{1,2}}), (20\d\d)\b", text):
        if datetime.strptime(f"{day} {month} {year}", "%d %B %Y").date() > as_of:
            found.append(f"{month} {day}, {year}")
    for month, year in re.findall(rf"\b({MONTHS}) (20\d\d)\b", text):
        if datetime.strptime(f"1 {month} {year}", "%d %B %Y").date() > as_of:
            found.append(f"{month} {year}")
    for quarter, year in re.findall(r"\bQ([1-4])[- ](20\d\d)\b", text):
        if date(int(year), 3 * int(quarter) - 2, 1) > as_of:
            found.append(f"Q{quarter}-{year}")
    found += [f"FY{y}" for y in re.findall(r"\bFY(20\d\d)\b", text) if int(y) > as_of.year]
    return found


@cache
def instructor_only_snippets(root: Path = ROOT) -> dict[str, tuple[str, ...]]:
    """Distinctive pieces of what only instructors may see, by kind: lines of solution code
    from the source notebooks, rubric lines from the guide, and the epilogue's events."""
    solutions = []
    for path in sorted((root / "source").glob("*/*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            inside = False
            for line in cell.source.splitlines():
                if "BEGIN SOLUTION" in line:
                    inside = True
                elif "END SOLUTION" in line:
                    inside = False
                elif inside and len(line.strip()) >= 30 and not line.strip().startswith("#"):
                    solutions.append(line.strip())
    guide = (root / "instructor_guide.md").read_text(encoding="utf-8")
    rubric = guide[guide.index("## Rubrics for the written answers"):guide.index("## Epilogue")]
    cells = [cell.strip(" *") for line in rubric.splitlines() if line.startswith("| ")
             for cell in line.split("|")]
    bullets = [line[2:].strip(" *") for line in rubric.splitlines() if line.startswith("- ")]
    rubric_lines = [text for text in cells + bullets if len(text) > 40]
    epilogue = pd.read_csv(root / "case" / "epilogue.csv")
    events = [*epilogue["event"], *epilogue["detail"].str.slice(0, 50)]
    return {"solution": tuple(solutions), "rubric": tuple(r[:60] for r in rubric_lines if r),
            "epilogue": tuple(events)}


def instructor_only(text: str, root: Path = ROOT) -> list[str]:
    """The instructor-only snippets that appear in `text` (whitespace-normalized)."""
    flat = normalized(text)
    return [f"{kind}: {snippet!r}" for kind, snippets in instructor_only_snippets(root).items()
            for snippet in snippets if normalized(snippet) in flat]
