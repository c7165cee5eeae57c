"""Checks used by the test cells of the Open by Design notebooks.

This file is copied beside every notebook as `checks.py`. It holds no answers: the visible
tests pass it a description of the expected *form* of an answer, and the hidden tests (added
only at grading time) pass it the expected values. Keep it to the standard library plus
optional pandas/matplotlib, and never write to stderr: nbgrader scores a test cell that
writes to stderr as failed.
"""

from __future__ import annotations

import numbers

__all__ = ["check_format", "check_values", "plain", "matches", "verdict", "type_name",
           "CheckFailed", "STUB_MESSAGE", "CODE_STUB"]

# What an unanswered answer cell holds in the release: nbgrader's ClearSolutions writes it
# (nbgrader_config.py sets `c.ClearSolutions.code_stub` from here) and the release check
# requires it. The grader knows an untouched stub by its NotImplementedError.
STUB_MESSAGE = "answer this question here"
CODE_STUB = f'# YOUR CODE HERE\nraise NotImplementedError("{STUB_MESSAGE}")'


class CheckFailed(AssertionError):
    """A check that failed: shown in the notebook as its message alone, without a traceback
    into this file. IPython renders an exception by its `_render_traceback_` when it has one;
    the kernel still reports an error (ename, evalue), so Run All stops there, Validate fails
    and nbgrader scores the cell 0."""

    def _render_traceback_(self) -> list[str]:
        return [f"\N{BALLOT X} {line}" if n == 0 else f"  {line}"
                for n, line in enumerate(str(self).splitlines() or [""])]


class Unreadable(TypeError):
    """An answer whose type the checks cannot read as numbers, text, tables or a chart."""


def _pandas():
    try:
        import pandas
    except ImportError:  # pragma: no cover - the course always has pandas
        return None
    return pandas


def figure_summary(fig) -> dict:
    """What a chart shows, without pixels: per axes the title, labels, bars, lines and legend."""
    axes = []
    for ax in fig.get_axes():
        legend = ax.get_legend()
        axes.append({
            "title": str(ax.get_title()),
            "xlabel": str(ax.get_xlabel()),
            "ylabel": str(ax.get_ylabel()),
            "bars": sum(1 for p in ax.patches if type(p).__name__ == "Rectangle"),
            "lines": len(ax.get_lines()),
            "legend": [str(t.get_text()) for t in legend.get_texts()] if legend else [],
        })
    return {"figure": axes}


def plain(value):
    """An answer as plain data (numbers, text, lists, and dicts keyed by label) for comparison.

    Conversion goes by type and rebuilds every value, so an object that overrides `__eq__` or
    subclasses float cannot pass itself off as the right answer.
    """
    pd = _pandas()
    if pd is not None and isinstance(value, pd.DataFrame):
        return {str(row): {str(col): plain(v) for col, v in value.loc[row].items()}
                for row in value.index}
    if pd is not None and isinstance(value, pd.Series):
        return {str(k): plain(v) for k, v in value.items()}
    if type(value).__name__ in ("Figure", "Axes") and hasattr(value, "get_figure"):
        fig = value if type(value).__name__ == "Figure" else value.get_figure()
        return figure_summary(fig)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) or type(value).__name__ == "ndarray":
        return [plain(v) for v in list(value)]
    if isinstance(value, (bool,)) or type(value).__name__ == "bool_":
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, str):
        return str.__str__(value)
    raise Unreadable(f"a {type(value).__name__} cannot be checked")


def _finite(x: float) -> bool:
    # Written out rather than math.isfinite, which a notebook can patch.
    return x == x and x not in (float("inf"), float("-inf"))


def _float(x) -> float:
    """A number as a float; an int too large for one becomes infinity (and then fails)."""
    try:
        return float(x)
    except OverflowError:
        return float("inf") if x > 0 else float("-inf")


def _close(a: float, b: float, tol: dict) -> bool:
    # Written out rather than math.isclose, which a notebook can patch. Infinity and NaN never
    # match: abs(inf - x) <= rel * inf would otherwise be true.
    if not (_finite(a) and _finite(b)):
        return False
    return abs(a - b) <= max(tol.get("rel", 0.0) * max(abs(a), abs(b)), tol.get("abs", 0.0))


