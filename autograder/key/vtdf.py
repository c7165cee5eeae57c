"""VTDF scoring (Exhibit 5): normalized scores, layer scores, weighted totals, ranks, reversal."""

from __future__ import annotations

import pandas as pd

LAYERS = ("Value", "Technology", "Distribution", "Financial")
LENSES = ("platform_lens", "capability_lens")
META = "Meta"


def firms(scores: pd.DataFrame) -> list[str]:
    """The firm columns: everything after the descriptive columns."""
    return [c for c in scores.columns if c not in ("layer", "criterion", "question")]


def normalize(scores: pd.DataFrame) -> pd.DataFrame:
    """1–5 scores to 0–1 (1 -> 0, 5 -> 1), indexed by criterion, one column per firm."""
    return (scores.set_index("criterion")[firms(scores)] - 1) / 4


def layer_scores(normalized: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """Mean of each layer's sub-criteria; firms as rows, layers as columns."""
    layer_of = scores.set_index("criterion")["layer"]
    return normalized.groupby(layer_of).mean().T[list(LAYERS)]


def weighted_totals(layers: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    """Weighted sum of layer scores under each lens; firms as rows, lenses as columns."""
    return layers[list(weights.index)] @ weights[list(LENSES)]


def ranks(totals: pd.DataFrame) -> pd.DataFrame:
    """1 = best under each lens."""
    return totals.rank(ascending=False, method="min").astype(int)


def trailing_layer(layers: pd.DataFrame, firm: str = META) -> str:
    """The layer where `firm` trails the best rival by the most."""
    rivals = layers.drop(index=firm)
    return str((rivals.max() - layers.loc[firm]).idxmax())


def total_at(layers: pd.DataFrame, weights: pd.Series, layer: str, weight: float) -> pd.Series:
    """Totals when `layer` gets `weight` and the other layers share the rest in proportion."""
    others = weights.drop(layer)
    rescaled = others / others.sum() * (1 - weight)
    return layers[list(rescaled.index)] @ rescaled + weight * layers[layer]


def reversal_weight(layers: pd.DataFrame, weights: pd.Series, layer: str = "Technology",
                    firm: str = META) -> float:
    """The weight on `layer` (others rescaled) at which `firm` loses first place.

    Totals are linear in the weight, so each rival overtakes where the two lines cross; the
    answer is the first crossing above the current weight.
    """
    now = total_at(layers, weights, layer, weights[layer])
    if now.idxmax() != firm:
        raise ValueError(f"{firm} does not lead under these weights; nothing to reverse")
    at0, at1 = total_at(layers, weights, layer, 0.0), total_at(layers, weights, layer, 1.0)
    crossings = []
    for rival in layers.index.drop(firm):
        gap0 = at0[firm] - at0[rival]
        gap1 = at1[firm] - at1[rival]
        if gap0 != gap1:
            x = gap0 / (gap0 - gap1)
            if weights[layer] < x <= 1:
                crossings.append(x)
    if not crossings:
        raise ValueError(f"{firm} keeps first place at every weight on {layer}")
    return float(min(crossings))
