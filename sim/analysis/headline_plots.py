"""Figures of the headline, always five metrics side by side, and of what the roadmap costs.

One panel per headline metric (hostile attempts, successful attacks,
interdictions, state-on-state incidents, casualties; see
:mod:`sim.runs.tables`), each with its unit on the value axis: month by month
with the phases marked (:func:`incidents_figure`), as means per variant
(:func:`headline_figure`), as paired differences from a reference with the
change per M$ of roadmap spending (:func:`headline_difference_figure`), and the
spend by item per variant as stacked bars (:func:`spend_figure`). Like
``sim.analysis.plots`` they keep every text inside the canvas and show long
variant names as V1, V2, ... with a key.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import blended_transform_factory

from sim.analysis.effect_plots import intervals
from sim.analysis.headline import SPEND, with_headline, with_series
from sim.analysis.labels import (
    HEADLINE_METRICS,
    HEADLINE_TITLES,
    HEADLINE_UNITS,
    key_lines,
    variant_labels,
    wrap,
)
from sim.analysis.plots import (
    BAND_KEYS,
    MONTH_AXIS,
    BandKey,
    footnote,
    monthly_matrix,
    phase_legend,
    shade_phases,
    shared_dashes,
)
from sim.analysis.stats import band, mean_ci, numbers
from sim.config.moves import MoveParams
from sim.model.budget import ITEMS
from sim.model.incidents import DAYS_PER_MONTH
from sim.runs.tables import HEADLINE

GATES = "border_incidents"
"""The sixth panel of the monthly figure: what the phase gates count, for reference."""
GATES_TITLE = (
    "Border incidents: what the phase gates count (attacks, interdictions, state-on-state)"
)
SERIES = {**{daily: metric for metric, daily in HEADLINE.items()}, GATES: None}
"""Daily series drawn month by month, each with its headline metric (None: the gates')."""
SERIES_COLUMNS = ["scenario", "replication", "day", "month", "phase", *SERIES]
"""The timeseries columns :func:`incidents_figure` reads."""
MAX_LINES = 8
"""Variants drawn in one monthly figure at most (more: read the means figure)."""
PHASE_NUMBERS = (1, 2, 3)
ROADMAP_ITEMS = tuple(item for item in ITEMS if item != "patrol_units")
ITEM_COLORS = {item: f"C{i % 10}" for i, item in enumerate(ROADMAP_ITEMS)}
ITEM_HATCH = {item: "//" if i >= 10 else "" for i, item in enumerate(ROADMAP_ITEMS)}
"""Ten colours, then hatched: every item is told apart from its neighbours."""


def _title(daily: str) -> str:
    metric = SERIES[daily]
    return GATES_TITLE if metric is None else HEADLINE_TITLES[metric]


def _unit(daily: str) -> str:
    metric = SERIES[daily]
    return "incidents per month" if metric is None else HEADLINE_UNITS[metric]


def phase_starts(ts: pd.DataFrame) -> dict[int, int]:
    """Month (from 0) at whose start the median run entered each phase: the median over
    runs of the first day in it, rounded to the nearest start of a month (phases fewer
    than half the runs reached are left out). Whole months, so that the marks fall on the
    month boundaries (x.5) where the shading's modal phase would change."""
    runs = ts.groupby("replication")
    out = {}
    for phase in PHASE_NUMBERS:
        first = runs.apply(lambda r, p=phase: r.loc[r["phase"] >= p, "day"].min())
        if first.notna().mean() > 0.5:
            out[phase] = int(np.floor(first.median() / DAYS_PER_MONTH + 0.5))
    return out


def _mark_phases(ax: Axes, starts: list[dict[int, int]], span: tuple[float, float]) -> None:
    """A dotted line at the month each variant (``C0``, ``C1``, ... in order) entered
    each phase (:func:`phase_starts`), labelled P1.. one row lower per variant, so that
    variants entering a phase in the same month are all named and their dots alternate
    (:func:`shared_dashes`)."""
    marks = [(m - 0.5, p, row) for row, phases in enumerate(starts) for p, m in phases.items()]
    styles = shared_dashes([x for x, _, _ in marks])
    for (x, phase, row), style in zip(marks, styles, strict=True):
        ax.axvline(x, color=f"C{row}", ls=style, lw=1.2, zorder=1)
        _label(ax, x, 0.98 - 0.07 * row, f"P{phase}", f"C{row}", span, va="top")


def _label(
    ax: Axes, x: float, y: float, text: str, color: str, span: tuple[float, float], va: str
) -> None:
    """``text`` beside the line at ``x`` (``y`` in axes units): on its right, or on its
    left in the last tenth of ``span`` (the x range drawn), so it never leaves the panel."""
    left = x > span[0] + 0.9 * (span[1] - span[0])
    ax.annotate(
        text,
        (x, y),
        xycoords=blended_transform_factory(ax.transData, ax.transAxes),
        xytext=(-3 if left else 3, 0),
        textcoords="offset points",
        ha="right" if left else "left",
        va=va,
        fontsize=7,
        color=color,
    )


def incidents_figure(
    ts: pd.DataFrame,
    scenario: str | None = None,
    baseline: str | None = None,
    labels: dict[str, str] | None = None,
    moves: Sequence[MoveParams] = (),
) -> Figure:
    """The headline month by month: one panel per metric (and the phase gates' count),
    each variant's mean with its 95% band. One scenario: its phases shaded. Several (at
    most :data:`MAX_LINES`): a line each, and a dotted line where its median run entered
    each phase (P1, P2, P3; :func:`phase_starts`). ``scenario`` names a single run's scenario;
    ``moves`` its moves (a dash-dot line each, M1.., listed under the figure)."""
    ts = with_series(ts)
    scenarios = list(dict.fromkeys(ts["scenario"]))[:MAX_LINES]
    labels = labels or variant_labels(scenarios)
    single = len(scenarios) == 1
    fig = Figure(figsize=(15, 7.4), layout="constrained")
    axes = fig.subplots(2, 3, sharex=True).ravel()
    months = monthly_matrix(ts, GATES).columns.to_numpy()
    span = (months[0] - 0.5, months[-1] + 0.5) if len(months) else None
    shown: set[int] = set()
    starts = [] if single else [phase_starts(ts[ts["scenario"] == name]) for name in scenarios]
    for ax, daily in zip(axes, SERIES, strict=True):
        if single:
            shown.update(shade_phases(ax, ts, months))
        for i, name in enumerate(scenarios):
            sub = ts[ts["scenario"] == name]
            matrix = monthly_matrix(sub, daily)
            mean, low, high = band(matrix.to_numpy(float))
            color = f"C{i}"
            ax.fill_between(matrix.columns, low, high, color=color, alpha=0.2, lw=0)
            dash = "--" if name == baseline else "-"
            ax.plot(matrix.columns, mean, color=color, lw=1.8, ls=dash)
        if span:
            ax.set_xlim(span)
            _mark_phases(ax, starts, span)
            _mark_moves(ax, moves, span)
        ax.set_title(wrap(_title(daily), 48), fontsize=9)
        ax.set_ylabel(_unit(daily), fontsize=9)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    for ax in axes[3:]:
        ax.set_xlabel(MONTH_AXIS, fontsize=9)
    axes[-1].set_facecolor("#f7f7f7")  # the gates' count: for reference, not the headline
    n = int(ts.groupby("scenario")["replication"].nunique().min())
    handles = [
        Line2D(
            [],
            [],
            color=f"C{i}",
            lw=1.8,
            ls="--" if name == baseline else "-",
            label=labels.get(name, name),
        )
        for i, name in enumerate(scenarios)
    ]
    colors = [f"C{i}" for i in range(len(scenarios))]
    ci = f"95% CI of the mean ({n} runs)" + ("" if single else ",\nin each variant's colour")
    handles.append(BandKey(colors, 0.2, ci))
    if not single:
        handles.append(
            Line2D(
                [],
                [],
                color="0.3",
                ls=":",
                label="P1-P3: the median run\nentered the phase here\n(nearest month; lines in\n"
                "one month alternate dots)",
            )
        )
    if single and moves:
        handles.append(Line2D([], [], color="0.2", ls="-.", lw=1, label="M1..: a move (below)"))
    fig.legend(
        handles=handles,
        loc="outside right lower",
        fontsize=8,
        title="Mean of the runs" if single else "Variant (mean)",
        title_fontsize=8,
        handler_map=BAND_KEYS,
    )
    if single:
        phase_legend(fig, sorted(shown))
    who = scenario or (scenarios[0] if single else "each variant")
    fig.suptitle(wrap(f"The headline month by month: {who}", 120), fontsize=11)
    notes = key_lines({n: labels.get(n, n) for n in scenarios})
    dropped = len(dict.fromkeys(ts["scenario"])) - len(scenarios)
    if dropped:
        notes.insert(0, f"{dropped} more variant(s) not drawn: see headline.png.")
    notes = ["Variants:", *notes] if notes and not dropped else notes
    if single and moves:
        notes.append(
            "Moves: "
            + "; ".join(
                f"M{i + 1} day {m.day}: {m.key} = {m.value}" + (f" ({m.by})" if m.by else "")
                for i, m in enumerate(moves)
            )
        )
    footnote(fig, notes)
    return fig


def _mark_moves(ax: Axes, moves: Sequence[MoveParams], span: tuple[float, float]) -> None:
    """A dash-dot line at each move's month, labelled M1.. at the foot of the panel (a
    move after the last whole month drawn is only listed below the figure)."""
    for i, move in enumerate(moves):
        month = move.day / DAYS_PER_MONTH - 0.5  # month m is drawn over [m - 0.5, m + 0.5]
        if month > span[1]:
            continue
        ax.axvline(month, color="0.2", ls="-.", lw=1, zorder=1)
        _label(ax, month, 0.02, f"M{i + 1}", "0.2", span, va="bottom")


def _dots(ax: Axes, runs: pd.DataFrame, column: str, scenarios: list[str], scale: float) -> None:
    stats_ = [mean_ci(runs.loc[runs["scenario"] == s, column] / scale) for s in scenarios]
    m = np.array([s[0] for s in stats_])
    err = np.array([[s[0] - s[1], s[2] - s[0]] for s in stats_]).T
    ax.errorbar(m, np.arange(len(scenarios)), xerr=np.nan_to_num(err), fmt="o", capsize=3)
    ax.grid(axis="x", alpha=0.3)


def headline_figure(runs: pd.DataFrame, labels: dict[str, str] | None = None) -> Figure:
    """Each variant's mean per month of the five headline metrics with 95% bootstrap CIs,
    and its roadmap spend (M$ over the run), one panel each."""
    runs = with_headline(runs)
    scenarios = list(dict.fromkeys(runs["scenario"]))
    labels = labels or variant_labels(scenarios)
    keyed = key_lines(labels)
    fig = Figure(
        figsize=(14, 2 * (0.3 * len(scenarios) + 1.4) + 1.4 + 0.13 * len(keyed)),
        layout="constrained",
    )
    axes = fig.subplots(2, 3, sharey=True).ravel()
    for ax, metric in zip(axes, HEADLINE_METRICS, strict=False):
        _dots(ax, runs, metric, scenarios, 1.0)
        ax.set_title(wrap(HEADLINE_TITLES[metric], 44), fontsize=9)
        ax.set_xlabel(HEADLINE_UNITS[metric], fontsize=9)
    spend = axes[len(HEADLINE_METRICS)]
    if runs[SPEND].notna().any():
        _dots(spend, runs, SPEND, scenarios, 1000.0)
    spend.set_title("Roadmap spend (both governments)", fontsize=9)
    spend.set_xlabel("M\\$ over the run", fontsize=9)
    spend.set_facecolor("#f7f7f7")
    axes[0].set_yticks(np.arange(len(scenarios)), [labels.get(s, s) for s in scenarios])
    axes[0].invert_yaxis()
    footnote(fig, ["Variants:", *keyed] if keyed else [])
    fig.suptitle("The headline per variant: mean per month and 95% bootstrap CI across runs")
    return fig


def headline_difference_figure(table: pd.DataFrame, labels: dict[str, str] | None = None) -> Figure:
    """Each variant's paired difference from the reference in the five headline metrics
    (mean, bootstrap 95% CI, per month), and at the right its change per M$ of roadmap
    spending with its Fieller interval (from ``headline_differences``)."""
    baseline = table["baseline"].iloc[0]
    variants = list(dict.fromkeys(table["scenario"]))
    labels = labels or variant_labels([baseline, *variants])
    base = labels.get(baseline, baseline)
    keyed = key_lines({n: labels.get(n, n) for n in [baseline, *variants]})
    fig = Figure(
        figsize=(14, 3 * (0.32 * len(variants) + 1.5) + 1.6 + 0.13 * len(keyed)),
        layout="constrained",
    )
    axes = fig.subplots(3, 2).ravel()
    axes[-1].remove()
    y = np.arange(len(variants))
    for ax, metric in zip(axes, HEADLINE_METRICS, strict=False):
        rows = table[table["metric"] == metric].set_index("scenario").loc[variants].reset_index()
        intervals(ax, rows, y)
        ax.set_yticks(y, [labels.get(s, s) for s in variants])
        ax.set_ylim(len(variants) - 0.5, -0.5)
        right = ax.secondary_yaxis("right")
        right.set_yticks(y, [_per_cost(r) for _, r in rows.iterrows()])
        right.tick_params(labelsize=7, length=0)
        ax.set_title(wrap(HEADLINE_TITLES[metric], 44), fontsize=9)
        ax.set_xlabel(f"difference from {base}, {HEADLINE_UNITS[metric]}", fontsize=8)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(
        wrap(
            f"The headline: paired difference from {base} ({int(table['n'].max())} pairs), "
            "and at the right of each panel the change per M\\$ of roadmap spending",
            130,
        ),
        fontsize=11,
    )
    footnote(
        fig,
        [
            "Dot and bar: mean difference over seed-matched pairs and its bootstrap 95% CI; "
            "grey: 10th-90th percentile of single pairs. Per M\\$: the mean difference over "
            "the mean difference in roadmap spend (events over the run per M\\$ more spent), "
            "95% Fieller interval; not defined where the spend does not differ.",
            *(["Variants:", *keyed] if keyed else []),
        ],
    )
    return fig


def _per_cost(row: pd.Series) -> str:
    """The change per M$ as a tick label (the dollar sign escaped: no mathtext)."""
    if not np.isfinite(row["per_musd"]):
        return "per M\\$: not defined"
    value, low, high = numbers(row["per_musd"], row["per_musd_low"], row["per_musd_high"])
    if not np.isfinite(row["per_musd_low"]):
        return f"{value} per M\\$ [unbounded]"
    return f"{value} per M\\$ [{low}, {high}]"


def spend_figure(runs: pd.DataFrame, labels: dict[str, str] | None = None) -> Figure | None:
    """Mean spend per variant over the run (M$, both governments): the roadmap's items
    stacked (the bar's whisker: 95% CI of their total), and regular patrols apart, as
    they are not the roadmap's and would dwarf it. None when no run recorded spend."""
    columns = [f"spend_{item}" for item in ROADMAP_ITEMS if f"spend_{item}" in runs]
    if SPEND not in runs or runs[SPEND].isna().all():
        return None
    scenarios = list(dict.fromkeys(runs["scenario"]))
    labels = labels or variant_labels(scenarios)
    means = runs.groupby("scenario", sort=False)[columns].mean().loc[scenarios] / 1000
    spent = [c for c in columns if means[c].abs().sum() > 0]
    idle = [c.removeprefix("spend_").replace("_", " ") for c in columns if c not in spent]
    keyed = key_lines(labels)
    patrol = (
        runs.groupby("scenario", sort=False)["spend_patrol_units"].mean().loc[scenarios] / 1000
        if "spend_patrol_units" in runs
        else pd.Series(0.0, index=scenarios)
    )
    if not patrol.abs().sum():
        idle.insert(0, "regular patrols")
    fig = Figure(
        figsize=(13, 0.38 * len(scenarios) + 2.6 + 0.13 * len(keyed)), layout="constrained"
    )
    if patrol.abs().sum():
        roadmap, patrols = fig.subplots(1, 2, sharey=True, width_ratios=[3, 1])
        patrols.barh(np.arange(len(scenarios)), patrol, color="0.6")
        patrols.set_xlabel("Regular patrols (M\\$, not the roadmap's)", fontsize=9)
        patrols.grid(axis="x", alpha=0.3)
    else:
        roadmap = fig.add_subplot()
    y = np.arange(len(scenarios))
    left = np.zeros(len(scenarios))
    for column in spent:
        item = column.removeprefix("spend_")
        roadmap.barh(
            y,
            means[column],
            left=left,
            color=ITEM_COLORS[item],
            hatch=ITEM_HATCH[item],
            edgecolor="white",
            lw=0.5,
            label=item.replace("_", " "),
        )
        left += means[column].to_numpy()
    total = [mean_ci(runs.loc[runs["scenario"] == s, SPEND] / 1000) for s in scenarios]
    err = np.array([[t[0] - t[1], t[2] - t[0]] for t in total]).T
    roadmap.errorbar(left, y, xerr=np.nan_to_num(err), fmt="none", color="0.2", capsize=3)
    ends = np.nan_to_num(np.array([t[2] for t in total]), nan=0.0)
    for row, (end, (mean, _, _)) in enumerate(zip(ends, total, strict=True)):
        roadmap.text(max(end, 0), row, f"  {numbers(mean)[0]}", va="center", fontsize=8)
    roadmap.set_xlim(0, 1.12 * max(float(ends.max()), 1e-3))
    roadmap.set_xlabel("Roadmap spend over the run (M\\$, mean of runs)", fontsize=9)
    roadmap.set_yticks(y, [labels.get(s, s) for s in scenarios])
    roadmap.set_ylim(len(scenarios) - 0.5, -0.5)
    roadmap.grid(axis="x", alpha=0.3)
    if spent:
        fig.legend(loc="outside right upper", fontsize=8, title="Roadmap item", title_fontsize=8)
    notes = [f"No spend recorded on: {', '.join(idle)}."] if idle else []
    footnote(fig, notes + (["Variants:", *keyed] if keyed else []))
    fig.suptitle("What each variant spends, by item (both governments)")
    return fig
