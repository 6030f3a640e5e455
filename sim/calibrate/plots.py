"""Figures of a calibration: posterior marginals against their priors, posterior predictive checks.

Like :mod:`sim.analysis.plots`, every function takes tables and returns a Figure,
without pyplot's global state.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.calibrate.params import PriorParams

BINS = 20
"""Histogram bins of a posterior marginal, equal in the fit's coordinates."""

STAT_LABELS = {
    "monthly_mean": "Events per month",
    "monthly_dispersion": "Variance / mean of monthly counts",
    "monthly_acf1": "Lag-1 autocorrelation of monthly counts",
    "zero_day_share": "Share of days without events",
    "actor_monthly_mean": "The actors' events per month",
    "zero_death_share": "Share of events without a death",
    "state_based_share": "Share of state-based events (GED 1)",
    "non_state_share": "Share of non-state events (GED 2)",
    "tail_alpha": "Tail exponent of deaths per event",
}


def stat_label(name: str) -> str:
    if name.startswith("share "):
        return "Share of events in " + name.removeprefix("share ").replace(" Governorate", "")
    return STAT_LABELS.get(name, name.replace("_", " "))


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """Quantiles of a weighted sample (inverse of the weighted empirical CDF, interpolated)."""
    order = np.argsort(values)
    v, w = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(qs, cdf, v)


def marginals_figure(posterior: pd.DataFrame, priors: Sequence[PriorParams]) -> Figure:
    """Each parameter's posterior (final generation, weighted) over its uniform prior."""
    final = posterior[posterior["generation"] == posterior["generation"].max()]
    n = len(priors)
    cols = min(3, n)
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(4.2 * cols, 3.2 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    w = final["weight"].to_numpy()
    for ax, prior in zip(axes, priors, strict=False):
        x = final[prior.name].to_numpy()
        bins = prior.to_model(np.linspace(*prior.bounds, BINS + 1))
        ax.hist(x, bins=bins, weights=w / w.sum(), color="#4c78a8", alpha=0.75, label="posterior")
        ax.hlines(
            1 / BINS,
            prior.low,
            prior.high,
            colors="#e45756",
            linestyles="--",
            label="prior (uniform in the log)" if prior.log else "prior (uniform)",
        )
        lo, med, hi = weighted_quantiles(x, w, [0.05, 0.5, 0.95])
        ax.axvspan(lo, hi, color="#4c78a8", alpha=0.12, label="90% interval")
        ax.axvline(med, color="black", lw=1, label=f"median {med:.3g}")
        ax.set_xlim(prior.low, prior.high)
        ax.set_xscale("log" if prior.log else "linear")
        ax.set_xlabel(prior.name + (" (log scale)" if prior.log else ""))
        ax.set_ylabel(f"weight per bin (1/{BINS} of the prior)")
        ax.legend(fontsize=7, loc="upper right")
    for ax in axes[n:]:
        ax.set_visible(False)
    gen = int(final["generation"].iloc[0]) + 1
    fig.suptitle(f"Posterior marginals after {gen} generations ({len(final)} particles)")
    return fig


def ppc_monthly_figure(monthly: pd.DataFrame, start: str) -> Figure:
    """Observed monthly events against the band of simulated recorded events (posterior draws)."""
    sims = monthly[monthly["draw"] >= 0].pivot(
        index="draw", columns="month", values="recorded_events"
    )
    obs = monthly[monthly["draw"] < 0].sort_values("month")
    months = sims.columns.to_numpy()
    q = np.nanquantile(sims.to_numpy(dtype=float), [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    fig = Figure(figsize=(9, 4.5), layout="constrained")
    ax = fig.subplots()
    ax.fill_between(
        months, q[0], q[4], color="#4c78a8", alpha=0.2, label="simulated, 90% predictive band"
    )
    ax.fill_between(months, q[1], q[3], color="#4c78a8", alpha=0.35, label="simulated, 50% band")
    ax.plot(months, q[2], color="#4c78a8", lw=1.5, label="simulated, median")
    ax.plot(
        obs["month"],
        obs["recorded_events"],
        color="black",
        marker="o",
        ms=3.5,
        lw=1.2,
        label="observed (GED)",
    )
    ax.set_xlabel(f"Month from {start} (30.4-day months)")
    ax.set_ylabel("Recorded events per month")
    ax.set_ylim(bottom=0)
    ax.set_title(f"Posterior predictive check: {len(sims)} draws from the posterior")
    ax.legend(fontsize=8, loc="upper right")
    return fig


def ppc_statistics_figure(ppc: pd.DataFrame) -> Figure:
    """Each summary statistic: observed value against its 90% posterior predictive interval."""
    n = len(ppc)
    cols = 3
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(12, 1.9 * rows + 0.6), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, row in zip(axes, ppc.itertuples(), strict=False):
        color = "#54a24b" if row.inside else "#e45756"
        ax.hlines(
            0, row.low, row.high, colors="#4c78a8", lw=6, alpha=0.5, label="90% predictive interval"
        )
        ax.plot(row.median, 0, "|", color="#4c78a8", ms=16, mew=2, label="predictive median")
        ax.plot(row.observed, 0, "D", color=color, ms=8, label="observed")
        shown = [v for v in (row.low, row.high, row.observed) if np.isfinite(v)] or [0.0]
        span = max(shown) - min(shown)
        pad = 0.15 * span if span > 0 else 0.1
        ax.set_xlim(min(shown) - pad, max(shown) + pad)
        ax.set_yticks([])
        computable = np.isfinite(row.low) and np.isfinite(row.high)
        verdict = (
            "inside"
            if row.inside
            else "OUTSIDE: not reproduced"
            if computable
            else "no draw could compute it"
        )
        ax.set_title(
            f"{stat_label(row.statistic)}\n(observed {row.observed:.3g}, {verdict})",
            fontsize=8,
            color="black" if row.inside else "#b00000",
        )
        ax.tick_params(axis="x", labelsize=8)
    for ax in axes[n:]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(
        handles, labels, loc="outside lower center", fontsize=8, ncols=3
    )  # clear of a full grid
    fig.suptitle("Summary statistics: observed against the posterior predictive interval")
    return fig
