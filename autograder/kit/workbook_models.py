"""The exhibits workbook's sheets planned as plain data, before anything is written.

A sheet is planned first (`Sheet`: cells by position, each with a role) and written later by
autograder.kit.workbook, so the student workbook and the instructor key share one layout: the
writer leaves the answer cells of the student's copy empty and writes the key's formulas in the
instructor's. `Inputs` records where each exhibit data value sits, so the model sheets
(workbook_build, workbook_scenarios) link to it rather than copy it. An answer cell's name is
its assignment check id and the path into the key's expected value ("q2_npv/build"), so a test
can compare the recalculated cell with the answer key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from openpyxl.utils import get_column_letter

FORMATS = {  # Excel number formats by kind of quantity
    "usd_b": '"$"#,##0.00"B"', "price": '"$"#,##0.0000', "usd": '"$"#,##0',
    "usd_cents": '"$"#,##0.00', "share": "0.00%", "years": "0.00", "count": "#,##0",
    "rate_count": "#,##0.0", "int": "0", "ratio": "0.0000", "decimal": "#,##0.00",
    "date": "yyyy-mm-dd",
}
YOUR_FORMULA = "your formula"


@dataclass(frozen=True)
class Cell:
    value: Any  # a number, text, date or formula ("=...")
    role: str = "label"  # title, note, header, unit, label, input, link, answer, derived
    fmt: str | None = None  # a key of FORMATS
    name: str | None = None  # answers and derived cells: their path in the answer key
    hint: str | None = None  # answers: what the formula computes (the student's comment)


def ref(row: int, col: int, fixed: bool = True) -> str:
    letter = get_column_letter(col)
    return f"${letter}${row}" if fixed else f"{letter}{row}"


def num(value: float) -> str:
    """A constant of the key (months in a year, seconds in an hour) as a formula writes it."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@dataclass
class Sheet:
    title: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    freeze: str | None = "A4"

    def put(self, row: int, col: int, value: Any, role: str = "label", fmt: str | None = None,
            name: str | None = None, hint: str | None = None) -> str:
        if (row, col) in self.cells:
            raise ValueError(f"{self.title}: cell {ref(row, col, False)} planned twice")
        self.cells[row, col] = Cell(value, role, fmt, name, hint)
        return ref(row, col)

    def answer(self, row: int, col: int, formula: str, name: str | None, hint: str,
               fmt: str | None = None) -> str:
        return self.put(row, col, formula, "answer", fmt, name, hint)

    def heading(self, title: str, notes: tuple[str, ...]) -> None:
        self.put(1, 1, title, "title")
        for n, text in enumerate(notes, start=2):
            self.put(n, 1, text, "note")


@dataclass
class Inputs:
    """The exhibit tables (as loaded) and where each data value sits in the workbook."""

    tables: dict[str, pd.DataFrame]
    where: dict[tuple[str, str, str], tuple[str, int, int]] = field(default_factory=dict)

    def at(self, file: str, key: object, column: str, here: str) -> str:
        """The reference from sheet `here` to a data cell: file, row key, column."""
        sheet, row, col = self.where[file, str(key), column]
        return ref(row, col) if sheet == here else f"'{sheet}'!{ref(row, col)}"


def row_keys(table: pd.DataFrame) -> list[str]:
    """How rows are named: by the first column when it is unique, else by position."""
    first = table.iloc[:, 0].astype(str)
    return list(first) if first.is_unique else [str(n) for n in range(len(table))]


def unit_format(unit: str) -> str | None:
    u = unit.lower()
    rules = (("$b", "usd_b"), ("$ billion", "usd_b"), ("per gpu-hour", "usd_cents"),
             ("$ per", "usd"), ("share", "share"), ("weight", "ratio"))
    return next((fmt for key, fmt in rules if key in u), "count" if u else None)


def params_block(s: Sheet, src: Inputs, file: str, row: int,
                 skip: tuple[str, ...] = ()) -> tuple[dict[str, str], int]:
    """Input | Value (a link) | Unit | Parameter, one row per parameter: ({parameter: ref}, next row)."""
    for col, text in enumerate(("Input", "Value", "Unit", "Parameter"), start=1):
        s.put(row, col, text, "header")
    refs = {}
    for _, p in src.tables[file].iterrows():
        if p["parameter"] in skip:
            continue
        row += 1
        s.put(row, 1, p["label"])
        refs[p["parameter"]] = s.put(row, 2, "=" + src.at(file, p["parameter"], "value", s.title),
                                     "link", unit_format(str(p["unit"])))
        s.put(row, 3, p["unit"], "unit")
        s.put(row, 4, p["parameter"], "unit")
    return refs, row + 2
