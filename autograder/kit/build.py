"""`autograder kit`: everything an adopting instructor downloads besides the notebooks, built
from case/data, the answer key and the guide into one folder (default <course>/dist, not in
git), split by who may see it:

    dist/student/      case.pdf, assignment-sheets.pdf, exhibits.xlsx (answer cells empty)
    dist/instructor/   teaching-note.pdf, class-deck.pptx, exhibits-key.xlsx (live formulas),
                       answers/<assignment>-answers.html (the solutions, executed)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from autograder.paths import data_dir

STUDENT, INSTRUCTOR = "student", "instructor"


@dataclass(frozen=True)
class Part:
    name: str  # what `--only` calls it
    audience: str
    describe: str
    make: Callable[[Path, Path, Path, str], list[Path]]  # (root, data, audience folder, title)
    printed: bool = False  # a PDF: needs headless Chromium


def _case(root: Path, data: Path, out: Path, title: str) -> list[Path]:
    from autograder.kit.case_pdf import build_case_pdf
    return [build_case_pdf(out / "case.pdf", root, data)]


def _sheets(root: Path, data: Path, out: Path, title: str) -> list[Path]:
    from autograder.kit.sheets import build_sheets
    return [build_sheets(out / "assignment-sheets.pdf", title, root)]


def _workbook(root: Path, data: Path, out: Path, title: str) -> list[Path]:
    from autograder.kit.workbook import build_workbook
    return [build_workbook(data, out / "exhibits.xlsx", answers=False)]


def _note(root: Path, data: Path, out: Path, title: str) -> list[Path]:
    from autograder.kit.teaching_note import build_teaching_note
    return [build_teaching_note(out / "teaching-note.pdf", title, root, data)]


def _deck(root: Path, data: Path, out: Path, title: str) -> list[Path]:
    from autograder.kit.deck import build_deck
    return [build_deck(data, out / "class-deck.pptx")]


def _key_workbook(root: Path, data: Path, out: Path, title: str) -> list[Path]:
    from autograder.kit.workbook import build_workbook
    return [build_workbook(data, out / "exhibits-key.xlsx", answers=True)]


def _answers(root: Path, data: Path, out: Path, title: str) -> list[Path]:
    from autograder.kit.answers import build_answer_pages
    return build_answer_pages(root, out / "answers")


PARTS: tuple[Part, ...] = (
    Part("case", STUDENT, "the case as a print-quality PDF", _case, printed=True),
    Part("sheets", STUDENT, "one assignment sheet per notebook (PDF)", _sheets, printed=True),
    Part("workbook", STUDENT, "the exhibits workbook, answer cells left to fill", _workbook),
    Part("note", INSTRUCTOR, "the teaching note (PDF)", _note, printed=True),
    Part("deck", INSTRUCTOR, "the class slide deck (PPTX)", _deck),
    Part("key-workbook", INSTRUCTOR, "the exhibits workbook with live answer formulas", _key_workbook),
    Part("answers", INSTRUCTOR, "the solutions executed, as HTML", _answers),
)
NAMES = tuple(p.name for p in PARTS)


def build_kit(root: Path, out: Path | None = None, only: Iterable[str] | None = None,
              data: Path | None = None,
              progress: Callable[[Part, list[Path]], None] | None = None) -> list[Path]:
    """Build the chosen parts (default all) into `out` (default <root>/dist); returns the files.
    `data` (default the course's case/data) is what everything is computed from."""
    data = data or data_dir(root)
    out = out or root / "dist"
    wanted = set(only or NAMES)
    unknown = wanted - set(NAMES)
    if unknown:
        raise ValueError(f"unknown kit part(s) {sorted(unknown)}; known: {', '.join(NAMES)}")
    from autograder.casebook.build import render_case_text, title_of  # pandas: only when building
    from autograder.kit.printing import find_chromium

    if any(p.printed for p in PARTS if p.name in wanted):
        find_chromium()  # no browser: say so before a minute of work, not after
    title = title_of(render_case_text(root, data))
    written: list[Path] = []
    for part in PARTS:
        if part.name in wanted:
            folder = out / part.audience
            folder.mkdir(parents=True, exist_ok=True)
            files = part.make(root, data, folder, title)
            written += files
            if progress:
                progress(part, files)
    return written
