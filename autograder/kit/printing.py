"""HTML to print-quality PDF with headless Chromium, the one browser this package relies on.

Chromium lays out CSS paged media (`@page` sizes, margin boxes with `counter(page)` for page
numbers, `break-inside: avoid` for exhibits) and embeds fonts and images, so one HTML template
per document gives both the look and the pagination. The PDF's metadata is then rewritten with
pypdf: a title and author for screen readers and library catalogues, and the case's as-of date
instead of the build time, so nothing in a student file dates after the case.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from pypdf import PdfReader, PdfWriter

from autograder.data import AS_OF
from autograder.utils import atomic_write

TEMPLATES = Path(__file__).parent / "templates"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT_S = 120
AUTHOR = "The case writers"


class KitError(RuntimeError):
    """Something the kit needs is missing or failed; the message says what and where."""


def find_chromium() -> str:
    """The browser to print with: $PARADOX_CHROMIUM, else the first of BROWSERS on PATH."""
    chosen = os.environ.get("PARADOX_CHROMIUM")
    if chosen:
        if shutil.which(chosen) is None:
            raise KitError(f"PARADOX_CHROMIUM={chosen}: no such program")
        return chosen
    for name in BROWSERS:
        if shutil.which(name):
            return name
    raise KitError("the PDFs need headless Chromium and none was found on PATH "
                   f"(tried {', '.join(BROWSERS)}); install Debian's `chromium` or set PARADOX_CHROMIUM")


def environment() -> jinja2.Environment:
    """The kit's templates, autoescaped: pre-rendered HTML comes in marked `|safe`."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def css_string(text: str) -> Markup:
    """`text` as the body of a CSS string inside <style>, where HTML escapes are not decoded:
    anything but plain printable ASCII becomes a CSS escape."""
    return Markup("".join(c if c.isascii() and c.isprintable() and c not in '"\\<>&'
                          else f"\\{ord(c):06x}" for c in text))


def render(template: str, **context: Any) -> str:
    css = (TEMPLATES / "print.css").read_text(encoding="utf-8")
    return environment().get_template(template).render(print_css=Markup(css), **context)


def print_pdf(html_text: str, out: Path, title: str, day: date = AS_OF) -> Path:
    """Print one self-contained HTML page to `out` (written atomically) and stamp its metadata."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="paradox-print-") as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(html_text, encoding="utf-8")
        raw = Path(tmp) / "raw.pdf"
        command = [find_chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                   "--no-pdf-header-footer", "--no-first-run", "--disable-extensions",
                   f"--user-data-dir={tmp}/profile", f"--print-to-pdf={raw}", page.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise KitError(f"{out.name}: Chromium did not finish printing in {TIMEOUT_S} s") from None
        if not raw.is_file() or raw.stat().st_size == 0:
            tail = (done.stderr or "").strip().splitlines()[-1:] or ["no output"]
            raise KitError(f"{out.name}: Chromium printed nothing (exit {done.returncode}: {tail[0]})")
        _stamp(raw, out, title, day)
    return out


def _stamp(raw: Path, out: Path, title: str, day: date) -> None:
    # pypdf notes that Chromium's trailer undercounts objects: harmless, and not the user's concern
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    writer = PdfWriter(clone_from=PdfReader(raw))
    stamp = f"D:{day:%Y%m%d}000000Z"
    writer.metadata = {"/Title": title, "/Author": AUTHOR, "/Creator": "autograder kit",
                       "/Producer": "Chromium, pypdf", "/CreationDate": stamp, "/ModDate": stamp}
    buffer = io.BytesIO()
    writer.write(buffer)
    atomic_write(out, buffer.getvalue())
