"""Number and date formats shared by the exhibits, the narrative's Jinja filters and the guide."""

from __future__ import annotations

import re
from datetime import date

from autograder.data import DataError


def trim(value: float, digits: int = 2) -> str:
    """164.50 -> '164.5', 60.0 -> '60', 20000 -> '20,000': as many decimals as the data carries."""
    text = f"{float(value):,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def usd_b(value: float) -> str:
    return f"${trim(value)} billion"


def usd(value: float, digits: int = 2) -> str:
    return f"${float(value):,.{digits}f}"


def pct(value: float, digits: int = 0) -> str:
    return f"{float(value) * 100:.{digits}f}%"


def int_commas(value: float) -> str:
    return f"{int(round(float(value))):,}"


def plain_int(value: float) -> str:
    """An identifier-like integer (a year, a seed): no thousands separator."""
    return str(int(round(float(value))))


def longdate(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def month_year(day: date) -> str:
    return f"{day:%B %Y}"


def num(value: float) -> str:
    """A table cell: up to four decimals, no trailing zeros."""
    return trim(value, 4)


def usd_b_cell(value: float) -> str:
    """Dollar-billion cells keep at least one decimal (5.0, not 5) so columns read alike."""
    text = trim(value)
    return text if "." in text else f"{text}.0"


_AMOUNT = re.compile(r"(\$)?(\d+(?:\.\d+)?)\s*(%|B\b|M\b|billion\b|million\b)")
_SCALE = {"B": "billion", "M": "million", "billion": "billion", "million": "million"}


def amount(text: str) -> str:
    """The first quantity in a sourced text cell, spelled out: '$7.6B' -> '$7.6 billion',
    'Downloads >1B' -> '1 billion', 'about 70% (69.9%)' -> '70%'. Lets the narrative quote
    figures that the data holds only inside descriptions, without retyping them."""
    match = _AMOUNT.search(str(text))
    if not match:
        raise DataError(f"no quantity ($, %, M or B) found in {text!r}")
    dollar, number, unit = match.groups()
    return f"{dollar or ''}{number}%" if unit == "%" else f"{dollar or ''}{number} {_SCALE[unit]}"
