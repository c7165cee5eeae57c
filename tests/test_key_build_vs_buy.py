"""The build-versus-buy answer key: its finance and per-token formulas against independent
references (numpy-financial, hand-worked examples, facts.md's worked example), and its mistake
catalogue against the right answers."""

from __future__ import annotations

import math

import numpy as np
import numpy_financial as npf
import pytest

from autograder import notebooks
from autograder.assignments import build_vs_buy as assignment
from autograder.kernel_checks import matches, plain, plain_format_problem
from autograder.key import build_vs_buy as key
from autograder.paths import source_dir
from autograder.tolerances import tolerance

A = assignment.ASSIGNMENT
FLOW_SETS = [
    [-100.0, 30.0, 40.0, 50.0, 60.0],
    [-12.0, -10.5, 3.0, 8.5, 8.5, 8.5, 8.5, 8.5, 8.5],
    [-5.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [-1.0, -2.0, 0.5, 0.5, 4.0],
]


@pytest.fixture(scope="module")
def inputs():
    return A.inputs()


@pytest.fixture(scope="module")
def answers(inputs):
    return A.solve(inputs, {})


@pytest.fixture(scope="module")
def answer_key():
    return A.key()


# ------------------------------------------------------------------- finance formulas


@pytest.mark.parametrize("flows", FLOW_SETS)
@pytest.mark.parametrize("rate", [0.0, 0.05, 0.10, 0.237])
def test_npv_agrees_with_numpy_financial(flows, rate):
    """Does npv discount flows[0] not at all, like numpy_financial.npv (t = 0 first)?"""
    assert key.npv(rate, flows) == pytest.approx(npf.npv(rate, flows), rel=1e-12, abs=1e-12)


def test_npv_is_not_the_spreadsheet_npv():
    """Is the spreadsheet convention (first value discounted) exactly answer / (1 + r) — and
    different from ours?"""
    flows, rate = FLOW_SETS[0], 0.10
    spreadsheet = sum(cf / (1 + rate) ** (t + 1) for t, cf in enumerate(flows))
    assert spreadsheet == pytest.approx(key.npv(rate, flows) / (1 + rate))
    assert not math.isclose(spreadsheet, key.npv(rate, flows))


@pytest.mark.parametrize("flows", FLOW_SETS)
def test_irr_agrees_with_numpy_financial(flows):
    """Does irr find numpy_financial's IRR for flows that change sign once?"""
    assert key.sign_changes(flows) == 1
    assert key.irr(flows) == pytest.approx(npf.irr(flows), abs=1e-9)
    assert key.npv(key.irr(flows), flows) == pytest.approx(0.0, abs=1e-8)


def test_irr_undefined_without_a_sign_change():
    """Is the IRR None when the flows never change sign, or when no root lies in the bracket?"""
    assert key.irr([1.0, 2.0, 3.0]) is None
    assert key.irr([-1.0, -2.0, 0.0]) is None
    assert key.irr([-1.0, 100.0]) is None  # the IRR (9900%) lies outside the bracket


def test_payback_hand_examples():
    """Do simple and discounted payback match examples worked by hand?"""
    flows = [-100.0, 30.0, 40.0, 50.0, 60.0]
    # cumulative -100, -70, -30, +20: 2 years + 30 / 50
    assert key.payback(flows) == pytest.approx(2.6)
    # discounted at 10%: -100, 27.2727, 33.0579, 37.5657, 40.9808; cumulative after 3 years
    # -2.1037, so 3 + 2.1037 / 40.9808
    assert key.payback(flows, 0.10) == pytest.approx(3.0513, abs=1e-4)
    assert key.payback([-10.0, 5.0, 5.0]) == pytest.approx(2.0)
    assert key.payback([-10.0, 1.0, 1.0]) is None        # never recovered
    assert key.payback([5.0, -1.0, 1.0]) == 0.0           # never under water
    # recovered, lost again, recovered: counted from the last year under water
    assert key.payback([-10.0, 12.0, -5.0, 6.0]) == pytest.approx(2 + 3 / 6)


def test_annuity_years_round_trip():
    """Does a sum fund exactly the years annuity_years says, at the given rate?"""
    pv, payment, rate = 14.84, 6.5, 0.10
    n = key.annuity_years(pv, payment, rate)
    assert payment * (1 - (1 + rate) ** -n) / rate == pytest.approx(pv)
    assert n > pv / payment  # interest stretches the money beyond simple division
    assert key.annuity_years(10.0, 2.0, 0.0) == pytest.approx(5.0)
    assert key.annuity_years(100.0, 5.0, 0.10) == math.inf  # interest alone pays the fee


def test_case_flows_have_the_lag_pro_rata(answers, inputs):
    """Do the build benefits start pro rata in the year the lag ends, and capex fall only at
    t = 0 and t = 1?"""
    m = inputs["meta"]
    flows = answers["flows"]
    lag_years = m["capability_lag_months"] / 12
    expected_live = np.clip(np.arange(len(flows)) - lag_years, 0, 1)
    assert list(key.live_share(flows.index, m["capability_lag_months"])) == list(expected_live)
    assert key.live_share([0, 1, 2, 3], 18).tolist() == [0.0, 0.0, 0.5, 1.0]
    later = flows["build"].loc[3:]
    assert later.nunique() == 1  # no capex after year 1
    assert flows.loc[0, "build"] == -m["build_capex_t0"]
    assert (flows["incremental"] == flows["build"] - flows["buy"]).all()


# --------------------------------------------------------------- per-token formulas


def test_gpu_cost_matches_the_facts_worked_example():
    """Is 2 GPUs × $2.49 / (4,205 tok/s × 3600 / 1e6) about $0.33 per 1M at 100% utilization,
    and three times that at a third of it?"""
    full = key.gpu_cost_per_1m(2, 2.49, 4205, 1.0)
    assert round(full, 2) == 0.33
    assert key.gpu_cost_per_1m(2, 2.49, 4205, 1 / 3) == pytest.approx(3 * full)


def test_blended_price_by_hand():
    """Is GPT-4o's blended price at 75% input (0.75 × 2.50 + 0.25 × 10.00) $4.375 per 1M?"""
    assert key.blended_price(2.50, 10.00, 0.75) == pytest.approx(4.375)
    assert key.blended_price(1.0, 1.0, 0.3) == pytest.approx(1.0)


def test_break_evens_equalize_costs(inputs, answers):
    """At the break-even volume, and at the break-even utilization, do both choices cost the
    same?"""
    h = inputs["buyer"]
    api = answers["api_prices"][answers["cheapest_api"]]
    variable = answers["selfhost_per_1m"]["variable"]
    v = answers["breakeven_volume"]
    assert h["staff_ops_usd_per_month"] + variable * v == pytest.approx(api * v)
    u = answers["breakeven_utilization"]
    assert key.selfhost_per_1m(h, answers["tokens_per_s"], u)["total"] == pytest.approx(api)


def test_cheapest_adequate_respects_threshold_and_approval(inputs, answers):
    """Is the chosen API approved, adequate, and the cheapest such?"""
    table = inputs["prices"].set_index("model")
    chosen = answers["cheapest_api"]
    assert table.loc[chosen, "access"] == key.APPROVED_ACCESS
    assert table.loc[chosen, "capability_index"] >= inputs["buyer"]["adequacy_threshold"]
    ok = (table["access"] == key.APPROVED_ACCESS) & (
        table["capability_index"] >= inputs["buyer"]["adequacy_threshold"])
    assert answers["api_prices"][ok].min() == answers["api_prices"][chosen]


def test_claim_verdict_both_ways():
    """Does the claim hold only for an adequate model at no more than 10% of the API's cost?"""
    assert key.claim_verdict(True, 0.09) == "holds"
    assert key.claim_verdict(True, 0.11) == "fails"
    assert key.claim_verdict(False, 0.01) == "fails"


def test_throughput_line_through_the_two_runs():
    """Does the two-run model reproduce each benchmark run at its own mix (all tokens per second
    = output rate x (1 + r)), and read the workload between them? Hand-worked: runs at r = 1 and
    r = 10, 4000 and 1000 output tokens/s: s(r) = 1/4000 + (r - 1)/12000; at r = 3,
    s = 1/4000 + 2/12000 = 1/2400, so 4 tokens per output token give 9600 tokens/s."""
    h = {"benchmark_a_input_tokens": 1000, "benchmark_a_output_tokens": 1000,
         "benchmark_a_output_tokens_per_s": 4000, "benchmark_b_input_tokens": 5000,
         "benchmark_b_output_tokens": 500, "benchmark_b_output_tokens_per_s": 1000}
    assert key.tokens_per_second({**h, "input_share": 0.75}) == pytest.approx(9600)
    assert key.tokens_per_second({**h, "input_share": 0.5}) == pytest.approx(2 * 4000)
    assert key.tokens_per_second({**h, "input_share": 10 / 11}) == pytest.approx(11 * 1000)


def test_incremental_payback_is_where_the_cumulative_turns(answers):
    """Is the incremental payback the fractional year where the cumulative incremental flow
    crosses zero for good, found independently by linear interpolation?"""
    cum = np.cumsum(answers["flows"]["incremental"].to_numpy())
    year = int(np.flatnonzero(cum < 0)[-1])
    crossing = year + (-cum[year]) / (cum[year + 1] - cum[year])
    assert answers["incremental_payback"] == pytest.approx(crossing)
    assert answers["incremental_payback"] > answers["payback"]["simple"]


def test_npv_grid_agrees_with_numpy_financial(inputs, answers):
    """Is every cell of the lag x share grid the incremental NPV numpy-financial gives for
    those parameters (npf.npv discounts the first flow by 0 periods, as we do)?"""
    m = inputs["meta"]
    grid = answers["npv_grid"]
    assert list(grid.index) == list(key.GRID_LAGS) and list(grid.columns) == list(key.GRID_SHARES)
    for lag in key.GRID_LAGS:
        for share in key.GRID_SHARES:
            flows = key.flows_from_params({**m, "capability_lag_months": lag, "buy_benefit_share": share})
            assert grid.loc[lag, share] == pytest.approx(npf.npv(m["discount_rate"], flows["incremental"]))
    given = grid.loc[int(m["capability_lag_months"]), m["buy_benefit_share"]]
    assert given == pytest.approx(answers["npv"]["difference"])


def test_fee_growth_makes_the_alternatives_tie(inputs, answers):
    """At the break-even growth, is NPV(build) - NPV(buy) zero when the fee grows from year 1
    (checked with numpy-financial on explicitly built fees), positive above it, negative below?"""
    m = inputs["meta"]
    g = answers["fee_growth"]
    years = np.arange(int(m["horizon_years"]) + 1)

    def gap(growth):
        fee = np.where(years >= 1, m["buy_fee_per_year"] * (1 + growth) ** (years - 1), 0.0)
        buy = np.where(years >= 1, m["buy_benefit_share"] * m["annual_benefit"], 0.0) - fee
        buy[0] -= m["buy_integration_t0"]
        return npf.npv(m["discount_rate"], answers["flows"]["build"].to_numpy() - buy)

    assert 0 < g < 1 and gap(g) == pytest.approx(0, abs=1e-9)
    assert gap(g + 0.01) > 0 > gap(g - 0.01)


# ---------------------------------------------------------- the case's teaching points


def test_the_numbers_make_the_teaching_points(inputs, answers):
    """At a plausible fee, buying beats building at the hurdle rate; building wins with a shorter
    lag, a smaller share for the rival's model, or a fee that grows a few percent a year;
    self-hosting saves a little at the stated volume and utilization and loses just below them;
    the slogan fails; one quarter's capex funds most of the horizon's fees."""
    m, h = inputs["meta"], inputs["buyer"]
    assert answers["npv"]["difference"] < 0 < answers["npv"]["build"] < answers["npv"]["buy"]
    assert answers["irr"] is not None and 0.03 < answers["irr"] < m["discount_rate"]
    assert answers["payback"]["simple"] < answers["payback"]["discounted"] < m["horizon_years"]
    assert 1 < answers["annuity_years"] < m["horizon_years"]
    assert (answers["npv_grid"] > 0).any().any() and (answers["npv_grid"] < 0).any().any()
    assert 0.01 < answers["fee_growth"] < 0.15
    assert 0.5 * h["monthly_tokens_m"] < answers["breakeven_volume"] < h["monthly_tokens_m"]
    saving = answers["annual_costs"]["saving"]
    assert 0 < saving < 0.15 * answers["annual_costs"]["api"]
    assert 0.05 < answers["breakeven_utilization"] < h["utilization"]
    adequate = h["selfhost_capability_index"] >= h["adequacy_threshold"]
    assert key.claim_verdict(adequate, answers["cost_share"]) == "fails"


# ---------------------------------------------------------------- mistake catalogue


def test_every_mistake_is_distinct_from_the_answer(inputs, answers, answer_key):
    """Does every catalogued mistake lie outside its item's tolerance of the right answer
    (and the key record it with its own message)?"""
    for check in A.checks:
        if not check.hidden:
            continue
        expected = answer_key[check.id]["expected"]
        tol = tolerance(check.tolerance)
        recorded = answer_key[check.id]["mistakes"]
        assert len(recorded) == len(check.mistakes), check.id
        for mistake in check.mistakes:
            wrong = plain(mistake.value(inputs, answers))
            assert not matches(wrong, expected, tol), (check.id, mistake.id)
        messages = [m.message for m in check.mistakes]
        assert len(set(messages)) == len(messages), check.id


def test_messages_do_not_reveal_answers(answer_key):
    """Does no diagnosis print an expected value?"""
    for check in A.checks:
        for mistake in check.mistakes:
            if check.hidden:
                shown = plain(answer_key[check.id]["expected"])
                numbers = shown.values() if isinstance(shown, dict) else [shown]
                for n in numbers:
                    if isinstance(n, float):
                        assert f"{n:.2f}" not in mistake.message, (check.id, mistake.id)
                    elif isinstance(n, str):
                        assert n not in mistake.message, (check.id, mistake.id)


def test_follow_through_answers_pass_the_format_checks(inputs, answer_key):
    """Does every follow-through answer (a later item computed right from an earlier mistake)
    pass its item's visible format check, so a mistake costs only its own item?"""
    kinds = {"DataFrame": "DataFrame", "Series": "Series", "number": "number", "str": "str"}
    for check in A.checks:
        if not check.hidden:
            continue
        spec = check.format_spec(inputs)
        for value in [answer_key[check.id]["expected"], *answer_key[check.id]["accept"]]:
            assert plain_format_problem(check.variable, kinds[spec["type"]], value, spec) is None, (
                check.id, value)


def test_mistaken_inputs_leave_later_answers_defined(inputs, answers):
    """Does every catalogued mistake leave each later answer computable (no None, no NaN),
    so the notebook's later cells still earn follow-through credit?"""
    for check in A.checks:
        for mistake in check.mistakes:
            if mistake.value is None:
                continue
            given = A.solve(inputs, {check.variable: mistake.value(inputs, answers)})
            for name, value in given.items():
                assert value is not None, (check.id, mistake.id, name)
                if isinstance(value, float):
                    assert math.isfinite(value), (check.id, mistake.id, name)


def test_notebook_solutions_are_the_catalogued_base():
    """Are the source notebook's answer cells the solutions the mistake variants are built
    from?"""
    nb = notebooks.read(source_dir() / A.name / A.notebook)
    for check in A.checks:
        cell = nb.cells[notebooks.find(nb, check.id)]
        assert notebooks.solution_code(cell.source) == assignment.SOLUTIONS[check.id], check.id
