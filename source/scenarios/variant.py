"""Per-student variants of the case's illustrative inputs: the public half.

A variant code (8 characters, issued by the instructor: `autograder.variants`) decides, through a
hash and nothing else, a multiplier for each perturbable illustrative input of an assignment.
This module is public by design and ships to students beside the notebook (as variant.py; its
`given` is what the given-data cell reads the exhibits through), so that a student's data can
be rebuilt from their code: it must stay self-contained (standard library
only) and must never import the answer key or `autograder.assignments`. Knowing how a variant is
drawn does not help a student copy: the secret is in who gets which code.

Only *illustrative* inputs move (teaching assumptions); sourced facts never do, and a row listed
here whose `basis` column says otherwise is refused. Values are rounded so that the data still
look like data, and the scenario probabilities are renormalized so they still sum to exactly 1.

vtdf has no variants: its inputs are ordinal 1–5 judgement scores, weights and a rubric, where a
perturbed score is either not an integer (no longer a rubric score) or a different judgement.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from dataclasses import dataclass
from decimal import Decimal

# --- design constants: how far a variant moves each input -----------------------------------
# Multipliers are 1 ± u with u uniform in [LO, HI]: bounded away from 1 (below LO a copied answer
# could still fall within its tolerance after rounding) and away from wild (above HI the case's
# story, e.g. the sign of an NPV, breaks too often for issuance to find a code quickly).
LO, HI = 0.05, 0.15
# The scenario payoffs are tighter: by design each decision rule picks a different option, with
# margins of 4–10% (maximax 30 vs 27, minimax regret 35.5 vs 37), so the driver values and the
# option costs, which every payoff is made of, move less than the probabilities.
DRIVER_LO, DRIVER_HI = 0.02, 0.06
COST_LO, COST_HI = 0.03, 0.10


@dataclass(frozen=True)
class Item:
    """Cells `column` of the rows `rows` (by the file's key column) of case/data/<file>.csv,
    each rounded to `decimals` places after the change (negative: to tens, hundreds, ...)."""

    file: str
    rows: tuple[str, ...]
    column: str
    decimals: int
    lo: float = LO
    hi: float = HI


KEY_COLUMN = {"build_vs_buy": "parameter", "selfhost": "parameter", "scenarios": "future",
              "scenario_options": "option"}
NORMALIZED = {("scenarios", "probability")}  # renormalized to sum to exactly 1 after the change
_FUTURES = ("Commoditization victory", "Premium defense", "Convergence", "Regulatory reset")
_DRIVERS = ("ecosystem_value", "control_value", "capability_value", "exposure_cost")

# Left alone on purpose: horizon_years (an integer count of years), the sourced selfhost rows,
# selfhost_capability_index and adequacy_threshold (an ordinal index; the claim's "adequate"
# rests on the two being equal), the option driver levels (shares between 0 and 1, the case's
# judgement of each option; the baseline's is the zero line), scenario_params (the Hurwicz
# optimism and the simulation's settings are conventions of the method, not case numbers).
PERTURB: dict[str, tuple[Item, ...]] = {
    "build_vs_buy": (
        Item("build_vs_buy", ("discount_rate",), "value", 3),
        Item("build_vs_buy", ("build_capex_t0", "build_capex_t1", "annual_benefit"), "value", 1),
        Item("build_vs_buy", ("build_opex_per_year", "buy_integration_t0", "buy_fee_per_year",
                              "buy_benefit_share"), "value", 2),
        Item("build_vs_buy", ("capability_lag_months",), "value", 0),  # whole months
        Item("selfhost", ("input_share", "utilization"), "value", 2),
        Item("selfhost", ("monthly_tokens_m",), "value", -3),
        Item("selfhost", ("staff_ops_usd_per_month",), "value", -2),
    ),
    "scenarios": (
        Item("scenarios", _FUTURES, "probability", 3),  # 2 would round 1 code in 25 back
        *(Item("scenarios", _FUTURES, column, 1, DRIVER_LO, DRIVER_HI) for column in _DRIVERS),
        Item("scenario_options", ("Accept dependency", "Acquisition spree", "Radical pivot",
                                  "Open-source gambit"), "cost_usd_b", 1, COST_LO, COST_HI),
    ),
    "vtdf": (),  # ordinal judgement scores: no variants (see the module docstring)
}


def normalize_code(code: str) -> str:
    return code.strip().upper()


def multiplier(assignment: str, code: str, file: str, row: str, column: str,
               lo: float = LO, hi: float = HI) -> float:
    """The factor for one cell: 1 ± (lo + u·(hi − lo)), u and the sign from a SHA-256 of the
    cell's address and the code. Hash-based, not numpy's generator, so the same code gives the
    same data on every numpy a student may have."""
    seed = "\0".join((assignment, normalize_code(code), file, row, column)).encode()
    digest = hashlib.sha256(seed).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    sign = 1.0 if digest[8] & 1 else -1.0
    return 1.0 + sign * (lo + u * (hi - lo))


def draw(assignment: str, code: str) -> dict[tuple[str, str, str], float]:
    """{(file, row, column): multiplier} of the assignment's perturbable inputs for `code`; a pure
    function of the two. Empty for an assignment without variants (vtdf)."""
    if assignment not in PERTURB:
        raise KeyError(f"no variant rules for assignment {assignment!r}; known: {sorted(PERTURB)}")
    return {(item.file, row, item.column): multiplier(assignment, code, item.file, row,
                                                      item.column, item.lo, item.hi)
            for item in PERTURB[assignment] for row in item.rows}


def files(assignment: str) -> set[str]:
    """The data files a variant of `assignment` changes."""
    return {item.file for item in PERTURB.get(assignment, ())}


def fmt(value: float, decimals: int) -> str:
    """A number written as the exhibit writes it: fixed decimals, or a whole number."""
    if decimals > 0:
        return f"{value:.{decimals}f}"
    return str(int(round(value, decimals)))


def _split(line: str) -> list[str]:
    """The raw fields of one CSV line (quotes kept), so unchanged fields keep their bytes."""
    fields: list[str] = []
    current: list[str] = []
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            fields.append("".join(current))
            current = []
        else:
            current.append(char)
    fields.append("".join(current))
    return fields


def _normalized(values: dict[str, float], decimals: int) -> dict[str, str]:
    """Shares rescaled to sum to 1 and rounded so the written numbers sum to exactly 1: whole
    units of 10^-decimals, the leftover units going to the largest remainders."""
    unit = 10**decimals
    scaled = {k: v / sum(values.values()) * unit for k, v in values.items()}
    whole = {k: int(v) for k, v in scaled.items()}
    by_remainder = sorted(scaled, key=lambda k: whole[k] - scaled[k])
    for k in by_remainder[: unit - sum(whole.values())]:
        whole[k] += 1
    return {k: str(Decimal(n).scaleb(-decimals)) for k, n in whole.items()}


def apply_csv(assignment: str, code: str, file: str, text: str) -> str:
    """`text` (the published case/data/<file>.csv) with the variant's changes; every other byte
    as published. Raises ValueError if a listed row is missing or is not illustrative."""
    lines = text.splitlines(keepends=True)
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) != len(lines):
        raise ValueError(f"{file}.csv: a field spans lines; variants need one row per line")
    header, key = rows[0], header_index(rows[0], KEY_COLUMN.get(file, ""), file)
    where = {row[key]: n for n, row in enumerate(rows) if n}
    multipliers = draw(assignment, code)
    changes: dict[tuple[int, int], str] = {}
    for item in (i for i in PERTURB[assignment] if i.file == file):
        col = header_index(header, item.column, file)
        found = {}
        for name in item.rows:
            if name not in where:
                raise ValueError(f"{file}.csv: no row {name!r} to vary")
            row = rows[where[name]]
            if "basis" in header and row[header.index("basis")] != "illustrative":
                raise ValueError(f"{file}.csv: row {name!r} is not illustrative; it must not vary")
            found[name] = float(row[col]) * multipliers[(file, name, item.column)]
        if (file, item.column) in NORMALIZED:
            written = _normalized(found, item.decimals)
        else:
            written = {name: fmt(v, item.decimals) for name, v in found.items()}
        changes.update({(where[name], col): value for name, value in written.items()})
    out = []
    for n, line in enumerate(lines):
        cols = [c for (r, c) in changes if r == n]
        if cols:
            body = line.rstrip("\r\n")
            fields = _split(body)
            for c in cols:
                fields[c] = changes[(n, c)]
            line = ",".join(fields) + line[len(body):]
        out.append(line)
    return "".join(out)


def environment_variable(assignment: str) -> str:
    """Where a JupyterHub spawner may put a student's code, so they need not type it."""
    return f"PARADOX_VARIANT_{assignment.upper()}"


def given(assignment: str, code: str, path: str):
    """What the notebook's given-data cell reads: `path` (data/<file>.csv) itself without a
    code, else that file as the variant `code` changes it, as text ready for pandas.read_csv.
    A code typed in the notebook wins; without one, the environment's (on a hub) is used."""
    code = normalize_code(code or os.environ.get(environment_variable(assignment), ""))
    if not code:
        return path
    if not code.isalnum() or len(code) > 32:
        raise ValueError(f"{code!r} is not a variant code: 8 letters and digits, as issued to "
                         "you; leave VARIANT empty to work on the case's published numbers")
    file = path.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".csv")
    if file not in files(assignment):
        return path  # a file no variant changes (sourced data)
    with open(path, encoding="utf-8", newline="") as handle:
        return io.StringIO(apply_csv(assignment, code, file, handle.read()))


def header_index(header: list[str], column: str, file: str) -> int:
    if column not in header:
        raise ValueError(f"{file}.csv: no column {column!r}")
    return header.index(column)
