"""The in-kernel checks: conversion to plain data, comparison, and diagnostic messages."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from autograder.kernel_checks import check_format, check_values, difference, plain

KEY = {"expected": {"Meta": 0.5, "OpenAI": 1.0}, "tol": {"abs": 1e-6},
       "accept": [{"Meta": 0.25, "OpenAI": 0.5}],
       "mistakes": [[{"Meta": 3.0, "OpenAI": 5.0}, "these look like the raw 1–5 scores"]]}


def test_plain_rebuilds_values_so_fake_numbers_cannot_pass():
    """Can an object whose __eq__ always returns True pass as the right answer?"""
    class Liar:
        def __eq__(self, other):
            return True

    class SneakyFloat(float):
        def __eq__(self, other):
            return True

    with pytest.raises(AssertionError, match="cannot be checked"):
        check_values("x", Liar(), {"expected": 1.0, "tol": {"abs": 0}})
    with pytest.raises(AssertionError, match="not the expected value"):
        check_values("x", SneakyFloat(2.0), {"expected": 1.0, "tol": {"abs": 0}})
    assert type(plain(SneakyFloat(2.0))) is float


def test_plain_reads_pandas_numpy_and_figures():
    frame = pd.DataFrame({"a": [1, 2]}, index=["x", "y"])
    assert plain(frame) == {"x": {"a": 1}, "y": {"a": 2}}
    assert plain(pd.Series([0.5], index=["Meta"])) == {"Meta": 0.5}
    assert plain(np.array([1.5, 2])) == [1.5, 2.0]
    fig, ax = plt.subplots()
    ax.bar(["a", "b"], [1, 2])
    ax.set(title="t", xlabel="x", ylabel="y")
    assert plain(fig)["figure"][0]["bars"] == 2
    plt.close(fig)


def test_values_pass_follow_through_and_diagnose(capsys):
    """Does the hidden check accept the answer, credit follow-through, and name a mistake?"""
    check_values("s", pd.Series({"Meta": 0.5, "OpenAI": 1.0}), KEY)
    check_values("s", pd.Series({"Meta": 0.25, "OpenAI": 0.5}), KEY)
    assert "follow-through" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="raw 1–5 scores"):
        check_values("s", pd.Series({"Meta": 3, "OpenAI": 5}), KEY)
    with pytest.raises(AssertionError) as wrong:
        check_values("s", pd.Series({"Meta": 0.5, "OpenAI": 0.9}), KEY)
    assert "['OpenAI']" in str(wrong.value) and "0.9" not in str(wrong.value)
    assert "1.0" not in str(wrong.value)  # never reveals the expected value


def test_tolerance_does_not_depend_on_math_isclose(monkeypatch):
    """Does patching math.isclose change the in-kernel verdict?"""
    import math

    monkeypatch.setattr(math, "isclose", lambda *a, **k: True)
    assert difference(2.0, 1.0, {"abs": 1e-6}) is not None


@pytest.mark.parametrize("value, spec, message", [
    ([1, 2], {"type": "DataFrame"}, "should be a pandas DataFrame, got list"),
    (pd.Series({"Meta": 1.0}), {"type": "Series", "index": ["Meta", "Google"]},
     "should be indexed by Meta, Google"),
    (45.0, {"type": "number", "range": [0, 1], "range_hint": "a share"},
     "between 0 and 1; found 45 — a share"),
    ("Tech", {"type": "str", "choices": ["Value", "Technology"]}, "should be one of"),
    (pd.Series({"a": 1.5}), {"type": "Series", "integers": True}, "whole numbers"),
    (pd.Series({"a": float("nan")}), {"type": "Series"}, "missing values"),
    (True, {"type": "number"}, "single number"),
])
def test_format_messages(value, spec, message):
    with pytest.raises(AssertionError, match=message):
        check_format("answer", value, spec)


def test_format_accepts_the_right_form():
    check_format("r", pd.DataFrame({"p": [1, 2]}, index=["Meta", "OpenAI"]),
                 {"type": "DataFrame", "index": ["OpenAI", "Meta"], "columns": ["p"],
                  "integers": True, "range": [1, 2]})


def test_chart_form():
    fig, ax = plt.subplots()
    pd.DataFrame({"V": [1, 2], "T": [2, 1]}, index=["a", "b"]).plot.bar(ax=ax)
    with pytest.raises(AssertionError, match="title and both axis labels"):
        check_format("fig", fig, {"type": "figure", "bars": 4, "labelled": True})
    ax.set(title="t", xlabel="x", ylabel="y")
    check_format("fig", fig, {"type": "figure", "bars": 4, "labelled": True, "legend": 2})
    plt.close(fig)
