"""The report's first sections: the headline, five metrics side by side, and what it cost.

The first thing a report shows is the five headline metrics per month with
their intervals (hostile attempts, successful attacks, interdictions,
state-on-state incidents, casualties; defined in :mod:`sim.runs.tables`) and the
roadmap's spend, as a table and a figure; for a sweep or comparison, each
variant's paired difference from the reference in each of them, and its change
per M$ of roadmap spending (:mod:`sim.analysis.headline`). Then the spend by
item.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from sim.analysis.headline import SHORT, SPEND, per_cost_text, with_headline
from sim.analysis.labels import HEADLINE_METRICS, label
from sim.analysis.stats import format_p, interval, interval_column
from sim.model.budget import ITEMS
from sim.report.html import figure, paragraph, section, table
from sim.runs.terminal import summary_table

HEADLINE_FIGURES = ("headline", "incidents")
"""The figure shown in the headline section: a sweep's means, else a run's months."""
SPEND_FIGURE = "spend"
DEFINITIONS = (
    "Per month over the whole run, mean [95% bootstrap CI] across replications. Hostile "
    "attempts: every crossing with hostile intent, stopped or not (armed infiltrations, "
    "whether they got through or were interdicted, and arms shipments for the armed "
    "groups, delivered or seized): better detection does not raise it. Successful attacks: "
    "infiltrations that got through (interdictions are not among them). Interdictions: "
    "infiltrations stopped at the line. State-on-state: clashes between the two states' "
    "forces and ceasefire violations. Casualties: victims of attacks, clashes and "
    "violations. Roadmap spend: money both governments spent on the roadmap's measures "
    "over the run (k$; regular patrols not included)."
)


def headline_figure_path(folder: Path) -> Path | None:
    """The figure the headline section shows, if it was written."""
    for stem in HEADLINE_FIGURES:
        path = folder / "figures" / f"{stem}.png"
        if path.is_file():
            return path
    return None


def spend_figure_path(folder: Path) -> Path | None:
    path = folder / "figures" / f"{SPEND_FIGURE}.png"
    return path if path.is_file() else None


def headline_table(runs: pd.DataFrame, names: dict[str, str] | None = None) -> pd.DataFrame:
    """Per scenario: runs, the five metrics and the roadmap spend, mean [95% CI]."""
    shown = summary_table(with_headline(runs), (*HEADLINE_METRICS, SPEND))
    return shown.rename(index=names or {}).rename_axis("variant")


def headline_sentence(rows: pd.DataFrame, names: dict[str, str]) -> str:
    """One variant's five paired differences from the reference in words, with its spend."""
    first = rows.iloc[0]
    who, base = names.get(first["scenario"], first["scenario"]), names.get(first["baseline"])
    parts = [
        f"{SHORT[r['metric']]} {interval(r['mean'], r['low'], r['high'], sep=' to ')}"
        for _, r in rows.iterrows()
    ]
    spend = interval(
        first["spend_difference"] / 1000,
        first["spend_low"] / 1000,
        first["spend_high"] / 1000,
        sep=" to ",
    )
    return (
        f"{who} minus {base}, per month over {first['n']} paired runs (95% CI): "
        + "; ".join(parts)
        + f". Roadmap spend: {spend} M$ over the run."
    )


def differences_table(diffs: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """The headline differences, one row per variant and metric, with the change per M$
    (and why it is not given, where it is not)."""
    shown = pd.DataFrame(
        {
            "variant": diffs["scenario"].map(lambda s: names.get(s, s)),
            "metric (per month)": diffs["metric"].map(SHORT),
            "variant mean": diffs["scenario_mean"],
            "difference [95% CI]": interval_column(diffs["mean"], diffs["low"], diffs["high"]),
            "p": diffs["p_value"].map(format_p),
            "roadmap spend difference, M$ [95% CI]": interval_column(
                diffs["spend_difference"] / 1000,
                diffs["spend_low"] / 1000,
                diffs["spend_high"] / 1000,
            ),
            "change per M$ [95% CI]": diffs.apply(per_cost_text, axis=1),
        }
    )
    if diffs["per_musd_note"].astype(bool).any():
        shown["change per M$: why not given"] = diffs["per_musd_note"].replace("", "-")
    return shown


DIFFERENCES_NOTE = (
    "Difference: variant minus reference over runs with the same seed (bootstrap 95% CI; "
    "p: paired t-test). Change per M$: the mean difference in the metric over the mean "
    "difference in roadmap spend, both per month, which is events over the run per M$ more "
    "spent (negative: fewer as spending rises); 95% Fieller interval for a ratio of paired "
    "means, unbounded when the spend difference's own interval includes 0, not defined when "
    "the spend differs by less than 1 k$ over the run. Costs are the ledger's unit prices "
    "(orders of magnitude, sim/config/costs.py)."
)


def headline_html(
    folder: Path,
    runs: pd.DataFrame,
    names: dict[str, str],
    caption: Callable[[str], str],
    diffs: pd.DataFrame,
) -> str:
    """The headline section: the table of the five metrics and spend, its figure (with
    ``caption(stem)``), and (a sweep) the paired differences with the change per M$."""
    parts = [table(headline_table(runs, names), DEFINITIONS)]
    path = headline_figure_path(folder)
    if path is not None:
        parts.append(figure(path, caption(path.stem)))
    if not diffs.empty:
        base = names.get(diffs["baseline"].iloc[0], diffs["baseline"].iloc[0])
        parts += [
            paragraph(f"Paired differences from {base}, and the change per M$ of roadmap spend:"),
            table(differences_table(diffs, names), DIFFERENCES_NOTE),
        ]
    return section("The headline: five metrics side by side", "headline", *parts)


def spend_html(
    folder: Path, runs: pd.DataFrame, names: dict[str, str], caption: Callable[[str], str]
) -> str:
    """Mean spend by item per variant (M$ over the run, both governments), and the
    stacked bars of a sweep."""
    columns = [f"spend_{item}" for item in ITEMS if f"spend_{item}" in runs]
    if not columns:
        return section(
            "Spend",
            "spend",
            paragraph("These runs record no spend (tables written before the ledger)."),
        )
    means = runs.groupby("scenario", sort=False)[[*columns, "spend_total"]].mean() / 1000
    means = means.loc[:, (means != 0).any()]  # items nothing was spent on: named below
    idle = [c.removeprefix("spend_") for c in columns if c not in means]
    means.index = [names.get(s, s) for s in means.index]
    shown = means.rename(columns=lambda c: c.removeprefix("spend_").replace("_", " "))
    note = (
        "Mean over replications, M$ over the run, both governments; 'patrol units' are the "
        "regular forces, the rest the roadmap's measures."
        + (f" Nothing spent on: {', '.join(i.replace('_', ' ') for i in idle)}." if idle else "")
    )
    parts = [table(shown.rename_axis("variant").map(lambda v: round(float(v), 3)), note)]
    path = spend_figure_path(folder)
    if path is not None:
        parts.append(figure(path, caption(path.stem)))
    return section("Spend by item", "spend", *parts)


def shows_headline(runs: pd.DataFrame) -> list[str]:
    """A single run's five metrics and spend in words (mean and 95% CI over its runs)."""
    shown = headline_table(runs)
    row = shown.iloc[0]
    return [
        f"{label(m)}: {row[label(m)]} (mean [95% CI] over {int(row['n'])} replications)."
        for m in (*HEADLINE_METRICS, SPEND)
        if label(m) in shown and isinstance(row[label(m)], str)
    ]
