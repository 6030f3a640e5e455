"""What runs show and do not show, in words: paired differences as sentences, and caveats."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from sim.analysis.labels import label
from sim.analysis.stats import disagreement, format_p, numbers, percent
from sim.config.params import Config
from sim.report.effects import phase3_note

DEFAULTS = {f.name: f.default for f in dataclasses.fields(Config)}
FEW_REPLICATIONS = 10
"""Below this many runs a bootstrap percentile interval covers the mean clearly less than 95%."""


def difference_sentence(row: pd.Series, names: dict[str, str]) -> str:
    """One paired difference in words, saying whether its interval excludes 0 (and how far
    that can be trusted with few pairs)."""
    mean, low, high = row["mean"], row["low"], row["high"]
    who = f"{names[row['scenario']]}: {label(row['metric']).lower()}"
    base, pairs = names[row["baseline"]], f"{row['n']} paired runs"
    if low == high == 0:
        return f"{who} the same as {base} in every one of {pairs}: no difference in these runs."
    clear = low > 0 or high < 0
    verdict = (
        "the interval excludes 0"
        if clear
        else "the interval includes 0, so these runs do not show a difference"
    )
    if clear and row["n"] < FEW_REPLICATIONS:
        verdict += f", but an interval from {row['n']} pairs is not reliable"
    direction = "lower" if mean < 0 else "higher"
    size, lo, hi = numbers(abs(mean), low, high)
    pct = row.get("pct", np.nan)
    share = f" ({percent(abs(pct))} of its mean)" if pd.notna(pct) else ""
    text = (
        f"{who} {size} {direction} than {base}{share} over {pairs} "
        f"(95% CI {lo} to {hi}, {format_p(row['p_value'])}); {verdict}."
    )
    if disagreement(low, high, row["p_value"], int(row["n"])):
        text += (
            " The bootstrap interval and the t-test disagree here: they are different "
            "procedures, which can disagree near the boundary (see 'How reliably')."
        )
    return text


def caveats(runs: pd.DataFrame, by: str, days: int | None) -> list[str]:
    """What any set of replications cannot show, made specific by its size and horizon."""
    notes = [
        "The intervals cover chance: the variation between replications of this model with these "
        "parameter values. They do not cover uncertainty about the parameters or about the "
        "model's mechanisms, and no number here is a forecast for a real border.",
        "The headline counts everything the model's actors do at the border, not what an event "
        "dataset would record of them (for that, see recorded_events_per_month). Border "
        "incidents, the phase gates' count, add interdictions to attacks and state-on-state "
        "incidents, so better detection raises them: read them with the headline, not alone.",
        "Spend is what the model's ledger books at its unit prices (orders of magnitude, "
        "sim/config/costs.py); an item shows no spend where its assets do not charge it, so "
        "an effect per M$ compares scenarios priced alike, not real budgets.",
    ]
    n = int(runs.groupby(by).size().min())
    if n < FEW_REPLICATIONS:
        notes.append(
            f"Only {n} replication(s) per variant: intervals are wide where they can be computed, "
            f"and bootstrap percentile intervals from fewer than {FEW_REPLICATIONS} runs are too "
            f"narrow (they cover the mean less often than 95%). Default: "
            f"{DEFAULTS['replications']}."
        )
    elif n < DEFAULTS["replications"]:
        notes.append(
            f"{n} replications per variant, fewer than the default of 20: read the "
            "intervals as rough."
        )
    if days is not None and days < DEFAULTS["days"]:
        notes.append(
            f"The horizon is {days} days, shorter than the default {DEFAULTS['days']} (three "
            "years): later phases, relapses and slow measures (projects, ties) may not show."
        )
    phase3 = phase3_note(runs, by)
    if phase3:
        notes.append(phase3)
    return notes


def difference_caveats(diffs: pd.DataFrame) -> list[str]:
    if diffs.empty:
        return ["No paired differences: a single variant has nothing to be compared with."]
    metric = label(diffs["metric"].iloc[0])
    open_ = int(((diffs["low"] <= 0) & (diffs["high"] >= 0)).sum())
    notes = [
        f"Paired differences are computed for the five headline metrics and for {metric}; the "
        "other outcomes are compared only through their separate intervals, which are wider "
        "than paired ones."
    ]
    if open_:
        notes.append(
            f"For {open_} of {len(diffs)} variant(s) the interval of the difference includes 0: "
            "these runs cannot say whether they differ from the baseline."
        )
    if len(diffs) > 1:
        notes.append(
            f"Each interval and p-value is for one comparison; with {len(diffs)} comparisons some "
            "will look different by chance (no correction for multiple comparisons)."
        )
    return notes
