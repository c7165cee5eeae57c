"""How tight each tolerance kind (autograder/tolerances.py) must be, in the quantity's own
terms: the smallest difference that is a real mistake and must lose the points, and the float
noise that must not. Checked on every value of every hidden check of every assignment, through
the same `verdict` the hidden tests and the grader use."""

from __future__ import annotations

import copy
import inspect
import math
import re

import pytest

from autograder import tolerances
from autograder.assignments import ASSIGNMENTS
from autograder.kernel_checks import matches, verdict
from autograder.tolerances import TOLERANCES, tolerance

# The smallest real mistake per kind, as (absolute, relative): a change of
# max(absolute, relative · |value|) must be rejected. "exact" is handled apart: any change.
RESOLUTION: dict[str, tuple[float, float]] = {
    # a normalized score or weighted total (0–1) off in the fourth decimal
    "score": (1e-4, 0.0),
    # a probability or share off by a hundredth of a percentage point
    "share": (1e-4, 0.0),
    # a crossing point (weight, probability, rate, utilization) a percentage point away
    "threshold": (0.01, 0.0),
    # 0.1% of an amount: $10M on an NPV of $10B. The data demand a floor: amounts are in the
    # exhibit's unit ($B or $M) and some are below 1 (Radical pivot's EV is 0.5, regrets and
    # NPVs at high rates reach 0); the absolute tolerance (0.001) absorbs amounts rounded to
    # the unit's third decimal, so below 1 the smallest real mistake is 0.002 ($2M on $B).
    "money": (0.002, 1e-3),
    # 0.1% of a throughput or volume: 9 tokens a second on 9,250
    "quantity": (0.0, 1e-3),
    # 0.1% of a price per 1M tokens ($0.015 on $15). Floor as for money: costs per capability
    # point are about $0.04, where 0.1% ($0.00004) is below the 4-decimal floor (0.0001), so
    # the smallest real mistake there is $0.0002.
    "price": (2e-4, 1e-3),
    # about 18 days on a payback period or an annuity's length
    "years": (0.05, 0.0),
    # a tenth of a percentage point on an IRR or a discount rate
    "rate": (0.001, 0.0),
    # five points of share: well outside what honest seeds spread (see test_key_scenarios)
    "simulated": (0.05, 0.0),
}
NOISE = 1e-9  # relative: what summation order or another BLAS can change
CREDITED = ("correct", "follow-through")

# Checks with a fixed expected value (a derived one follows from each student's own inputs)
HIDDEN = [(name, check) for name, a in ASSIGNMENTS.items() for check in a.checks
          if check.hidden and check.derived is None]
IDS = [f"{name}/{check.id}" for name, check in HIDDEN]


@pytest.fixture(scope="module")
def keys() -> dict[str, dict]:
    """Every assignment's answer key, computed once for this module."""
    return {name: a.key() for name, a in ASSIGNMENTS.items()}


