"""Figures of paired differences from a baseline: overall, month by month, by incident type.

Each takes a table from ``sim.analysis.paired`` and returns a Figure; like
``sim.analysis.plots`` they keep every text inside the canvas and show long
variant names as V1, V2, ... with a key below.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.analysis.labels import key_lines, label, variant_labels, wrap
from sim.analysis.paired import TYPES
from sim.analysis.plots import BAND_KEYS, MONTH_AXIS, BandKey, footnote, panel_title, shared_dashes
from sim.analysis.stats import format_p

DZ_NOTE = (
    "d_z (right): the mean paired difference in units of its standard deviation across pairs "
    "(|d_z| >= 0.8 is large); p: paired t-test. Grey bar: 10th-90th percentile of single pairs."
)
SINGLE_AXES = 5
"""Up to this many variants share one panel of the month-by-month figure."""


def _labels(table: pd.DataFrame, labels: dict[str, str] | None) -> dict[str, str]:
    names = [table["baseline"].iloc[0], *dict.fromkeys(table["scenario"])]
    return labels or variant_labels(names)


def _key(labels: dict[str, str], names: list[str]) -> list[str]:
    """'Variants:' and a line per short label used, in the labels' order (V1, V2, ...)."""
    order = [*labels, *(n for n in names if n not in labels)]
    shown = {n: labels.get(n, n) for n in order if n in set(names)}
    lines = key_lines(shown, width=400)
    return ["Variants:", *lines] if lines else []


def _stat(row: pd.Series) -> str:
    if not np.isfinite(row["effect_size"]):
        return "identical in every pair" if row["low"] == row["high"] == 0 else "n/a"
    return f"d_z {row['effect_size']:.2f}, {format_p(row['p_value'])}"


def intervals(ax: Axes, rows: pd.DataFrame, y: np.ndarray, color: str = "C3") -> None:
    """Mean with its 95% CI, over a grey bar from the 10th to the 90th percentile of pairs."""
    if {"p10", "p90"} <= set(rows):
        ax.hlines(y, rows["p10"], rows["p90"], color="0.75", lw=5, zorder=1)
    err = np.vstack([rows["mean"] - rows["low"], rows["high"] - rows["mean"]])
    ax.errorbar(rows["mean"], y, xerr=np.nan_to_num(err), fmt="o", color=color, capsize=3, zorder=3)
    ax.axvline(0, color="0.2", lw=1, zorder=2)


def difference_figure(diffs: pd.DataFrame, labels: dict[str, str] | None = None) -> Figure:
    """Paired differences from the baseline: mean, bootstrap 95% CI, spread of single
    pairs, and d_z and p on a right-hand axis (so they never leave the canvas)."""
    metric, baseline = diffs["metric"].iloc[0], diffs["baseline"].iloc[0]
    labels = _labels(diffs, labels)
    diffs = diffs.sort_values("mean", ascending=False).reset_index(drop=True)
    key = _key(labels, [baseline, *diffs["scenario"]])
    fig = Figure(figsize=(9, 0.42 * len(diffs) + 2.6 + 0.13 * len(key)), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(diffs))
    intervals(ax, diffs, y)
    ax.set_yticks(y, [labels.get(s, s) for s in diffs["scenario"]])
    ax.set_ylim(len(diffs) - 0.5, -0.5)
    right = ax.secondary_yaxis("right")
    right.set_yticks(y, [_stat(r) for _, r in diffs.iterrows()])
    right.tick_params(labelsize=8, length=0)
    base = labels.get(baseline, baseline)
    ax.set_xlabel(wrap(f"{label(metric)}: difference from {base} (variant minus baseline)", 90))
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(
        f"Paired difference from {base} (common random numbers, {diffs['n'].max()} pairs)",
        fontsize=11,
    )
    fig.legend(
        handles=[
            Line2D([], [], color="C3", marker="o", label="mean difference, bootstrap 95% CI"),
            Line2D([], [], color="0.75", lw=5, label="10th-90th percentile of single pairs"),
        ],
        loc="outside upper center",
        ncols=2,
        fontsize=8,
    )
    footnote(fig, [DZ_NOTE, *key])
    return fig


def _month_panel(ax: Axes, sub: pd.DataFrame, color: str, name: str) -> None:
    ax.fill_between(sub["month"], sub["low"], sub["high"], color=color, alpha=0.22, lw=0)
    ax.plot(sub["month"], sub["mean"], color=color, lw=2, label=name)


def _mark_since(ax: Axes, marks: list[tuple[float, str]]) -> None:
    """A dotted line at each (month, colour): at the start of the month, where the
    month axis puts its boundaries; lines in one month alternate their dots."""
    for (month, color), style in zip(marks, shared_dashes([m for m, _ in marks]), strict=True):
        ax.axvline(month - 0.5, color=color, ls=style, lw=1.4)


