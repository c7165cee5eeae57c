"""Assignment 1, VTDF analysis: checks, points and the catalogue of common mistakes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from autograder import data
from autograder.key import vtdf as key
from autograder.spec import Assignment, Check, Derived, Mistake


def load(folder: Path) -> dict:
    return {"scores": data.read("vtdf_scores", folder),
            "weights": data.read("vtdf_weights", folder).set_index("layer")}


def solve(inputs: dict, given: dict) -> dict:
    scores, weights = inputs["scores"], inputs["weights"]
    a = dict(given)
    if "normalized" not in a:
        a["normalized"] = key.normalize(scores)
    if "layer_scores" not in a:
        a["layer_scores"] = key.layer_scores(a["normalized"], scores)
    if "totals" not in a:
        a["totals"] = key.weighted_totals(a["layer_scores"], weights)
    if "ranks" not in a:
        a["ranks"] = key.ranks(a["totals"])
    if "trailing_layer" not in a:
        a["trailing_layer"] = key.trailing_layer(a["layer_scores"])
    if "reversal_weight" not in a:
        try:
            a["reversal_weight"] = key.reversal_weight(a["layer_scores"], weights["platform_lens"])
        except ValueError:  # no reversal under these (mistaken) layer scores
            a["reversal_weight"] = None
    if "leader_share" not in a:
        a["leader_share"] = key.leader_share(a["layer_scores"], weights["platform_lens"])
    return a


def _firms(inputs):
    return key.firms(inputs["scores"])


_RESCALE = ('others = weights["platform_lens"].drop("Technology")\n'
            '    ww = others / others.sum() * (1 - w)\n'
            '    ww["Technology"] = w')


def _search(weights_at_w: str, answer: str) -> str:
    """Q5 as a student writes it: bisection on the weight, with a given way to set the weights."""
    return ("def totals_at(w):\n"
            f"    {weights_at_w}\n"
            "    return layer_scores[ww.index] @ ww\n"
            'lo, hi = weights.loc["Technology", "platform_lens"], 1.0\n'
            "for _ in range(60):\n"
            "    mid = (lo + hi) / 2\n"
            '    lo, hi = (mid, hi) if totals_at(mid).idxmax() == "Meta" else (lo, mid)\n'
            f"{answer}")


# --- Question 7: the whole weight space ------------------------------------------------------

def _grid_cell(points: str = "for i in range(n + 1):\n    for j in range(n + 1 - i):",
               leader: str = 'TIE if top.iloc[0] - top.iloc[1] < 1e-9 else top.index[0]',
               share: str = ".value_counts(normalize=True)") -> str:
    """Question 7's answer cell: every weighting on the grid, who leads at each point."""
    return ('rest = weights.loc[["Value", "Financial"], "platform_lens"]\n'
            "rest = rest / rest.sum()        # how Value and Financial share what is left\n"
            "n = round(1 / step)\n"
            "points = []\n"
            f"{points}\n"
            "        t, d = i / n, j / n\n"
            '        w = pd.Series({"Value": (1 - t - d) * rest["Value"], "Technology": t,\n'
            '                       "Distribution": d, "Financial": (1 - t - d) * rest["Financial"]})\n'
            "        top = (layer_scores[w.index] @ w).sort_values(ascending=False)\n"
            f"        points.append((t, d, {leader}))\n"
            'grid = pd.DataFrame(points, columns=["technology", "distribution", "leader"])\n'
            f'leader_share = grid["leader"]{share}.reindex(firms + [TIE], fill_value=0.0)\n'
            "leader_share")


def _grid_variant(i: dict, a: dict, square: bool = False, ties: bool = True,
                  counts: bool = False) -> pd.Series:
    """What a variant of the grid cell gives: the whole square of (t, d) (negative weights for
    Value and Financial past the diagonal), no tie rule, or counts instead of shares."""
    w = i["weights"]["platform_lens"]
    rest = w[["Value", "Financial"]] / w[["Value", "Financial"]].sum()
    n = round(1 / key.GRID_STEP)
    rows = [{"Value": (1 - t - d) * rest["Value"], "Technology": t, "Distribution": d,
             "Financial": (1 - t - d) * rest["Financial"]}
            for t, d in ((x / n, y / n) for x in range(n + 1)
                         for y in range(n + 1 if square else n + 1 - x))]
    grid = pd.DataFrame(rows)[list(key.LAYERS)]
    layers = a["layer_scores"]
    won = key.leaders(layers, grid) if ties else pd.Series(
        layers.index[(layers[list(key.LAYERS)].to_numpy() @ grid.to_numpy().T).argmax(axis=0)])
    labels = [*layers.index, key.TIE]
    return won.value_counts(normalize=not counts).reindex(labels, fill_value=0.0).astype(float)