def numbers(value, path=()):
    """(path, number) for every numeric leaf of plain data (booleans and text left out)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from numbers(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from numbers(v, path + (i,))
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield path, value


def replaced(value, path, new):
    """A copy of `value` with the leaf at `path` set to `new`."""
    if not path:
        return new
    out = copy.deepcopy(value)
    parent = out
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = new
    return out


def mistakes_of(kind: str, x):
    """The smallest real mistakes on value `x` of this kind, above and below it."""
    if kind == "exact":
        if isinstance(x, int):  # ranks and counts: the next whole number either side
            return [x + 1, x - 1]
        return [math.nextafter(x, math.inf), math.nextafter(x, -math.inf)]
    absolute, relative = RESOLUTION[kind]
    step = max(absolute, relative * abs(x))
    return [x + step, x - step]


# --- every kind is known, documented and has a stated resolution ----------------------------


def test_every_kind_used_exists_and_is_documented():
    """Does every check name a known kind, commented where it is defined in tolerances.py?"""
    source = inspect.getsource(tolerances)
    documented = dict(re.findall(r'^\s*"(\w+)": \{[^}]*\},\s*#\s*(\S.*)$', source, re.M))
    used = {c.tolerance for a in ASSIGNMENTS.values() for c in a.checks}
    assert used <= set(TOLERANCES), used - set(TOLERANCES)
    assert set(TOLERANCES) <= set(documented), set(TOLERANCES) - set(documented)
    for kind in used:
        assert tolerance(kind) == TOLERANCES[kind]
    with pytest.raises(KeyError, match="unknown tolerance kind 'percent'"):
        tolerance("percent")


def test_every_kind_states_its_smallest_real_mistake():
    """A new kind must come with a resolution here (and "exact" needs none: any change)."""
    assert set(TOLERANCES) == set(RESOLUTION) | {"exact"}
    assert TOLERANCES["exact"] == {"abs": 0.0}


# --- in domain terms -----------------------------------------------------------------------


@pytest.mark.parametrize("kind, right, mistake, noise", [
    ("money", 10.0, 10.01, 10.0 + 1e-8),            # $10M on an NPV of $10B
    ("money", 1_050_000.0, 1_051_050.0, 1_050_000.001),  # $1,050 on $1.05M a year
    ("money", 0.0, 0.002, 1e-12),                   # a regret of $2M where there is none
    ("price", 15.0, 15.015, 15.0 + 1e-8),           # 1.5 cents per 1M tokens on $15
    ("price", 0.0393, 0.0395, 0.0393 + 1e-12),      # $0.0002 per capability point
    ("score", 0.7177, 0.7178, 0.7177 + 1e-10),
    ("share", 0.6556, 0.6557, 0.6556 + 1e-10),      # 0.01 percentage point
    ("threshold", 0.2735, 0.2835, 0.2735 + 1e-10),  # a Technology weight of 28.35% not 27.35%
    ("years", 4.294, 4.344, 4.294 + 1e-9),          # payback 18 days late
    ("rate", 0.139, 0.140, 0.139 + 1e-10),          # an IRR of 14.0% where it is 13.9%
    ("simulated", 0.66, 0.71, 0.66 + 1e-10),        # best in 71% of draws, not 66%
    ("quantity", 9250.0, 9259.25, 9250.0 + 1e-6),   # 9 tokens a second more on 9,250
    ("exact", 2, 3, 2),                             # rank 3 is not rank 2
])
def test_smallest_real_mistake_is_rejected_and_noise_accepted(kind, right, mistake, noise):
    tol = tolerance(kind)
    assert not matches(mistake, right, tol), f"{kind}: {mistake} passes for {right}"
    assert matches(noise, right, tol), f"{kind}: float noise {noise} fails against {right}"


def test_exact_means_any_change():
    """Does the exact kind reject even the next float after a whole number?"""
    tol = tolerance("exact")
    assert not matches(math.nextafter(2.0, 3.0), 2, tol)
    assert matches(2.0, 2, tol)  # the same number, stored as a float


# --- on every value of every hidden check ----------------------------------------------------


@pytest.mark.parametrize("name, check", HIDDEN, ids=IDS)
def test_every_value_off_by_a_real_mistake_loses_the_points(name, check, keys):
    """Moving any single number of the expected answer by its kind's resolution, up or down:
    does the verdict still refuse credit (neither correct nor follow-through)?"""
    item = keys[name][check.id]
    credited = []
    for path, x in numbers(item["expected"]):
        for wrong in mistakes_of(check.tolerance, x):
            outcome, _, _ = verdict(replaced(item["expected"], path, wrong), item)
            if outcome in CREDITED:
                credited.append((path, x, wrong, outcome))
    assert not credited, f"{check.tolerance} tolerance {item['tol']} credits {credited[:5]}"


@pytest.mark.parametrize("name, check", [(n, c) for n, c in HIDDEN if c.tolerance != "exact"],
                         ids=[i for i, (_, c) in zip(IDS, HIDDEN) if c.tolerance != "exact"])
def test_float_noise_on_every_value_is_still_correct(name, check, keys):
    """A relative 1e-9 on any one number, or on all of them at once: still correct?
    (Exact checks hold ranks, counts and labels, which carry no float noise.)"""
    item = keys[name][check.id]
    expected = item["expected"]
    leaves = list(numbers(expected))
    assert leaves, f"{name}/{check.id} has no number to check"
    for sign in (1, -1):
        shaken = expected
        for path, x in leaves:
            moved = x * (1 + sign * NOISE)
            assert verdict(replaced(expected, path, moved), item)[0] == "correct", (path, x)
            shaken = replaced(shaken, path, moved)
        assert verdict(shaken, item)[0] == "correct"
