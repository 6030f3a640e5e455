"""Summary tables for the terminal: means with CIs per variant, fitted to 100 columns; and
the one-line refusal of a bad command-line flag."""

from __future__ import annotations

import argparse
import sys
import textwrap

import numpy as np
import pandas as pd

from sim.analysis.labels import (
    LABEL_WIDTH,
    SUMMARY_METRICS,
    key_lines,
    label,
    needs_key,
    variant_labels,
)
from sim.analysis.stats import format_p, interval, interval_column, mean_ci, percent

WIDTH = 100
"""Terminal tables fit this many columns."""


class OneLineParser(argparse.ArgumentParser):
    """argparse, refusing a bad flag as every command refuses bad input: one line, exit 2."""

    def error(self, message: str) -> None:  # not argparse's usage block and second line
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)


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
    text = interval(m, lo, hi)  # one number of decimals for the mean and its interval
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
    labels = variant_labels(names, LABEL_WIDTH)
    table = table.set_axis([labels[n] for n in names])
    legend = "\n".join(f"  {labels[n]}: {n}" for n in names) if needs_key(labels) else ""
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


def aggregation_text(
    table: pd.DataFrame, diffs: pd.DataFrame, timing: pd.DataFrame, labels: dict[str, str]
) -> str:
    """What a sweep or comparison prints: the summary table, then the paired differences
    with the same short labels (the key is given once, under the summary)."""
    text = format_table(table)
    if diffs.empty:
        return text
    base = diffs["baseline"].iloc[0]
    head = f"Paired difference from {labels.get(base, base)} ({diffs['metric'].iloc[0]}):"
    return f"{text}\n\n{head}\n{difference_text(diffs, labels, timing, key=False)}"


def difference_text(
    diffs: pd.DataFrame,
    labels: dict[str, str] | None = None,
    timing: pd.DataFrame | None = None,
    key: bool = True,
) -> str:
    """The paired differences as a narrow table, variants by the same labels as the summary
    (V1, V2, ... with a key when names are long: never cut into look-alike rows)."""
    baseline = str(diffs["baseline"].iloc[0])
    labels = labels or variant_labels([baseline, *diffs["scenario"]], LABEL_WIDTH)
    since = (
        timing.set_index("scenario")["interval_below_from"]
        if timing is not None and not timing.empty
        else None
    )
    rows = pd.DataFrame(
        {
            "variant": diffs["scenario"].map(lambda s: labels.get(s, s)),
            "difference [95% CI]": interval_column(diffs["mean"], diffs["low"], diffs["high"]),
            "% of baseline": diffs.get("pct", pd.Series(np.nan, index=diffs.index)).map(percent),
            "d_z": diffs["effect_size"].map(lambda v: f"{v:.2f}" if np.isfinite(v) else "n/a"),
            "p": diffs["p_value"].map(format_p),
        }
    )
    if since is not None and not since.empty:
        rows["below 0 from"] = [
            _month(since.get(s)) if s in since.index else "n/a" for s in diffs["scenario"]
        ]
    notes = [
        "d_z: mean paired difference / SD of the differences (Cohen's d_z); p: paired t-test",
    ]
    if since is not None and not since.empty:
        notes.append(
            "below 0 from: month (from 0) from which the monthly difference's 95% CI stays below 0"
        )
    used = {n: v for n, v in labels.items() if n in {baseline, *diffs["scenario"]}}
    lines = key_lines(used, WIDTH - 2)
    if lines and key:
        notes += ["Variants:", *(f"  {line}" for line in lines)]
    elif lines:
        notes.append("Variants: V1, V2, ... as in the table above")
    return rows.to_string(index=False) + "\n" + "\n".join(notes)


def _month(value: float | None) -> str:
    return "never" if value is None or not np.isfinite(value) else f"month {int(value)}"
