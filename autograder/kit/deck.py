"""The class deck (.pptx, 16:9), built from the case and its data: nothing on a slide is typed.

Slides, in order (with the PowerPoint section each opens):

    Opening           title; the decision (the board paper's question and what it must cover,
                      from the rendered case text); the opening vote (the five courses)
    Exhibits          one slide per exhibit with its image (its chart, or its main table drawn
                      as a picture); a table-only exhibit is followed by its table as an
                      editable native table
    Boards            the four boards (autograder.kit.boards); the numbers for the boards (the
                      guide's glance rows, by board)
    Revote            the opening question again, with room for both tallies
    After discussion  a divider, then the epilogue (case/epilogue.csv); every slide in this
                      section carries an "After discussion" tag, and none before it does

Speaker notes carry the instructor guide's teaching-plan prompts for the block a slide serves.
The file is deterministic: fixed core-property dates (the as-of date) and zip timestamps.
"""

from __future__ import annotations

import io
import math
import re
import uuid
from datetime import datetime
from pathlib import Path

import pandas as pd
from lxml import etree
from PIL import Image
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.oxml.ns import qn
from pptx.shapes.base import BaseShape
from pptx.slide import Slide
from pptx.util import Emu, Inches, Pt

from autograder.casebook.build import render_case_text, title_of
from autograder.casebook.exhibits import EXHIBITS, ILLUSTRATIVE_NOTE, Exhibit, Markup, Plot, Table, png
from autograder.casebook.formats import longdate
from autograder.casebook.sources import Endnotes
from autograder.data import AS_OF, load
from autograder.guide import Glance, epilogue_rows, glance_rows
from autograder.kit.boards import board_figures
from autograder.kit.markdown_text import plain, section
from autograder.kit.office import reproducible
from autograder.kit.printing import AUTHOR
from autograder.kit.whiteboard import table_figure
from autograder.paths import GUIDE, course_root
from autograder.utils import atomic_write

WIDTH, HEIGHT, MARGIN = Inches(13.333), Inches(7.5), Inches(0.5)
BODY_TOP, BODY_BOTTOM = Inches(1.4), Inches(6.85)  # below the title; above the source line
DARK, ACCENT, GREY = RGBColor(0x1F, 0x4E, 0x79), RGBColor(0xC5, 0x5A, 0x11), RGBColor(0x59, 0x59, 0x59)
TITLE_PT, BODY_PT, TABLE_PT, SMALL_PT = 26, 20, 12, 11
PICTURE_DPI = 200
AFTER = "After discussion"
CHAR_EM = 0.55  # line breaks estimated for the widest likely font (DejaVu Sans, LibreOffice's fallback)
DIGIT_EM = 0.64  # its digits are wider
PROSE = 60  # a column whose cells average more characters than this is prose: table slide only
SECTIONS = "{521415D9-36F7-43E2-AB2F-B90AF26B5E84}"  # PowerPoint 2010's section-list extension
P14 = "http://schemas.microsoft.com/office/powerpoint/2010/main"


class _Deck:
    """The presentation being built: slides in order and the section each name opens."""

    def __init__(self) -> None:
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = WIDTH, HEIGHT
        self.sections: list[tuple[str, int]] = []
        self.marked = False  # from the divider on, every slide carries the AFTER tag

    def section(self, name: str) -> None:
        self.sections.append((name, len(self.prs.slides)))

    def slide(self, title: str, notes: str = "", first: bool = False) -> Slide:
        slide = self.prs.slides.add_slide(self.prs.slide_layouts[6])  # blank
        tag = Inches(2.9) if self.marked else 0
        top, height, size = (Inches(2.0), Inches(2.0), TITLE_PT + 14) if first else (
            Inches(0.3), Inches(1.0), TITLE_PT)
        _text(slide, MARGIN, top, WIDTH - 2 * MARGIN - tag, height, [title], size, bold=True,
              color=DARK).name = "Title"  # what the tests and a screen reader read as the title
        if self.marked:
            box = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, WIDTH - MARGIN - tag + Inches(0.2),
                                         Inches(0.35), tag - Inches(0.2), Inches(0.5))
            box.fill.solid()
            box.fill.fore_color.rgb = ACCENT
            box.line.fill.background()
            box.text_frame.text = AFTER
            run = box.text_frame.paragraphs[0].runs[0]
            run.font.size, run.font.bold = Pt(15), True
            run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
        return slide


def _text(slide: Slide, left: int, top: int, width: int, height: int, paragraphs: list[str],
          size: float, bold: bool = False, color: RGBColor | None = None,
          italic: bool = False) -> BaseShape:
    shape = slide.shapes.add_textbox(Emu(left), Emu(top), Emu(width), Emu(height))
    frame = shape.text_frame
    frame.word_wrap = True
    for i, line in enumerate(paragraphs):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.space_after = Pt(size * 0.4)
        run = paragraph.add_run()
        run.text = line
        run.font.size, run.font.bold, run.font.italic = Pt(size), bold, italic
        if color is not None:
            run.font.color.rgb = color
    return shape


