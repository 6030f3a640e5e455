"""Terminal tables and figure files: the last step from tables to something a person reads."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from sim.plots import label
from sim.stats import mean_ci

SUMMARY_METRICS = (
    "border_incidents_per_month",
    "final_monthly_incidents",
    "detection_rate",
    "final_trust",
    "phase3_day",
    "relapses",
)


def save_figure(fig: Figure, path: Path) -> Path:
    """Write a PNG atomically (a reader never sees a half-written file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp.png")
    fig.savefig(tmp, dpi=150)
    os.replace(tmp, path)
    return path


def _cell(values: pd.Series) -> str:
    m, lo, hi = mean_ci(values)
    if pd.isna(m):
        return "never"
    reached = values.notna().mean()
    text = f"{m:.3g} [{lo:.3g}, {hi:.3g}]" if pd.notna(lo) else f"{m:.3g}"
    return text if reached == 1 else f"{text} ({reached:.0%} of runs)"


def summary_table(runs: pd.DataFrame, metrics: tuple[str, ...] = SUMMARY_METRICS) -> pd.DataFrame:
    """Mean and 95% CI of each metric, one row per scenario."""
    metrics = tuple(m for m in metrics if m in runs)
    rows = {}
    for name, group in runs.groupby("scenario", sort=False):
        rows[name] = {"n": len(group), **{label(m): _cell(group[m]) for m in metrics}}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("scenario")


def format_table(table: pd.DataFrame) -> str:
    """A table for the terminal: one metric per row, one scenario per column."""
    with pd.option_context("display.width", 250, "display.max_colwidth", 45):
        return table.T.to_string()
