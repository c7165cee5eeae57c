"""Read a submitted notebook file, or say precisely why it cannot be read.

The one reader of student-supplied notebook files, for intake and for grading alike. Size and
nesting depth are checked before any parser sees the bytes: Python's json (and nbformat's
jsonschema after it) recurse once per level, so a few kilobytes of `[[[[...` would otherwise
end in a RecursionError instead of a clear refusal.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

MiB = 1024 * 1024
# One cap for a notebook file, at intake (intake.Limits.max_file_bytes) and at grading. Jupyter
# notebooks with their outputs are rarely over a few MiB.
MAX_NOTEBOOK_BYTES = 20 * MiB
# Jupyter writes notebooks about 6 levels deep (a little more with widget state or JSON
# outputs); 100 leaves ample room and stays far below Python's recursion limit.
MAX_JSON_DEPTH = 100

# A JSON string, escapes included: its brackets are text and do not nest. The closing quote is
# optional so that an unterminated string ends the scan instead of being retried from every
# later quote (quadratic time on `"\"\"\"...`).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKETS = re.compile(rb"[^\[\]{}]+")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


class InvalidNotebook(ValueError):
    """The file cannot be read as a version-4 notebook; `reason` says why, `name` names it."""

    def __init__(self, name: str, reason: str):
        super().__init__(name, reason)  # both in args, so the error pickles across processes
        self.name, self.reason = name, reason

    def __str__(self) -> str:
        return f"{self.name}: {self.reason}"


def json_depth(data: bytes) -> int:
    """How deep the arrays and objects in `data` nest, brackets inside strings not counted;
    linear time and no recursion, so it is safe on any input (malformed JSON included). Bytes
    suffice: in UTF-8 no byte of a multi-byte character is a quote, backslash or bracket."""
    brackets = _NOT_BRACKETS.sub(b"", _STRING.sub(b"", data))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def read_bounded(path: Path, name: str | None = None, *, max_bytes: int = MAX_NOTEBOOK_BYTES,
                 max_depth: int = MAX_JSON_DEPTH) -> bytes:
    """The bytes of a submitted file, refused (InvalidNotebook) when over `max_bytes` or when
    its JSON nests deeper than `max_depth`: what no parser may be given. `name` is what
    messages call the file (default: its file name)."""
    name = name or Path(path).name
    with Path(path).open("rb") as fh:
        raw = fh.read(max_bytes + 1)  # never more than the cap in memory, whatever the size
    if len(raw) > max_bytes:
        size = Path(path).stat().st_size
        raise InvalidNotebook(name, f"{size} bytes, over the limit of {max_bytes} bytes for a "
                                    "notebook")
    depth = json_depth(raw)
    if depth > max_depth:
        raise InvalidNotebook(name, f"JSON nested {depth} levels deep (the limit is "
                                    f"{max_depth}); not a notebook saved by Jupyter")
    return raw


def read_json(path: Path, name: str | None = None) -> Any:
    """The JSON value in a submitted file, or InvalidNotebook saying why not: too big, too
    deep (`read_bounded`), empty, not UTF-8 or not JSON."""
    name = name or Path(path).name
    raw = read_bounded(path, name)
    if not raw.strip():
        raise InvalidNotebook(name, "the file is empty")
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidNotebook(name, "not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InvalidNotebook(name, f"not valid JSON (line {exc.lineno}, column {exc.colno}: "
                                    f"{exc.msg})") from None
    except ValueError as exc:  # e.g. an integer of more digits than int() may convert
        raise InvalidNotebook(name, f"not readable JSON ({str(exc).split(';')[0]})") from None


def load_submission(path: Path) -> NotebookNode:
    """Read a submitted notebook, or say precisely why it cannot be read."""
    name = Path(path).name
    data = read_json(path)
    major = data.get("nbformat") if isinstance(data, dict) else None
    if isinstance(major, int) and major != 4:
        raise InvalidNotebook(name, f"nbformat {major} notebooks cannot be graded "
                                    "(expected version 4: save it from JupyterLab again)")
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list) or major != 4:
        raise InvalidNotebook(name, "JSON, but not a notebook (no nbformat 4 list of cells)")
    try:
        return nbformat.reads(json.dumps(data), as_version=4)
    except Exception as exc:  # nbformat's validation errors come in several types
        raise InvalidNotebook(name, f"not a valid notebook ({exc.__class__.__name__})") from None
