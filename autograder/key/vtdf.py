"""VTDF scoring (Exhibit 5): normalized scores, layer scores, weighted totals, ranks, reversal."""

from __future__ import annotations

import numpy as np
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


# --- the whole weight space (Question 7) ------------------------------------------------------

GRID_STEP = 0.05  # the weight grid's step, as the notebook states it
SPLIT_BY = "platform_lens"  # Value and Financial share what Technology and Distribution leave


def weight_grid(weights: pd.Series, step: float = GRID_STEP) -> pd.DataFrame:
    """Every layer weighting with Technology weight t and Distribution weight d on a grid of
    `step`, t + d <= 1, the rest split between Value and Financial in proportion to `weights`.
    One row per point, one column per layer; each row sums to 1."""
    n = round(1 / step)
    rest = weights[["Value", "Financial"]] / weights[["Value", "Financial"]].sum()
    rows = []
    for i in range(n + 1):
        for j in range(n + 1 - i):
            t, d = i / n, j / n
            left = 1 - t - d
            rows.append({"Value": left * rest["Value"], "Technology": t, "Distribution": d,
                         "Financial": left * rest["Financial"]})
    return pd.DataFrame(rows)[list(LAYERS)]


TIE = "tie"  # a grid point where the two best totals are within TIE_GAP of each other
TIE_GAP = 1e-9


def leaders(layers: pd.DataFrame, grid: pd.DataFrame) -> pd.Series:
    """Who has the highest weighted total at each point of the grid; TIE where the two best
    totals differ by less than TIE_GAP (float noise must not pick a winner)."""
    totals = layers[list(LAYERS)].to_numpy() @ grid.to_numpy().T  # firms x points
    ordered = np.sort(totals, axis=0)
    best = layers.index[totals.argmax(axis=0)].astype(object)
    return pd.Series(np.where(ordered[-1] - ordered[-2] < TIE_GAP, TIE, best), index=grid.index)


def leader_share(layers: pd.DataFrame, weights: pd.Series, step: float = GRID_STEP) -> pd.Series:
    """Share of the weight grid in which each firm comes first, and the share of ties (every
    firm listed, 0 if never first)."""
    won = leaders(layers, weight_grid(weights, step))
    labels = [*layers.index, TIE]
    return won.value_counts(normalize=True).reindex(labels, fill_value=0.0).astype(float)


# --- a student's own scores (Question 8) ------------------------------------------------------


def rescoring(scores: pd.DataFrame, mine: pd.DataFrame) -> tuple[str, str]:
    """(firm, layer) a student re-scored, after checking the rules: same criteria and firms,
    whole scores 1-5, and every change inside one firm's column within one layer. Raises
    ValueError with a message for the student otherwise."""
    base = scores.set_index("criterion")
    names = firms(scores)
    if "criterion" in mine.columns:
        mine = mine.set_index("criterion")
    if sorted(map(str, mine.index)) != sorted(base.index) or any(f not in mine.columns for f in names):
        raise ValueError("keep every criterion (row) and firm (column) of `scores`")
    mine = mine.loc[base.index, names]
    values = mine.apply(pd.to_numeric, errors="coerce")
    if values.isna().any().any() or ((values < 1) | (values > 5) | (values % 1 != 0)).any().any():
        raise ValueError("scores are whole numbers from 1 to 5")
    changed = values.ne(base[names].astype(float))
    cells = [(crit, firm) for crit in changed.index for firm in names if changed.loc[crit, firm]]
    if not cells:
        raise ValueError("no score was changed: re-score one firm in one layer")
    firms_changed = sorted({f for _, f in cells})
    layers_changed = sorted({str(base.loc[c, "layer"]) for c, _ in cells})
    if len(firms_changed) > 1 or len(layers_changed) > 1:
        raise ValueError(f"change one firm in one layer only (you changed {', '.join(firms_changed)} "
                         f"in {', '.join(layers_changed)})")
    return firms_changed[0], layers_changed[0]


def ranks_with(scores: pd.DataFrame, table: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    """Ranks under both lenses when the firms' scores are `table` (criteria as index)."""
    base = scores.set_index("criterion")
    rebuilt = base.assign(**{f: table.loc[base.index, f].astype(float) for f in firms(scores)})
    normalized = normalize(rebuilt.reset_index())
    return ranks(weighted_totals(layer_scores(normalized, rebuilt.reset_index()), weights))
