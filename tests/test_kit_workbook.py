"""The exhibits workbook (autograder.kit.workbook), recalculated by the `formulas` package: the
instructor key's formulas equal the answer key (autograder.assignments) within each item's
tolerance and follow a changed input, a deliberately wrong formula is caught, and the student
workbook holds the exhibits, their units and sources, and no answer, later event or key text."""

from __future__ import annotations

import re
import shutil
from datetime import date, datetime
from pathlib import Path

import formulas
import openpyxl
import pandas as pd
import pytest
from conftest import REPO

from autograder.assignments import get
from autograder.casebook.exhibits import EXHIBITS
from autograder.data import AS_OF, epilogue, load, params
from autograder.kernel_checks import matches
from autograder.key import build_vs_buy as bvb
from autograder.kit.workbook import build_workbook, layout
from autograder.kit.workbook_models import YOUR_FORMULA
from autograder.tolerances import tolerance

# Module fixtures build each file once: keep the module on one xdist worker.
pytestmark = pytest.mark.xdist_group("kit-workbook")

DATA = REPO / "case" / "data"
ASSIGNMENTS = ("build_vs_buy", "scenarios")
# What the workbook must answer at least (the list): check ids of the answer key.
REQUIRED = {"q1_flows", "q2_npv", "q3_irr", "q6_api_prices", "q7_selfhost", "q8_breakeven_volume",
            "q10_cost_share", "q12_breakeven_utilization", "q1_inputs", "q2_ev", "q3_regret",
            "q3_max_regret", "q3_choices"}
LINK = re.compile(r"^='[^']+'!\$[A-Z]+\$\d+$")  # a plain link to one exhibit cell: no arithmetic


def recalc(path: Path) -> dict[tuple[str, str], object]:
    """Every cell's value after `formulas` recalculates the workbook: (SHEET, "B7") -> value."""
    solution = formulas.ExcelModel().loads(str(path)).finish().calculate()
    values: dict[tuple[str, str], object] = {}
    for name, result in solution.items():
        found = re.fullmatch(r"'\[[^\]]+\](.+)'!([A-Z]+\d+)", name)
        if found:
            value = result.value[0, 0] if hasattr(result, "value") else result
            values[found[1].upper(), found[2]] = value.item() if hasattr(value, "item") else value
    return values


def leaves(value, path: str = "") -> dict[str, object]:
    """{"build": 1.2, ...}: every scalar in a nested expected value, by its "/"-joined path."""
    if isinstance(value, dict):
        return {k: v for key, sub in value.items() for k, v in leaves(sub, f"{path}/{key}").items()}
    return {path: value}


def expected(data: Path) -> dict[str, tuple[object, dict]]:
    """The answer key for a data folder: answer name -> (expected value, tolerance), with
    Exhibit 9's payoffs (an input of the exercise, computed by the key) as "payoffs/...". """
    found: dict[str, tuple[object, dict]] = {}
    for name in ASSIGNMENTS:
        for check, entry in get(name).key(data).items():
            if "expected" in entry:
                found.update({check + p: (v, entry["tol"]) for p, v in leaves(entry["expected"]).items()})
    payoffs = get("scenarios").inputs(data)["payoffs"]
    found.update({f"payoffs/{o}/{f}": (float(payoffs.loc[o, f]), tolerance("money"))
                  for o in payoffs.index for f in payoffs.columns})
    return found


def disagreements(values: dict, cells: dict[str, tuple[str, str]], key: dict) -> list[str]:
    return [f"{name} at {sheet}!{cell}: workbook {values.get((sheet.upper(), cell))!r}, key {key[name][0]!r}"
            for name, (sheet, cell) in cells.items()
            if not matches(values.get((sheet.upper(), cell)), *key[name])]


@pytest.fixture(scope="module")
def course():
    """The course's data, laid out, with its answer key and the key workbook recalculated."""
    return {"layout": layout(DATA), "key": expected(DATA)}


@pytest.fixture(scope="module")
def key_book(tmp_path_factory, course):
    path = build_workbook(DATA, tmp_path_factory.mktemp("key") / "exhibits_key.xlsx", answers=True)
    return path, recalc(path)


@pytest.fixture(scope="module")
def student_book(tmp_path_factory):
    return build_workbook(DATA, tmp_path_factory.mktemp("student") / "exhibits.xlsx", answers=False)


