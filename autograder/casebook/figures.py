"""The exhibits' charts, drawn with matplotlib from the exhibit tables (no numbers of their own)."""

from __future__ import annotations

from datetime import date

import pandas as pd
from matplotlib.dates import DateFormatter, MonthLocator
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

DARK, LIGHT, ACCENT = "#1f4e79", "#8fb3d9", "#c55a11"


def revenue_and_capex(fin: pd.DataFrame, capex: pd.DataFrame) -> Figure:
    """Left: revenue by year, stacked as advertising + other. Right: full-year capex actuals as
    bars and each guidance range as a line, grouped under the fiscal year it forecasts."""
    fig = Figure(figsize=(9.5, 3.8))
    left, right = fig.subplots(1, 2)
    years = fin["year"].astype(int).astype(str).tolist()
    other = fin["revenue_usd_b"] - fin["advertising_revenue_usd_b"]
    left.bar(years, fin["advertising_revenue_usd_b"], width=0.5, color=DARK, label="Advertising")
    left.bar(years, other, width=0.5, bottom=fin["advertising_revenue_usd_b"], color=LIGHT,
             label="Other revenue")
    left.set_ylabel("$ billion")
    left.set_ylim(0, float(fin["revenue_usd_b"].max()) * 1.25)
    left.set_title("Revenue by year: advertising and other")
    left.legend(frameon=False, fontsize=8, loc="upper left", ncols=2)

    periods = sorted({str(p) for p in capex["period"] if str(p).startswith("FY")})
    label: str | None = "Guidance range (month announced)"  # the legend names the first only
    top = float(capex["high_usd_b"].max())
    pad = 0.04 * top  # between a bar (or a range) and the labels above it
    for x, period in enumerate(periods):
        rows = capex[capex["period"] == period]
        actual = rows[rows["kind"] == "actual"]
        bar = float(actual["high_usd_b"].iloc[0]) if len(actual) else 0.0
        if len(actual):
            right.bar(x, bar, width=0.8, color=LIGHT, label="Actual" if x == 0 else None)
        guidance = rows[rows["kind"] == "guidance"].sort_values("announced")
        n = len(guidance)
        # Every month label of a fiscal year sits on one line above both its bar and its
        # highest range, so no label is drawn over a bar; a dotted leader joins each label to
        # the top of its range.
        above = max([bar, *guidance["high_usd_b"].astype(float)]) + pad
        for j, row in enumerate(guidance.itertuples()):
            gx = x - 0.3 + (0.6 * j / (n - 1) if n > 1 else 0.3)
            right.vlines(gx, row.low_usd_b, row.high_usd_b, color=ACCENT, linewidth=3, label=label)
            label = None
            if above - row.high_usd_b > 1.5 * pad:
                right.vlines(gx, row.high_usd_b, above, color=ACCENT, linewidth=0.6,
                             linestyles=":")
            right.annotate(f"{row.announced:%b %y}", (gx, above), textcoords="offset points",
                           xytext=(0, 2), ha="center", va="bottom", fontsize=6.5, rotation=90)
    right.set_xticks(range(len(periods)), periods)
    right.set_ylim(0, top * 1.35)
    right.set_ylabel("$ billion")
    right.set_title("Capital expenditure: actuals and guidance by fiscal year")
    right.legend(frameon=False, fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def timeline(events: pd.DataFrame, as_of: date) -> Figure:
    """One row per event (newest at the bottom), a dot at its date: readable with many events."""
    fig = Figure(figsize=(9.5, 0.28 * len(events) + 1.2))
    ax = fig.subplots()
    days = [pd.Timestamp(d) for d in events["date"]]
    ys = range(len(days))
    ax.hlines(ys, min(days), days, color="#e3e3e3", linewidth=1)
    ax.scatter(days, ys, color=DARK, zorder=3, s=18)
    ax.set_yticks(list(ys), [str(e) for e in events["event"]], fontsize=8)
    ax.invert_yaxis()
    ax.axvline(pd.Timestamp(as_of), color=ACCENT, linewidth=1, linestyle="--")
    ax.annotate("as of", (pd.Timestamp(as_of), len(days) - 0.5), color=ACCENT, fontsize=8,
                ha="right", xytext=(-3, 0), textcoords="offset points")
    ax.xaxis.set_major_locator(MonthLocator(bymonth=(1, 7)))
    ax.xaxis.set_major_formatter(DateFormatter("%b %Y"))
    ax.tick_params(axis="x", labelsize=8)
    for side in ("right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_title("Llama and Meta's AI organization: dated events")
    fig.tight_layout()
    return fig


def prices(table: pd.DataFrame, as_of: date) -> Figure:
    fig = Figure(figsize=(9.5, 0.32 * len(table) + 1.4))
    ax = fig.subplots()
    labels = [f"{m} ({h})" for m, h in zip(table["model"], table["host"])]
    ys = range(len(labels))
    ax.barh([y + 0.2 for y in ys], table["input_usd_per_1m"], height=0.4, color=LIGHT, label="Input")
    ax.barh([y - 0.2 for y in ys], table["output_usd_per_1m"], height=0.4, color=DARK, label="Output")
    ax.set_yticks(list(ys), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"${v:g}"))
    ax.set_xlabel("$ per 1M tokens (log scale)")
    ax.set_title(f"List prices at {as_of.day} {as_of:%B %Y}: closed APIs and open-weight models")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def heatmap(grid: pd.DataFrame, title: str, label: str, vmin: float, vmax: float,
            diverging: bool = False, fmt=str) -> Figure:
    """A labelled grid of numbers (rows x columns) with its colour scale; a diverging scale
    (red below the middle, blue above) for values that can be gains or losses."""
    fig = Figure(figsize=(max(6.0, 1.3 * len(grid.columns) + 3.5), 0.4 * len(grid) + 1.6))
    ax = fig.subplots()
    values = grid.to_numpy(dtype=float)
    image = ax.imshow(values, cmap="RdBu" if diverging else "Blues", vmin=vmin, vmax=vmax,
                      aspect="auto")
    ax.set_xticks(range(len(grid.columns)), [str(c) for c in grid.columns], fontsize=8)
    ax.set_yticks(range(len(grid)), [str(i) for i in grid.index], fontsize=8)
    for (i, j), value in pd.DataFrame(values).stack().items():
        share = (value - vmin) / (vmax - vmin)  # where the cell sits on the colour scale
        dark = abs(share - 0.5) > 0.3 if diverging else share > 0.6
        ax.text(j, i, fmt(value), ha="center", va="center", fontsize=8,
                color="white" if dark else "black")
    fig.colorbar(image, ax=ax, label=label)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def quadrants(table: pd.DataFrame) -> Figure:
    """Platforms placed by openness (columns) and outcome (rows): the 2 x 2 the exhibit argues."""
    fig = Figure(figsize=(7.5, 3.6))
    ax = fig.subplots()
    cells = {("open", "win"): (0, 1), ("closed", "win"): (1, 1), ("open", "loss"): (0, 0),
             ("closed", "loss"): (1, 0)}
    for (openness, outcome), (x, y) in cells.items():
        names = table[(table["openness"] == openness) & (table["outcome"] == outcome)]["platform"]
        ax.add_patch(_box(x, y, "#eef3f8" if outcome == "win" else "#fbeee6"))
        ax.text(x + 0.5, y + 0.5, "\n".join(names) or "—", ha="center", va="center", fontsize=9)
    ax.set_xlim(0, 2)
    ax.set_ylim(0, 2)
    ax.set_xticks([0.5, 1.5], ["Open", "Closed"])
    ax.set_yticks([0.5, 1.5], ["Lost", "Won"])
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.set_title("Platform bets by openness and outcome")
    fig.tight_layout()
    return fig


def _box(x: float, y: float, colour: str):
    from matplotlib.patches import Rectangle

    return Rectangle((x + 0.02, y + 0.02), 0.96, 0.96, facecolor=colour, edgecolor="#999999")
