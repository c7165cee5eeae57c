"""The exhibits workbook (.xlsx): one sheet per exhibit, a build-versus-buy and a scenario sheet.

For students who do not code and for instructors who check in a spreadsheet. Every number is
read from the case's data folder (through autograder.data, which refuses rows dated after the
as-of date) and kept as a number; each exhibit sheet carries its title, the illustrative flag,
the source line, a unit and a basis row under every table's header (from the data dictionary,
case/data/README.md) and the sources its rows cite. The model sheets' inputs are links to the
exhibit sheets. The student workbook leaves every answer cell empty, yellow, with a comment
saying what "your formula" should compute; the instructor key fills the same cells with live
formulas (NPV, IRR, NPER, SUMPRODUCT, INDEX/MATCH, ...), so changing an exhibit value moves
every answer. The file is reproducible: its dates are the case's as-of date, not the build's.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from autograder.casebook.build import TEMPLATE, title_of
from autograder.casebook.exhibits import EXHIBITS, ILLUSTRATIVE_NOTE, NOTEBOOK_ONLY, Exhibit
from autograder.casebook.formats import longdate
from autograder.casebook.sources import Endnotes, ids
from autograder.data import AS_OF, SCHEMA, DataError, load
from autograder.kit.office import reproducible
from autograder.kit.printing import AUTHOR
from autograder.kit.workbook_build import BVB_SHEET, build_vs_buy_sheet
from autograder.kit.workbook_models import FORMATS, YOUR_FORMULA, Cell, Inputs, Sheet, row_keys
from autograder.kit.workbook_scenarios import SCENARIO_SHEET, payoff_block, scenario_sheet
from autograder.paths import course_root
from autograder.utils import atomic_write

SHORT = {1: "Meta financials", 2: "Llama timeline", 3: "Closed labs", 4: "Model prices",
         5: "VTDF scores", 6: "Build or buy", 7: "Self-hosting", 8: "Platform parallels",
         9: "Options and futures"}  # sheet names must be 31 characters or fewer, without ":"
CAPTIONS = {
    "meta_financials": "Revenue, profit, cash and reach by year",
    "meta_capex": "Capital expenditure (including principal payments on finance leases): actuals "
                  "and guidance, in order of announcement",
    "llama_timeline": "Releases, adoption and organization",
    "llama_license": "Key license terms (paraphrased)",
    "closed_lab_economics": "Reported figures (revenue is not run-rate: a run-rate scales a recent "
                            "window up to a year)",
    "model_prices": "List prices per 1M tokens",
    "vtdf_scores": "Scores by layer and sub-criterion (1 to 5)",
    "vtdf_rubric": "Scoring rubric",
    "vtdf_weights": "Layer weights: two lenses",
    "build_vs_buy": "Parameters",
    "selfhost": "Parameters (sourced rows cite their source)",
    "platform_parallels": "Platform bets: open and closed, won and lost",
    "scenario_options": "Courses of action and their drivers (levels 0 to 1)",
    "scenarios": "Futures: working probabilities and what one unit of each driver is worth",
    "scenario_params": "Decision-analysis settings",
}
UNIT_FORMATS = {"$ billion": "decimal", "$ per 1M input tokens": "decimal",
                "$ per 1M output tokens": "decimal"}  # the exhibits' money columns, 2 decimals
SKIP_ROWS = {"scenario_params": NOTEBOOK_ONLY}  # the case's Exhibit 9 leaves these out too
SOURCE_COLUMNS = ("source", "price_source")
GRADES = ("Reliability grades: A primary source; B a reputable outlet reporting one; C an "
          "aggregator or commentary (a claim, not a fact).")
NOT_IN_WORKBOOK = (
    "Not in the workbook: the fee growth at which building and buying tie (Question 11 of build "
    "versus buy) has no closed form (use Goal Seek on the NPV of build − buy), and the "
    "scenario simulation (Question 5) needs numpy's seeded random generator.",
)
YELLOW = PatternFill("solid", fgColor="FFF2CC")
GREEN = PatternFill("solid", fgColor="E2EFDA")
GREY = PatternFill("solid", fgColor="EDEDED")
STYLE = {"title": Font(bold=True, size=14), "header": Font(bold=True), "note": Font(italic=True),
         "unit": Font(italic=True, color="595959"), "link": Font(color="1F4E9E")}


def sheet_title(ex: Exhibit) -> str:
    short = SHORT.get(ex.number) or re.sub(r"[:\\/?*\[\]]", "", ex.title)
    return f"Ex{ex.number} {short}"[:31]


def column_notes(data: Path) -> dict[str, dict[str, tuple[str, str]]]:
    """{file: {column: (unit, basis)}} from the data dictionary's tables."""
    path = data / "README.md"
    if not path.is_file():
        raise DataError(f"{path}: the data dictionary (units of every column) is missing")
    notes: dict[str, dict[str, tuple[str, str]]] = {}
    for section in re.split(r"^### ", path.read_text(encoding="utf-8"), flags=re.M)[1:]:
        name = section.split("\n", 1)[0].strip().removesuffix(".csv")
        for m in re.finditer(r"^\| `([^`]+)` \| ([^|]+) \| ([^|]+) \|", section, re.M):
            notes.setdefault(name, {})[m[1]] = (m[2].strip().replace("`", ""),
                                                m[3].strip().replace("`", ""))
    return notes