def change_inputs(folder: Path) -> dict[str, float]:
    """Edit the copy's CSVs: a higher discount rate and utilization, probability moved between
    two futures (still summing to 1), a driver level raised. Returns {input name: new value},
    the names being the layout's input names."""
    changes = {}
    for file, row, column, step in (("build_vs_buy", "discount_rate", "value", 0.03),
                                    ("selfhost", "utilization", "value", 0.1),
                                    ("scenarios", 1, "probability", -0.05),
                                    ("scenarios", 2, "probability", 0.05),
                                    ("scenario_options", 2, "capability", -0.1)):
        path = folder / f"{file}.csv"
        table = pd.read_csv(path)
        at = table.index[table.iloc[:, 0] == row][0] if isinstance(row, str) else row
        table.loc[at, column] = round(float(table.loc[at, column]) + step, 10)
        table.to_csv(path, index=False)
        changes[f"{file}/{table.iloc[at, 0]}/{column}"] = float(table.loc[at, column])
    return changes


@pytest.fixture(scope="module")
def moved(tmp_path_factory):
    """A copy of case/data with some inputs changed, and its answer key."""
    folder = tmp_path_factory.mktemp("moved") / "data"
    shutil.copytree(DATA, folder)
    return folder, change_inputs(folder), expected(folder)


# ------------------------------------------------------------------- the instructor key


def test_key_formulas_equal_the_answer_key(course, key_book):
    """Does every answer cell hold a formula whose recalculated value is the key's, within the
    assignment's tolerance; and Exhibit 9's payoff formulas the key's payoffs?"""
    path, values = key_book
    cells = {**course["layout"].answers, **course["layout"].derived}
    sheets = openpyxl.load_workbook(path)
    not_formulas = [n for n, (s, c) in cells.items() if not str(sheets[s][c].value).startswith("=")]
    assert not not_formulas, f"answer cells holding values, not formulas: {not_formulas[:5]}"
    assert not disagreements(values, cells, course["key"])


def test_key_covers_whole_answers(course):
    """Does the workbook answer every item the issue lists, each in full (every model's price,
    every year's flows, every option's EV), and name only answers the key has?"""
    names = course["layout"].answers
    assert set(names) <= set(course["key"])
    covered = {n.split("/")[0] for n in names}
    assert REQUIRED <= covered
    for check in covered:
        wanted = {n for n in course["key"] if n.split("/")[0] == check}
        assert wanted == {n for n in names if n.split("/")[0] == check}, check


def test_changed_csv_moves_key_and_workbook(tmp_path, course, moved):
    """Built from data with changed CSV values, do the key's answers move, and the workbook's
    with them (agreeing again)?"""
    folder, _, key = moved
    cells = layout(folder).answers
    path = build_workbook(folder, tmp_path / "exhibits_key.xlsx", answers=True)
    values = recalc(path)
    assert not disagreements(values, cells, key)
    for name in ("q2_npv/build", "q5_annuity", "q7_selfhost/variable", "q2_ev/Radical pivot",
                 "q3_regret/Acquisition spree/Convergence", "q6_evpi"):
        assert not matches(key[name][0], *course["key"][name]), f"{name} did not move in the key"


def test_edited_exhibit_cell_moves_every_answer(tmp_path, course, key_book, moved):
    """Typing the changed values into the key workbook's exhibit sheets (no rebuild): do the
    formulas recalculate to the changed data's key? Answers live on their inputs."""
    _, changes, key = moved
    book = openpyxl.load_workbook(key_book[0])
    for name, value in changes.items():
        sheet, cell = course["layout"].inputs[name]
        book[sheet][cell].value = value
    book.save(tmp_path / "edited.xlsx")
    values = recalc(tmp_path / "edited.xlsx")
    assert not disagreements(values, course["layout"].answers, key)


def test_wrong_formula_is_caught(tmp_path, course, key_book):
    """A year-0-discounted NPV (the spreadsheet NPV() over all flows) in the NPV cell: does the
    comparison flag it, with the value of that classic mistake (the right NPV / (1 + r))?"""
    sheet, cell = course["layout"].answers["q2_npv/build"]
    book = openpyxl.load_workbook(key_book[0])
    right = book[sheet][cell].value
    first, rate, last = re.fullmatch(r"=(\$[A-Z]+\$\d+)\+NPV\(([^,]+),\$[A-Z]+\$\d+:(\$[A-Z]+\$\d+)\)",
                                     right).groups()
    book[sheet][cell].value = f"=NPV({rate},{first}:{last})"
    book.save(tmp_path / "wrong.xlsx")
    values = recalc(tmp_path / "wrong.xlsx")
    cells = {"q2_npv/build": (sheet, cell)}
    assert disagreements(values, cells, course["key"])
    r = params("build_vs_buy", DATA)["discount_rate"]
    assert values[sheet.upper(), cell] == pytest.approx(course["key"]["q2_npv/build"][0] / (1 + r))


