"""Figures from the tidy tables. Each function takes DataFrames and returns a Figure.

No function reads files or touches pyplot's global state: figures are built
with ``matplotlib.figure.Figure`` so they can be drawn in worker processes and
tested through their Axes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.analysis.stats import band, format_p, mean_ci, paired_difference

PHASE_LABELS = {
    0: "No agreement",
    1: "Phase 1: confidence building",
    2: "Phase 2: security integration",
    3: "Phase 3: long-term cooperation",
}
PHASE_NAMES = {0: "No agreement", 1: "Phase 1", 2: "Phase 2", 3: "Phase 3"}
PHASE_COLORS = {0: "#eeeeee", 1: "#dbe9f6", 2: "#dff0d8", 3: "#fbe3c8"}
SHADE_LABELS = {p: f"Phase {p} (most common phase of the runs that month)" for p in (1, 2, 3)}
"""Shading shows the phase machine's modal phase: a scenario's phase 1 need not hold
confidence-building measures, so the shading names the phase by number only."""
DAYS_PER_MONTH = 30.4375
DZ_NOTE = (
    "d_z: mean paired difference / SD of the paired differences (Cohen's d_z); p: paired t-test"
)
OUTCOMES = {
    "border_incidents_per_month": "Border incidents per month",
    "final_monthly_incidents": "Border incidents per month, last 6 months",
    "detection_rate": "Detection rate (share of hostile attempts)",
    "final_trust": "Final trust (0-1)",
    "phase3_day": "Day phase 3 reached",
    "relapses": "Relapses per run",
}
METRIC_LABELS = {
    **OUTCOMES,
    "border_incidents": "Border incidents over the horizon",
    "casualties": "Victims of attacks, clashes and violations over the horizon",
    "reduction_vs_start": "Reduction vs pre-agreement rate",
}


def label(metric: str) -> str:
    return METRIC_LABELS.get(metric, metric.replace("_", " "))


def parameter_label(key: str) -> str:
    """``measures.joint_patrols.intensity`` -> ``Joint patrols: intensity`` (for axes)."""
    parts = [p.replace("_", " ") for p in key.lstrip("+").split(".")]
    text = ": ".join(parts[-2:]) if len(parts) > 1 else parts[0]
    return text[:1].upper() + text[1:]


def compact_labels(names: list[str]) -> dict[str, str]:
    """Short names for variants: drop what all share; if one key varies, keep its values.

    ``["roadmap ablation=none", "roadmap ablation=without_hotline"]`` ->
    ``none``, ``without_hotline``.
    """
    tokens = [name.split() for name in names]
    common = set.intersection(*(set(t) for t in tokens)) if tokens else set()
    kept = [[t for t in ts if t not in common] for ts in tokens]
    keys = {t.split("=", 1)[0] for ts in kept for t in ts if "=" in t}
    if len(keys) == 1 and all(len(ts) == 1 and "=" in ts[0] for ts in kept):
        kept = [[ts[0].split("=", 1)[1]] for ts in kept]
    return {n: " ".join(k) or n for n, k in zip(names, kept, strict=True)}


def monthly_matrix(ts: pd.DataFrame, metric: str = "border_incidents") -> pd.DataFrame:
    """Replications x complete months of monthly totals of ``metric``."""
    days_in_month = ts.groupby("month")["day"].nunique()
    full = days_in_month.index[days_in_month >= 30]
    monthly = ts[ts["month"].isin(full)].groupby(["replication", "month"])[metric].sum()
    return monthly.unstack("month")


def modal_phase_by_month(ts: pd.DataFrame) -> pd.Series:
    """Most common phase in each month across replications and days."""
    return ts.groupby("month")["phase"].agg(lambda s: int(s.mode().iloc[0]))


def shade_phases(ax: Axes, ts: pd.DataFrame) -> list[int]:
    """Shade each run of months by its modal phase; return the phases shown."""
    modal = modal_phase_by_month(ts)
    shown = []
    months, phases = modal.index.to_numpy(), modal.to_numpy()
    start = 0
    for i in range(1, len(months) + 1):
        if i == len(months) or phases[i] != phases[start]:
            phase = int(phases[start])
            if phase:
                ax.axvspan(
                    months[start] - 0.5, months[i - 1] + 0.5, color=PHASE_COLORS[phase], zorder=0
                )
                ax.axvline(months[start] - 0.5, color="0.5", lw=0.8, ls=":", zorder=1)
            shown.append(phase)
            start = i
    return sorted(set(shown))


def phase_legend_handles(phases: list[int]) -> list[Patch]:
    return [
        Patch(facecolor=PHASE_COLORS[p], edgecolor="0.6", label=SHADE_LABELS[p])
        for p in phases
        if p
    ]


def draw_monthly_band(ax: Axes, ts: pd.DataFrame, color: str, name: str) -> float:
    """Mean monthly border incidents with a 95% interval across replications; returns its top."""
    matrix = monthly_matrix(ts)
    mean, low, high = band(matrix.to_numpy())
    months = matrix.columns.to_numpy()
    ax.fill_between(months, low, high, color=color, alpha=0.25, lw=0)
    ax.plot(months, mean, color=color, lw=2, label=f"{name}: mean, 95% CI (n={len(matrix)})")
    return float(np.nanmax(high)) if len(high) else 0.0


def incidents_figure(ts: pd.DataFrame, scenario: str) -> Figure:
    """Monthly border incidents of one scenario, phases shaded."""
    fig = Figure(figsize=(9, 4.5), layout="constrained")
    ax = fig.add_subplot()
    phases = shade_phases(ax, ts)
    draw_monthly_band(ax, ts, "C0", scenario)
    ax.set_xlabel("Month since start of simulation")
    ax.set_ylabel("Border incidents per month")
    ax.set_title(f"Border incidents: {scenario}")
    ax.set_ylim(bottom=0)
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=handles + phase_legend_handles(phases), loc="upper right", fontsize=8)
    return fig


def comparison_figure(ts: pd.DataFrame, baseline: str | None = None) -> Figure:
    """One panel per scenario: monthly border incidents with 95% band, its phases shaded,
    and the baseline's mean as a dashed reference. One legend for all panels."""
    scenarios = list(dict.fromkeys(ts["scenario"]))
    names = compact_labels(scenarios)
    cols = min(2, len(scenarios))
    rows = int(np.ceil(len(scenarios) / cols))
    fig = Figure(figsize=(6 * cols, 3 * rows + 1.4), layout="constrained")
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False).ravel()
    for ax in axes[len(scenarios) :]:
        ax.remove()
    reference = None
    if baseline in scenarios:
        ref = monthly_matrix(ts[ts["scenario"] == baseline])
        reference = (ref.columns.to_numpy(), ref.mean().to_numpy())
    shown: set[int] = set()
    top = 0.0
    for ax, name in zip(axes, scenarios, strict=False):
        sub = ts[ts["scenario"] == name]
        shown.update(shade_phases(ax, sub))
        top = max(top, draw_monthly_band(ax, sub, "C0", "scenario"))
        if reference is not None and name != baseline:
            ax.plot(*reference, color="0.3", lw=1.2, ls="--")
            top = max(top, float(np.nanmax(reference[1])))
        ax.set_title(names[name], fontsize=10)
    axes[0].set_ylim(0, 1.08 * top if top > 0 else 1)
    for i, ax in enumerate(axes[: len(scenarios)]):
        if i + cols >= len(scenarios):  # no panel below: this one carries the month axis
            ax.xaxis.set_tick_params(labelbottom=True)
            ax.set_xlabel("Month since start of simulation")
    fig.supylabel("Border incidents per month")
    handles = [
        Line2D([], [], color="C0", lw=2, label="mean across replications"),
        Patch(facecolor="C0", alpha=0.25, label="95% CI of the mean (bootstrap)"),
    ]
    if reference is not None:
        handles.append(Line2D([], [], color="0.3", ls="--", label=f"{names[baseline]} (mean)"))
    handles += phase_legend_handles(sorted(shown))
    fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=8)
    fig.suptitle("Monthly border incidents by scenario")
    return fig


