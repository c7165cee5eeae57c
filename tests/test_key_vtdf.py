"""The VTDF answer key (autograder/key/vtdf.py) on small hand-computed cases: normalizing,
layer scores, weighted totals, ranks, the trailing layer, the rescaled weights, and the
Technology weight at which Meta loses first place, checked against a fine grid of weights on
both a hand-built table and the Exhibit 5 data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from autograder.assignments import vtdf as assignment
from autograder.key import vtdf as key

LAYERS = list(key.LAYERS)


def small_scores() -> pd.DataFrame:
    """Six criteria (Financial listed first, so layer order is not row order), three firms."""
    rows = [("Financial", "f1", 3, 3, 5),
            ("Value", "v1", 5, 3, 1),
            ("Value", "v2", 3, 5, 2),
            ("Technology", "t1", 2, 5, 4),
            ("Distribution", "d1", 5, 1, 3),
            ("Distribution", "d2", 4, 2, 3)]
    frame = pd.DataFrame(rows, columns=["layer", "criterion", "Meta", "OpenAI", "Google"])
    frame.insert(2, "question", "?")
    return frame


def small_weights() -> pd.DataFrame:
    """Rows deliberately not in LAYERS order: weights are matched to layers by name."""
    return pd.DataFrame({"platform_lens": [0.4, 0.2, 0.2, 0.2],
                         "capability_lens": [0.1, 0.3, 0.4, 0.2]},
                        index=pd.Index(["Distribution", "Value", "Technology", "Financial"],
                                       name="layer"))


def small_layers() -> pd.DataFrame:
    return key.layer_scores(key.normalize(small_scores()), small_scores())


def assert_table(frame: pd.DataFrame, rows: dict) -> None:
    """`frame` holds these rows (label -> {column: value}), to float rounding."""
    pd.testing.assert_frame_equal(frame, pd.DataFrame.from_dict(rows, orient="index"),
                                  check_like=True, check_names=False)


def two_sided() -> tuple[pd.DataFrame, pd.Series]:
    """Equal weights (Technology 0.25), so the other three share 1 − w equally and a firm's
    total is A + w·(T − A), A being the mean of its three other layers:
    Meta A = 0.6, T = 0.6 → 0.6 (flat); OpenAI A = 0.4, T = 1 → 0.4 + 0.6w (0.55 today);
    Google A = 0.7, T = 0.2 → 0.7 − 0.5w (0.575 today); Anthropic 0.3 (flat)."""
    layers = pd.DataFrame([[0.5, 0.6, 0.75, 0.55],
                           [0.2, 1.0, 0.5, 0.5],
                           [0.7, 0.2, 0.9, 0.5],
                           [0.3, 0.3, 0.3, 0.3]],
                          index=["Meta", "OpenAI", "Google", "Anthropic"], columns=LAYERS)
    return layers, pd.Series(0.25, index=LAYERS)


@pytest.fixture(scope="module")
def exhibit():
    """Exhibit 5 as the assignment loads it: layer scores and the platform-lens weights."""
    inputs = assignment.ASSIGNMENT.inputs()
    scores = inputs["scores"]
    return key.layer_scores(key.normalize(scores), scores), inputs["weights"]["platform_lens"]


# --- normalizing, layer scores, totals, ranks -----------------------------------------------


def test_normalize_maps_1_to_0_and_5_to_1():
    """Is (score − 1) / 4 indexed by criterion, with only the firms as columns?"""
    normalized = key.normalize(small_scores())
    assert list(normalized.columns) == ["Meta", "OpenAI", "Google"]
    assert list(normalized.index) == ["f1", "v1", "v2", "t1", "d1", "d2"]
    # v1: (5 − 1)/4 = 1, (3 − 1)/4 = 0.5, (1 − 1)/4 = 0; t1: 0.25, 1, 0.75
    assert normalized.loc["v1"].to_dict() == {"Meta": 1.0, "OpenAI": 0.5, "Google": 0.0}
    assert normalized.loc["t1"].to_dict() == {"Meta": 0.25, "OpenAI": 1.0, "Google": 0.75}


def test_layer_scores_are_means_of_sub_criteria():
    """Is a layer score the mean of its criteria, firms as rows and layers in VTDF order?"""
    layers = small_layers()
    assert list(layers.columns) == LAYERS
    # Meta: Value (1 + 0.5)/2 = 0.75, Technology 0.25, Distribution (1 + 0.75)/2 = 0.875, ...
    assert_table(layers, {
        "Meta": {"Value": 0.75, "Technology": 0.25, "Distribution": 0.875, "Financial": 0.5},
        "OpenAI": {"Value": 0.75, "Technology": 1.0, "Distribution": 0.125, "Financial": 0.5},
        "Google": {"Value": 0.125, "Technology": 0.75, "Distribution": 0.5, "Financial": 1.0},
    })


def test_weighted_totals_by_hand():
    """Are the totals the layer scores weighted by each lens, matched by layer name?"""
    totals = key.weighted_totals(small_layers(), small_weights())
    assert list(totals.columns) == list(key.LENSES)
    # Meta, platform: 0.2·0.75 + 0.2·0.25 + 0.4·0.875 + 0.2·0.5 = 0.15 + 0.05 + 0.35 + 0.1
    # Meta, capability: 0.3·0.75 + 0.4·0.25 + 0.1·0.875 + 0.2·0.5 = 0.5125
    assert_table(totals, {
        "Meta": {"platform_lens": 0.65, "capability_lens": 0.5125},
        "OpenAI": {"platform_lens": 0.5, "capability_lens": 0.7375},
        "Google": {"platform_lens": 0.575, "capability_lens": 0.5875},
    })


def test_ranks_one_is_best_under_each_lens():
    """Is rank 1 the highest total in each column, with ties sharing the better rank?"""
    ranks = key.ranks(key.weighted_totals(small_layers(), small_weights()))
    assert ranks.to_dict(orient="index") == {
        "Meta": {"platform_lens": 1, "capability_lens": 3},
        "OpenAI": {"platform_lens": 3, "capability_lens": 1},
        "Google": {"platform_lens": 2, "capability_lens": 2},
    }
    tied = pd.DataFrame({"platform_lens": [0.5, 0.5, 0.2]}, index=["a", "b", "c"])
    assert key.ranks(tied)["platform_lens"].to_dict() == {"a": 1, "b": 1, "c": 3}


def test_trailing_layer_compares_with_the_best_rival():
    """Best rival minus Meta: Value 1 − 0.5 = 0.5, Technology 0.8 − 0.5 = 0.3, others < 0.
    The rivals' average would say Technology (0.3 against Value's 0); the key says Value."""
    layers = pd.DataFrame([[0.5, 0.5, 0.5, 0.5], [1.0, 0.8, 0.0, 0.0], [0.0, 0.8, 0.0, 0.0]],
                          index=["Meta", "A", "B"], columns=LAYERS)
    assert key.trailing_layer(layers) == "Value"
    # the small table: best rival − Meta = 0, 0.75, −0.375, 0.5 → Technology
    assert key.trailing_layer(small_layers()) == "Technology"
    assert key.trailing_layer(small_layers(), firm="OpenAI") == "Distribution"  # 0.875 − 0.125


# --- the weights as Technology's weight moves ----------------------------------------------


def test_total_at_rescales_the_other_weights_in_proportion():
    """With Technology at 0.6, do Value, Distribution and Financial share the remaining 0.4 in
    their ratio 0.2 : 0.4 : 0.2, and do the weights still sum to 1?"""
    weights = small_weights()["platform_lens"]
    # one "firm" per layer, scoring 1 on it and 0 elsewhere: its total is that layer's weight
    indicator = pd.DataFrame(np.eye(4), index=LAYERS, columns=LAYERS)
    moved = key.total_at(indicator, weights, "Technology", 0.6)
    assert moved.to_dict() == pytest.approx(
        {"Value": 0.1, "Technology": 0.6, "Distribution": 0.2, "Financial": 0.1})
    assert moved.sum() == pytest.approx(1)
    # Meta on the small table: 0.1·0.75 + 0.6·0.25 + 0.2·0.875 + 0.1·0.5 = 0.45
    assert key.total_at(small_layers(), weights, "Technology", 0.6)["Meta"] == pytest.approx(0.45)


def test_total_at_today_is_the_platform_total():
    layers, weights = small_layers(), small_weights()
    today = key.total_at(layers, weights["platform_lens"], "Technology", 0.2)
    assert today.to_dict() == pytest.approx(
        key.weighted_totals(layers, weights)["platform_lens"].to_dict())


# --- the weight at which Meta loses first place -------------------------------------------


def test_reversal_weight_by_hand():
    """Small table, others sharing 1 − w as 1 : 2 : 1: Meta 0.75 − 0.5w, OpenAI
    0.375 + 0.625w, Google 0.53125 + 0.21875w. Google catches Meta first, at
    0.21875 / 0.71875 = 7/23 ≈ 0.304, before OpenAI at 0.375 / 1.125 = 1/3."""
    weights = small_weights()["platform_lens"]
    assert key.reversal_weight(small_layers(), weights) == pytest.approx(7 / 23)


def test_reversal_weight_ignores_a_crossing_below_todays_weight():
    """Google overtakes Meta if Technology's weight FALLS to 0.2 (0.7 − 0.5w = 0.6); OpenAI
    overtakes if it RISES to 1/3 (0.4 + 0.6w = 0.6). Only the rise answers the question."""
    layers, weights = two_sided()
    totals = key.total_at(layers, weights, "Technology", 0.25)
    assert totals.to_dict() == pytest.approx(  # equal weights: the mean of the four layers
        {"Meta": 0.6, "OpenAI": 0.55, "Google": 0.575, "Anthropic": 0.3})
    assert key.total_at(layers, weights, "Technology", 0.2)["Google"] == pytest.approx(0.6)
    assert key.reversal_weight(layers, weights) == pytest.approx(1 / 3)


def grid_reversal(layers, weights, layer="Technology", firm="Meta", step=1e-5) -> float:
    """The first weight above today's at which `firm` is not the leader, by brute force on a
    fine grid (written without the key's helpers)."""
    grid = np.arange(weights[layer], 1 + step / 2, step)
    others = weights.drop(layer)
    totals = (np.outer(1 - grid, (others / others.sum()).to_numpy())
              @ layers[list(others.index)].to_numpy().T + np.outer(grid, layers[layer]))
    leader = layers.index[totals.argmax(axis=1)]
    return float(grid[leader != firm][0])


@pytest.mark.parametrize("case", ["small", "two-sided", "exhibit"])
def test_reversal_weight_matches_a_fine_grid(case, exhibit):
    """Does the algebra agree with a brute-force search over the weight (to the grid step)?"""
    layers, weights = {"small": (small_layers(), small_weights()["platform_lens"]),
                       "two-sided": two_sided(), "exhibit": exhibit}[case]
    exact = key.reversal_weight(layers, weights)
    assert weights["Technology"] < exact <= 1
    assert abs(exact - grid_reversal(layers, weights)) <= 2e-5


def test_exhibit_reversal_is_the_answer_key(exhibit):
    """Is the exhibit's reversal what the assignment's solve puts in the key (0.2735)?"""
    layers, weights = exhibit
    answers = assignment.ASSIGNMENT.answers()
    assert answers["reversal_weight"] == key.reversal_weight(layers, weights)
    assert key.reversal_weight(layers, weights) == pytest.approx(0.2735, abs=5e-5)


def test_reversal_weight_raises_when_meta_does_not_lead():
    """Under the capability lens Meta ranks third (0.5125): there is no lead to lose."""
    weights = small_weights()["capability_lens"]
    with pytest.raises(ValueError, match="does not lead"):
        key.reversal_weight(small_layers(), weights)


def test_reversal_weight_raises_when_meta_never_loses():
    """Meta best in every layer, or only overtaken as the weight falls: nothing reverses above
    today's weight."""
    dominant = pd.DataFrame([[0.9] * 4, [0.5, 0.8, 0.5, 0.5]], index=["Meta", "OpenAI"],
                            columns=LAYERS)
    with pytest.raises(ValueError, match="keeps first place"):
        key.reversal_weight(dominant, pd.Series(0.25, index=LAYERS))
    layers, weights = two_sided()
    below_only = layers.drop(index="OpenAI")  # Google's crossing at 0.2 is the only one
    with pytest.raises(ValueError, match="keeps first place"):
        key.reversal_weight(below_only, weights)


# --- Question 8: the same answers outside the kernel and in the hidden test ---------------------


def _kernel(check_id, scores, weights, student):
    """Run a derived check's hidden-test code the way the kernel does, on the student's
    variables."""
    from autograder.assignments import vtdf as assignment

    check = assignment.ASSIGNMENT.check(check_id)
    namespace = {"scores": scores, "weights": weights, "firms": key.firms(scores), **student}
    exec(compile(check.derived.kernel, check_id, "exec"), namespace)
    return namespace["_expected"], namespace["_wrong"]


def test_derived_answers_agree_inside_and_outside_the_kernel():
    """On 60 random re-scorings (one firm, one layer, new whole scores), do the Python the
    grader runs outside the kernel and the hidden test's kernel code give the same expected
    ranks, the same ranking-changes flag and the same mistake values? And on re-scorings that
    break the rules, do both refuse?"""
    import random

    from autograder.assignments import vtdf as assignment
    from autograder.kernel_checks import plain

    a = assignment.ASSIGNMENT
    inputs = a.inputs()
    scores, weights = inputs["scores"], inputs["weights"]
    rng = random.Random(8)
    firms = key.firms(scores)
    for n in range(60):
        mine = scores.copy()
        firm, layer = rng.choice(firms), rng.choice(list(key.LAYERS))
        rows = mine.index[mine["layer"] == layer]
        for row in rng.sample(list(rows), rng.randint(1, len(rows))):
            mine.loc[row, firm] = rng.choice([v for v in range(1, 6) if v != scores.loc[row, firm]])
        if n % 5 == 4:  # break a rule: a second firm changed too
            other = next(f for f in firms if f != firm)
            mine.loc[rows[0], other] = 6 - scores.loc[rows[0], other]
        student = {"my_scores": mine}
        for check_id in ("q8_my_ranks", "q8_ranking_changes"):
            check = a.check(check_id)
            try:
                expected, wrong = check.derived.compute(
                    inputs, {u: plain(student[u]) for u in check.derived.uses})
            except ValueError:
                with pytest.raises(AssertionError):
                    _kernel(check_id, scores, weights, student)
                break  # rules broken: no ranks to compare
            k_expected, k_wrong = _kernel(check_id, scores, weights, student)
            assert plain(k_expected) == plain(expected), (n, check_id)
            assert {i: plain(v) for i, v in k_wrong.items()} == {i: plain(v) for i, v in wrong.items()}
            student["my_ranks"] = k_expected  # the next check reads the student's ranks