def _share_format(i: dict) -> dict:
    return {"type": "Series", "index": [*_firms(i), key.TIE], "range": [0, 1],
            "range_hint": "give each firm's share of the grid points, not a count or a percentage"}


def _leading_labels(i: dict) -> int:
    """How many firms lead somewhere on the grid: the chart's marker series (ties left out)."""
    a = solve(i, {})
    return int((a["leader_share"].drop(key.TIE) > 0).sum())


def _weights_chart(legend: bool = True) -> str:
    lines = ["fig_weights, ax = plt.subplots(figsize=(6, 5))",
             'for who, where in grid[grid["leader"] != TIE].groupby("leader"):  # ties left out',
             '    ax.plot(where["technology"], where["distribution"], "o", label=who)',
             'ax.set(title="Who leads as the weights move (ties left out)",',
             '       xlabel="Technology weight", ylabel="Distribution weight")']
    if legend:
        lines.append('ax.legend(title="First place")')
    lines.append("plt.show()")
    return "\n".join(lines)


# --- Question 8: the student's own scores -----------------------------------------------------

def _table(plain_table: dict, name: str = "my_scores") -> pd.DataFrame:
    """A DataFrame back from the plain data the grader recorded (rows by label)."""
    if not isinstance(plain_table, dict) or not all(isinstance(v, dict) for v in plain_table.values()):
        raise ValueError(f"`{name}` should be a table (a DataFrame)")
    return pd.DataFrame.from_dict(plain_table, orient="index")


def _mine(i: dict, uses: dict) -> pd.DataFrame:
    """The student's scores by criterion, after the question's rules (one firm, one layer)."""
    table = _table(uses["my_scores"])
    key.rescoring(i["scores"], table)  # ValueError with the student's message
    return table.set_index("criterion") if "criterion" in table.columns else table


def _my_totals(i: dict, table: pd.DataFrame) -> pd.DataFrame:
    base = i["scores"].set_index("criterion")
    rebuilt = base.assign(**{f: table.loc[base.index, f].astype(float) for f in _firms(i)})
    normalized = key.normalize(rebuilt.reset_index())
    return key.weighted_totals(key.layer_scores(normalized, rebuilt.reset_index()), i["weights"])


def _my_ranks(i: dict, uses: dict) -> tuple[pd.DataFrame, dict]:
    totals = _my_totals(i, _mine(i, uses))
    published = solve(i, {})["ranks"]
    return key.ranks(totals), {"published-scores": published,
                               "rank-1-lowest": totals.rank(method="min").astype(int)}


def _ranking_changes(i: dict, uses: dict) -> tuple[bool, dict]:
    """Compared with the published ranks, from the student's own `my_ranks` (so a slip there
    carries into this answer without costing it again)."""
    mine = _table(uses["my_ranks"], "my_ranks")
    published = solve(i, {})["ranks"]
    if (sorted(map(str, mine.index)) != sorted(published.index)
            or list(mine.columns) != list(published.columns)):
        raise ValueError("`my_ranks` should be indexed and labelled like `ranks`")
    changed = bool((mine.loc[published.index, published.columns].astype(float)
                    != published.astype(float)).any().any())
    return changed, {"inverted": not changed}


