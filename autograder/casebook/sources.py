"""Endnotes: every source the case cites, numbered in order of first citation.

Rows of case/data name their sources by id (`source` column, several separated by "; ");
sources.csv holds each id's publisher, title, date and address. The narrative cites with
`{{ cite("meta-q4-2024") }}` and the exhibits cite each row's sources, so one numbering serves
the whole page and the endnotes list exactly what was cited.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from autograder.casebook.formats import longdate
from autograder.data import DataError, load


def ids(cell: object) -> list[str]:
    """The source ids in one `source` cell."""
    return [part.strip() for part in str(cell).split(";") if part.strip()]


@dataclass
class Endnotes:
    table: pd.DataFrame  # sources.csv, indexed by id
    order: list[str] = field(default_factory=list)
    where: str = "sources.csv"

    @classmethod
    def read(cls, folder: Path) -> Endnotes:
        table = load("sources", folder)
        duplicated = sorted(set(table["id"][table["id"].duplicated()]))
        if duplicated:
            raise DataError(f"{folder / 'sources.csv'}: duplicate id(s) {duplicated}")
        return cls(table.set_index("id"), where=str(folder / "sources.csv"))

    def number(self, source_id: str) -> int:
        if source_id not in self.table.index:
            raise DataError(f"{self.where}: no source with id {source_id!r} (cited by the case)")
        if source_id not in self.order:
            self.order.append(source_id)
        return self.order.index(source_id) + 1

    def marks(self, cell: object) -> str:
        """'[3, 7]' for a `source` cell citing two sources."""
        return "[" + ", ".join(str(self.number(i)) for i in ids(cell)) + "]"

    def cite(self, *source_ids: str) -> str:
        """A superscript citation for the narrative (Markdown passes inline HTML through)."""
        numbers = ", ".join(str(self.number(i)) for i in source_ids)
        return f'<sup class="cite"><a href="#note-{self.number(source_ids[0])}">{numbers}</a></sup>'

    def html(self) -> str:
        """The numbered endnotes: publisher, title, date, address."""
        items = []
        for n, source_id in enumerate(self.order, start=1):
            row = self.table.loc[source_id]
            url = str(row["url"]) if isinstance(row["url"], str) and row["url"] else ""
            link = f' <span class="url">{html.escape(url)}</span>' if url else ""
            items.append(f'<li id="note-{n}">{html.escape(str(row["publisher"]))}, '
                         f"<em>{html.escape(str(row['title']))}</em>, {longdate(row['date'])}."
                         f"{link}</li>")
        return '<ol class="endnotes">\n' + "\n".join(items) + "\n</ol>"