def difference(got, expected, tol: dict, where: str = "") -> str | None:
    """Where `got` first differs from `expected` (a label path), or None if they match."""
    here = where or "the answer"
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f"{here} should be labelled (a table or a Series), not a single value"
        missing = [k for k in expected if k not in got]
        if missing:
            return f"{here} is missing {', '.join(map(repr, missing))}"
        extra = [k for k in got if k not in expected]
        if extra:
            return f"{here} has unexpected label(s) {', '.join(map(repr, extra))}"
        for k in expected:
            found = difference(got[k], expected[k], tol, f"{where}[{k!r}]")
            if found:
                return found
        return None
    if isinstance(expected, list):
        if not isinstance(got, list) or len(got) != len(expected):
            return f"{here} should be a list of {len(expected)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            found = difference(g, e, tol, f"{where}[{i}]")
            if found:
                return found
        return None
    if isinstance(expected, bool) or isinstance(expected, str):
        if isinstance(expected, str) and isinstance(got, str):
            return None if got.strip().casefold() == expected.strip().casefold() else here
        return None if got == expected else here
    if isinstance(expected, (int, float)):
        if isinstance(got, bool) or not isinstance(got, (int, float)):
            return f"{here} should be a number"
        if not _finite(_float(got)):
            return f"{here} should be a finite number"
        return None if _close(_float(got), _float(expected), tol) else here
    return here


def matches(got, expected, tol: dict) -> bool:
    return difference(got, expected, tol) is None


def verdict(got, key: dict, earlier: dict | None = None) -> tuple[str, str, str | None]:
    """Judge plain data against `key`: ("correct" | "follow-through" | "mistake" | "wrong",
    the message for the student, the matched mistake's id).

    A follow-through answer (`accept`) is what a catalogued mistake in an earlier item leads to;
    `accept_from` names, per accepted value, the [item, mistake] pairs that produce it. Given
    `earlier` (item -> the mistake its answer matched, as the grader knows), the credit goes only
    to a student whose own earlier answer made that mistake. Without it (stock nbgrader's hidden
    test, in the kernel) every follow-through value is accepted."""
    tol = key["tol"]
    if matches(got, key["expected"], tol):
        return "correct", "", None
    sources = key.get("accept_from")
    for n, alt in enumerate(key.get("accept", [])):
        if not matches(got, alt, tol):
            continue
        if earlier is None or sources is None or any(
                earlier.get(item) == mistake for item, mistake in sources[n]):
            return "follow-through", "consistent with your earlier answers (follow-through credit).", None
    for wrong, diagnosis, *mistake_id in key.get("mistakes", []):
        if matches(got, wrong, tol):
            return "mistake", diagnosis, (mistake_id or [None])[0]
    where = difference(got, key["expected"], tol) or "the answer"
    if " should " in where or " is missing " in where or " has unexpected " in where:
        return "wrong", f"not the expected value: {where}.", None
    return "wrong", (f"not the expected value ({where} is off). "
                     "Re-read the question's convention and your inputs."), None


def check_values(name: str, value, key: dict) -> None:
    """Compare an answer with the expected values in `key` and explain a mismatch.

    `key` holds `expected`, `tol`, `accept` (answers that follow correctly from a catalogued
    mistake in an earlier question) and `mistakes` ([wrong value, diagnosis, id] lists).
    """
    try:
        got = plain(value)
    except Unreadable as exc:
        raise CheckFailed(f"{name}: {exc}; store numbers, text or a pandas table") from None
    outcome, message, _ = verdict(got, key)
    if outcome == "follow-through":
        print(f"{name}: {message}")
    elif outcome != "correct":
        raise CheckFailed(f"{name}: {message}")


def _labels(value) -> list[str]:
    return list(value.keys()) if isinstance(value, dict) else []


def _numbers(value) -> list[float]:
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [_float(value)]
    return []


TYPE_NAMES = {"DataFrame": ("DataFrame",), "Series": ("Series",), "figure": ("Figure", "Axes"),
              "str": ("str",), "bool": ("bool",)}


def type_name(value) -> str:
    """The name the format check knows a value's type by (subclasses of float count as float)."""
    pd = _pandas()
    if pd is not None and isinstance(value, pd.DataFrame):
        return "DataFrame"
    if pd is not None and isinstance(value, pd.Series):
        return "Series"
    if type(value).__name__ in ("Figure", "Axes"):
        return type(value).__name__
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "bool"
    if isinstance(value, numbers.Real):
        return "number"
    if isinstance(value, str):
        return "str"
    return type(value).__name__


def format_problem(name: str, value, spec: dict) -> str | None:
    """The first way `value` breaks the expected form `spec`, as a message; None if it fits."""
    kind = type_name(value)
    try:
        got = plain(value)
    except Unreadable as exc:
        return _type_problem(name, kind, spec) or f"{name}: {exc}"
    return plain_format_problem(name, kind, got, spec)


