"""Read a submitted notebook file, or say precisely why it cannot be read.

The one reader of student-supplied notebook files, for intake and for grading alike.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from nbformat import NotebookNode


class InvalidNotebook(ValueError):
    """The file cannot be read as a version-4 notebook; the message says why."""


def load_submission(path: Path) -> NotebookNode:
    """Read a submitted notebook, or say precisely why it cannot be read."""
    raw = path.read_bytes()
    if not raw.strip():
        raise InvalidNotebook(f"{path.name}: the file is empty")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidNotebook(f"{path.name}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InvalidNotebook(f"{path.name}: not valid JSON (line {exc.lineno}, column {exc.colno}: "
                              f"{exc.msg})") from None
    major = data.get("nbformat") if isinstance(data, dict) else None
    if isinstance(major, int) and major != 4:
        raise InvalidNotebook(f"{path.name}: nbformat {major} notebooks cannot be graded "
                              "(expected version 4: save it from JupyterLab again)")
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list) or major != 4:
        raise InvalidNotebook(f"{path.name}: JSON, but not a notebook (no nbformat 4 list of cells)")
    try:
        return nbformat.reads(json.dumps(data), as_version=4)
    except Exception as exc:  # nbformat's validation errors come in several types
        raise InvalidNotebook(f"{path.name}: not a valid notebook ({exc.__class__.__name__})") from None