def timing_figure(
    monthly: pd.DataFrame,
    labels: dict[str, str] | None = None,
    timing: pd.DataFrame | None = None,
    threshold: float = 0.0,
) -> Figure:
    """Month by month, each variant's paired difference from the baseline in border
    incidents per month: mean line, bootstrap 95% band, the zero line, and a dotted line
    at the month from which the whole interval stays below ``threshold`` to the end."""
    baseline = monthly["baseline"].iloc[0]
    labels = _labels(monthly, labels)
    variants = list(dict.fromkeys(monthly["scenario"]))
    since = (
        timing.set_index("scenario")["interval_below_from"].to_dict()
        if timing is not None and not timing.empty
        else {}
    )
    single = len(variants) <= SINGLE_AXES
    cols = 1 if single else 3
    rows = 1 if single else int(np.ceil(len(variants) / cols))
    size = (9, 5.4) if single else (15, 2.6 * rows + 1.8)
    fig = Figure(figsize=size, layout="constrained")
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False).ravel()
    for ax in axes[len(variants) :]:
        ax.remove()
    colors = [f"C{i % 10}" if single else "C0" for i in range(len(variants))]
    marks: dict[Axes, list[tuple[float, str]]] = {}
    for i, (name, color) in enumerate(zip(variants, colors, strict=True)):
        ax = axes[0] if single else axes[i]
        sub = monthly[monthly["scenario"] == name].sort_values("month")
        _month_panel(ax, sub, color, panel_title(name, labels, 80))
        month = since.get(name)
        if month is not None and np.isfinite(month):
            marks.setdefault(ax, []).append((month, color))
        if not single:
            ax.set_title(panel_title(name, labels, 62), fontsize=8)
    for ax, at in marks.items():
        _mark_since(ax, at)
    base = labels.get(baseline, baseline)
    for ax in axes[:1] if single else axes[: len(variants)]:
        ax.axhline(0, color="0.2", lw=1)
        if threshold:
            ax.axhline(threshold, color="0.2", lw=1, ls="--")
        ax.grid(alpha=0.3)
    drawn = axes[:1] if single else axes[: len(variants)]
    for i, ax in enumerate(drawn):
        if i + cols >= len(drawn):  # no panel below: this one carries the month axis
            ax.xaxis.set_tick_params(labelbottom=True)
            ax.set_xlabel(MONTH_AXIS)
    ylabel = f"Difference from {base}:\nborder incidents per month"
    if single:
        axes[0].set_ylabel(ylabel)
    else:
        fig.supylabel(ylabel.replace("\n", " "))
    n = int(monthly["n"].max())
    title = f"Border incidents per month: paired difference from {base}, month by month ({n} pairs)"
    if single:
        axes[0].set_title(wrap(title, 90), fontsize=11)
    else:
        fig.suptitle(wrap(title, 110), fontsize=11)
    shade = "0.3" if single else "C0"  # one panel: neutral (each variant has its colour)
    handles = [
        Line2D([], [], color=shade, lw=2, label="mean over seed-matched pairs"),
        BandKey(list(dict.fromkeys(colors)), 0.22, "95% CI of the mean (bootstrap)"),
        Line2D([], [], color=shade, ls=":", label=f"CI below {threshold:g} from here to the end"),
    ]
    if single:  # no suptitle: the legend goes above the panel
        handles = [*axes[0].get_legend_handles_labels()[0], *handles]
        where = {"loc": "outside upper center", "ncols": 2}
    else:
        where = {"loc": "outside right upper"}
    fig.legend(handles=handles, fontsize=8, handler_map=BAND_KEYS, **where)
    note = (
        "Each month: the variant's monthly total minus the baseline's, in runs with the same "
        "seed; below 0 means fewer incidents than the baseline. Only complete months."
    )
    shared = " Dotted lines of variants in the same month alternate their dots."
    footnote(fig, [note + shared if single else note])
    return fig


def type_figure(types: pd.DataFrame, labels: dict[str, str] | None = None) -> Figure:
    """Small multiples, one per incident type (and victims): each variant's paired
    difference from the baseline per month, so a headline difference can be read by type."""
    baseline = types["baseline"].iloc[0]
    labels = _labels(types, labels)
    variants = list(dict.fromkeys(types["scenario"]))
    kinds = [t for t in TYPES if t in set(types["type"])]
    key = _key(labels, [baseline, *variants])
    cols = min(3, len(kinds))
    rows = int(np.ceil(len(kinds) / cols))
    height = rows * (0.26 * len(variants) + 1.5) + 1.6 + 0.13 * len(key)
    fig = Figure(figsize=(13, height), layout="constrained")
    axes = fig.subplots(rows, cols, sharey=True, squeeze=False).ravel()
    for ax in axes[len(kinds) :]:
        ax.remove()
    y = np.arange(len(variants))
    for ax, kind in zip(axes, kinds, strict=False):
        rows_ = types[types["type"] == kind].set_index("scenario").loc[variants].reset_index()
        border = bool(rows_["border_type"].iloc[0]) or kind == "border_incidents"
        intervals(ax, rows_, y, color="C3" if border else "C0")
        ax.set_yticks(y, [labels.get(s, s) for s in variants])
        note = (
            ""
            if kind in ("border_incidents", "casualties")
            else (" (border incident)" if border else " (not a border incident)")
        )
        ax.set_title(
            wrap(TYPES[kind] + note, 45), fontsize=9, fontweight="bold" if border else None
        )
        ax.set_xlabel("difference per month", fontsize=8)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_ylim(len(variants) - 0.5, -0.5)
    base = labels.get(baseline, baseline)
    title = (
        f"Paired difference from {base} by incident type, per month ({int(types['n'].max())} pairs)"
    )
    # The title heads the key across the top (not a suptitle: the layout gives a suptitle
    # and an upper legend the same margin, so they would overlap): no margin at the right.
    fig.legend(
        handles=[
            Line2D([], [], color="C3", marker="o", label="border-incident type: mean, 95% CI"),
            Line2D([], [], color="C0", marker="o", label="other count: mean, 95% CI"),
            Line2D([], [], color="0.75", lw=5, label="10th-90th percentile of single pairs"),
        ],
        loc="outside upper center",
        ncols=3,
        fontsize=8,
        title=wrap(title, 120),
        title_fontsize=11,
        frameon=False,
    )
    footnote(
        fig,
        [
            "Attacks, interdictions, clashes and ceasefire violations add up to border "
            "incidents (first panel): stopping more infiltrations (interdictions) raises the "
            "count even when fewer attacks get through.",
            *key,
        ],
    )
    return fig