def _picture(slide: Slide, blob: bytes, left: int, top: int, width: int, height: int) -> None:
    """The image, as large as fits the box without distortion, centred in it."""
    pixels = Image.open(io.BytesIO(blob)).size
    scale = min(width / pixels[0], height / pixels[1])
    w, h = int(pixels[0] * scale), int(pixels[1] * scale)
    slide.shapes.add_picture(io.BytesIO(blob), Emu(left + (width - w) // 2), Emu(top), Emu(w), Emu(h))


def _lines(text: str, width_in: float, size: float) -> int:
    chars = max(1, int((width_in - 0.2) * 72 / (CHAR_EM * size)))  # less the cell's margins
    return sum(max(1, math.ceil(len(part) / chars)) for part in str(text).split("\n"))


def _row_height(row: list[str], widths: list[float], size: float) -> float:
    """A table row's height in inches, by the wrapped lines of its tallest cell."""
    return max(_lines(c, w, size) for c, w in zip(row, widths)) * size * 1.2 / 72 + 0.1


def _pages(frame: pd.DataFrame, widths: list[float], size: float) -> list[pd.DataFrame]:
    """Split the rows into slide-sized pages (the header repeated on each), as evenly as the
    fewest pages allow, so no page is left with a row or two."""
    room = Emu(BODY_BOTTOM - BODY_TOP).inches - _row_height(list(frame.columns), widths, size)
    heights = [_row_height(row, widths, size) for row in frame.astype(str).to_numpy().tolist()]

    def split(limit: float) -> list[int]:  # the first row of each page
        starts, used = [0], 0.0
        for i, height in enumerate(heights):
            if used + height > limit and i > starts[-1]:
                starts.append(i)
                used = 0.0
            used += height
        return starts

    fewest = split(room)
    even = split(min(room, sum(heights) / len(fewest) + max(heights)))
    starts = even if len(even) == len(fewest) else fewest
    return [frame.iloc[a:b] for a, b in zip(starts, [*starts[1:], len(frame)])]


def _table(slide: Slide, frame: pd.DataFrame, widths: list[float], size: float) -> None:
    """A native (editable) table at the top of the body, its header row bold."""
    shape = slide.shapes.add_table(len(frame) + 1, len(frame.columns), MARGIN, BODY_TOP,
                                   Inches(sum(widths)), Inches(0.3 * (len(frame) + 1)))
    table = shape.table
    for j, width in enumerate(widths):
        table.columns[j].width = Inches(width)
    rows = [list(map(str, frame.columns)), *frame.astype(str).to_numpy().tolist()]
    for i, row in enumerate(rows):
        table.rows[i].height = Inches(_row_height(row, widths, size))
        for j, value in enumerate(row):
            frame_ = table.cell(i, j).text_frame
            frame_.text = value
            for paragraph in frame_.paragraphs:
                for run in paragraph.runs:
                    run.font.size, run.font.bold = Pt(size), i == 0


def _table_slides(deck: _Deck, title: str, frame: pd.DataFrame, widths: list[float],
                  size: float = TABLE_PT, notes: str = "") -> None:
    pages = _pages(frame, widths, size)
    for n, page in enumerate(pages, start=1):
        count = f" ({n} of {len(pages)})" if len(pages) > 1 else ""
        _table(deck.slide(title + count, notes), page, widths, size)


def _widths(frame: pd.DataFrame, total: float, size: float = TABLE_PT) -> list[float]:
    """Column widths in inches: each at least its longest word, the rest of `total` shared by
    how much more each column's longest cell (prose capped, so it wraps) would like."""
    inch = CHAR_EM * size / 72  # one character
    columns = [[str(c), *map(str, frame[c])] for c in frame.columns]
    # A word never breaks: the longest, as wide as digits and bold headers run, plus margins.
    floor = [(max(len(word) for cell in cells for word in cell.split() or [""]) + 1) * inch
             * DIGIT_EM / CHAR_EM + 0.25 for cells in columns]
    want = [min(max(map(len, cells)), 2 * PROSE) * inch + 0.25 for cells in columns]
    if sum(want) <= total:
        return [total * w / sum(want) for w in want]
    spare, extra = total - sum(floor), [w - f for w, f in zip(want, floor)]
    return [f + spare * e / sum(extra) for f, e in zip(floor, extra)]


# ------------------------------------------------------------------------------ the case's words


def _question(paragraphs: str, last: bool = False) -> str:
    """The first (or last) question in the text, without its lead-in ('Its question fitted on one
    line: what should ...?' -> 'What should ...?')."""
    found = re.findall(r"[^.?!\n]*\?", plain(paragraphs))
    if not found:
        raise KeyError("no question found in the case text")
    question = found[-1 if last else 0].split(": ")[-1].strip()
    return question[0].upper() + question[1:]


def _plan(root: Path) -> dict[str, str]:
    """The one-session teaching plan's blocks from the instructor guide, by block title."""
    guide = root / GUIDE
    text = guide.read_text(encoding="utf-8") if guide.is_file() else ""
    try:
        body = section(text, "Teaching plan: one session")
    except KeyError:
        return {}
    blocks = re.split(r"^### [^\n]*?min\. ", body, flags=re.M)[1:]
    return {block.split("\n", 1)[0].strip(): plain(block.split("\n", 1)[1]) for block in blocks}


def _prompt(plan: dict[str, str], start: str) -> str:
    # Notes are a help, not a requirement: a renamed block leaves a slide without notes.
    return next((f"{title}\n\n{body}" for title, body in plan.items() if title.startswith(start)), "")


# ------------------------------------------------------------------------------ slides


def _opening(deck: _Deck, text: str, data: Path, plan: dict[str, str]) -> str:
    deck.section("Opening")
    title = deck.slide(title_of(text), first=True)
    prepared = re.search(r"[^.*]*published sources[^.]*\.", text)
    _text(title, MARGIN, Inches(4.3), WIDTH - 2 * MARGIN, Inches(2.0),
          [f"As of {longdate(AS_OF)}", plain(prepared.group(0)) if prepared else ""],
          BODY_PT + 2, color=GREY)
    decision = section(text, "The decision")
    # Each item up to its first comma, keeping the exhibit it points to.
    covers = [re.sub(r",.*?(\(Exhibits? [^)]*\))?\.?$", lambda m: f" {m.group(1) or ''}",
                     plain(line[2:])).strip()
              for line in decision.splitlines() if line.startswith("- ")]
    slide = deck.slide("The decision")
    _text(slide, MARGIN, BODY_TOP, WIDTH - 2 * MARGIN, Inches(1.2), [_question(decision, last=True)],
          BODY_PT + 4, bold=True, color=ACCENT)
    _text(slide, MARGIN, BODY_TOP + Inches(1.3), WIDTH - 2 * MARGIN, Inches(4.0),
          ["The board paper must cover:", *(f"•  {c}" for c in covers)], BODY_PT - 2)
    question = _question(text)
    options = load("scenario_options", data)
    courses = pd.DataFrame({"Course": options["option"], "What Meta would do": options["definition"],
                            "Votes": ""})
    _table_slides(deck, f"Vote: {question}", courses, [2.6, 8.0, 1.7], BODY_PT - 4,
                  _prompt(plan, "Opening"))
    return question


def _exhibit_slides(deck: _Deck, exhibit: Exhibit, data: Path, notes: Endnotes) -> None:
    parts = exhibit.parts(data, notes)
    words = [p.caption for p in parts if isinstance(p, Table)] + [
        p.alt for p in parts if isinstance(p, Plot)] + [p.text for p in parts if isinstance(p, Markup)]
    slide = deck.slide(f"Exhibit {exhibit.number}. {exhibit.title}",
                       f"Source: {exhibit.source}\n\n" + "\n\n".join(words))
    images = [p.fig for p in parts if isinstance(p, Plot)]
    main = next(p for p in parts if isinstance(p, Table))  # every exhibit has a table
    table_only = not images
    if table_only:  # its main table drawn as the picture, prose columns left out
        prose = [c for c in main.frame.columns if main.frame[c].astype(str).str.len().mean() > PROSE]
        images = [table_figure(main.frame.drop(columns=prose), main.caption,
                               (12.0, Emu(BODY_BOTTOM - BODY_TOP).inches - 0.4), (20.0, 9.0))]
    width = (WIDTH - 2 * MARGIN) // len(images)
    bottom = BODY_BOTTOM - (Inches(0.35) if exhibit.illustrative else 0)
    for i, fig in enumerate(images):
        _picture(slide, png(fig, PICTURE_DPI), MARGIN + i * width, BODY_TOP, width,
                 bottom - BODY_TOP)
    if exhibit.illustrative:  # above the source line, where the title's second line cannot reach
        _text(slide, MARGIN, BODY_BOTTOM - Inches(0.3), WIDTH - 2 * MARGIN, Inches(0.4),
              [ILLUSTRATIVE_NOTE], SMALL_PT + 3, italic=True, color=ACCENT)
    _text(slide, MARGIN, BODY_BOTTOM + Inches(0.1), WIDTH - 2 * MARGIN, Inches(0.5),
          [f"Source: {exhibit.source}"], SMALL_PT, color=GREY)
    if table_only:  # and the table itself, editable, in full
        _table_slides(deck, f"The table of Exhibit {exhibit.number}: {main.caption}", main.frame,
                      _widths(main.frame, 12.3))


def _board_slides(deck: _Deck, data: Path, rows: list[Glance], plan: dict[str, str]) -> None:
    deck.section("Boards")
    blocks = ("Where Meta stands", "Build or buy", "Five courses", "Why give it away")
    for (title, fig), block in zip(board_figures(data, rows), blocks):
        slide = deck.slide(title, _prompt(plan, block))
        _picture(slide, png(fig, PICTURE_DPI), MARGIN, BODY_TOP, WIDTH - 2 * MARGIN,
                 HEIGHT - BODY_TOP - Inches(0.15))
    for board in dict.fromkeys(g.board for g in rows):
        frame = pd.DataFrame([(g.quantity, g.value, g.source) for g in rows if g.board == board],
                             columns=["Quantity", "Value", "From"])
        _table_slides(deck, f"Numbers for the boards: {board}", frame, [3.7, 7.3, 1.3])


def _after(deck: _Deck, question: str, data: Path, plan: dict[str, str]) -> None:
    deck.section("Revote")
    courses = pd.DataFrame({"Course": load("scenario_options", data)["option"], "Before": "",
                            "After": ""})
    _table_slides(deck, f"Revote: {question}", courses, [5.0, 3.6, 3.6], BODY_PT,
                  _prompt(plan, "Wrap-up"))
    deck.section(AFTER)
    deck.marked = True
    divider = deck.slide(f"{AFTER}: the epilogue")
    _text(divider, MARGIN, Inches(2.8), WIDTH - 2 * MARGIN, Inches(2.0),
          [f"What happened after {longdate(AS_OF)}.", "Show it after the revote, never before."],
          BODY_PT + 8, color=GREY)
    events = epilogue_rows(data)
    frame = pd.DataFrame({"Date": [longdate(r["date"]) for r in events],
                          "What": [r["what"] for r in events],
                          "Detail": [r["figure"] for r in events],
                          "Source (grade)": [f"{r['source']} ({r['reliability']})" for r in events]})
    _table_slides(deck, "Epilogue", frame, [1.7, 2.0, 5.6, 3.0], BODY_PT - 6)


def _sections(deck: _Deck) -> None:
    """PowerPoint sections (the p14 extension python-pptx has no API for), so the slide sorter
    shows the deck's parts and the epilogue can be hidden as one block."""
    root = deck.prs.part._element
    ext_list = root.find(qn("p:extLst"))
    if ext_list is None:
        ext_list = etree.SubElement(root, qn("p:extLst"))  # extLst is the presentation's last child
    ext = etree.SubElement(ext_list, qn("p:ext"), uri=SECTIONS)
    listing = etree.SubElement(ext, f"{{{P14}}}sectionLst", nsmap={"p14": P14})
    slides = list(deck.prs.slides)
    bounds = [first for _, first in deck.sections[1:]] + [len(slides)]
    for (name, first), end in zip(deck.sections, bounds):
        guid = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"deck-section:{name}")).upper() + "}"
        section = etree.SubElement(listing, f"{{{P14}}}section", name=name, id=guid)
        ids = etree.SubElement(section, f"{{{P14}}}sldIdLst")
        for slide in slides[first:end]:
            etree.SubElement(ids, f"{{{P14}}}sldId", id=str(slide.slide_id))