def _plain(value: Any) -> Any:
    """A cell value: numbers stay numbers (numpy's as Python's), NaN is an empty cell."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


# -------------------------------------------------------------------------- exhibit sheets


def table_block(s: Sheet, src: Inputs, file: str, units: dict[str, tuple[str, str]],
                row: int) -> int:
    """Caption, header (column names), unit and basis rows, then the data; registers every
    data cell in `src.where` so the model sheets can link to it."""
    table = src.tables[file]
    keys = row_keys(table)
    skip = SKIP_ROWS.get(file, ())
    keep = [i for i in range(len(table))
            if "parameter" not in table or table["parameter"].iat[i] not in skip]
    s.put(row, 1, f"{CAPTIONS.get(file, file)} ({file}.csv)", "header")
    s.put(row + 1, 1, "Column", "header")
    s.put(row + 2, 1, "Unit", "unit")
    s.put(row + 3, 1, "Basis", "unit")
    dates = SCHEMA.get(file, ((), (), ()))[1]
    for c, column in enumerate(table.columns, start=2):
        unit, basis = units.get(column, ("", ""))
        s.put(row + 1, c, column, "header")
        s.put(row + 2, c, unit, "unit")
        s.put(row + 3, c, basis, "unit")
        fmt = "date" if column in dates else ("int" if column == "year" else UNIT_FORMATS.get(unit))
        for n, i in enumerate(keep):
            s.put(row + 4 + n, c, _plain(table.iat[i, c - 2]), "input", fmt)
            src.where[file, keys[i], column] = (s.title, row + 4 + n, c)
    return row + 5 + len(keep)


def sources_block(s: Sheet, src: Inputs, ex: Exhibit, notes: Endnotes, row: int) -> int:
    """The sources the sheet's rows cite (sourced rows only), in order of first citation."""
    cited: list[str] = []
    for file in ex.files:
        table = src.tables[file]
        sourced = table["basis"] == "sourced" if "basis" in table and "parameter" in table else None
        for column in (c for c in SOURCE_COLUMNS if c in table):
            cells = table[column] if sourced is None else table.loc[sourced, column]
            for i in (i for cell in cells for i in ids(cell) if i not in cited):
                notes.number(i)  # raises DataError for an id missing from sources.csv
                cited.append(i)
    if not cited:
        return row
    registry = notes.table
    s.put(row, 1, "Sources cited on this sheet (sources.csv)", "header")
    for c, text in enumerate(("id", "publisher", "title", "date", "url", "kind"), start=2):
        s.put(row + 1, c, text, "header")
    for n, source_id in enumerate(cited, start=row + 2):
        s.put(n, 2, source_id, "input")
        for c, column in enumerate(("publisher", "title", "date", "url", "kind"), start=3):
            s.put(n, c, _plain(registry.at[source_id, column]), "input",
                  "date" if column == "date" else None)
    return row + 3 + len(cited)