def _type_problem(name: str, kind: str, spec: dict) -> str | None:
    want = spec["type"]
    if want == "number" and kind != "number":
        return f"{name} should be a single number, got {kind}"
    if want in TYPE_NAMES and kind not in TYPE_NAMES[want]:
        article = ("a pandas " if want in ("DataFrame", "Series")
                   else "a matplotlib " if want == "figure" else "")
        label = {"figure": "Figure", "str": "text (a str)", "bool": "True or False"}.get(want, want)
        return f"{name} should be {article}{label}, got {kind}"
    return None


def plain_format_problem(name: str, kind: str, got, spec: dict) -> str | None:
    """The format check on an answer already turned into plain data (the grader's side)."""
    problem = _type_problem(name, kind, spec)
    if problem:
        return problem
    if spec["type"] == "figure":
        axes = got["figure"]
        if not axes:
            return f"{name} has no axes: draw the chart on the figure"
        ax = axes[0]
        if spec.get("bars") and ax["bars"] != spec["bars"]:
            return f"{name} should show {spec['bars']} bars, found {ax['bars']}"
        if spec.get("lines") and ax["lines"] != spec["lines"]:
            return f"{name} should show {spec['lines']} lines, found {ax['lines']}"
        if spec.get("labelled") and not (ax["title"] and ax["xlabel"] and ax["ylabel"]):
            return f"{name} needs a title and both axis labels"
        if spec.get("legend") and len(ax["legend"]) != spec["legend"]:
            return f"{name} needs a legend with {spec['legend']} entries"
        return None
    if "index" in spec:
        want, have = [str(x) for x in spec["index"]], _labels(got)
        if sorted(want) != sorted(have):
            return (f"{name} should be indexed by {', '.join(want)} "
                    f"(found {', '.join(have) or 'no labels'})")
    if "columns" in spec:
        rows = [v for v in got.values() if isinstance(v, dict)] if isinstance(got, dict) else []
        have = _labels(rows[0]) if rows else []
        want = [str(x) for x in spec["columns"]]
        if sorted(want) != sorted(have):
            return f"{name} should have columns {', '.join(want)} (found {', '.join(have) or 'none'})"
    if "choices" in spec and isinstance(got, str):
        if got.strip().casefold() not in [c.casefold() for c in spec["choices"]]:
            return f"{name} should be one of: {', '.join(spec['choices'])}"
    nums = _numbers(got)
    if any(n != n for n in nums):
        return f"{name} contains missing values (NaN)"
    if not all(_finite(n) for n in nums):
        return f"{name} contains an infinite (or too large) number"
    if spec.get("integers") and any(n != int(n) for n in nums):
        return f"{name} should hold whole numbers"
    if "range" in spec and nums:
        lo, hi = spec["range"]
        outside = [n for n in nums if (lo is not None and n < lo) or (hi is not None and n > hi)]
        if outside:
            hint = spec.get("range_hint", "")
            return (f"{name} should lie between {lo} and {hi}; found {outside[0]:g}"
                    + (f" — {hint}" if hint else ""))
    return None


def check_format(name: str, value, spec: dict) -> None:
    """Visible test: the answer has the expected type, labels, range and conventions. It says
    so in one line on stdout when they do (never stderr: nbgrader would score that a failure)."""
    problem = format_problem(name, value, spec)
    if problem:
        raise CheckFailed(problem)
    later = ("a chart is graded on its form only" if spec.get("type") == "figure"
             else "values are checked when graded")
    print(f"\N{CHECK MARK} {name}: form OK \N{EM DASH} {later}")


def snapshot(nonce: str, item: str, variable: str, namespace: dict, uses: tuple = ()) -> str:
    """The grader's view of one answer, taken right after its answer cell runs and before any
    test sees it: a JSON line the grader reads from the output and judges in its own process.
    `uses` names the student's own inputs a derived answer is recomputed from (their values
    are recorded too, as plain data)."""
    import json

    record: dict = {"nonce": nonce, "item": item, "defined": variable in namespace}
    if record["defined"]:
        value = namespace[variable]
        record["type"] = type_name(value)
        try:
            record["value"] = plain(value)
        except Unreadable as exc:
            record["unreadable"] = str(exc)
    if uses:
        record["uses"] = {}
        for name in uses:
            try:
                record["uses"][name] = plain(namespace[name])
            except (KeyError, Unreadable):
                continue  # missing or unreadable: the grader says so
    return json.dumps(record, allow_nan=True)