def _save(deck: _Deck, title: str, out: Path) -> None:
    """Write the file with the as-of date in its properties and zip entries, so two builds from
    the same data give the same bytes and nothing in it dates after the case."""
    stamp = datetime(AS_OF.year, AS_OF.month, AS_OF.day)
    props = deck.prs.core_properties
    props.title, props.author, props.last_modified_by = title, AUTHOR, AUTHOR
    props.created = props.modified = props.last_printed = stamp
    props.revision = 1
    raw = io.BytesIO()
    deck.prs.save(raw)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, reproducible(raw.getvalue()))


def build_deck(data: Path, out: Path, root: Path | None = None) -> Path:
    """Build the class deck from `data` (a case/data folder, with epilogue.csv beside it) and
    the case template and instructor guide in `root` (default: the course). Returns `out`."""
    root = root or course_root()
    notes = Endnotes.read(data)  # narrative first, then exhibits: the case page's numbering
    text = render_case_text(root, data, notes)
    plan = _plan(root)
    deck = _Deck()
    question = _opening(deck, text, data, plan)
    deck.section("Exhibits")
    for exhibit in EXHIBITS:
        _exhibit_slides(deck, exhibit, data, notes)
    _board_slides(deck, data, glance_rows(data), plan)
    _after(deck, question, data, plan)
    _sections(deck)
    _save(deck, title_of(text), out)
    return out