def outcomes_figure(runs: pd.DataFrame, metrics: dict[str, str] | None = None) -> Figure:
    """Final outcomes per scenario: mean and 95% CI of each metric."""
    metrics = metrics or {k: v for k, v in OUTCOMES.items() if k in runs}
    scenarios = list(dict.fromkeys(runs["scenario"]))
    names = compact_labels(scenarios)
    cols = min(3, len(metrics))
    rows = int(np.ceil(len(metrics) / cols))
    fig = Figure(
        figsize=(4.2 * cols, 0.35 * len(scenarios) * rows + 1.6 * rows), layout="constrained"
    )
    axes = fig.subplots(rows, cols, sharey=True, squeeze=False).ravel()
    y = np.arange(len(scenarios))
    for ax, (metric, title) in zip(axes, metrics.items(), strict=False):
        stats_ = [mean_ci(runs.loc[runs["scenario"] == s, metric]) for s in scenarios]
        m = np.array([s[0] for s in stats_])
        err = np.array([[s[0] - s[1], s[2] - s[0]] for s in stats_]).T
        ax.errorbar(m, y, xerr=np.nan_to_num(err), fmt="o", color="C0", capsize=3)
        ax.set_yticks(y, [names[s] for s in scenarios])
        ax.set_xlabel(title, fontsize=9)
        ax.grid(axis="x", alpha=0.3)
        reached = [runs.loc[runs["scenario"] == s, metric].notna().mean() for s in scenarios]
        if metric.endswith("_day") and min(reached) < 1:
            # On a right-hand axis of their own, so they never sit on a point or its bar.
            right = ax.secondary_yaxis("right")
            right.set_yticks(y, [f"{share:.0%} reached" for share in reached])
            right.tick_params(labelsize=7, colors="0.35", length=0)
    for ax in axes[len(metrics) :]:
        ax.remove()
    axes[0].invert_yaxis()
    fig.suptitle("Outcomes per scenario (mean and 95% bootstrap CI across replications)")
    return fig


