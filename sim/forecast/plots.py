"""The forecasts' figure: per governorate, the observed monthly events against the model's
median and 50%/90% bands from each origin; below, the mean scores of each method.

Takes tables, returns a Figure, without pyplot's global state (as :mod:`sim.analysis.plots`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.forecast.baselines import METHODS
from sim.forecast.problem import Problem, month_day

COLORS = {
    "model": "#4c78a8",
    "background_only": "#9ecae9",
    "no_change": "#f58518",
    "negative_binomial": "#54a24b",
}
LABELS = {
    "model": "model",
    "background_only": "model's background alone",
    "no_change": "no change",
    "negative_binomial": "negative binomial",
}
SCORE_PANELS = (
    ("events", "crps", "CRPS, events", "Mean CRPS (events)"),
    ("events", "ignorance", "Ignorance, events", "Mean ignorance (bits)"),
    ("fatalities", "crps", "CRPS, fatalities", "Mean CRPS (deaths)"),
    (
        "fatalities",
        "interval_score",
        "90% interval score, fatalities",
        "Mean interval score (deaths)",
    ),
)


def forecast_figure(forecasts: pd.DataFrame, scores: pd.DataFrame, problem: Problem) -> Figure:
    """Governorate panels (observed vs the model's bands, origins marked) and score panels."""
    s = problem.settings
    start = pd.Timestamp(s.start)
    dates = start + pd.to_timedelta([month_day(m) for m in range(problem.months)], unit="D")
    rows = math.ceil((len(s.units) + 1) / 3)
    fig = Figure(figsize=(14, 3.4 * rows + 3.4), layout="constrained")
    grid = fig.add_gridspec(rows + 1, 12)
    cells = [grid[r, 4 * c : 4 * c + 4] for r in range(rows) for c in range(3)]
    model = forecasts[(forecasts["method"] == "model") & (forecasts["quantity"] == "events")]
    origins = [start + pd.Timedelta(days=month_day(o)) for o in problem.origins]
    first = None
    for i, unit in enumerate(s.units):
        ax = fig.add_subplot(cells[i])
        first = first or ax
        for k, (_, block) in enumerate(model[model["unit"] == unit].groupby("origin")):
            block = block.sort_values("month")
            x, once = block["month_date"], k == 0
            for low, high, alpha, band in (("q05", "q95", 0.2, "90%"), ("q25", "q75", 0.4, "50%")):
                ax.fill_between(
                    x,
                    block[low],
                    block[high],
                    color=COLORS["model"],
                    alpha=alpha,
                    lw=0,
                    step="mid",
                    label=f"model, {band} band" if once else None,
                )
            ax.step(
                x,
                block["median"],
                where="mid",
                color=COLORS["model"],
                lw=1.5,
                label="model, median" if once else None,
            )
        ax.plot(
            dates,
            problem.observed["events"][i],
            color="black",
            marker="o",
            ms=3,
            lw=1,
            label="observed (GED)",
        )
        for k, origin in enumerate(origins):
            ax.axvline(origin, color="grey", ls=":", lw=1, label="origin" if k == 0 else None)
        ax.set_title(unit.replace(" Governorate", ""), fontsize=11)
        ax.set_ylabel("Recorded events per month")
        ax.set_ylim(bottom=0)
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    score_axes = [fig.add_subplot(grid[rows, 3 * c : 3 * c + 3]) for c in range(4)]
    for ax, (quantity, score, title, label) in zip(score_axes, SCORE_PANELS, strict=True):
        _score_panel(ax, scores, quantity, score, title, label)
    note = fig.add_subplot(cells[len(s.units)])
    note.set_axis_off()
    _legend_note(note, s, problem)
    bands = note.legend(*first.get_legend_handles_labels(), fontsize=8, loc="lower left")
    note.add_artist(bands)
    note.legend(*score_axes[0].get_legend_handles_labels(), fontsize=8, loc="lower right",
                title="scores (below)", title_fontsize=8)  # fmt: skip
    fig.suptitle(
        f"Rolling-origin forecasts of recorded events, {s.draws} draws each "
        "(scores: lower is better)",
        fontsize=12,
    )
    return fig


def _score_panel(
    ax, scores: pd.DataFrame, quantity: str, score: str, title: str, label: str
) -> None:
    """Mean score by months ahead, one group of bars per horizon, one bar per method."""
    table = scores[(scores["quantity"] == quantity) & (scores["ahead"] > 0)]
    aheads = sorted(table["ahead"].unique())
    width = 0.8 / len(METHODS)
    for j, method in enumerate(METHODS):
        rows = table[table["method"] == method].set_index("ahead").reindex(aheads)
        ax.bar(
            np.arange(len(aheads)) + (j - (len(METHODS) - 1) / 2) * width,
            rows[score],
            width,
            color=COLORS[method],
            label=LABELS[method],
        )
    ax.set_xticks(np.arange(len(aheads)), [str(a) for a in aheads])
    ax.set_xlabel("Months ahead")
    ax.set_ylabel(label)
    ax.set_title(title, fontsize=10)


def _legend_note(ax, s, problem: Problem) -> None:
    """What the panels show, in words, in the grid's spare corner."""
    text = (
        f"Origins: months {', '.join(map(str, problem.origins))} from {s.start};\n"
        f"each forecasts the next {s.horizon} months\n"
        "(fitted on the months before it).\n\n"
        "Bands: the model's 50% and 90% central\n"
        "intervals; line: its median.\n"
        "Data: " + s.data
    )
    ax.text(0.0, 1.0, text, va="top", ha="left", fontsize=9, transform=ax.transAxes, wrap=True)
