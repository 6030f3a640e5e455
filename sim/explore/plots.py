"""Figures of a design's analysis: Sobol indices with CIs, Morris mu*-sigma, PRIM's trade-off."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import blended_transform_factory

from sim.analysis.labels import label


def outcome_title(outcome: str) -> str:
    """``effect_x`` (versus minus scenario, paired) reads as the effect on x."""
    if outcome.startswith("effect_"):
        return f"Effect (versus - scenario) on\n{label(outcome.removeprefix('effect_')).lower()}"
    return label(outcome)


PANELS_PER_ROW = 5
"""Outcome panels in a row of the Sobol figure: the headline's five (then their effects)."""


def sobol_figure(table: pd.DataFrame) -> Figure:
    """S1 and ST per factor with 95% CIs, one panel per outcome, rows of
    :data:`PANELS_PER_ROW` so that the page stays readable in print."""
    first = table[table["index"].isin(["S1", "ST"])]
    outcomes = list(first["outcome"].unique())
    factors = list(first["factor"].unique())
    ncols = min(len(outcomes), PANELS_PER_ROW)
    nrows = -(-len(outcomes) // ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(4.5 * ncols, nrows * (0.45 * len(factors) + 1.8)),
        sharey=True,
        squeeze=False,
        layout="constrained",
    )
    y = np.arange(len(factors))
    panels = axes.ravel()
    for ax in panels[len(outcomes) :]:
        ax.set_visible(False)
    for ax, outcome in zip(panels, outcomes, strict=False):
        for offset, index, colour in ((-0.18, "S1", "tab:blue"), (0.18, "ST", "tab:orange")):
            rows = (
                first[(first["outcome"] == outcome) & (first["index"] == index)]
                .set_index("factor")
                .loc[factors]
            )
            err = [rows["value"] - rows["low"], rows["high"] - rows["value"]]
            ax.barh(
                y + offset,
                rows["value"],
                height=0.34,
                xerr=err,
                color=colour,
                capsize=2,
                label={"S1": "first order S1", "ST": "total ST"}[index],
            )
        ax.set_title(outcome_title(outcome), fontsize=10)
        ax.set_xlabel("share of output variance")
        ax.set_xlim(0, 1)
        ax.grid(axis="x", alpha=0.3)
    axes[0][0].set_yticks(y, factors)
    axes[0][0].invert_yaxis()
    # Below the panels: inside one it would cover the bars of the last factor.
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=8)
    fig.suptitle("Sobol indices (bars: 95% bootstrap CI)")
    return fig


def morris_figure(table: pd.DataFrame) -> Figure:
    """Morris mu* against sigma per factor (bars: 95% CI of mu*), one panel per outcome."""
    outcomes = list(table["outcome"].unique())
    fig, axes = plt.subplots(
        1, len(outcomes), figsize=(5 * len(outcomes), 4.2), squeeze=False, layout="constrained"
    )
    for ax, outcome in zip(axes[0], outcomes, strict=True):
        rows = table[table["outcome"] == outcome].pivot(index="factor", columns="index")
        mu, sigma = rows["value"]["mu_star"], rows["value"]["sigma"]
        err = [mu - rows["low"]["mu_star"], rows["high"]["mu_star"] - mu]
        ax.errorbar(mu, sigma, xerr=err, fmt="o", capsize=2)
        for name in rows.index:
            ax.annotate(
                name, (mu[name], sigma[name]), fontsize=7, xytext=(3, 3), textcoords="offset points"
            )
        ax.set_xlabel("mu* (mean |elementary effect|, outcome units)")
        ax.set_ylabel("sigma (spread of effects)")
        ax.set_title(outcome_title(outcome), fontsize=10)
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    fig.suptitle("Morris screening")
    return fig


def prim_figure(steps: pd.DataFrame, box: pd.DataFrame, base_rate: float) -> Figure:
    """PRIM's peeling trajectory (coverage vs density) and the chosen box's ranges."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2), layout="constrained")
    points = left.scatter(
        steps["coverage"], steps["density"], c=steps["restricted"], cmap="viridis"
    )
    chosen = steps[steps["chosen"]]
    left.scatter(
        chosen["coverage"],
        chosen["density"],
        s=160,
        facecolors="none",
        edgecolors="red",
        label="chosen box",
    )
    left.axhline(base_rate, color="grey", ls="--", label=f"all runs ({base_rate:.0%} fail)")
    left.set_xlabel("coverage (share of failures in the box)")
    left.set_ylabel("density (share of box runs that fail)")
    left.set_xlim(0, 1.02)
    left.set_ylim(0, 1.02)
    left.legend(fontsize=8, loc="lower left")
    fig.colorbar(points, ax=left, label="restricted factors", ticks=MaxNLocator(integer=True))
    y = np.arange(len(box))
    span = (box["full_high"] - box["full_low"]).replace(0, 1)
    lo = (box["low"] - box["full_low"]) / span
    hi = (box["high"] - box["full_low"]) / span
    right.barh(y, hi - lo, left=lo, color="tab:red", alpha=0.6)
    beside = blended_transform_factory(right.transAxes, right.transData)  # right of the axes
    for i, row in box.reset_index(drop=True).iterrows():
        limits = f"{row['low']:.3g} to {row['high']:.3g}"
        right.text(1.02, i, limits, va="center", fontsize=8, transform=beside)
    right.set_yticks(y, box["factor"])
    right.set_xlim(0, 1)
    right.set_xlabel("box range (share of the design range)")
    right.set_title("chosen box", fontsize=10)
    fig.suptitle("Scenario discovery (PRIM): where runs fail")
    return fig
