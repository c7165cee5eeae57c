"""Read the case's exhibit data (case/data/*.csv). Every number an exercise uses is read from here."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from autograder.paths import data_dir


class DataError(ValueError):
    """A data file is missing or malformed; the message names the file and the problem."""


def read(name: str, folder: Path | None = None) -> pd.DataFrame:
    """One exhibit table, e.g. read("vtdf_scores")."""
    path = (folder or data_dir()) / f"{name}.csv"
    if not path.is_file():
        raise DataError(f"{path}: data file not found")
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot be read as CSV ({exc})") from exc


def params(name: str, folder: Path | None = None) -> dict[str, float]:
    """A parameter table (columns `parameter`, `value`, ...) as {parameter: value}."""
    table = read(name, folder)
    missing = {"parameter", "value"} - set(table.columns)
    if missing:
        raise DataError(f"{name}.csv: missing column(s) {sorted(missing)}")
    values = pd.to_numeric(table["value"], errors="coerce")
    bad = table.loc[values.isna(), "parameter"].tolist()
    if bad:
        raise DataError(f"{name}.csv: non-numeric value for {bad}")
    return dict(zip(table["parameter"], values.astype(float)))
