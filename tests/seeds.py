"""The seed articles the case was built from, for the originality tests: their words, and the
quotations they attribute to named people (unverified, so they must never reappear)."""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# The seeds sit in shared/ beside the checkout (as CI clones it); PARADOX_SEEDS points elsewhere.
SEEDS = Path(os.environ.get("PARADOX_SEEDS", REPO.parent / "shared" / "seeds"))
QUOTE_WORDS = 6  # a seed quotation at least this long must not appear
QUOTE_RUN = 8  # nor any run of this many of its words

_GLUE = re.compile(r"(?<=[a-z])(?=[A-Z])")
_PUNCT = str.maketrans({c: " " for c in "‘’‚‛“”„‟«»–—‐‑‒―−…"})


def words(text: str) -> list[str]:
    """Lower-case words, with unicode styling, quotes and dashes folded away."""
    text = unicodedata.normalize("NFKC", text).translate(_PUNCT)
    text = _GLUE.sub(" ", text)  # words glued together where the seeds lost line breaks
    return re.sub(r"[^a-z0-9]+", " ", text.lower().replace("'", "")).split()


def seed_texts() -> dict[str, str]:
    """The seed articles by file name. Missing seeds skip the originality tests on a laptop,
    but fail them in CI (CI is set), where a skip would let a copied sentence through."""
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}
    if not texts:
        message = f"seed articles not found at {SEEDS} (set PARADOX_SEEDS to their folder)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return texts


def seed_quotations() -> list[str]:
    """Every quotation in the seeds, each of its sentences, and every run of QUOTE_RUN words."""
    quotes = []
    for text in seed_texts().values():
        text = unicodedata.normalize("NFKC", text)
        for quote in re.findall(r"[“\"]([^”\"]+)[”\"]", text):
            quoted = words(quote)
            if len(quoted) < QUOTE_WORDS:
                continue
            parts = [quoted, *(words(s) for s in re.split(r"(?<=[.!?])\s+", quote))]
            parts += [quoted[i:i + QUOTE_RUN] for i in range(len(quoted) - QUOTE_RUN + 1)]
            quotes += [" ".join(p) for p in parts if len(p) >= QUOTE_WORDS]
    return quotes
