"""Figures from the tidy tables. Each function takes DataFrames and returns a Figure.

No function reads files or touches pyplot's global state: figures are built
with ``matplotlib.figure.Figure`` so they can be drawn in worker processes and
tested through their Axes. Every text stays inside the canvas: figures use the
constrained layout, legends and notes sit "outside" the panels where the layout
makes room for them, and long variant names become V1, V2, ... with a key.

The headline's figures (five metrics side by side, and spend) are in
``sim.analysis.headline_plots``, the paired-difference figures in
``sim.analysis.effect_plots``.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.legend_handler import HandlerPatch
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.transforms import Transform

from sim.analysis.labels import (
    METRIC_LABELS,
    OTHER_OUTCOMES,
    key_lines,
    label,
    variant_labels,
    wrap,
)
from sim.analysis.stats import band, mean_ci

PHASE_LABELS = {
    0: "No agreement",
    1: "Phase 1: confidence building",
    2: "Phase 2: security integration",
    3: "Phase 3: long-term cooperation",
}
PHASE_NAMES = {0: "pre-agreement", 1: "phase 1", 2: "phase 2", 3: "phase 3"}
PHASE_COLORS = {0: "#eeeeee", 1: "#dbe9f6", 2: "#dff0d8", 3: "#fbe3c8"}
SHADE_TITLE = "Shading: roadmap phase\n(gate machine), the most\ncommon one that month"
"""Shading shows the gate machine's modal phase, not which measures are active: a
scenario such as security_only runs phase-2 measures while the machine is in phase 1."""
SHARE_TITLE = "Roadmap phase (gate machine)"
DAYS_PER_MONTH = 30.4375
MONTH_AXIS = "Month since start of simulation"
OUTCOMES = {k: METRIC_LABELS[k] for k in OTHER_OUTCOMES}
NOTE_SIZE = 7


def parameter_label(key: str) -> str:
    """``measures.joint_patrols.intensity`` -> ``Joint patrols: intensity`` (for axes)."""
    parts = [p.replace("_", " ") for p in key.lstrip("+").split(".")]
    text = ": ".join(parts[-2:]) if len(parts) > 1 else parts[0]
    return text[:1].upper() + text[1:]


def footnote(fig: Figure, lines: list[str], loc: str = "outside lower left") -> None:
    """Notes (and a key to short labels) below the panels, wrapped to the figure's width,
    drawn as a legend without handles so that the layout keeps them inside the canvas."""
    if not lines:
        return
    chars = max(40, int(fig.get_figwidth() * 72 / (NOTE_SIZE * 0.62)))
    wrapped = [w for line in lines for w in textwrap.wrap(line, chars, subsequent_indent="    ")]
    fig.legend(
        [Line2D([], [], lw=0) for _ in wrapped],
        wrapped,
        loc=loc,
        fontsize=NOTE_SIZE,
        frameon=False,
        handlelength=0,
        handletextpad=0,
        labelspacing=0.15,
        alignment="left",
        labelcolor="0.25",
    )


def panel_title(name: str, labels: dict[str, str], width: int) -> str:
    """A panel's title: the variant's full name, after its short label when it has one."""
    short = labels.get(name, name)
    return wrap(name if short == name else f"{short}: {name}", width)


def monthly_matrix(ts: pd.DataFrame, metric: str = "border_incidents") -> pd.DataFrame:
    """Replications x complete months of monthly totals of ``metric``."""
    days_in_month = ts.groupby("month")["day"].nunique()
    full = days_in_month.index[days_in_month >= 30]
    monthly = ts[ts["month"].isin(full)].groupby(["replication", "month"])[metric].sum()
    return monthly.unstack("month")


def modal_phase_by_month(ts: pd.DataFrame) -> pd.Series:
    """Most common phase in each month across replications and days."""
    return ts.groupby("month")["phase"].agg(lambda s: int(s.mode().iloc[0]))


def shade_phases(ax: Axes, ts: pd.DataFrame, months: np.ndarray | None = None) -> list[int]:
    """Shade each run of months by its modal phase (pre-agreement too); return the phases.

    ``months`` limits the shading to the months drawn (the complete ones).
    """
    modal = modal_phase_by_month(ts)
    if months is not None:
        modal = modal[modal.index.isin(months)]
    shown = []
    months, phases = modal.index.to_numpy(), modal.to_numpy()
    start = 0
    for i in range(1, len(months) + 1):
        if i == len(months) or phases[i] != phases[start]:
            phase = int(phases[start])
            ax.axvspan(
                months[start] - 0.5, months[i - 1] + 0.5, color=PHASE_COLORS[phase], zorder=0
            )
            if start:
                ax.axvline(months[start] - 0.5, color="0.5", lw=0.8, ls=":", zorder=1)
            shown.append(phase)
            start = i
    return sorted(set(shown))


class BandKey(Patch):
    """Legend key for 95% bands drawn in each series' own colour: a stripe of each colour
    (drawn by :data:`BAND_KEYS`), so that the key matches the bands, not a grey stand-in."""

    def __init__(self, colors: Sequence[str], alpha: float, label: str) -> None:
        super().__init__(facecolor=colors[0], alpha=alpha, lw=0, label=label)
        self.colors = list(colors)


class _Stripes(HandlerPatch):
    """Draws a :class:`BandKey` as side-by-side stripes, one per colour."""

    def create_artists(
        self,
        legend: Legend,
        orig_handle: BandKey,
        xdescent: float,
        ydescent: float,
        width: float,
        height: float,
        fontsize: float,
        trans: Transform,
    ) -> list[Rectangle]:
        step = width / len(orig_handle.colors)
        style = {"alpha": orig_handle.get_alpha(), "lw": 0, "transform": trans}
        return [
            Rectangle((i * step - xdescent, -ydescent), step, height, fc=c, **style)
            for i, c in enumerate(orig_handle.colors)
        ]


BAND_KEYS = {BandKey: _Stripes()}
"""The ``handler_map`` of a legend that holds a :class:`BandKey`."""


def shared_dashes(positions: Sequence[float]) -> list[str | tuple[float, tuple[float, float]]]:
    """Line styles for vertical marks in the series' colours: dotted when alone; marks at
    one position take turns along it (each dot offset by one), so every colour shows
    where one line would hide the others."""
    count = Counter(positions)
    seen: Counter[float] = Counter()
    styles: list[str | tuple[float, tuple[float, float]]] = []
    for x in positions:
        k, i = count[x], seen[x]
        seen[x] += 1
        styles.append(":" if k == 1 else (2.5 * i, (1.5, 2.5 * k - 1.5)))
    return styles


def phase_legend_handles(phases: list[int]) -> list[Patch]:
    """One patch per phase shown, pre-agreement included, named as the gate machine's."""
    return [Patch(facecolor=PHASE_COLORS[p], edgecolor="0.6", label=PHASE_NAMES[p]) for p in phases]


