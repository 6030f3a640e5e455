"""Summary tables for the terminal: means with CIs per variant, fitted to 100 columns."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from sim.analysis.plots import compact_labels, label
from sim.analysis.stats import mean_ci

WIDTH = 100
"""Terminal tables fit this many columns."""
LABEL_WIDTH = 24
"""Variant names longer than this are shown as V1, V2, ... with a legend."""
SUMMARY_METRICS = (
    "border_incidents_per_month",
    "final_monthly_incidents",
    "detection_rate",
    "final_trust",
    "phase3_day",
    "relapses",
)


def number(v: float) -> str:
    """A number as a reader wants it: no exponent, integers as integers, 3 significant digits."""
    if not np.isfinite(v):
        return "n/a"
    if float(v).is_integer() or abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.3g}" if abs(v) >= 0.001 else f"{v:.1e}"


def _cell(values: pd.Series) -> str:
    m, lo, hi = mean_ci(values)
    if pd.isna(m):
        return "never"
    reached = values.notna().mean()
    text = f"{number(m)} [{number(lo)}, {number(hi)}]" if pd.notna(lo) else number(m)
    return text if reached == 1 else f"{text} ({reached:.0%} of runs)"


def summary_table(runs: pd.DataFrame, metrics: tuple[str, ...] = SUMMARY_METRICS) -> pd.DataFrame:
    """Mean and 95% CI of each metric, one row per scenario."""
    metrics = tuple(m for m in metrics if m in runs)
    rows = {}
    for name, group in runs.groupby("scenario", sort=False):
        rows[name] = {"n": len(group), **{label(m): _cell(group[m]) for m in metrics}}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("scenario")


def format_table(table: pd.DataFrame, width: int = WIDTH) -> str:
    """A table for the terminal: one metric per row, one variant per column, at most ``width``.

    Long variant names are replaced by short labels (V1, V2, ... in grid
    order) with a legend below; columns that do not fit go into further blocks.
    """
    names = [str(n) for n in table.index]
    short = compact_labels(names)
    legend = ""
    if max(map(len, short.values())) <= LABEL_WIDTH:
        table = table.set_axis([short[n] for n in names])
        if any(short[n] != n for n in names):
            legend = "\n".join(f"  {short[n]}: {n}" for n in names)
    else:
        short = [f"V{i + 1}" for i in range(len(names))]
        legend = "\n".join(f"  {s}: {n}" for s, n in zip(short, names, strict=True))
        table = table.set_axis(short)
    t = table.T
    stub = max(len(str(i)) for i in t.index) + 2
    blocks, current, used = [], [], stub
    for col in t.columns:
        w = max(len(str(col)), *(len(str(v)) for v in t[col])) + 2
        if current and used + w > width:
            blocks.append(current)
            current, used = [], stub
        current.append(col)
        used += w
    blocks.append(current)
    text = "\n\n".join(t[b].to_string() for b in blocks)
    if not legend:
        return text
    wrapped = [textwrap.fill(ln, width, subsequent_indent=" " * 6) for ln in legend.splitlines()]
    return text + "\n\nVariants:\n" + "\n".join(wrapped)