# The same computations for the hidden tests, in the student's kernel (setup names: scores,
# weights, firms). The rules come first: a table that breaks them fails here as outside.
_KERNEL_RULES = """\
_base = scores.set_index("criterion")
_mine = my_scores.set_index("criterion") if "criterion" in my_scores.columns else my_scores
_mine = _mine.loc[_base.index, firms].astype(float)
assert ((_mine >= 1) & (_mine <= 5) & (_mine % 1 == 0)).all().all(), "scores are whole numbers from 1 to 5"
_cells = [(c, f) for c in _base.index for f in firms if _mine.loc[c, f] != _base.loc[c, f]]
assert _cells, "no score was changed: re-score one firm in one layer"
assert len({f for _, f in _cells}) == 1 and len({_base.loc[c, "layer"] for c, _ in _cells}) == 1, \\
    "change one firm in one layer only"


def _totals(table):
    normalized = (table[firms].astype(float) - 1) / 4
    layers = normalized.groupby(_base["layer"]).mean().T[list(weights.index)]
    return layers @ weights[["platform_lens", "capability_lens"]]


_t = _totals(_mine)
_published = _totals(_base).rank(ascending=False, method="min").astype(int)
"""
_KERNEL_RANKS = _KERNEL_RULES + """\
_expected = _t.rank(ascending=False, method="min").astype(int)
_wrong = {"published-scores": _published, "rank-1-lowest": _t.rank(method="min").astype(int)}
"""
_KERNEL_CHANGES = """\
_base = scores.set_index("criterion")
_normalized = (_base[firms].astype(float) - 1) / 4
_layers = _normalized.groupby(_base["layer"]).mean().T[list(weights.index)]
_totals = _layers @ weights[["platform_lens", "capability_lens"]]
_published = _totals.rank(ascending=False, method="min").astype(int)
_given = my_ranks.loc[_published.index, _published.columns].astype(float)
_expected = bool((_given != _published.astype(float)).any().any())
_wrong = {"inverted": not _expected}
"""


# Question 8's answer cell for ranks from the student's own scores (the setup's `firms`, `weights`)
_MY_RANKS = ('mine = my_scores.set_index("criterion")\n'
             "my_normalized = (mine[firms] - 1) / 4\n"
             'my_layers = my_normalized.groupby(mine["layer"]).mean().T[list(weights.index)]\n'
             'my_totals = my_layers @ weights[["platform_lens", "capability_lens"]]\n'
             "my_ranks = my_totals.rank(ascending=False).astype(int)\n"
             "my_ranks")
TIE = key.TIE

# The new questions' answer cells as the source notebook holds them (between solution markers).
SOLUTIONS: dict[str, str] = {
    "q7_leader_share": _grid_cell(),
    "q7_weights_chart": _weights_chart(),
    "q8_my_scores": ("my_scores = scores.copy()\n"
                     "# Llama 4's reception (Exhibit 2): Meta's best model sits further from the\n"
                     "# frontier than the published grid says\n"
                     'my_scores.loc[my_scores["criterion"] == "Frontier capability", "Meta"] = 2\n'
                     "my_scores"),
    "q8_my_ranks": _MY_RANKS,
    "q8_ranking_changes": "ranking_changes = bool((my_ranks != ranks).any().any())\nranking_changes",
}

