"""One tolerance per kind of quantity, defined once and used by every check.

`abs` and `rel` are as in math.isclose. The grading tests prove every catalogued mistake lies
outside the tolerance of its item.
"""

TOLERANCES: dict[str, dict[str, float]] = {
    "exact": {"abs": 0.0},                      # ranks, counts, labels
    "score": {"abs": 1e-6},                     # normalized scores and weighted totals (0–1)
    "share": {"abs": 1e-6},                     # probabilities, input/output mix
    "threshold": {"abs": 0.005},                # a crossing point found by algebra or a grid
    "money": {"rel": 1e-4, "abs": 1e-3},        # $B or $ amounts computed exactly
    "price": {"rel": 1e-4, "abs": 1e-4},        # $ per 1M tokens
    "quantity": {"rel": 1e-4},                  # throughputs and volumes computed exactly
    "years": {"abs": 0.01},                     # payback periods, annuity years
    "rate": {"abs": 1e-4},                      # IRR, flip discount rate
    "simulated": {"abs": 0.02},                 # seedless Monte Carlo shares
}


def tolerance(kind: str) -> dict[str, float]:
    try:
        return TOLERANCES[kind]
    except KeyError:
        raise KeyError(f"unknown tolerance kind {kind!r}; known: {sorted(TOLERANCES)}") from None
