"""What the feedback pages and the report share: one Jinja2 environment over
`autograder/outputs/templates` (autoescaped: messages and answers are student-controlled text),
the shared stylesheet inlined into every page (a page loads nothing from elsewhere), and the
filters that make identifiers, inline code and answers readable.

* `ident`: an identifier such as `q4b_incremental_payback`, breakable only after an underscore.
* `inline_code`: text whose `backticked` parts become <code> (no backtick reaches the page).
* `answer_text` / `answer_html`: a student's answer, numbers at a sensible precision, a dict as
  "key: value" pairs, a list comma-separated, cut with "…" when long.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, Template
from markupsafe import Markup, escape

TEMPLATES = Path(__file__).parent / "templates"
STYLESHEET = "pages.css"
TEXT_LIMIT = 160   # characters of an answer shown as text
LIST_LIMIT = 8     # list entries shown
DICT_LIMIT = 6     # dict entries shown
ELLIPSIS = "…"


def ident(text: object) -> Markup:
    """An identifier, escaped, with a <wbr> after each underscore so it wraps only there."""
    safe = text if isinstance(text, Markup) else escape(str(text))  # escape once, not twice
    return Markup("_<wbr>").join(safe.split("_"))


_CODE = re.compile(r"`([^`\n]+)`")


def inline_code(text: object) -> Markup:
    """Escaped text with Markdown's `code` spans as <code> and no stray backtick left."""
    escaped = str(escape("" if text is None else str(text)))
    parts = []
    last = 0
    for m in _CODE.finditer(escaped):
        parts.append(escaped[last:m.start()].replace("`", ""))
        parts.append(f"<code>{ident(Markup(m.group(1)))}</code>")
        last = m.end()
    parts.append(escaped[last:].replace("`", ""))
    return Markup("".join(parts))


def number(x: float) -> str:
    """A number as people read it: integers with thousands separators, about four
    significant digits otherwise (12,346 / 123.5 / 1.235 / 0.01235), never float noise."""
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, float) and not math.isfinite(x):
        return "NaN" if math.isnan(x) else ("∞" if x > 0 else "−∞")
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    size = abs(x)
    if size >= 1000:
        text = f"{x:,.0f}"
    elif size >= 1:
        text = f"{x:.{3 - math.floor(math.log10(size))}f}".rstrip("0").rstrip(".")
    elif size >= 1e-4:
        text = f"{x:.4g}"
    else:
        text = f"{x:.3g}"
    return text


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + ELLIPSIS


def _short(value: Any, depth: int = 0) -> str:
    """One value as plain text (see `answer_text`), not yet cut to length."""
    if value is None:
        return "nothing (None)"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return number(value)
    if isinstance(value, dict):
        items = list(value.items())
        sep = "; " if depth == 0 else ", "
        shown = sep.join(f"{k}: {_short(v, depth + 1)}" for k, v in items[:DICT_LIMIT])
        more = f"{sep}{ELLIPSIS}" if len(items) > DICT_LIMIT else ""
        return ("{" + shown + more + "}") if depth > 1 else shown + more
    if isinstance(value, (list, tuple)):
        shown = ", ".join(_short(v, depth + 1) for v in value[:LIST_LIMIT])
        more = f", {ELLIPSIS}" if len(value) > LIST_LIMIT else ""
        return ("(" + shown + more + ")") if depth > 1 or (depth and not shown) else shown + more
    return str(value)


def answer_text(value: Any, limit: int = TEXT_LIMIT) -> str:
    """A student's answer as one short line: `{"a": 0.123456, "b": [1, 2]}` reads
    "a: 0.1235; b: [1, 2]", a long one ends in "…"."""
    return _cut(_short(value), limit)


def answer_html(value: Any, limit: int = TEXT_LIMIT) -> Markup:
    """A student's answer for a table cell: a dict as a small "key: value" list (values as
    `answer_text`), anything else as escaped text; every part escaped."""
    if isinstance(value, dict) and value:
        items = list(value.items())
        rows = [Markup('<li><span class="key">{}</span>: {}</li>').format(
                    ident(k), _cut(_short(v, 1), limit // 2)) for k, v in items[:DICT_LIMIT]]
        if len(items) > DICT_LIMIT:
            rows.append(Markup("<li>{}</li>").format(f"{ELLIPSIS} {len(items) - DICT_LIMIT} more"))
        return Markup('<ul class="answer">{}</ul>').format(Markup("").join(rows))
    return escape(answer_text(value, limit))


def environment() -> Environment:
    """Autoescaping on for every template: nothing a student typed can become markup."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(ident=ident, inline_code=inline_code, answer=answer_html)
    env.globals["stylesheet"] = Markup((TEMPLATES / STYLESHEET).read_text(encoding="utf-8"))
    return env


_ENV: Environment | None = None


def template(name: str) -> Template:
    global _ENV
    if _ENV is None:
        _ENV = environment()
    return _ENV.get_template(name)