def difference_table(runs: pd.DataFrame, baseline: str, metric: str) -> pd.DataFrame:
    """Paired difference of each scenario from ``baseline`` on ``metric``, paired by seed."""
    ref = runs[runs["scenario"] == baseline].set_index("seed")[metric]
    rows = []
    for name in dict.fromkeys(runs["scenario"]):
        if name == baseline:
            continue
        sub = runs[runs["scenario"] == name].set_index("seed")[metric]
        pair = pd.concat([sub, ref], axis=1, join="inner").to_numpy()
        d = paired_difference(pair[:, 0], pair[:, 1])
        rows.append({"scenario": name, "baseline": baseline, "metric": metric, **vars(d)})
    return pd.DataFrame(rows)


def difference_figure(diffs: pd.DataFrame) -> Figure:
    """Paired differences from the baseline with bootstrap 95% intervals and effect sizes."""
    metric, baseline = diffs["metric"].iloc[0], diffs["baseline"].iloc[0]
    names = compact_labels([baseline, *diffs["scenario"]])
    diffs = diffs.sort_values("mean", ascending=False)
    fig = Figure(figsize=(9, 0.45 * len(diffs) + 2), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(diffs))
    err = np.vstack([diffs["mean"] - diffs["low"], diffs["high"] - diffs["mean"]])
    ax.errorbar(
        diffs["mean"],
        y,
        xerr=err,
        fmt="o",
        color="C3",
        capsize=3,
        label="mean difference, bootstrap 95% CI",
    )
    ax.axvline(0, color="0.3", lw=1)
    for yi, (_, r) in zip(y, diffs.iterrows(), strict=True):
        text = (
            f" d_z={r['effect_size']:.2f}, {format_p(r['p_value'])}"
            if np.isfinite(r["effect_size"])
            else " identical in every pair"
        )
        ax.annotate(text, (r["high"], yi), va="center", fontsize=8)
    ax.set_yticks(y, [names[s] for s in diffs["scenario"]])
    ax.invert_yaxis()
    ax.set_xlabel(f"{label(metric)}: difference from {names[baseline]}")
    pairs = diffs["n"].max()
    ax.set_title(
        f"Paired difference from {names[baseline]}\n(common random numbers, {pairs} pairs)"
    )
    ax.legend(loc="lower right", fontsize=8)
    ax.margins(x=0.35)
    fig.text(0.01, 0.005, DZ_NOTE, fontsize=7, color="0.3", va="bottom")
    fig.get_layout_engine().set(rect=(0, 0.04, 1, 0.96))
    return fig


