"""Figures of a policy search: convergence, the Pareto set in parallel coordinates with the
named scenarios marked, and each policy's regret across the worlds."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.labels import label
from sim.policy.params import ObjectiveParams, PolicySettings
from sim.runs.files import save_figure


def objective_label(o: ObjectiveParams, per_world: bool = False) -> str:
    """An objective's axis label: what it measures (over the worlds, or ``per_world``) and
    which way is better."""
    what = label(o.column)
    if o.statistic == "share_positive":
        what = f"{what} > 0 (1: yes)" if per_world else f"Share of worlds with {what.lower()} > 0"
    elif o.column.endswith("_day"):
        what = f"{what} (never: horizon)"
    return f"{o.name}\n{what}\n({'lower' if o.sense == 'min' else 'higher'} is better)"


def convergence_figure(generations: pd.DataFrame) -> Figure:
    """Hypervolume and epsilon progress per generation."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
    left.plot(generations["generation"], generations["hypervolume"], marker="o")
    left.set(
        xlabel="Generation",
        ylabel="Hypervolume of the search's result\n(objectives normalised to [0, 1])",
        title="Hypervolume",
    )
    right.step(generations["generation"], generations["epsilon_progress"], where="post", marker="o")
    right.set(
        xlabel="Generation",
        ylabel="Epsilon progress (cumulative improvements\nof the epsilon-box archive)",
        title="Epsilon progress",
    )
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.set_xlim(left=0.5)
    return fig


def parallel_figure(cfg: PolicySettings, pareto: pd.DataFrame) -> Figure:
    """The Pareto set (grey lines) and the named scenarios (coloured, labelled) across the
    levers and the objectives, each axis scaled to its range (labels at both ends)."""
    levers = [lever.name for lever in cfg.levers]
    objectives = [o.name for o in cfg.objectives]
    axes_names = [*levers, *objectives]
    table = pareto.copy()
    ticks = {}
    for name in axes_names:
        column = table[name]
        if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            lever = next(le for le in cfg.levers if le.name == name)
            order = {
                str(v): i for i, v in enumerate(lever.choices or sorted(set(map(str, column))))
            }
            table[name] = column.map(lambda v, order=order: order.get(str(v), np.nan))
            ticks[name] = (str(next(iter(order))), str(list(order)[-1]))
            low, high = 0.0, max(len(order) - 1, 1)
        else:
            low, high = float(column.min()), float(column.max())
            ticks[name] = (_tick(low), _tick(high))
        table[name] = (table[name].astype(float) - low) / ((high - low) or 1.0)
    x = np.arange(len(axes_names))
    fig, ax = plt.subplots(figsize=(max(8, 1.3 * len(axes_names)), 5.2), layout="constrained")
    found = table[table["source"] == "search"]
    for i, row in enumerate(found[axes_names].to_numpy(dtype=float)):
        ax.plot(x, row, color="0.6", alpha=0.6, lw=1, label="Pareto set" if i == 0 else None)
    colours = plt.get_cmap("tab10").colors
    styles = ("-", "--", ":", "-.")
    for i, (_, row) in enumerate(table[table["source"] == "named"].iterrows()):
        ax.plot(  # styles and widths keep a named line visible where it lies on another
            x,
            row[axes_names].to_numpy(dtype=float),
            color=colours[i % 10],
            ls=styles[i % len(styles)],
            lw=3.5 - 0.6 * (i % 4),
            label=row["policy"],
        )
    for xi, name in zip(x, axes_names, strict=True):
        ax.axvline(xi, color="black", lw=0.8)
        ax.annotate(ticks[name][0], (xi, -0.04), ha="center", va="top", fontsize=7)
        ax.annotate(ticks[name][1], (xi, 1.04), ha="center", va="bottom", fontsize=7)
    ax.axvspan(len(levers) - 0.5, len(axes_names) - 0.5, color="tab:blue", alpha=0.05)
    names = [re.sub(r"\.(\d+)$", r"[\1]", n.removeprefix("measures.")) for n in axes_names]
    ax.set_xticks(x, [n.replace(".", "\n") for n in names], fontsize=7)
    ax.set_yticks([])
    ax.set_ylim(-0.12, 1.12)
    ax.set_ylabel("Each axis scaled to its range (lowest at the bottom)")
    ax.set_title(
        "Policies of the Pareto set and the named scenarios: levers (white), objectives (shaded)"
    )
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=4, fontsize=8, frameon=False)
    return fig


def _tick(value: float) -> str:
    """An axis end's value: whole thousands with separators, else three significant digits."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def regret_figure(
    cfg: PolicySettings, runs: dict[str, pd.DataFrame], pareto: pd.DataFrame
) -> Figure:
    """Per objective, the distribution over the worlds of each policy's regret (its value
    minus the best any compared policy reaches in that world; 0 = best there)."""
    from sim.policy.robustness import costs

    keys = list(pareto["policy"])
    named = set(pareto.loc[pareto["source"] == "named", "policy"])
    n = len(cfg.objectives)
    fig, axes = plt.subplots(
        n,
        1,
        figsize=(max(8, 0.45 * len(keys) + 3), 2.2 * n + 1.5),
        layout="constrained",
        squeeze=False,
        sharex=True,
    )
    for ax, o in zip(axes[:, 0], cfg.objectives, strict=True):
        _, regret = costs(runs, keys, o)
        box = ax.boxplot(list(regret), patch_artist=True, widths=0.6)
        for patch, key in zip(box["boxes"], keys, strict=True):
            patch.set_facecolor("tab:orange" if key in named else "0.85")
        ax.set_ylabel(objective_label(o, per_world=True).replace("\n(", "\n(regret; "), fontsize=7)
        ax.grid(axis="y", alpha=0.3)
    axes[-1, 0].set_xticks(np.arange(1, len(keys) + 1), keys, rotation=60, ha="right", fontsize=7)
    fig.suptitle(
        "Regret in each world: a policy's value minus the best any compared policy reaches "
        "there (0: best)\nPareto set grey, named scenarios orange; boxes span the middle "
        "half of the worlds, whiskers 1.5 times that",
        fontsize=9,
    )
    axes[-1, 0].set_xlabel("Policy (Pareto set, then the named scenarios)")
    return fig


def draw_figures(cfg: PolicySettings, out: Path, runs: dict[str, pd.DataFrame]) -> list[Path]:
    """Write the search's figures to ``figures/`` beside its tables."""
    from sim.policy.pathways import chosen, pathways_figure

    pareto = pd.read_parquet(out / "pareto.parquet")
    generations = pd.read_parquet(out / "generations.parquet")
    robustness = pd.read_parquet(out / "robustness.parquet")
    paths = []
    for name, draw in (
        ("convergence.png", lambda: convergence_figure(generations)),
        ("parallel_coordinates.png", lambda: parallel_figure(cfg, pareto)),
        ("regret.png", lambda: regret_figure(cfg, runs, pareto)),
        ("pathways.png", lambda: pathways_figure(cfg, pareto, chosen(pareto, robustness))),
    ):
        fig = draw()
        paths.append(save_figure(fig, out / FIGURES / name))
        plt.close(fig)
    return paths


FIGURES = "figures"
