"""Reading the case's and the guide's Markdown: one section by its heading, and plain text."""

from __future__ import annotations

import re


def section(text: str, heading: str, level: int = 2) -> str:
    """The body under the first heading of `level` that starts with `heading`, up to the next
    heading of that level or higher. KeyError names the heading when there is none."""
    start = rf"^{'#' * level} {re.escape(heading)}[^\n]*\n"
    match = re.search(start + rf"(.*?)(?=^#{{1,{level}}} |\Z)", text, re.M | re.S)
    if match is None:
        raise KeyError(f"no section {heading!r}")
    return match.group(1)


def plain(markdown: str) -> str:
    """Markdown and the case page's citation markup as plain text."""
    text = re.sub(r"<sup.*?</sup>|\[\^[^\]]+\]", "", markdown)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[*_`]", "", text).strip()
