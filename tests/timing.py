"""Time limits in tests are generous for correct code and scaled by one factor on a slow or
busy machine (PARADOX_TIME_FACTOR=3 triples them); no test asserts on wall-clock time."""

from __future__ import annotations

import os

TIME_FACTOR = float(os.environ.get("PARADOX_TIME_FACTOR", "1"))


def seconds(base: float) -> int:
    return max(1, round(base * TIME_FACTOR))
