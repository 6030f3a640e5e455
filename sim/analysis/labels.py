"""Names of variants and outcomes as tables and figures show them.

A variant's full name (scenario plus the overrides that vary) can be 70
characters long in a grid sweep. Every table and figure shows it the same way:
the name with what all variants share left out when that is short, otherwise
``V1``, ``V2``, ... in the order of the variants, with a key that gives the full
names. ``variant_labels`` decides once; every output then uses that mapping, so
``V7`` is the same variant in the terminal, the report and every figure.
"""

from __future__ import annotations

import textwrap

LABEL_WIDTH = 24
"""Variant names longer than this (after dropping what all share) become V1, V2, ..."""

HEADLINE_METRICS = (
    "hostile_attempts_per_month",
    "attacks_per_month",
    "interdictions_per_month",
    "state_incidents_per_month",
    "casualties_per_month",
)
"""The headline, five metrics always shown side by side (defined in ``sim.runs.tables``)."""
HEADLINE_UNITS = {
    "hostile_attempts_per_month": "attempts per month",
    "attacks_per_month": "attacks per month",
    "interdictions_per_month": "interdictions per month",
    "state_incidents_per_month": "incidents per month",
    "casualties_per_month": "victims per month",
}
"""Each headline metric's unit, for the value axis of its panel."""
HEADLINE_TITLES = {
    "hostile_attempts_per_month": "Hostile attempts (infiltrations and arms shipments, "
    "stopped or not)",
    "attacks_per_month": "Successful attacks (infiltrations that got through)",
    "interdictions_per_month": "Interdictions (infiltrations stopped)",
    "state_incidents_per_month": "State-on-state incidents (clashes and ceasefire violations)",
    "casualties_per_month": "Casualties (victims of attacks, clashes and violations)",
}
"""Each headline metric's panel title: what it counts."""
METRIC_LABELS = {
    "hostile_attempts_per_month": "Hostile attempts per month",
    "attacks_per_month": "Successful attacks per month",
    "interdictions_per_month": "Interdictions per month",
    "state_incidents_per_month": "State-on-state incidents per month",
    "casualties_per_month": "Casualties per month",
    "spend_roadmap": "Roadmap spend over the run (k$)",
    "spend_total": "Total spend over the run (k$)",
    "border_incidents_per_month": "Border incidents per month (the phase gates' count)",
    "final_monthly_incidents": "Border incidents per month, last 6 months",
    "detection_rate": "Detection rate (share of hostile attempts)",
    "final_trust": "Final trust (0-1)",
    "phase3_day": "Day phase 3 reached",
    "relapses": "Relapses per run",
    "border_incidents": "Border incidents over the horizon",
    "hostile_attempts": "Hostile attempts over the horizon",
    "state_incidents": "State-on-state incidents over the horizon",
    "casualties": "Victims of attacks, clashes and violations over the horizon",
    "background": "Background violence events (no actor's: sim.model.background)",
    "reduction_vs_start": "Reduction vs pre-agreement rate",
}
SUMMARY_METRICS = (
    *HEADLINE_METRICS,
    "spend_roadmap",
    "border_incidents_per_month",
    "detection_rate",
    "final_trust",
    "phase3_day",
    "relapses",
)
"""The outcomes of the summary table, in their order: the headline first, then its cost."""
OTHER_OUTCOMES = (
    "border_incidents_per_month",
    "final_monthly_incidents",
    "detection_rate",
    "final_trust",
    "phase3_day",
    "relapses",
)
"""The outcomes figure's: what the headline figure does not show."""
HIGHER_IS_BETTER = frozenset({"detection_rate", "final_trust", "reduction_vs_start"})
"""Outcomes where a variant 'beats' the baseline by being higher; for all others, lower."""


def label(metric: str) -> str:
    return METRIC_LABELS.get(metric, metric.replace("_", " "))


def better(metric: str) -> str:
    """'higher' or 'lower': which direction of ``metric`` counts as beating the baseline."""
    return "higher" if metric in HIGHER_IS_BETTER else "lower"


def compact_labels(names: list[str]) -> dict[str, str]:
    """Short names for variants: drop what all share; if one key varies, keep its values.

    ``["roadmap ablation=none", "roadmap ablation=without_hotline"]`` ->
    ``none``, ``without_hotline``.
    """
    tokens = [name.split() for name in names]
    common = set.intersection(*(set(t) for t in tokens)) if tokens else set()
    kept = [[t for t in ts if t not in common] for ts in tokens]
    keys = {t.split("=", 1)[0] for ts in kept for t in ts if "=" in t}
    if len(keys) == 1 and all(len(ts) == 1 and "=" in ts[0] for ts in kept):
        kept = [[ts[0].split("=", 1)[1]] for ts in kept]
    return {n: " ".join(k) or n for n, k in zip(names, kept, strict=True)}


def variant_labels(names: list[str], width: int = LABEL_WIDTH) -> dict[str, str]:
    """One label per variant: its compact name when every one fits in ``width`` and they
    are distinct, else ``V1``, ``V2``, ... in the order given (see ``needs_key``)."""
    names = [str(n) for n in dict.fromkeys(names)]
    short = compact_labels(names)
    values = list(short.values())
    if values and max(map(len, values)) <= width and len(set(values)) == len(values):
        return short
    return {n: f"V{i + 1}" for i, n in enumerate(names)}


def needs_key(labels: dict[str, str]) -> bool:
    """Whether the labels differ from the names, so a key to the full names must be shown."""
    return any(k != v for k, v in labels.items())


def key_lines(labels: dict[str, str], width: int = 100) -> list[str]:
    """``V1: full name`` lines (wrapped at ``width``), for the labels that are not the name."""
    lines = []
    for name, short in labels.items():
        if short != name:
            lines += textwrap.wrap(f"{short}: {name}", width, subsequent_indent="    ")
    return lines


def wrap(text: str, width: int) -> str:
    """``text`` broken into lines of at most ``width`` characters (for titles and axes)."""
    return "\n".join(textwrap.wrap(text, width)) or text
