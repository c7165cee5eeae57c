"""Assignment 1, VTDF analysis: checks, points and the catalogue of common mistakes."""

from __future__ import annotations

from pathlib import Path

from autograder import data
from autograder.key import vtdf as key
from autograder.spec import Assignment, Check, Mistake


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


CHECKS = (
    Check(
        id="q1_normalized", variable="normalized", about="the normalized scores",
        tolerance="score", points=3, format_points=1,
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
        tolerance="score", points=3, format_points=1,
        format=lambda i: {"type": "DataFrame", "index": _firms(i), "columns": list(key.LAYERS)},
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
        tolerance="score", points=4, format_points=1,
        format=lambda i: {"type": "DataFrame", "index": _firms(i), "columns": list(key.LENSES)},
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
        tolerance="exact", points=2, format_points=1,
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
        points=2, format_points=1,
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
        points=4, format_points=1,
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
        tolerance="exact", points=0, format_points=2, hidden=False,
        format=lambda i: {"type": "figure", "bars": len(_firms(i)) * len(key.LAYERS),
                          "labelled": True, "legend": len(key.LAYERS)},
        mistakes=(
            Mistake("unlabelled",
                    "needs a title and both axis labels",
                    "fig, ax = plt.subplots(figsize=(8, 4))\nlayer_scores.plot.bar(ax=ax)"),
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
    manual={"q7a_paradox_layer": 6, "q7b_moat_or_subsidy": 6},
)
