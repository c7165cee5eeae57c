"""Small helpers shared across the package."""

from __future__ import annotations

from datetime import datetime, timezone

from dateutil import parser as dateparser


def parse_time(text: str) -> datetime:
    """A submission timestamp (nbgrader's timestamp.txt format, or ISO 8601) as naive UTC,
    which is how nbgrader stores times in the gradebook."""
    moment = dateparser.parse(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment
