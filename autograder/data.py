"""Read the case's exhibit data (case/data/*.csv). Every number an exercise uses is read from here.

The case is set on one date, AS_OF. Every dated row in case/data is on or before it: what
happened later lives in case/epilogue.csv, which only the instructor guide reads, so nothing
after the as-of date can reach the case, its exhibits or a student's data folder.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from autograder.paths import data_dir

AS_OF = date(2025, 9, 15)  # the case's date: the board paper is written on it
EPILOGUE = "epilogue.csv"  # beside case/data, not in it: the instructor's "what happened next"

# What each file must hold: (numeric columns, YYYY-MM-DD date columns, required text columns).
# The key, the exhibits and the narrative rely on these; any other column is free text.
SCHEMA: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "meta_financials": (("year", "revenue_usd_b", "advertising_revenue_usd_b",
                         "operating_income_usd_b", "free_cash_flow_usd_b",
                         "daily_active_people_b"), (), ("source", "reliability")),
    "meta_capex": (("low_usd_b", "high_usd_b"), ("announced",),
                   ("period", "kind", "source", "reliability")),
    "llama_timeline": ((), ("date",), ("event", "detail", "source", "reliability")),
    "llama_license": ((), (), ("clause", "version", "summary", "source", "reliability")),
    "closed_lab_economics": (("value_usd_b",), ("reported",),
                             ("company", "metric", "basis", "period", "source", "reliability")),
    "model_prices": (("input_usd_per_1m", "output_usd_per_1m", "capability_index"), (),
                     ("model", "developer", "access", "host", "price_source", "reliability")),
    "vtdf_scores": ((), (), ("layer", "criterion", "question")),
    "vtdf_weights": (("platform_lens", "capability_lens"), (), ("layer",)),
    "vtdf_rubric": (("score",), (), ("meaning",)),
    "build_vs_buy": (("value",), (), ("parameter", "label", "unit", "basis", "description")),
    "selfhost": (("value",), (), ("parameter", "label", "unit", "basis", "source", "description")),
    "scenarios": (("probability", "ecosystem_value", "control_value", "capability_value",
                   "exposure_cost"), (), ("future", "description", "unit", "rationale")),
    "scenario_options": (("ecosystem", "control", "capability", "exposure", "cost_usd_b"), (),
                         ("option", "role", "definition", "rationale")),
    "scenario_params": (("value",), (), ("parameter", "label", "unit", "basis", "description")),
    "platform_parallels": (("year",), (), ("platform", "owner", "openness", "outcome", "fact",
                                           "source", "reliability")),
    "sources": ((), ("date",), ("id", "publisher", "title", "kind")),
}
# The date column of each dated file: none of its rows may be later than AS_OF.
DATED = {name: spec[1][0] for name, spec in SCHEMA.items() if spec[1] and name != "sources"}


class DataError(ValueError):
    """A data file is missing or malformed; the message names the file and the problem."""


def read(name: str, folder: Path | None = None) -> pd.DataFrame:
    """One exhibit table as written, e.g. read("vtdf_scores")."""
    path = (folder or data_dir()) / f"{name}.csv"
    if not path.is_file():
        raise DataError(f"{path}: data file not found")
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot be read as CSV ({exc})") from exc


def load(name: str, folder: Path | None = None) -> pd.DataFrame:
    """A case table checked against SCHEMA: numeric columns as numbers, date columns as dates,
    and no row dated after AS_OF. Raises DataError naming the file, column and lines."""
    folder = folder or data_dir()
    return checked(read(name, folder), name, folder / f"{name}.csv")


def checked(table: pd.DataFrame, name: str, path: Path) -> pd.DataFrame:
    numeric, dates, text = SCHEMA.get(name, ((), (), ()))
    missing = [c for c in (*text, *numeric, *dates) if c not in table.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {missing}")
    if table.empty:
        raise DataError(f"{path}: no rows")
    for col in numeric:
        values = pd.to_numeric(table[col], errors="coerce")
        bad = [i + 2 for i in values.index[values.isna()]]  # +2: header line, 1-based lines
        if bad:
            raise DataError(f"{path}: column {col!r} is not numeric on line(s) {bad}")
        table[col] = values
    for col in dates:
        values = pd.to_datetime(table[col], format="%Y-%m-%d", errors="coerce")
        bad = [i + 2 for i in values.index[values.isna()]]
        if bad:
            raise DataError(f"{path}: column {col!r} is not a YYYY-MM-DD date on line(s) {bad}")
        table[col] = values.dt.date
    if DATED.get(name) in dates:
        late = [i + 2 for i, day in table[DATED[name]].items() if day > AS_OF]
        if late:
            raise DataError(f"{path}: line(s) {late} dated after the case's as-of date {AS_OF} "
                            f"(later events belong in case/{EPILOGUE})")
    return table


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


def epilogue(folder: Path | None = None) -> pd.DataFrame:
    """What happened after AS_OF (case/epilogue.csv, beside case/data): for the instructor."""
    path = (folder or data_dir()).parent / EPILOGUE
    if not path.is_file():
        raise DataError(f"{path}: epilogue file not found")
    table = pd.read_csv(path)
    table["date"] = pd.to_datetime(table["date"], format="%Y-%m-%d").dt.date
    early = [i + 2 for i, day in table["date"].items() if day <= AS_OF]
    if early:
        raise DataError(f"{path}: line(s) {early} are not after the as-of date {AS_OF}")
    return table
