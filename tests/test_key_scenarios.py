"""The scenario-ranking answer key (autograder/key/scenarios.py) on small hand-computed cases,
the closed-form reversal against a fine grid, the simulation's reproducibility, and the
properties the Exhibit 8 data were tuned for."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from autograder.assignments import scenarios as assignment
from autograder.kernel_checks import difference, matches, plain
from autograder.key import scenarios as key
from autograder.tolerances import tolerance

FUTURES = ["Boom", "Bust"]


def small():
    """Two futures, three options: EVs 7, 6.5, 5 at p = (0.6, 0.4)."""
    probs = pd.Series([0.6, 0.4], index=FUTURES)
    payoffs = pd.DataFrame({"Boom": [10, 5, 0], "Bust": [2.5, 8.75, 12.5]},
                           index=["Bold", "Hedge", "Safe"])
    return probs, payoffs


@pytest.fixture(scope="module")
def exhibit():
    """Exhibit 8 as the assignment loads it (case/data)."""
    return assignment.ASSIGNMENT.inputs()


# --- input checks --------------------------------------------------------------------------------


def test_input_checks_report_sum_and_single_unit():
    """Are the probability sum and the one-unit flag what Question 1 asks for?"""
    probs, _ = small()
    assert plain(key.input_checks(probs, pd.Series(["$B"] * 3))) == {
        "probability_sum": 1.0, "one_unit": True}
    assert plain(key.input_checks(probs * 100, pd.Series(["$B", "$M", "$B"]))) == {
        "probability_sum": 100.0, "one_unit": False}


@pytest.mark.parametrize("change, match", [
    (lambda p, v, u: (p * 100, v, u), "between 0 and 1"),
    (lambda p, v, u: (p * 0.9, v, u), "sum to"),
    (lambda p, v, u: (p, v.drop(columns="Bust"), u), "no payoff column"),
    (lambda p, v, u: (p, v, pd.Series(["$B", "$M", "$B"])), "more than one unit"),
])
def test_validate_rejects_broken_inputs(change, match):
    """Does validation stop percentages, sums other than 1, missing futures and mixed units?"""
    probs, payoffs = small()
    key.validate(probs, payoffs, pd.Series(["$B"] * 3))  # the good inputs pass
    with pytest.raises(key.InputError, match=match):
        key.validate(*change(probs, payoffs, pd.Series(["$B"] * 3)))


# --- expected value and ranks ----------------------------------------------------------------


def test_expected_values_by_hand():
    """Is EV the probability-weighted payoff (0.6·10 + 0.4·2.5 = 7, ...)?"""
    probs, payoffs = small()
    assert key.expected_values(payoffs, probs).to_dict() == pytest.approx(
        {"Bold": 7.0, "Hedge": 6.5, "Safe": 5.0})


def test_expected_values_align_futures_by_name():
    """Are payoff columns matched to probabilities by name, not by position?"""
    probs, payoffs = small()
    swapped = payoffs[["Bust", "Boom"]]
    assert key.expected_values(swapped, probs).to_dict() == pytest.approx(
        key.expected_values(payoffs, probs).to_dict())


def test_rank_one_is_best():
    """Is rank 1 the highest value, with ties sharing the better rank?"""
    assert key.ranks(pd.Series({"a": 1.0, "b": 3.0, "c": 2.0})).to_dict() == {"a": 3, "b": 1, "c": 2}
    assert key.ranks(pd.Series({"a": 2.0, "b": 2.0, "c": 1.0})).to_dict() == {"a": 1, "b": 1, "c": 3}


# --- decision rules --------------------------------------------------------------------------


def test_maximin_maximax_hurwicz_by_hand():
    """Worst cases 2.5 / 5 / 0 and best cases 10 / 8.75 / 12.5: who wins each rule?"""
    _, payoffs = small()
    assert key.maximin(payoffs) == "Hedge"
    assert key.maximax(payoffs) == "Safe"
    # alpha = 0.5: Bold 6.25, Hedge 6.875, Safe 6.25
    assert key.hurwicz_values(payoffs, 0.5).to_dict() == pytest.approx(
        {"Bold": 6.25, "Hedge": 6.875, "Safe": 6.25})
    assert key.hurwicz(payoffs, 0.5) == "Hedge"
    assert key.hurwicz(payoffs, 0.9) == "Safe"  # 11.25 beats Bold's 9.25


def test_hurwicz_endpoints_are_maximin_and_maximax():
    """Does alpha = 1 reduce Hurwicz to maximax and alpha = 0 to maximin?"""
    _, payoffs = small()
    assert key.hurwicz(payoffs, 1.0) == key.maximax(payoffs)
    assert key.hurwicz(payoffs, 0.0) == key.maximin(payoffs)


def test_regret_is_taken_within_each_future():
    """Is regret the best payoff in the same future (column) minus the payoff?"""
    _, payoffs = small()
    regret = key.regret(payoffs)
    assert regret.to_dict(orient="index") == {
        "Bold": {"Boom": 0.0, "Bust": 10.0},
        "Hedge": {"Boom": 5.0, "Bust": 3.75},
        "Safe": {"Boom": 10.0, "Bust": 0.0},
    }
    assert (regret >= 0).all().all()
    assert (regret.min() == 0).all()  # the best option in each future regrets nothing


def test_max_regret_and_minimax_regret_by_hand():
    """Max regrets 10 / 5 / 10: does minimax regret pick the hedge?"""
    _, payoffs = small()
    worst = key.max_regret(key.regret(payoffs))
    assert worst.to_dict() == {"Bold": 10.0, "Hedge": 5.0, "Safe": 10.0}
    assert key.minimax_regret(worst) == "Hedge"


def test_rule_choices_are_labelled_by_rule():
    _, payoffs = small()
    choices = key.rule_choices(payoffs, 0.9, key.max_regret(key.regret(payoffs)))
    assert choices.to_dict() == {"maximin": "Hedge", "maximax": "Safe", "hurwicz": "Safe",
                                 "minimax regret": "Hedge"}


# --- the probability at which the best option changes ----------------------------------------


def test_probabilities_rescale_in_proportion():
    """With one future set to p, do the others keep their ratios and all still sum to 1?"""
    probs = pd.Series([0.3, 0.3, 0.25, 0.15], index=list("abcd"))
    moved = key.probabilities_at(probs, "a", 0.65)
    assert list(moved.index) == list("abcd")
    assert moved.sum() == pytest.approx(1)
    assert moved["a"] == 0.65
    assert moved["b"] / moved["c"] == pytest.approx(0.3 / 0.25)
    assert moved["d"] == pytest.approx(0.15 * 0.35 / 0.7)


def test_reversal_by_hand():
    """Bold leads at p(Boom) = 0.6; EV_Bold = 2.5 + 7.5p and EV_Hedge = 8.75 - 3.75p meet at
    p = 5/9, before Safe (12.5 - 12.5p) meets Bold at p = 0.5."""
    probs, payoffs = small()
    assert key.reversal_probability(payoffs, probs, "Boom") == pytest.approx(5 / 9)


def test_reversal_upward():
    """When today's leader loses ground as p rises, the crossing above today's p is the answer."""
    probs, payoffs = small()
    flipped = pd.Series([0.3, 0.7], index=FUTURES)  # Safe 8.75, Hedge 7.625, Bold 4.75
    assert key.expected_values(payoffs, flipped).idxmax() == "Safe"
    # Safe (12.5 - 12.5p) meets Hedge (8.75 - 3.75p) at p = 3/7 ≈ 0.43, Bold at 0.5
    assert key.reversal_probability(payoffs, flipped, "Boom") == pytest.approx(3 / 7)


def test_reversal_raises_when_the_leader_never_changes():
    probs, payoffs = small()
    dominant = payoffs.copy()
    dominant.loc["Bold"] = [20, 20]
    with pytest.raises(ValueError, match="nothing reverses"):
        key.reversal_probability(dominant, probs, "Boom")


def grid_reversal(payoffs, probs, future, step=1e-5):
    """The change of leader nearest today's probability, by brute force on a fine grid
    (written without the key's helpers)."""
    grid = np.arange(0, 1 + step / 2, step)
    now = probs[future]
    weights = np.outer(1 - grid, (probs / (1 - now)).to_numpy())  # the others, rescaled
    weights[:, list(probs.index).index(future)] = grid
    leader = (weights @ payoffs[probs.index].to_numpy().T).argmax(axis=1)
    changes = grid[1:][leader[1:] != leader[:-1]]
    return float(changes[np.argmin(abs(changes - probs[future]))])


@pytest.mark.parametrize("case", ["small", "exhibit"])
def test_closed_form_reversal_matches_a_fine_grid(case, exhibit):
    """Does the algebra agree with a brute-force search over p (to the grid step)?"""
    if case == "small":
        probs, payoffs = small()
        future = "Boom"
    else:
        probs, payoffs, future = exhibit["probs"], exhibit["payoffs"], key.COMMODITIZATION
    exact = key.reversal_probability(payoffs, probs, future)
    assert abs(exact - grid_reversal(payoffs, probs, future)) <= 2e-5


def test_ev_curve_passes_through_todays_expected_values(exhibit):
    probs, payoffs = exhibit["probs"], exhibit["payoffs"]
    now = float(probs[key.COMMODITIZATION])
    curve = key.ev_curve(payoffs, probs, key.COMMODITIZATION, np.array([0.0, now, 1.0]))
    assert curve.loc[now].to_dict() == pytest.approx(key.expected_values(payoffs, probs).to_dict())
    assert curve.loc[1.0].to_dict() == pytest.approx(payoffs[key.COMMODITIZATION].to_dict())


# --- simulation ------------------------------------------------------------------------------


def by_hand(payoffs, probs, concentration, seed, draws):
    """The stated recipe, written out without the key's helpers or cache."""
    rng = np.random.default_rng(seed)
    sampled = rng.dirichlet(concentration * probs.to_numpy(), size=draws)
    best = (sampled @ payoffs[probs.index].to_numpy().T).argmax(axis=1)
    return np.bincount(best, minlength=len(payoffs)) / draws


def test_simulation_is_the_stated_recipe_and_reproducible(exhibit):
    """Same seed, same shares; the shares are the stated generator's, and sum to 1."""
    args = (exhibit["payoffs"], exhibit["probs"], exhibit["concentration"], exhibit["seed"],
            exhibit["draws"])
    first = key.best_shares(*args)
    key._shares.cache_clear()
    again = key.best_shares(*args)
    assert first.to_dict() == again.to_dict()
    assert list(first.index) == list(exhibit["payoffs"].index)
    np.testing.assert_array_equal(first.to_numpy(), by_hand(*args))
    assert first.sum() == pytest.approx(1)


def test_simulation_depends_on_seed_and_generator(exhibit):
    """Another seed or the legacy np.random stream gives other shares (beyond the tight
    tolerance), so the exact check can tell them apart."""
    args = dict(payoffs=exhibit["payoffs"], probabilities=exhibit["probs"],
                concentration=exhibit["concentration"], draws=exhibit["draws"])
    stated = plain(key.best_shares(seed=exhibit["seed"], **args))
    other = plain(key.best_shares(seed=exhibit["seed"] + 1, **args))
    legacy = plain(assignment._legacy(exhibit))
    assert not matches(other, stated, tolerance("share"))
    assert not matches(legacy, stated, tolerance("share"))


def test_seedless_runs_fall_within_the_simulated_tolerance(exhibit):
    """Would honest runs with other seeds pass the lower-weight check? (40 seeds)"""
    reference = plain(assignment._simulated(exhibit, assignment.REFERENCE_DRAWS))
    tol = tolerance("simulated")
    for seed in range(40):
        shares = by_hand(exhibit["payoffs"], exhibit["probs"], exhibit["concentration"], seed,
                         exhibit["draws"])
        got = dict(zip(reference, map(float, shares)))
        assert difference(got, reference, tol) is None, seed


# --- what the exhibit data were tuned for ----------------------------------------------------


def gaps(values: pd.Series) -> float:
    """The smallest difference between any two options' values (0 means a tie)."""
    return float(np.diff(np.sort(values.to_numpy())).min())


def test_exhibit_has_no_ties_under_any_rule(exhibit):
    payoffs, probs, alpha = exhibit["payoffs"], exhibit["probs"], exhibit["alpha"]
    for name, values in {
        "expected value": key.expected_values(payoffs, probs),
        "maximin": key.worst_case(payoffs),
        "maximax": key.best_case(payoffs),
        "hurwicz": key.hurwicz_values(payoffs, alpha),
        "minimax regret": key.max_regret(key.regret(payoffs)),
        "hurwicz, alpha on the worst case": key.hurwicz_values(payoffs, 1 - alpha),
    }.items():
        assert gaps(values) >= 1, f"{name}: options too close or tied: {values.to_dict()}"


def test_exhibit_rules_disagree(exhibit):
    """The lesson needs disagreement: four rules plus EV should pick at least three options."""
    payoffs, probs = exhibit["payoffs"], exhibit["probs"]
    choices = key.rule_choices(payoffs, exhibit["alpha"], key.max_regret(key.regret(payoffs)))
    picked = set(choices) | {key.expected_values(payoffs, probs).idxmax()}
    assert len(picked) >= 3, choices.to_dict()


def test_exhibit_reversal_is_inside_and_is_not_the_runner_up(exhibit):
    """The top option changes at a probability inside (0, 1), and not against today's
    runner-up, so that the runner-up shortcut is a detectable mistake."""
    payoffs, probs = exhibit["payoffs"], exhibit["probs"]
    p = key.reversal_probability(payoffs, probs, key.COMMODITIZATION)
    assert 0 < p < 1
    just_below = key.ev_at(payoffs, probs, key.COMMODITIZATION, p - 1e-3).idxmax()
    runner_up = key.expected_values(payoffs, probs).sort_values().index[-2]
    assert just_below != runner_up


def test_mistake_signatures_are_mutually_distinct():
    """Within each check, no two catalogued mistakes can be confused (each is outside the
    others' tolerance), so every mistake gets its own message."""
    answer_key = assignment.ASSIGNMENT.key()
    for check_id, item in answer_key.items():
        wrong = item["mistakes"]
        for i, (a, _, a_id) in enumerate(wrong):
            for b, _, b_id in wrong[i + 1:]:
                assert not matches(a, b, item["tol"]), (check_id, a_id, b_id)


# --- crossings on both sides of today's probability ------------------------------------------


def two_sided():
    """Two futures, four options, p(Boom) = 0.5 today. EV = Bust + p·(Boom − Bust):
    Steady 10 (flat), Bull 4 + 10p (9 today), Bear 16 − 16p (8 today), Laggard 6 (flat)."""
    probs = pd.Series([0.5, 0.5], index=FUTURES)
    payoffs = pd.DataFrame({"Boom": [10, 14, 0, 6], "Bust": [10, 4, 16, 6]},
                           index=["Steady", "Bull", "Bear", "Laggard"])
    return probs, payoffs


def three_futures():
    """Three futures, p(Boom) = 0.4 today, Flat 0.2 and Bust 0.4 rescaled in proportion, so
    without Boom an option earns c = (Flat + 2·Bust) / 3 and EV = c + p·(Boom − c):
    Steady 10 (flat), Bull c = 4 → 4 + 12p (8.8 today), Bear c = 13 → 13 − 9p (9.4 today),
    Laggard c = 6 → 6 − p (5.6 today)."""
    probs = pd.Series([0.4, 0.2, 0.4], index=["Boom", "Flat", "Bust"])
    payoffs = pd.DataFrame({"Boom": [10, 16, 4, 5], "Flat": [10, 7, 7, 8],
                            "Bust": [10, 2.5, 16, 5]},
                           index=["Steady", "Bull", "Bear", "Laggard"])
    return probs, payoffs


def test_two_sided_tables_by_hand():
    """Are today's EVs in the two-sided tables the ones worked out in their docstrings?"""
    probs, payoffs = two_sided()
    assert key.expected_values(payoffs, probs).to_dict() == pytest.approx(
        {"Steady": 10, "Bull": 9, "Bear": 8, "Laggard": 6})
    probs, payoffs = three_futures()
    # Bull 0.4·16 + 0.2·7 + 0.4·2.5 = 6.4 + 1.4 + 1 = 8.8; Bear 1.6 + 1.4 + 6.4 = 9.4
    assert key.expected_values(payoffs, probs).to_dict() == pytest.approx(
        {"Steady": 10, "Bull": 8.8, "Bear": 9.4, "Laggard": 5.6})


def test_reversal_picks_the_upward_crossing_when_it_is_nearer():
    """Steady leads at p = 0.5; Bear overtakes as p falls, Bull as p rises. Which is nearer?"""
    probs, payoffs = two_sided()
    # Bear: 16 − 16p = 10 at p = 0.375 (0.125 below today)
    # Bull:  4 + 10p = 10 at p = 0.6   (0.1 above today): the nearer one
    assert key.ev_at(payoffs, probs, "Boom", 0.375)["Bear"] == pytest.approx(10)
    assert key.ev_at(payoffs, probs, "Boom", 0.6)["Bull"] == pytest.approx(10)
    assert key.reversal_probability(payoffs, probs, "Boom") == pytest.approx(0.6)


def test_reversal_picks_the_downward_crossing_when_it_is_nearer():
    """With three futures, Bear overtakes Steady as p falls and Bull as p rises: which first?"""
    probs, payoffs = three_futures()
    # Bear: 13 − 9p = 10 at p = 1/3 (0.067 below today): the nearer one
    # Bull:  4 + 12p = 10 at p = 0.5 (0.1 above today)
    assert key.ev_at(payoffs, probs, "Boom", 1 / 3)["Bear"] == pytest.approx(10)
    assert key.ev_at(payoffs, probs, "Boom", 0.5)["Bull"] == pytest.approx(10)
    assert key.reversal_probability(payoffs, probs, "Boom") == pytest.approx(1 / 3)


def leader_changes(payoffs, probs, future, steps=2000):
    """Every probability on a grid at which the option with the highest EV (by key.ev_at)
    differs from the one at the grid point before it."""
    grid = np.linspace(0, 1, steps + 1)
    leader = [key.ev_at(payoffs, probs, future, p).idxmax() for p in grid]
    return [float(p) for p, before, now in zip(grid[1:], leader, leader[1:]) if now != before]


@pytest.mark.parametrize("table, crossings, nearest", [
    (two_sided, [0.375, 0.6], 0.6),
    (three_futures, [1 / 3, 0.5], 1 / 3),
])
def test_two_sided_reversal_matches_a_fine_grid(table, crossings, nearest):
    """On a grid of step 0.0005, does the leader change exactly where the hand arithmetic says,
    and is the key's answer the change nearest today's probability?"""
    probs, payoffs = table()
    changes = leader_changes(payoffs, probs, "Boom")
    near = 1.01 / 2000  # one grid step, plus float rounding
    below = max(c for c in changes if c <= probs["Boom"])  # the grid has a change on each side
    above = min(c for c in changes if c > probs["Boom"])
    assert below == pytest.approx(crossings[0], abs=near)
    assert above == pytest.approx(crossings[1], abs=near)
    by_grid = min((below, above), key=lambda c: abs(c - probs["Boom"]))
    exact = key.reversal_probability(payoffs, probs, "Boom")
    assert exact == pytest.approx(by_grid, abs=near)
    assert exact == pytest.approx(nearest)


# --- the payoff matrix is computed from its drivers ------------------------------------------


def _driver_tables():
    """Two options and a baseline, two futures: small enough to work by hand."""
    options = pd.DataFrame({"role": ["baseline", "option", "option"],
                            "ecosystem": [0.5, 1.0, 0.5], "control": [0.2, 0.2, 0.6],
                            "capability": [0.3, 0.3, 0.3], "exposure": [0.5, 0.9, 0.5],
                            "cost_usd_b": [0.0, 4.0, 2.0]},
                           index=pd.Index(["Stay", "Open", "Close"], name="option"))
    futures = pd.DataFrame({"ecosystem_value": [40.0, 10.0], "control_value": [0.0, 30.0],
                            "capability_value": [5.0, 5.0], "exposure_cost": [10.0, 50.0]},
                           index=pd.Index(FUTURES, name="future"))
    return options, futures


def test_payoffs_by_hand():
    """Is each cell the sum over drivers of (level - baseline level) x value, exposure as a
    cost, minus the option's cost? Open in Boom: 0.5*40 - 0.4*10 - 4 = 12; in Bust:
    0.5*10 - 0.4*50 - 4 = -19. Close in Boom: 0.4*0 - 2 = -2; in Bust: 0.4*30 - 2 = 10."""
    options, futures = _driver_tables()
    payoffs = key.payoff_matrix(options, futures, key.baseline_option(options))
    assert list(payoffs.index) == ["Open", "Close"]  # the baseline is the zero line, not a row
    assert payoffs.loc["Open"].tolist() == pytest.approx([12.0, -19.0])
    assert payoffs.loc["Close"].tolist() == pytest.approx([-2.0, 10.0])


@pytest.mark.parametrize("table, column", [("options", "control"), ("options", "cost_usd_b"),
                                           ("futures", "exposure_cost"),
                                           ("baseline", "ecosystem")])
def test_every_driver_moves_its_cells_and_the_key(table, column, tmp_path):
    """Change one driver in the course's CSV files: do exactly the payoff cells that depend on it
    change (by the change times the driver's value), and does the answer key follow?"""
    import shutil

    from autograder.paths import data_dir

    folder = tmp_path / "data"
    shutil.copytree(data_dir(), folder)
    before = assignment.ASSIGNMENT.inputs(folder)["payoffs"]
    key_before = assignment.ASSIGNMENT.key(folder)["q2_ev"]["expected"]
    name = "scenarios" if table == "futures" else "scenario_options"
    frame = pd.read_csv(folder / f"{name}.csv")
    row = {"options": 2, "futures": 3, "baseline": 0}[table]  # Acquisition spree, Regulatory reset
    if table == "baseline":
        assert frame.loc[row, "role"] == "baseline"
    frame[column] = frame[column].astype(float)
    frame.loc[row, column] = frame.loc[row, column] + 0.1
    frame.to_csv(folder / f"{name}.csv", index=False)
    after = assignment.ASSIGNMENT.inputs(folder)["payoffs"]
    moved = (after - before).abs() > 1e-9
    if table == "options":
        assert moved.loc["Acquisition spree"].all() if column == "cost_usd_b" else \
            moved.loc["Acquisition spree"].sum() >= 3  # control is worth 0 in one future
        assert not moved.drop(index="Acquisition spree").any().any()
    elif table == "futures":
        assert moved["Regulatory reset"].all() and not moved.drop(columns="Regulatory reset").any().any()
    else:  # a baseline level moves every option's cell where the driver is worth something
        assert moved.any(axis=1).all()
    assert assignment.ASSIGNMENT.key(folder)["q2_ev"]["expected"] != key_before


def test_exhibit_payoffs_equal_the_key_and_the_notebook(monkeypatch):
    """Does the payoff matrix the notebook computes in its setup cell (by its own code) equal the
    key's, cell by cell? The setup cell is run here on the case's data, outside a kernel."""
    import re
    import sys

    from autograder import notebooks, variant_draw
    from autograder.paths import data_dir, source_dir

    monkeypatch.setitem(sys.modules, "variant", variant_draw)  # shipped beside it as variant.py

    nb = notebooks.read(source_dir() / "scenarios" / "scenarios.ipynb")
    setup = nb.cells[notebooks.find(nb, "setup")].source
    code = re.sub(r"data/", str(data_dir()) + "/", setup).replace("import matplotlib.pyplot as plt", "")
    namespace: dict = {}
    exec(compile(code, "setup", "exec"), namespace)  # the instructor's own locked cell
    expected = assignment.ASSIGNMENT.inputs()["payoffs"]
    assert namespace["payoffs"].index.tolist() == expected.index.tolist()
    assert (namespace["payoffs"] - expected).abs().max().max() < 1e-12


# --- value of information and waiting (Question 6) --------------------------------------------


def test_evpi_by_hand():
    """small(): EV now best is Bold at 7. Knowing the future: Boom -> Bold 10, Bust -> Safe 12.5;
    0.6*10 + 0.4*12.5 = 11, so EVPI = 11 - 7 = 4. Waiting keeps half: 0.5 * 11 = 5.5 < 7, and the
    break-even share kept is 7 / 11."""
    probs, payoffs = small()
    assert key.ev_with_perfect_information(payoffs, probs) == pytest.approx(11.0)
    assert key.evpi(payoffs, probs) == pytest.approx(4.0)
    assert key.staged_value(payoffs, probs, 0.5) == pytest.approx(5.5)
    assert key.breakeven_keep(payoffs, probs) == pytest.approx(7 / 11)


def test_evpi_brute_force_on_the_exhibit(exhibit):
    """Enumerating, with plain loops, every future as if it were known: same EVPI as the key?
    And is the staged value zero-floored (an option that loses everywhere in a future is not
    taken there: staying the course is worth 0)?"""
    payoffs, probs = exhibit["payoffs"], exhibit["probs"]
    known = 0.0
    for future, p in probs.items():
        known += p * max(payoffs.loc[o, future] for o in payoffs.index)
    now = max(sum(probs[f] * payoffs.loc[o, f] for f in probs.index) for o in payoffs.index)
    assert key.evpi(payoffs, probs) == pytest.approx(known - now)
    losing = payoffs.copy()
    losing["Convergence"] = -abs(losing["Convergence"])  # every option loses in one future
    floored = sum(probs[f] * max(0.0, losing[f].max()) for f in probs.index)
    assert key.staged_value(losing, probs, 1.0) == pytest.approx(floored)


def test_reversal_searches_only_the_stated_direction():
    """With crossings on both sides of today's probability, does each direction find its own
    crossing (checked on a fine grid), and does a direction with none raise?"""
    probs = pd.Series([0.5, 0.5], index=FUTURES)
    payoffs = pd.DataFrame({"Boom": [10.0, 14.0, 0.0], "Bust": [10.0, 0.0, 16.0]},
                           index=["Middle", "Up", "Down"])
    grid = np.linspace(0, 1, 10_001)
    assert key.ev_at(payoffs, probs, "Boom", 0.5).idxmax() == "Middle"
    up = key.reversal_probability(payoffs, probs, "Boom", direction="up")
    down = key.reversal_probability(payoffs, probs, "Boom", direction="down")
    assert up == pytest.approx(10 / 14, abs=1e-9) and down == pytest.approx(6 / 16, abs=1e-9)
    evs = np.stack(  # the lines EV_k(p), evaluated with plain arithmetic
        [payoffs["Boom"].to_numpy() * p + payoffs["Bust"].to_numpy() * (1 - p) for p in grid])
    leader = payoffs.index[evs.argmax(axis=1)]
    first_up = grid[(grid > 0.5) & (leader != "Middle")][0]
    last_down = grid[(grid < 0.5) & (leader != "Middle")][-1]
    assert first_up == pytest.approx(up, abs=2e-4) and last_down == pytest.approx(down, abs=2e-4)
    with pytest.raises(ValueError, match="as it rises"):
        key.reversal_probability(payoffs.drop(index="Up"), probs, "Boom", direction="up")