def phase_legend(fig: Figure, phases: list[int], loc: str = "outside right upper") -> None:
    """The shading's legend, at the right (the bottom is for the lines and notes)."""
    fig.legend(
        handles=phase_legend_handles(phases),
        loc=loc,
        fontsize=8,
        title=SHADE_TITLE,
        title_fontsize=8,
    )


def draw_monthly_band(ax: Axes, ts: pd.DataFrame, color: str, name: str) -> float:
    """Mean monthly border incidents with a 95% interval across replications; returns its top."""
    matrix = monthly_matrix(ts)
    mean, low, high = band(matrix.to_numpy())
    months = matrix.columns.to_numpy()
    ax.fill_between(months, low, high, color=color, alpha=0.25, lw=0)
    ax.plot(months, mean, color=color, lw=2, label=f"{name}: mean, 95% CI (n={len(matrix)})")
    return float(np.nanmax(high)) if len(high) else 0.0


def _full_months(ts: pd.DataFrame) -> np.ndarray:
    return monthly_matrix(ts).columns.to_numpy()


def comparison_figure(
    ts: pd.DataFrame, baseline: str | None = None, labels: dict[str, str] | None = None
) -> Figure:
    """One panel per scenario: monthly border incidents with 95% band, its phases shaded,
    and the baseline's mean as a dashed reference. One legend for all panels."""
    scenarios = list(dict.fromkeys(ts["scenario"]))
    labels = labels or variant_labels(scenarios)
    cols = min(2 if len(scenarios) <= 6 else 3, len(scenarios))
    rows = int(np.ceil(len(scenarios) / cols))
    width = 6 if cols < 3 else 5
    fig = Figure(figsize=(width * cols, 3 * rows + 1.6), layout="constrained")
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
        shown.update(shade_phases(ax, sub, _full_months(sub)))
        top = max(top, draw_monthly_band(ax, sub, "C0", "scenario"))
        if reference is not None and name != baseline:
            ax.plot(*reference, color="0.3", lw=1.2, ls="--")
            top = max(top, float(np.nanmax(reference[1])))
        ax.set_title(panel_title(name, labels, int(width * 12)), fontsize=9)
    axes[0].set_ylim(0, 1.08 * top if top > 0 else 1)
    for i, ax in enumerate(axes[: len(scenarios)]):
        if i + cols >= len(scenarios):  # no panel below: this one carries the month axis
            ax.xaxis.set_tick_params(labelbottom=True)
            ax.set_xlabel(MONTH_AXIS)
    fig.supylabel("Border incidents per month (the phase gates' count)")
    handles = [
        Line2D([], [], color="C0", lw=2, label="mean across replications"),
        Patch(facecolor="C0", alpha=0.25, label="95% CI of the mean (bootstrap)"),
    ]
    if reference is not None:
        name = labels.get(baseline, baseline)
        handles.append(Line2D([], [], color="0.3", ls="--", label=f"{name} (mean)"))
    fig.legend(handles=handles, loc="outside lower left", fontsize=8)
    phase_legend(fig, sorted(shown))
    fig.suptitle(
        wrap(
            "Monthly border incidents by scenario: what the phase gates count (attacks, "
            "interdictions, state-on-state), not the headline",
            9 * width * cols // 3 * 2,
        )
    )
    return fig


