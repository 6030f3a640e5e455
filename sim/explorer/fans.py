"""A look-ahead as an analyst reads it: fan charts of each line, and a paired comparison.

Fans (:func:`fan_png`): for each line, the median and the middle 50% and 90% of its
replications of border incidents per month by type, casualties per month and the
governments' mean trust by day, from the day the look-ahead starts. The table
(:func:`comparison`): each line's chance of a relapse and of being in phase 3 by the
end (Wilson 95% intervals: 20 runs pin a share only to about ±20 points), and its
border incidents and casualties over the window against the current line's, pair by
pair (the same futures), with a bootstrap interval of the mean difference and the
number of futures in which it does better.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.analysis.stats import paired_difference, wilson
from sim.explorer.branches import Outlook, fan
from sim.model.incidents import DAYS_PER_MONTH

COLORS = ("#1f4e79", "#c0392b", "#1e8449", "#7d3c98", "#b9770e")
"""One colour per line, the current line first."""
WIDTH_IN, HEIGHT_IN, DPI = 9.2, 6.6, 100
TOTALS = ("border_incidents", "casualties")
TYPE_TITLES = ("attacks", "interdictions", "clashes", "ceasefire violations")
"""Of :data:`BORDER_INCIDENT_TYPES`, in their order."""


def totals(out: Outlook) -> dict[str, np.ndarray]:
    """Each replication's border incidents and casualties over the window."""
    return {"border_incidents": out.incidents.sum(axis=(1, 2)), "casualties": out.casualties.sum(1)}


def comparison(outlooks: Mapping[str, Outlook], current: str) -> list[dict]:
    """One row per line: shares ``(share, low, high)``, mean totals and, for the other
    lines, the paired difference from the current line ``(mean, low, high, better, n)``."""
    ref = totals(outlooks[current])
    rows = []
    for name, out in outlooks.items():
        n = out.replications
        row: dict = {"line": name, "replications": n}
        row |= {key: wilson(int(getattr(out, key).sum()), n) for key in ("relapse", "phase3")}
        mine = totals(out)
        for key in TOTALS:
            row[key] = float(mine[key].mean())
            if name != current:
                d = paired_difference(mine[key], ref[key], n_boot=2000)
                row[f"{key}_vs_current"] = (d.mean, d.low, d.high, d.wins, d.n)
        rows.append(row)
    return rows


def describe(rows: list[dict], current: str) -> list[str]:
    """The comparison as lines of text (the page shows them under the fans)."""
    out = []
    for row in rows:
        share = ", ".join(
            f"{label} {row[key][0]:.0%} [{row[key][1]:.0%}, {row[key][2]:.0%}]"
            for key, label in (("relapse", "relapse"), ("phase3", "in phase 3 at the end"))
        )
        text = f"{row['line']}: {share}"
        for key, label in (("border_incidents", "border incidents"), ("casualties", "casualties")):
            paired = row.get(f"{key}_vs_current")
            if paired is None:
                text += f"; {label} {row[key]:.1f}"
            else:
                mean, low, high, wins, n = paired
                text += (
                    f"; {label} {row[key]:.1f} ({mean:+.1f} [{low:+.1f}, {high:+.1f}] vs "
                    f"{current}, fewer in {wins} of {n} futures)"
                )
        out.append(text)
    return out


def fan_png(outlooks: Mapping[str, Outlook], current: str) -> bytes:
    """The fan charts of every line (current first), as one PNG."""
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(2, 3, sharex=True).ravel()
    first = next(iter(outlooks.values()))
    start, days = first.start, first.days
    months = first.casualties.shape[1]
    ends = start + np.minimum(np.arange(months + 1) * DAYS_PER_MONTH, days)

    def cumulative(monthly: np.ndarray) -> np.ndarray:  # from 0 on the first day ahead
        return np.hstack([np.zeros((len(monthly), 1)), np.cumsum(monthly, axis=1)])

    panels = [
        (f"{label} since day {start}", lambda o, i=i: cumulative(o.incidents[:, i]), ends)
        for i, label in enumerate(TYPE_TITLES)
    ]
    panels.append((f"casualties since day {start}", lambda o: cumulative(o.casualties), ends))
    panels.append(("trust (0-1, mean of both)", lambda o: o.trust, start + np.arange(days)))
    order = [current, *(name for name in outlooks if name != current)]
    for ax, (title, values, x) in zip(axes, panels, strict=True):
        for k, name in enumerate(order):
            color = COLORS[k % len(COLORS)]
            q = fan(values(outlooks[name]))
            ax.fill_between(x, q[0], q[4], color=color, alpha=0.08, linewidth=0)
            ax.fill_between(x, q[1], q[3], color=color, alpha=0.2, linewidth=0)
            ax.plot(x, q[0], x, q[4], color=color, linewidth=0.6, linestyle="--")
            ax.plot(x, q[2], color=color, linewidth=1.8)
        ax.set_title(title.capitalize(), fontsize=10)
        ax.axvline(start, color="0.3", linestyle=":", linewidth=1)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
    for ax in axes[3:]:
        ax.set_xlabel("day of the run", fontsize=9)
    for ax in axes[:5]:
        ax.set_ylim(bottom=0)
        ax.set_ylabel(
            "events, cumulative" if ax is not axes[4] else "people, cumulative", fontsize=9
        )
    axes[5].set_ylim(0, 1)
    handles = [
        Line2D([], [], color=COLORS[k % len(COLORS)], linewidth=2) for k in range(len(order))
    ]
    labels = [f"{name}{' (current)' if name == current else ''}" for name in order]
    handles += [Patch(color="0.5", alpha=0.3), Line2D([], [], color="0.5", linestyle="--")]
    labels += ["middle 50% of futures", "middle 90% of futures (bounds)"]
    handles.append(Line2D([], [], color="0.3", linestyle=":"))
    labels.append(f"day {start}: look-ahead starts")
    fig.legend(handles, labels, loc="outside lower center", ncol=4, fontsize=8, frameon=False)
    fig.suptitle(
        f"{first.replications} paired futures per line, {days} days from day {start} "
        "(solid: median)",
        fontsize=10,
    )
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