def exhibit_sheet(ex: Exhibit, src: Inputs, units: dict[str, dict[str, tuple[str, str]]],
                  notes: Endnotes) -> Sheet:
    s = Sheet(sheet_title(ex))
    s.put(1, 1, f"Exhibit {ex.number}. {ex.title}", "title")
    if ex.illustrative:
        s.put(2, 1, f"Illustrative: {ILLUSTRATIVE_NOTE.split(': ', 1)[-1]}", "note")
    s.put(3, 1, f"Source: {ex.source} {GRADES}", "note")
    row = 5
    for file in ex.files:
        row = table_block(s, src, file, units.get(file, {}), row)
    if "scenario_options" in ex.files and "scenarios" in ex.files:
        row = payoff_block(s, src, row)
    sources_block(s, src, ex, notes, row)
    return s


# ------------------------------------------------------------------------------ read me


def case_title(data: Path) -> str:
    """The case's title, from the narrative template beside the data, else the course's."""
    path = data.parent / TEMPLATE
    if not path.is_file():
        try:
            path = course_root() / "case" / TEMPLATE
        except FileNotFoundError:
            return "Open by Design"
    return title_of(path.read_text(encoding="utf-8")) if path.is_file() else "Open by Design"


def readme_sheet(data: Path, sheets: list[tuple[str, str, str]], answers: bool) -> Sheet:
    s = Sheet("Read me", freeze=None)
    s.put(1, 1, f"{case_title(data)}: exhibits workbook", "title")
    s.put(2, 1, "As of")
    s.put(2, 2, AS_OF, "input", "date")
    s.put(3, 1, f"Everything here was public on {longdate(AS_OF)}; later events are not in the "
          "workbook.", "note")
    how = (("Instructor key: the yellow cells hold the answer key's formulas, live on the "
            "exhibit sheets' numbers. Do not hand this file to students.",) if answers else
           (f"How to use: fill each yellow cell with your own formula; its comment (\"{YOUR_FORMULA}: "
            "...\") says what the cell computes. Blue cells link to the exhibit sheets: change a "
            "number there and your answers follow.",))
    for n, text in enumerate((*how, "Conventions: rates are decimals (0.10, not 10); year 0 is "
                              "today and is not discounted; prices are $ per 1M tokens.",
                              *NOT_IN_WORKBOOK), start=5):
        s.put(n, 1, text, "note")
    row = 6 + len(how) + len(NOT_IN_WORKBOOK)
    for c, text in enumerate(("Sheet", "What it holds", "Basis"), start=1):
        s.put(row, c, text, "header")
    for n, (title, what, basis) in enumerate(sheets, start=row + 1):
        s.put(n, 1, title, "input")
        s.put(n, 2, what, "input")
        s.put(n, 3, basis, "input")
    return s


# ------------------------------------------------------------------------------ planning


def plan(data: Path, answers: bool) -> tuple[list[Sheet], Inputs]:
    """Every sheet of the workbook, in order, as plain data; and where each data value sits."""
    files = sorted({f for ex in EXHIBITS for f in ex.files})
    src = Inputs({f: load(f, data) for f in files})
    units, notes = column_notes(data), Endnotes.read(data)
    exhibits = [exhibit_sheet(ex, src, units, notes) for ex in EXHIBITS]
    if "meta_capex" not in src.tables or "model_prices" not in src.tables:
        raise DataError("the exhibits no longer show meta_capex or model_prices, which the "
                        "build-versus-buy sheet links to")
    models = [build_vs_buy_sheet(src), scenario_sheet(src)]
    listing = [(sheet_title(ex), f"Exhibit {ex.number}. {ex.title}",
                "Illustrative" if ex.illustrative else "Sourced") for ex in EXHIBITS]
    listing += [(BVB_SHEET, "Build versus buy exercise: Meta's NPV, IRR and payback; the "
                 "buyer's blended prices, self-hosting cost and break-evens", "Illustrative"),
                (SCENARIO_SHEET, "Scenario exercise: expected values, decision rules, "
                 "regret, reversal and the value of information", "Illustrative")]
    return [readme_sheet(data, listing, answers), *exhibits, *models], src


@dataclass(frozen=True)
class Layout:
    answers: dict[str, tuple[str, str]]  # answer name -> (sheet, cell): empty for students
    derived: dict[str, tuple[str, str]]  # exhibit formulas both versions hold (the payoffs)
    inputs: dict[str, tuple[str, str]]  # "file/row key/column" -> (sheet, cell) of a data value


