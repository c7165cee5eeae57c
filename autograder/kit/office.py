"""Office Open XML packages (.pptx, .xlsx) written the same way every time: a zip whose entry
times and document dates are the case's as-of date, not the moment of saving, so two builds
of the kit from the same data give the same bytes and no student file dates after the case."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

from autograder.data import AS_OF

_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def reproducible(raw: bytes, day: date = AS_OF) -> bytes:
    """The same package with every date in it set to `day`: the zip entries' times and
    docProps/core.xml's modified date (openpyxl stamps the time of saving there)."""
    stamp = f"{day.isoformat()}T00:00:00Z".encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dest:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=(day.year, day.month, day.day, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            dest.writestr(entry, data)
    return out.getvalue()
