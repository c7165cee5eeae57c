"""Small helpers shared across the package: one way to read a submission time, one way to
write a file so that nobody ever sees it half-written."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path


def parse_time(text: str) -> datetime:
    """A submission timestamp (nbgrader's timestamp.txt format, or ISO 8601) as naive UTC,
    which is how nbgrader stores times in the gradebook (nbgrader's own parser)."""
    # Imported here: importing nbgrader loads its server extensions (3 s), and every command
    # line verb imports this module, --help and a misspelt option included.
    from nbgrader.utils import parse_utc

    return parse_utc(text)


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write `path` by renaming a finished temporary file over it: a reader sees the old file or
    the new one, never half of one, and a read-only old file (stock nbgrader leaves autograded/
    files so) is replaced rather than refused."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            tmp.write_text(data, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def printable(text: str) -> str:
    """`text` safe to print to a terminal: every character that is not printable (ESC, CR,
    newline and the other C0/C1 controls, bidi overrides such as U+202E, lone surrogates) is
    written as its Python escape (`\\x1b`, `\\r`, `\\u202e`), so an untrusted name can neither
    send control sequences nor fake a line; printable letters such as é stay as they are."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


# What a spreadsheet reads as the start of a formula (OWASP's CSV-injection list): exports escape
# such cells, and intake refuses student ids that start so (ids become CSV cells and folders).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
