"""The teaching case as one HTML page: the narrative (case/case.md.j2) and its numbered exhibits,
all filled from case/data."""

from autograder.casebook.build import build_case, render_case_text, word_count
from autograder.casebook.exhibits import EXHIBITS, Exhibit, render_exhibits
from autograder.data import AS_OF

__all__ = ["AS_OF", "EXHIBITS", "Exhibit", "build_case", "render_case_text", "render_exhibits", "word_count"]
