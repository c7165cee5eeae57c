"""The class deck and the board figures (issue 17): every slide built from the case and its data,
one slide per exhibit with its image, the boards and their numbers, the votes, and the epilogue
as the last section, marked "After discussion" on every slide and on no slide before it."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO
from matplotlib.text import Text
from PIL import Image
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from autograder.casebook.build import render_case_text, title_of
from autograder.casebook.exhibits import EXHIBITS, ILLUSTRATIVE_NOTE, Plot, Table, png, render_exhibits
from autograder.casebook.formats import longdate
from autograder.casebook.sources import Endnotes
from autograder.data import AS_OF, load
from autograder.guide import epilogue_rows, glance_rows
from autograder.kit.boards import board_figures, board_plan
from autograder.kit.deck import AFTER, PICTURE_DPI, build_deck

# Module fixtures build each file once: keep the module on one xdist worker.
pytestmark = pytest.mark.xdist_group("kit-deck")

DATA = REPO / "case" / "data"
P14 = "{http://schemas.microsoft.com/office/powerpoint/2010/main}"


def _flat(text: str) -> str:
    return " ".join(text.split())


def title(slide) -> str:
    return next(s.text_frame.text for s in slide.shapes if s.name == "Title")


def text(slide) -> str:
    """Everything a slide shows in text: its text boxes, shapes and table cells."""
    parts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            parts.append(shape.text_frame.text)
        if shape.has_table:
            parts += [cell.text for row in shape.table.rows for cell in row.cells]
    return _flat(" ".join(parts))


def pictures(slide) -> list[bytes]:
    return [s.image.blob for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]


def numbers_text(slides) -> str:
    return " ".join(text(s) for s in slides if title(s).startswith("Numbers for the boards"))


@pytest.fixture(scope="module")
def rows():
    return glance_rows(DATA)


@pytest.fixture(scope="module")
def deck_file(tmp_path_factory) -> Path:
    return build_deck(DATA, tmp_path_factory.mktemp("deck") / "class-deck.pptx", root=REPO)


@pytest.fixture(scope="module")
def slides(deck_file):
    return list(Presentation(str(deck_file)).slides)


def test_title_slide_first_and_epilogue_section_last_and_marked(slides):
    case = render_case_text(REPO, DATA)
    assert title(slides[0]) == title_of(case)
    assert f"As of {longdate(AS_OF)}" in text(slides[0])
    assert "published sources" in text(slides[0])
    assert title(slides[1]) == "The decision" and text(slides[1]).count("?") == 1
    divider = next(i for i, s in enumerate(slides) if title(s).startswith(f"{AFTER}:"))
    assert [i for i, s in enumerate(slides) if AFTER in text(s)] == list(range(divider, len(slides)))
    epilogue = " ".join(text(s) for s in slides[divider:])
    for event in epilogue_rows(DATA):
        assert _flat(event["what"]) in epilogue and longdate(event["date"]) in epilogue
    assert len(slides) - divider >= 2  # the divider and at least one slide of events


def test_one_slide_per_exhibit_each_with_its_image(slides):
    titles = [title(s) for s in slides]
    notes = Endnotes.read(DATA)
    render_case_text(REPO, DATA, notes)  # the narrative cites first, as in the deck
    previous = -1
    for exhibit in EXHIBITS:
        head = f"Exhibit {exhibit.number}. "
        at = [i for i, t in enumerate(titles) if t.startswith(head)]
        assert len(at) == 1, f"{head!r} on slides {at}"
        assert at[0] > previous  # in number order
        previous = at[0]
        assert titles[at[0]] == head + exhibit.title
        assert (ILLUSTRATIVE_NOTE in text(slides[at[0]])) == exhibit.illustrative
        assert _flat(exhibit.source) in text(slides[at[0]])
        blobs = pictures(slides[at[0]])
        assert blobs, f"{head} has no picture"
        for blob in blobs:
            image = Image.open(io.BytesIO(blob))
            assert image.format == "PNG" and min(image.size) >= 300
        parts = exhibit.parts(DATA, notes)
        plots = [p for p in parts if isinstance(p, Plot)]
        if plots:  # the exhibit's own chart, the very image the case draws, at the deck's dpi
            assert blobs == [png(p.fig, PICTURE_DPI) for p in plots]
        else:  # its main table as a picture, then the table itself, editable, on the next slide
            assert len(blobs) == 1
            main = next(p for p in parts if isinstance(p, Table))
            following = slides[at[0] + 1]
            assert title(following).startswith(f"The table of Exhibit {exhibit.number}")
            assert any(shape.has_table for shape in following.shapes)
            assert _flat(str(main.frame.iloc[0, 0])) in text(following)


def test_four_board_slides_each_a_picture(slides, rows):
    boards = [s for s in slides if re.match(r"Board \d", title(s))]
    assert [title(s).split(":")[0] for s in boards] == ["Board 1", "Board 2", "Board 3",
                                                          "Board 4 (side)"]
    assert all(len(pictures(s)) == 1 for s in boards)
    figures = board_figures(DATA, rows)
    assert [title(s) for s in boards] == [t for t, _ in figures]


def test_numbers_for_the_boards_hold_every_glance_value(slides, rows):
    numbers = numbers_text(slides)
    missing = [(g.board, g.quantity) for g in rows if _flat(g.value) not in numbers]
    assert not missing
    for slide in slides:
        if title(slide).startswith("Numbers for the boards"):
            sizes = {run.font.size.pt for shape in slide.shapes if shape.has_table
                     for row in shape.table.rows for cell in row.cells
                     for p in cell.text_frame.paragraphs for run in p.runs}
            assert min(sizes) >= 12


def test_vote_and_revote_list_the_five_courses(slides):
    options = list(load("scenario_options", DATA)["option"])
    votes = [i for i, s in enumerate(slides) if title(s).startswith(("Vote:", "Revote:"))]
    assert len(votes) == 2
    divider = next(i for i, s in enumerate(slides) if title(s).startswith(AFTER))
    first_exhibit = next(i for i, s in enumerate(slides) if title(s).startswith("Exhibit 1."))
    assert votes[0] < first_exhibit and votes[1] < divider
    for i in votes:
        assert all(option in text(slides[i]) for option in options)
    assert title(slides[votes[0]]).removeprefix("Vote: ") == title(slides[votes[1]]).removeprefix(
        "Revote: ")


def test_sections_and_fixed_dates(deck_file, slides):
    prs = Presentation(str(deck_file))
    found = prs.part._element.findall(f".//{P14}section")
    names = [s.get("name") for s in found]
    assert names[0] == "Opening" and names[-1] == AFTER and "Exhibits" in names
    ids = [int(i.get("id")) for s in found for i in s.iter(f"{P14}sldId")]
    assert ids == [s.slide_id for s in prs.slides]  # every slide once, in order
    last = [int(i.get("id")) for i in found[-1].iter(f"{P14}sldId")]
    assert title(next(s for s in prs.slides if s.slide_id == last[0])).startswith(AFTER)
    stamp = datetime(AS_OF.year, AS_OF.month, AS_OF.day)
    assert prs.core_properties.created == stamp and prs.core_properties.modified == stamp
    with zipfile.ZipFile(deck_file) as archive:
        assert {info.date_time[:3] for info in archive.infolist()} == {
            (AS_OF.year, AS_OF.month, AS_OF.day)}
    assert any(s.has_notes_slide and s.notes_slide.notes_text_frame.text for s in slides)


def test_the_boards_follow_the_data(tmp_path, slides, rows):
    """Change the hurdle rate in a copy of the data: the numbers for the boards and the picture
    of board 2 change with it."""
    data = tmp_path / "case" / "data"
    shutil.copytree(DATA, data)
    shutil.copy(DATA.parent / "epilogue.csv", data.parent / "epilogue.csv")
    table = pd.read_csv(data / "build_vs_buy.csv")
    table.loc[table["parameter"] == "discount_rate", "value"] *= 0.7
    table.to_csv(data / "build_vs_buy.csv", index=False)
    changed = list(Presentation(str(build_deck(data, tmp_path / "deck.pptx", root=REPO))).slides)

    def npv(glance) -> str:
        return next(g.value for g in glance if g.quantity.startswith("NPV at"))

    old, new = npv(rows), npv(glance_rows(data))
    assert old != new
    assert new in numbers_text(changed) and old not in numbers_text(changed)
    board2 = [pictures(s) for deck in (slides, changed) for s in deck
              if title(s).startswith("Board 2")]
    assert board2[0] != board2[1]


def test_board_plan_shows_every_board_and_key_numbers(rows):
    fig = board_plan(DATA, rows)
    width, height = fig.get_size_inches()
    assert 6.5 <= width <= 7.5 and height <= 10  # fits a portrait page's text block
    shown = _flat(" ".join(t.get_text() for t in fig.findobj(Text)))
    for heading in ("Board 1: VTDF", "Board 2: build or buy", "Board 3: five courses",
                    "Board 4 (side)"):
        assert heading in shown
    for board, words in (("2 Meta", "NPV at"), ("1 VTDF", "Technology weight at which Meta loses"),
                         ("2 Buyer", "Break-even volume"), ("3 Scenarios", "perfect information")):
        value = next(g.value for g in rows if g.board == board and words in g.quantity)
        assert _flat(value) in shown, value


def test_exhibit_parts_match_the_figure_count_and_the_page():
    notes = Endnotes.read(DATA)
    for exhibit in EXHIBITS:
        parts = exhibit.parts(DATA, notes)
        assert sum(isinstance(p, Plot) for p in parts) == exhibit.figures, exhibit.number
        assert any(isinstance(p, Table) for p in parts)
    fine, coarse = (render_exhibits(DATA, numbers=[1], dpi=dpi) for dpi in (150, 60))
    assert len(coarse) < len(fine)  # the dpi reaches the embedded figures
    assert re.sub(r"base64,[^\"]+", "", coarse) == re.sub(r"base64,[^\"]+", "", fine)
