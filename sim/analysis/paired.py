"""Paired comparisons of variants with a baseline: overall, by incident type, month by month.

Replication i of every variant runs with the same seed (common random
numbers), so each variant is compared with the baseline pair by pair, matched
on the seed: a pair's difference removes the chance both runs share.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.labels import better
from sim.analysis.stats import band, paired_difference
from sim.model.incidents import BORDER_INCIDENT_TYPES, DAYS_PER_MONTH

HEADLINE = "border_incidents"
TYPES = {
    HEADLINE: "Border incidents (all four types)",
    "attack": "Attacks that got through",
    "interdiction": "Interdictions (infiltrations stopped)",
    "clash": "Clashes between forces",
    "ceasefire_violation": "Ceasefire violations",
    "smuggling_delivered": "Smuggling delivered",
    "smuggling_seized": "Smuggling seized",
    "irregular_crossing": "Irregular crossings",
    "corridor_crossing": "Corridor crossings",
    "casualties": "Victims of attacks, clashes and violations",
}
"""Counts broken down per month: the headline, its four types, what is not a border
incident, and the victims. Each is a count column of runs.parquet and timeseries."""
BORDER_TYPES = tuple(t.label for t in BORDER_INCIDENT_TYPES)
"""The types that add up to the headline: their differences sum to its difference."""


def _pair(runs: pd.DataFrame, name: str, baseline: str, column: str) -> np.ndarray:
    """(pairs x 2) values of ``name`` and ``baseline``, matched on the replication seed."""
    ref = runs[runs["scenario"] == baseline].set_index("seed")[column]
    sub = runs[runs["scenario"] == name].set_index("seed")[column]
    return pd.concat([sub, ref], axis=1, join="inner").to_numpy(dtype=float)


def difference_table(
    runs: pd.DataFrame, baseline: str, metric: str, direction: str | None = None
) -> pd.DataFrame:
    """Paired difference of each scenario from ``baseline`` on ``metric``, paired by seed:
    mean with its interval, d_z, p, spread of single pairs, pairs won, percent of baseline."""
    direction = direction or better(metric)
    rows = []
    for name in dict.fromkeys(runs["scenario"]):
        if name == baseline:
            continue
        pair = _pair(runs, name, baseline, metric)
        d = paired_difference(pair[:, 0], pair[:, 1], better=direction)
        rows.append({"scenario": name, "baseline": baseline, "metric": metric, **vars(d)})
    return pd.DataFrame(rows)


def per_month(runs: pd.DataFrame) -> pd.Series:
    """Months each run lasted (its ``days`` / 30.44), to turn its counts into monthly rates.

    Runs tables without ``days`` (older ones) give it through the headline rate.
    """
    if "days" in runs:
        days = runs["days"].astype(float)
    else:
        days = runs["border_incidents"] / runs["border_incidents_per_month"] * DAYS_PER_MONTH
        days = days.fillna(days.median())
    return days / DAYS_PER_MONTH


def type_differences(runs: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Paired differences per incident type (and of victims), as monthly rates.

    The four border-incident types add up to the headline, so their mean differences
    add up to its mean difference: the table says which type a difference comes from.
    """
    runs = runs.reset_index(drop=True)
    months = per_month(runs)
    columns = [c for c in TYPES if c in runs]
    rates = runs[["scenario", "seed"]].join(runs[columns].div(months, axis=0))
    frames = []
    for column in columns:
        table = difference_table(rates, baseline, column, direction="lower")
        frames.append(
            table.assign(type=column, type_label=TYPES[column], border_type=column in BORDER_TYPES)
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def monthly_totals(ts: pd.DataFrame, metric: str = HEADLINE) -> pd.DataFrame:
    """Seeds x complete months (at least 30 days) of monthly totals of ``metric``."""
    days_in_month = ts.groupby("month")["day"].nunique()
    full = days_in_month.index[days_in_month >= 30]
    monthly = ts[ts["month"].isin(full)].groupby(["seed", "month"])[metric].sum()
    return monthly.unstack("month")


def monthly_differences(ts: pd.DataFrame, baseline: str, metric: str = HEADLINE) -> pd.DataFrame:
    """Month by month, each scenario's paired difference from ``baseline`` in the monthly
    total of ``metric``: mean over seed-matched pairs and its bootstrap 95% interval."""
    ref = monthly_totals(ts[ts["scenario"] == baseline], metric)
    rows = []
    for name in dict.fromkeys(ts["scenario"]):
        if name == baseline:
            continue
        sub = monthly_totals(ts[ts["scenario"] == name], metric)
        seeds = sub.index.intersection(ref.index)
        months = sub.columns.intersection(ref.columns)
        if len(seeds) == 0 or len(months) == 0:
            continue
        d = sub.loc[seeds, months].to_numpy(float) - ref.loc[seeds, months].to_numpy(float)
        mean, low, high = band(d)
        if len(seeds) < 2:
            low = high = np.full_like(mean, np.nan)
        for i, month in enumerate(months):
            rows.append(
                {
                    "scenario": name,
                    "baseline": baseline,
                    "metric": metric,
                    "month": int(month),
                    "n": len(seeds),
                    "mean": mean[i],
                    "low": low[i],
                    "high": high[i],
                }
            )
    return pd.DataFrame(rows)


def lasting_month(months: np.ndarray, values: np.ndarray, threshold: float = 0.0) -> int | None:
    """The first month from which ``values`` stay below ``threshold`` in every later month
    shown (None if the last one is not below, or a value is missing)."""
    below = np.asarray(values, dtype=float) < threshold
    if len(below) == 0 or not below[-1]:
        return None
    start = len(below)
    while start > 0 and below[start - 1]:
        start -= 1
    return int(np.asarray(months)[start])


def timing_table(monthly: pd.DataFrame, threshold: float = 0.0) -> pd.DataFrame:
    """Per scenario: the month from which the mean difference stays below ``threshold``
    for good, the month from which its whole 95% interval does, and the last month."""
    rows = []
    for name, sub in monthly.groupby("scenario", sort=False):
        sub = sub.sort_values("month")
        months = sub["month"].to_numpy()
        last = sub.iloc[-1]
        rows.append(
            {
                "scenario": name,
                "baseline": last["baseline"],
                "n": int(last["n"]),
                "months": len(months),
                "last_month": int(months[-1]),
                "mean_below_from": lasting_month(months, sub["mean"], threshold),
                "interval_below_from": lasting_month(months, sub["high"], threshold),
                "last_mean": last["mean"],
                "last_low": last["low"],
                "last_high": last["high"],
                "threshold": threshold,
            }
        )
    return pd.DataFrame(rows)


def month_start_day(month: int) -> int:
    """The first day (counted from 0) of month ``month`` (also counted from 0)."""
    return int(np.ceil(month * DAYS_PER_MONTH))


def other_horizons(runs: pd.DataFrame, baseline: str) -> dict[str, int]:
    """The variants whose runs have another horizon (``days``) than the baseline's, and
    theirs: a paired difference would set months of one against months of another.
    A horizon not recorded (runs saved by older versions) is not held against a variant."""
    known = horizons(runs)
    if baseline not in known:
        return {}
    return {v: d for v, d in known.items() if d != known[baseline]}


def horizons(runs: pd.DataFrame) -> dict[str, int]:
    """Each variant's horizon in days, where its runs record one."""
    if "days" not in runs:
        return {}
    days = runs.dropna(subset=["days"]).groupby("variant", sort=False)["days"].first()
    return {str(v): int(d) for v, d in days.items()}


def unpaired_text(unpaired: dict[str, int], baseline: str, runs: pd.DataFrame) -> str:
    """One line naming the variants left out of the paired differences, and why."""
    named = ", ".join(f"{v} ({d} days)" for v, d in unpaired.items())
    return (
        f"not compared with {baseline} ({horizons(runs)[baseline]} days): {named}: paired "
        "differences need runs of one horizon (compare them apart, or name a baseline of "
        "their horizon)"
    )
