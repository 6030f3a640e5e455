"""The pathways ("metro") map: each chosen policy's sequence of measures and the triggers
that move it between phases (Haasnoot et al. 2013's adaptive policy pathways).

One line per policy, one station per phase of the roadmap; at each station the measures
that start there, on each stretch between stations the gate that must open to go on
(how long the phase must last, how few border incidents a month, how much trust), and
under each line the trigger that steps it back (a severe incident while trust is low).
The policies shown are the named scenarios and, from the Pareto set, the one meeting the
thresholds in the most worlds and the one with the best mean rank over the objectives.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from sim.config.measures import MeasuresParams
from sim.config.overrides import configure
from sim.policy.params import PolicySettings

STATIONS = ("phase1", "phase2", "phase3")
LINE = 0.16
"""Height of a line of station text, in the map's data units (see :func:`pathways_figure`)."""


def chosen(pareto: pd.DataFrame, robustness: pd.DataFrame) -> list[str]:
    """The named scenarios, then the Pareto set's most satisficing and best-ranked policy."""
    named = list(pareto.loc[pareto["source"] == "named", "policy"])
    found = set(pareto.loc[pareto["source"] == "search", "policy"])
    picks = []
    table = robustness[robustness["policy"].isin(found)]
    satisficing = table[table["metric"] == "satisficing"]
    if not satisficing.empty:
        picks.append(str(satisficing.sort_values(["rank", "policy"]).iloc[0]["policy"]))
    means = table[table["metric"] == "mean"].groupby("policy")["rank"].mean()
    if not means.empty:
        picks.append(str(means.sort_values(kind="stable").index[0]))
    return [*named, *dict.fromkeys(p for p in picks if p not in named)]


def _stations(config) -> dict[str, list[str]]:
    """Measures by where they start: a phase, or a day (listed under ``dated``)."""
    stops: dict[str, list[str]] = {s: [] for s in (*STATIONS, "dated")}
    measures = config.measures
    for name in MeasuresParams.__dataclass_fields__:
        m = getattr(measures, name)
        if not hasattr(m, "start") or not m.enabled or m.intensity == 0:
            continue
        text = name.replace("_", " ")
        if m.intensity < 1:
            text += f" ({m.intensity:.0%})"
        if m.start in STATIONS:
            stops[m.start].append(text)
        else:
            stops["dated"].append(f"{text} (day {m.start})")
    return stops


def _gate(phases, k: int) -> str:
    if phases.mode == "scheduled":
        return f"on day {phases.schedule_days[k]}"
    return (
        f">= {phases.min_days[k]} days,\n<= {phases.max_incidents_per_month[k]:.3g} incidents/mo,\n"
        f"trust >= {phases.min_trust[k]:.2f}"
    )


def pathways_figure(cfg: PolicySettings, pareto: pd.DataFrame, keys: Sequence[str]) -> Figure:
    """The map of the policies ``keys`` (rows of ``pareto``)."""
    levers = [lever.name for lever in cfg.levers]
    rows = pareto.set_index("policy")
    plans = []
    for key in keys:
        row = rows.loc[key]
        scenario = key if row["source"] == "named" else cfg.scenario
        values = {} if row["source"] == "named" else {k: row[k] for k in levers}
        plans.append((key, row["source"], configure(scenario, {**cfg.overrides, **values})))
    # Heights in data units; the figure is sized so that one unit is 54 points, and a line
    # of 7-point text takes 0.16 units: each row is as tall as its longest station's list.
    heights = [1.9 + LINE * max(map(len, _stations(c).values())) for _, _, c in plans]
    fig, ax = plt.subplots(figsize=(13, 0.75 * (sum(heights) + 0.8)), layout="constrained")
    colours = plt.get_cmap("tab10").colors
    y = 0.0
    for i, ((key, source, config), height) in enumerate(zip(plans, heights, strict=True)):
        y -= height - 1.2
        colour = colours[i % 10]
        ax.plot([0, 2], [y, y], color=colour, lw=5, solid_capstyle="round", zorder=1)
        stops = _stations(config)
        for x, station in enumerate(STATIONS):
            ax.scatter([x], [y], s=260, color="white", edgecolor=colour, lw=3, zorder=2)
            ax.annotate(
                "\n".join(stops[station]) or "(nothing new)",
                (x, y),
                xytext=(0, 14),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=7,
            )
        for k in range(2):
            ax.annotate(
                _gate(config.phases, k),
                (k + 0.5, y),
                xytext=(0, -8),
                textcoords="offset points",
                ha="center",
                va="top",
                fontsize=6.5,
                color="0.25",
            )
        back = (
            f"back one phase (from 2 or 3) after a severe incident at trust < "
            f"{config.phases.relapse_trust:.2f}"
            if config.phases.relapse
            else "no relapse rule"
        )
        dated = f"; on a date: {', '.join(stops['dated'])}" if stops["dated"] else ""
        ax.annotate(
            f"{key} ({source}): {back}{dated}",
            (-0.35, y),
            xytext=(0, -40),
            textcoords="offset points",
            ha="left",
            va="top",
            fontsize=7.5,
            color=colour,
            fontweight="bold",
        )
        y -= 1.2
    ax.set_xticks(
        range(3),
        [
            "Phase 1\nconfidence building",
            "Phase 2\nsecurity integration",
            "Phase 3\nlong-term cooperation",
        ],
    )
    ax.xaxis.tick_top()
    ax.set_yticks([])
    ax.set_xlim(-0.4, 2.4)
    ax.set_ylim(y, 0.8)
    for side in ("left", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_title(
        "Pathways: the measures that start at each phase (above the stations) and the gate "
        "that opens the next phase (below the line)",
        fontsize=9,
    )
    return fig