def test_workbook_is_reproducible(tmp_path):
    """Built twice, are the files byte for byte the same, dated the case's as-of date?"""
    one = build_workbook(DATA, tmp_path / "one.xlsx", answers=True).read_bytes()
    two = build_workbook(DATA, tmp_path / "two.xlsx", answers=True).read_bytes()
    assert one == two
    props = openpyxl.load_workbook(tmp_path / "one.xlsx").properties
    assert props.created.date() == props.modified.date() == AS_OF


# ------------------------------------------------------------------- the student workbook


def cells_of(path: Path):
    for sheet in openpyxl.load_workbook(path):
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    yield sheet.title, cell


def test_student_answer_cells_are_empty_and_marked(course, student_book):
    """Is every answer cell empty, yellow and labelled "your formula"?"""
    book = openpyxl.load_workbook(student_book)
    for name, (sheet, cell) in course["layout"].answers.items():
        target = book[sheet][cell]
        assert target.value is None, name
        assert target.fill.fgColor.rgb.endswith("FFF2CC"), name
        assert target.comment is not None and YOUR_FORMULA in target.comment.text, name


def test_student_workbook_computes_nothing(course, student_book):
    """Is every formula a plain link to an exhibit cell (or one of Exhibit 9's payoffs, which the
    case prints), and every number a data value or the layout's own (years, rates, grid)?"""
    derived = {(s, c) for s, c in course["layout"].derived.values()}
    allowed = {float(v) for name in {f for ex in EXHIBITS for f in ex.files}
               for col in load(name, DATA).select_dtypes("number") for v in load(name, DATA)[col]}
    horizon = int(params("build_vs_buy", DATA)["horizon_years"])
    allowed |= {float(v) for v in (*range(horizon + 1), *bvb.RATES, *bvb.GRID_LAGS, *bvb.GRID_SHARES)}
    numbers, computing = [], []
    for sheet, cell in cells_of(student_book):
        if isinstance(cell.value, str) and cell.value.startswith("="):
            if not LINK.match(cell.value) and (sheet, cell.coordinate) not in derived:
                computing.append(f"{sheet}!{cell.coordinate} {cell.value}")
        elif isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
            numbers.append(float(cell.value))
    assert not computing
    # An answer typed in as a value (the NPV, an EV, a break-even) is neither a data value nor a
    # year, rate or grid point, so it would show up here.
    assert not [n for n in numbers if n not in allowed]


def test_student_workbook_has_every_exhibit_with_units_and_sources(student_book):
    """Does each exhibit have a sheet titled "Exhibit N. <title>", with a unit row under its
    tables, its source line, and the sources its rows cite?"""
    book = openpyxl.load_workbook(student_book)
    titles = {str(sheet["A1"].value): sheet for sheet in book}
    for ex in EXHIBITS:
        sheet = titles.get(f"Exhibit {ex.number}. {ex.title}")
        assert sheet is not None, f"no sheet for Exhibit {ex.number}"
        column_a = [str(c.value) for c in sheet["A"] if c.value is not None]
        assert column_a.count("Unit") == len(ex.files), ex.number
        assert str(sheet["A3"].value).startswith(f"Source: {ex.source}")
        assert (str(sheet["A2"].value).startswith("Illustrative") if ex.illustrative
                else sheet["A2"].value is None)
        cites = any(c in load(f, DATA) for f in ex.files for c in ("source", "price_source"))
        assert ("Sources cited on this sheet (sources.csv)" in column_a) == cites, ex.number


def test_student_workbook_holds_nothing_after_the_case_or_for_instructors(tmp_path, student_book):
    """No date after the as-of date, no epilogue event, no instructor-only text; the key, built
    the same way, does say it is the instructor's (so the last check can fail)."""
    texts, dates = [], []
    for _, cell in cells_of(student_book):
        (dates if isinstance(cell.value, (date, datetime)) else texts).append(cell.value)
    assert dates and all((d.date() if isinstance(d, datetime) else d) <= AS_OF for d in dates)
    text = "\n".join(str(t) for t in texts).lower()
    later = epilogue(DATA)
    for column in ("event", "detail", "title"):
        found = [v for v in later[column].astype(str) if v.lower() in text]
        assert not found, f"epilogue {column} in the student workbook: {found}"
    assert "instructor" not in text
    key = build_workbook(DATA, tmp_path / "key.xlsx", answers=True)
    assert any("instructor" in str(c.value).lower() for _, c in cells_of(key))