def layout(data: Path) -> Layout:
    """Where each answer, derived value and data value sits in the workbook built from `data`."""
    sheets, src = plan(data, answers=True)
    found: dict[str, dict[str, tuple[str, str]]] = {"answer": {}, "derived": {}}
    for sheet in sheets:
        for (row, col), cell in sheet.cells.items():
            if cell.name and cell.role in found:
                found[cell.role][cell.name] = (sheet.title, f"{get_column_letter(col)}{row}")
    inputs = {f"{file}/{key}/{column}": (sheet, f"{get_column_letter(col)}{row}")
              for (file, key, column), (sheet, row, col) in src.where.items() if file != "payoffs"}
    return Layout(found["answer"], found["derived"], inputs)


def answer_cells(data: Path) -> dict[str, tuple[str, str]]:
    """ANSWER_CELLS for the workbook built from `data`: key path ("q2_npv/build") -> (sheet, cell)."""
    return layout(data).answers


# ------------------------------------------------------------------------------- writing


def _style(target: XlCell, cell: Cell, answers: bool) -> None:
    if cell.role in STYLE:
        target.font = STYLE[cell.role]
    if cell.role == "header":
        target.fill = GREY
        target.border = Border(bottom=Side(style="thin"))
    if cell.role == "answer":
        target.fill = YELLOW
        if not answers:
            target.comment = Comment(f"{YOUR_FORMULA}: {cell.hint}", AUTHOR, width=260, height=90)
    if cell.role == "derived":
        target.fill = GREEN
    if cell.fmt:
        target.number_format = FORMATS[cell.fmt]
    if isinstance(cell.value, str) and len(cell.value) > WRAP and cell.role in ("input", "link"):
        target.alignment = Alignment(wrap_text=True, vertical="top")


WRAP = 60  # characters: longer text wraps in its column
WIDTHS = (8.0, 60.0)  # the narrowest and widest column, characters


def _widths(sheet: Sheet) -> dict[int, float]:
    """Each column wide enough for its headers, labels and data (formulas count as numbers)."""
    widths: dict[int, float] = {}
    for (_, col), cell in sheet.cells.items():
        if cell.role in ("title", "note"):
            continue  # one-line notes run across the empty cells to their right
        text = cell.value if isinstance(cell.value, str) and not cell.value.startswith("=") else "0" * 12
        widths[col] = max(widths.get(col, WIDTHS[0]), min(WIDTHS[1], len(text) + 2))
    return widths


FIT_COLUMNS = 12  # a sheet this narrow prints one page wide and stays legible


def _print_setup(ws) -> None:
    """Printed, each sheet is landscape; a narrow one (an exhibit) is one page wide, as many
    pages tall as it needs, so its columns stay together. The wide model sheets print as tiles."""
    ws.page_setup.orientation = "landscape"
    if ws.max_column > FIT_COLUMNS:
        return
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0


def write(sheets: list[Sheet], answers: bool, title: str) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        ws = wb.create_sheet(sheet.title)
        for (row, col), cell in sorted(sheet.cells.items()):
            blank = cell.role == "answer" and not answers
            target = ws.cell(row=row, column=col, value=None if blank else cell.value)
            _style(target, cell, answers)
        for col, width in sorted(_widths(sheet).items()):
            ws.column_dimensions[get_column_letter(col)].width = width
        ws.freeze_panes = sheet.freeze
        _print_setup(ws)
    stamp = datetime.combine(AS_OF, datetime.min.time())
    wb.properties.creator = AUTHOR
    wb.properties.title = title
    wb.properties.created = stamp
    return wb


def build_workbook(data: Path, out: Path, *, answers: bool) -> Path:
    """Write the exhibits workbook built from the data folder `data` to `out`: the student's
    (answers=False: answer cells empty and yellow) or the instructor key (answers=True: the same
    cells hold live formulas). Returns `out`."""
    data, out = Path(data), Path(out)
    sheets, _ = plan(data, answers)
    kind = "instructor key" if answers else "student workbook"
    wb = write(sheets, answers, f"{case_title(data)}: exhibits workbook ({kind})")
    buffer = io.BytesIO()
    wb.save(buffer)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, reproducible(buffer.getvalue()))
    return out