def outcomes_figure(
    runs: pd.DataFrame,
    metrics: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
) -> Figure:
    """Final outcomes per scenario: mean and 95% CI of each metric.

    An outcome no run has a value for (the day of a phase no run reached) gets no
    empty panel: a note below the panels names it.
    """
    metrics = metrics or {k: v for k, v in OUTCOMES.items() if k in runs}
    empty = [t for m, t in metrics.items() if runs[m].notna().sum() == 0]
    metrics = {m: t for m, t in metrics.items() if runs[m].notna().any()}
    scenarios = list(dict.fromkeys(runs["scenario"]))
    labels = labels or variant_labels(scenarios)
    cols = max(1, min(3, len(metrics)))
    rows = max(1, int(np.ceil(len(metrics) / cols)))
    keyed = key_lines(labels)
    fig = Figure(
        figsize=(4.2 * cols + 1.2, 0.35 * len(scenarios) * rows + 1.7 * rows + 0.12 * len(keyed)),
        layout="constrained",
    )
    axes = fig.subplots(rows, cols, sharey=True, squeeze=False).ravel()
    y = np.arange(len(scenarios))
    for ax, (metric, title) in zip(axes, metrics.items(), strict=False):
        stats_ = [mean_ci(runs.loc[runs["scenario"] == s, metric]) for s in scenarios]
        m = np.array([s[0] for s in stats_])
        err = np.array([[s[0] - s[1], s[2] - s[0]] for s in stats_]).T
        ax.errorbar(m, y, xerr=np.nan_to_num(err), fmt="o", color="C0", capsize=3)
        ax.set_yticks(y, [labels.get(s, s) for s in scenarios])
        ax.set_xlabel(wrap(title, 34), fontsize=9)
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
    notes = (
        [f"Not drawn, as no run has a value (a phase no run reached): {', '.join(empty)}."]
        if empty
        else []
    )
    footnote(fig, notes + (["Variants:", *keyed] if keyed else []))
    fig.suptitle("Outcomes per scenario (mean and 95% bootstrap CI across replications)")
    return fig