def phase_share_figure(ts: pd.DataFrame) -> Figure:
    """Share of replications in each phase over time, one panel per scenario."""
    scenarios = list(dict.fromkeys(ts["scenario"]))
    names = compact_labels(scenarios)
    fig = Figure(figsize=(9, 1.6 * len(scenarios) + 1.4), layout="constrained")
    axes = fig.subplots(len(scenarios), 1, sharex=True, squeeze=False).ravel()
    seen: set[int] = set()
    for ax, name in zip(axes, scenarios, strict=False):
        sub = ts[ts["scenario"] == name]
        share = pd.crosstab(sub["day"], sub["phase"], normalize="index")
        phases = [p for p in PHASE_LABELS if p in share.columns]
        seen.update(phases)
        ax.stackplot(
            share.index / DAYS_PER_MONTH,
            *[share[p] for p in phases],
            colors=[PHASE_COLORS[p] for p in phases],
            edgecolor="0.6",
            lw=0.3,
        )
        ax.set_ylim(0, 1)
        ax.set_xlim(0, share.index.max() / DAYS_PER_MONTH)
        ax.set_title(names[name], fontsize=9)
    fig.supylabel("Share of runs in each phase")
    axes[-1].set_xlabel("Month since start of simulation")
    fig.legend(
        handles=[
            Patch(facecolor=PHASE_COLORS[p], edgecolor="0.6", label=PHASE_NAMES[p])
            for p in sorted(seen)
        ],
        loc="outside lower center",
        ncols=4,
        fontsize=8,
    )
    fig.suptitle("Share of replications in each phase")
    return fig


def heatmap_figure(runs: pd.DataFrame, x: str, y: str, metric: str) -> Figure:
    """Mean of ``metric`` over a grid of two swept parameters, each cell with its 95% CI."""
    cells = runs.groupby([y, x])[metric].agg(lambda v: mean_ci(v.to_numpy()))
    mean = cells.map(lambda c: c[0]).unstack(x)
    half = cells.map(lambda c: (c[2] - c[1]) / 2).unstack(x)
    n = int(runs.groupby([y, x]).size().min())
    fig = Figure(figsize=(6.5, 5), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(mean.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(mean.columns)), [f"{v:g}" for v in mean.columns])
    ax.set_yticks(range(len(mean.index)), [f"{v:g}" for v in mean.index])
    middle = np.nanmean(mean.to_numpy())
    for (i, j), value in np.ndenumerate(mean.to_numpy()):
        text = (
            f"{value:.3g}\n±{half.iat[i, j]:.2g}" if np.isfinite(half.iat[i, j]) else f"{value:.3g}"
        )
        color = "white" if value < middle else "black"
        ax.text(j, i, text, ha="center", va="center", fontsize=7, color=color)
    ax.set_xlabel(parameter_label(x))
    ax.set_ylabel(parameter_label(y))
    fig.colorbar(image, ax=ax, label=f"{label(metric)} (mean)")
    ax.set_title(f"{label(metric)}\nmean ± 95% CI half-width, {n}+ runs per cell", fontsize=10)
    return fig