CHECKS = (
    Check(
        id="q1_normalized", variable="normalized", about="the normalized scores",
        tolerance="score", points=3, format_points=0,
        format=lambda i: {"type": "DataFrame", "index": list(i["scores"]["criterion"]),
                          "columns": _firms(i), "range": [0, 1],
                          "range_hint": "rescale the 1–5 scores to 0–1"},
        mistakes=(
            Mistake("raw-scores",
                    "these look like the raw 1–5 scores; rescale them so 1 becomes 0 and 5 becomes 1.",
                    'normalized = scores.set_index("criterion")[firms]',
                    lambda i, a: i["scores"].set_index("criterion")[_firms(i)]),
            Mistake("divided-by-5",
                    "dividing by 5 maps a score of 1 to 0.2, not 0: subtract 1, then divide by 4.",
                    'normalized = scores.set_index("criterion")[firms] / 5',
                    lambda i, a: i["scores"].set_index("criterion")[_firms(i)] / 5),
        ),
    ),
    Check(
        id="q2_layer_scores", variable="layer_scores", about="the layer scores",
        tolerance="score", points=3, format_points=0,
        format=lambda i: {"type": "DataFrame", "index": _firms(i), "columns": list(key.LAYERS),
                          "range": [0, 1],
                          "range_hint": "a layer score is the mean of 0–1 scores; did you add "
                                        "them up, or use percentages?"},
        mistakes=(
            Mistake("sum-not-mean",
                    "a layer score is the mean of its sub-criteria, not their sum (layers have "
                    "3 or 4 criteria).",
                    'layer_of = scores.set_index("criterion")["layer"]\n'
                    "layer_scores = normalized.groupby(layer_of).sum().T",
                    lambda i, a: a["normalized"].groupby(
                        i["scores"].set_index("criterion")["layer"]).sum().T),
        ),
    ),
    Check(
        id="q3_totals", variable="totals", about="the weighted VTDF totals",
        tolerance="score", points=4, format_points=0,
        format=lambda i: {"type": "DataFrame", "index": _firms(i), "columns": list(key.LENSES),
                          "range": [0, 1],
                          "range_hint": "scores are 0–1 and weights sum to 1, so are the totals; "
                                        "did you use percentages?"},
        mistakes=(
            Mistake("percent-weights",
                    "the totals are 100 times too large: weights are shares that sum to 1 "
                    "(0.45, not 45).",
                    "totals = layer_scores @ (weights * 100)",
                    lambda i, a: a["layer_scores"] @ (i["weights"][list(key.LENSES)] * 100)),
            Mistake("lenses-swapped",
                    "the two lenses look swapped: the platform lens weighs Distribution most.",
                    'totals = pd.DataFrame({"platform_lens": layer_scores @ weights["capability_lens"],\n'
                    '                       "capability_lens": layer_scores @ weights["platform_lens"]})',
                    lambda i, a: a["totals"].rename(columns={"platform_lens": "capability_lens",
                                                             "capability_lens": "platform_lens"})),
            Mistake("unweighted",
                    "this is a plain average of the four layers: weight each layer by the lens's "
                    "weights.",
                    "totals = pd.DataFrame({lens: layer_scores.mean(axis=1) for lens in weights.columns})",
                    lambda i, a: a["layer_scores"].mean(axis=1).to_frame("platform_lens").assign(
                        capability_lens=a["layer_scores"].mean(axis=1))),
        ),
    ),
    Check(
        id="q4_ranks", variable="ranks", about="the ranks under each lens",
        tolerance="exact", points=2, format_points=0,
        format=lambda i: {"type": "DataFrame", "index": _firms(i), "columns": list(key.LENSES),
                          "integers": True, "range": [1, len(_firms(i))]},
        mistakes=(
            Mistake("rank-1-lowest",
                    "rank 1 should be the best firm (the highest total): rank in descending order.",
                    "ranks = totals.rank().astype(int)",
                    lambda i, a: a["totals"].rank(method="min").astype(int)),
        ),
    ),
    Check(
        id="q4_trailing_layer", variable="trailing_layer",
        about="the layer where Meta trails the best rival most", tolerance="exact",
        points=2, format_points=0,
        format={"type": "str", "choices": list(key.LAYERS)},
        mistakes=(
            Mistake("rivals-average",
                    "compare Meta with the best rival in each layer (the maximum), not with the "
                    "rivals' average or Meta's own weakest layer.",
                    'gaps = layer_scores.drop(index="Meta").mean() - layer_scores.loc["Meta"]\n'
                    "trailing_layer = gaps.idxmax()",
                    lambda i, a: str((a["layer_scores"].drop(index=key.META).mean()
                                      - a["layer_scores"].loc[key.META]).idxmax())),
        ),
    ),
    Check(
        id="q5_reversal", variable="reversal_weight",
        about="the Technology weight at which Meta loses first place", tolerance="threshold",
        points=4, format_points=0,
        format={"type": "number", "range": [0, 1],
                "range_hint": "give the weight as a share, not a percentage"},
        mistakes=(
            Mistake("not-rescaled",
                    "when Technology's weight rises, the other weights must shrink in proportion "
                    "so that all four still sum to 1.",
                    _search("ww = weights[\"platform_lens\"].copy()\n    ww[\"Technology\"] = w",
                            "reversal_weight = hi"),
                    lambda i, a: _unscaled_reversal(a["layer_scores"], i["weights"]["platform_lens"])),
            Mistake("percent",
                    "give the weight as a share between 0 and 1, not a percentage.",
                    _search(_RESCALE, "reversal_weight = 100 * hi"),
                    lambda i, a: 100 * a["reversal_weight"]),
            Mistake("increase-only",
                    "report the Technology weight itself at the swap, not its increase from "
                    "today's weight.",
                    _search(_RESCALE, 'reversal_weight = hi - weights.loc["Technology", "platform_lens"]'),
                    lambda i, a: a["reversal_weight"]
                    - float(i["weights"].loc["Technology", "platform_lens"])),
        ),
    ),
    Check(
        id="q6_chart", variable="fig", about="the chart of layer scores by firm",
        tolerance="exact", points=0, format_points=1, hidden=False,
        format=lambda i: {"type": "figure", "bars": len(_firms(i)) * len(key.LAYERS),
                          "labelled": True, "legend": len(key.LAYERS)},
        mistakes=(
            Mistake("unlabelled",
                    "needs a title and both axis labels",
                    "fig, ax = plt.subplots(figsize=(8, 4))\nlayer_scores.plot.bar(ax=ax)"),
        ),
    ),
    Check(
        id="q7_leader_share", variable="leader_share",
        about="the share of the weight grid in which each firm comes first", tolerance="share",
        points=3, format_points=0, format=_share_format,
        mistakes=(
            Mistake("counts",
                    "give each firm's share of the grid points (a count divided by the number of "
                    "points), not the count.",
                    _grid_cell(share=".value_counts()"),
                    lambda i, a: _grid_variant(i, a, counts=True)),
            Mistake("square-grid",
                    "Technology and Distribution cannot take more than the whole weight between "
                    "them: keep only the points with t + d ≤ 1 (past it, Value and Financial "
                    "would get negative weights).",
                    _grid_cell(points="for i in range(n + 1):\n    for j in range(n + 1):"),
                    lambda i, a: _grid_variant(i, a, square=True)),
        ),
    ),
    Check(
        id="q7_weights_chart", variable="fig_weights", about="the map of who leads across the weights",
        tolerance="exact", points=0, format_points=1, hidden=False,
        format=lambda i: {"type": "figure", "lines": _leading_labels(i), "labelled": True,
                          "legend": _leading_labels(i)},
        mistakes=(
            Mistake("no-legend", "needs a legend", _weights_chart(legend=False)),
        ),
    ),
    Check(
        id="q8_my_ranks", variable="my_ranks", about="the ranks under your own scores",
        tolerance="exact", points=3, format_points=0,
        format=lambda i: {"type": "DataFrame", "index": _firms(i), "columns": list(key.LENSES),
                          "integers": True, "range": [1, len(_firms(i))]},
        derived=Derived(uses=("my_scores",), compute=_my_ranks, kernel=_KERNEL_RANKS),
        mistakes=(
            Mistake("published-scores",
                    "these are the ranks of Question 4, from the published scores: rank the "
                    "firms again with your own `my_scores`.",
                    "my_ranks = ranks"),
            Mistake("rank-1-lowest",
                    "rank 1 should be the best firm (the highest total): rank in descending order.",
                    _MY_RANKS.replace("rank(ascending=False)", "rank()")),
        ),
    ),
    Check(
        id="q8_ranking_changes", variable="ranking_changes",
        about="whether your scores change any rank", tolerance="exact", points=1,
        format_points=0, format={"type": "bool"},
        derived=Derived(uses=("my_ranks",), compute=_ranking_changes, kernel=_KERNEL_CHANGES),
        mistakes=(
            Mistake("inverted",
                    "True means that at least one firm's rank, under either lens, differs from "
                    "Question 4's; False that none does.",
                    "ranking_changes = bool((my_ranks == ranks).all().all())"),
        ),
    ),
)


def _unscaled_reversal(layers, weights):
    """The common slip: raise Technology's weight without shrinking the others."""
    meta = key.META
    base = layers[list(weights.index)] @ weights - weights["Technology"] * layers["Technology"]
    gaps = [(base[meta] - base[r]) / (layers.loc[r, "Technology"] - layers.loc[meta, "Technology"])
            for r in layers.index.drop(meta)
            if layers.loc[r, "Technology"] > layers.loc[meta, "Technology"]]
    return float(min(g for g in gaps if g > weights["Technology"]))


ASSIGNMENT = Assignment(
    name="vtdf",
    title="VTDF analysis: where does Meta's AI position stand?",
    notebook="vtdf.ipynb",
    data_files=("vtdf_scores", "vtdf_weights", "vtdf_rubric"),
    load=load,
    solve=solve,
    checks=CHECKS,
    manual={"q8_evidence": 4, "q9a_paradox_layer": 6, "q9b_moat_or_subsidy": 6},
)