def phase_share_figure(ts: pd.DataFrame, labels: dict[str, str] | None = None) -> Figure:
    """Share of replications in each phase over time, one panel per scenario."""
    scenarios = list(dict.fromkeys(ts["scenario"]))
    labels = labels or variant_labels(scenarios)
    fig = Figure(figsize=(9, 1.6 * len(scenarios) + 1.6), layout="constrained")
    axes = fig.subplots(len(scenarios), 1, sharex=True, squeeze=False).ravel()
    seen: set[int] = set()
    for ax, name in zip(axes, scenarios, strict=False):
        sub = ts[ts["scenario"] == name]
        share = pd.crosstab(sub["day"], sub["phase"], normalize="index")
        phases = [p for p in PHASE_NAMES if p in share.columns]
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
        ax.set_title(panel_title(name, labels, 110), fontsize=9)
    fig.supylabel("Share of runs in each phase")
    axes[-1].set_xlabel(MONTH_AXIS)
    fig.legend(
        handles=phase_legend_handles(sorted(seen)),
        loc="outside lower center",
        ncols=4,
        fontsize=8,
        title=SHARE_TITLE,
        title_fontsize=8,
    )
    fig.suptitle("Share of replications in each roadmap phase (gate machine)")
    return fig


def heatmap_figure(
    runs: pd.DataFrame, x: str, y: str, metric: str, by: list[str] | None = None
) -> Figure:
    """Mean of ``metric`` over a grid of two swept parameters, each cell with its 95% CI.

    ``by`` (e.g. the scenario) gives one panel per value: configurations that differ
    in anything but ``x`` and ``y`` are never pooled into one cell.
    """
    by = [c for c in (by or []) if c in runs and runs[c].nunique() > 1]
    groups = list(runs.groupby(by, sort=False)) if by else [((), runs)]
    cols = min(3, len(groups))
    rows = int(np.ceil(len(groups) / cols))
    fig = Figure(figsize=(5.2 * cols + 1.3, 4.3 * rows + 0.6), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes[len(groups) :]:
        ax.remove()
    means = runs.groupby([*by, y, x])[metric].mean()
    vmin, vmax = float(means.min()), float(means.max())
    n = int(runs.groupby([*by, y, x]).size().min())
    image = None
    for ax, (key, sub) in zip(axes, groups, strict=False):
        cells = sub.groupby([y, x])[metric].agg(lambda v: mean_ci(v.to_numpy()))
        mean = cells.map(lambda c: c[0]).unstack(x)
        half = cells.map(lambda c: (c[2] - c[1]) / 2).unstack(x)
        image = ax.imshow(
            mean.to_numpy(), origin="lower", aspect="auto", cmap="viridis", vmin=vmin, vmax=vmax
        )
        ax.set_xticks(range(len(mean.columns)), [f"{v:g}" for v in mean.columns])
        ax.set_yticks(range(len(mean.index)), [f"{v:g}" for v in mean.index])
        middle = (vmin + vmax) / 2
        for (i, j), value in np.ndenumerate(mean.to_numpy()):
            h = half.iat[i, j]
            text = f"{value:.3g}\n±{h:.2g}" if np.isfinite(h) else f"{value:.3g}"
            color = "white" if value < middle else "black"
            ax.text(j, i, text, ha="center", va="center", fontsize=7, color=color)
        ax.set_xlabel(parameter_label(x))
        ax.set_ylabel(parameter_label(y))
        if by:
            values = key if isinstance(key, tuple) else (key,)
            pairs = zip(by, values, strict=True)
            name = " ".join(f"{v}" if c == "scenario" else f"{c}={v}" for c, v in pairs)
            ax.set_title(wrap(name, 50), fontsize=9)
    fig.colorbar(image, ax=axes[: len(groups)].tolist(), label=f"{label(metric)} (mean)")
    fig.suptitle(
        wrap(f"{label(metric)}: mean ± 95% CI half-width, {n}+ runs per cell", 60 * cols),
        fontsize=10,
    )
    return fig
