"""The headline side by side, and what each change costs.

Five metrics answer together what no one of them answers alone (see
:mod:`sim.runs.tables`): hostile attempts, successful attacks, interdictions,
state-on-state incidents and casualties, each per month. Against a reference
scenario each gets its paired difference (replications matched by seed) and,
when the two scenarios spend differently on the roadmap, its change per million
dollars of roadmap spending.

Change per M$: over pairs i, with ``x_i`` the difference in the metric (per
month) and ``y_i`` the difference in roadmap spend (M$ per month), the ratio of
the mean differences ``mean(x) / mean(y)``: events per month per M$ a month,
that is events over the run per M$ over the run. Its 95% interval is Fieller's
for a ratio of means of paired data (t quantile with n - 1 degrees of freedom,
the covariance of x and y included): exact under normal means, and honest about
a denominator near 0, where it is unbounded. The ratio is "not defined" when
the two scenarios' roadmap spend differs by less than :data:`SPEND_TOLERANCE`
over the run, and its interval is unbounded when the spend difference's own
interval includes 0.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.labels import HEADLINE_METRICS, better
from sim.analysis.stats import interval, interval_column, numbers, paired_difference
from sim.model.incidents import DAYS_PER_MONTH, HOSTILE_ATTEMPT_TYPES
from sim.runs.tables import HEADLINE, STATE_INCIDENT_TYPES
from sim.runs.terminal import WIDTH

SPEND = "spend_roadmap"
"""The spend a change is divided by: what the roadmap's measures cost (k$ over the run)."""
SPEND_TOLERANCE = 1.0
"""k$ over the run: a smaller mean difference in roadmap spend is no difference, and
an effect per dollar is not defined."""
DERIVED = {
    "hostile_attempts": tuple(t.label for t in HOSTILE_ATTEMPT_TYPES),
    "state_incidents": tuple(t.label for t in STATE_INCIDENT_TYPES),
}
"""Counts older tables lack, as sums of their per-type columns."""
NOT_DEFINED = "not defined: no difference in roadmap spend"
PATROLS = "spend_patrol_units"
"""Regular patrols' spend (k$ over the run): not the roadmap's, so not divided by."""
PATROLS_DIFFER = (
    "not defined: no difference in roadmap spend; regular patrols, which it does not "
    "count, differ by {:+.1f} M$"
)
UNBOUNDED = "interval unbounded: the spend difference's interval includes 0"


def _filled(frame: pd.DataFrame, derived: dict[str, pd.Series | float]) -> pd.DataFrame:
    """``frame`` with each ``derived`` column added where it is missing, and its missing
    values filled where it is there (rows of older tables merged with new ones)."""
    todo = {
        name: frame[name].fillna(value) if name in frame else value
        for name, value in derived.items()
        if name not in frame or frame[name].isna().any()
    }
    return frame.assign(**todo) if todo else frame


def with_series(ts: pd.DataFrame) -> pd.DataFrame:
    """The daily series with the headline's counts, summed from the per-type columns where
    the table (or some of its rows) predates them; NaN where they cannot be."""
    return _filled(
        ts,
        {
            name: ts[list(types)].sum(axis=1) if set(types) <= set(ts.columns) else np.nan
            for name, types in DERIVED.items()
        },
    )


def with_headline(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs table with the five headline columns (and the spend the effect per
    dollar needs, NaN when not recorded): derived from per-type counts and ``days``
    for the rows of tables written before the headline existed."""
    runs = with_series(runs)
    months = runs["days"] / DAYS_PER_MONTH if "days" in runs else np.nan
    derived = {
        name: runs[daily] / months if daily in runs else np.nan for name, daily in HEADLINE.items()
    }
    return _filled(runs, {**derived, SPEND: np.nan})


def per_cost(x: np.ndarray, y: np.ndarray, level: float = 0.95) -> tuple[float, float, float, str]:
    """``mean(x) / mean(y)`` of paired differences with its Fieller interval, and a note
    ('' when the interval is bounded): see the module docstring."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    n = len(x)
    if n == 0:
        return np.nan, np.nan, np.nan, "not defined: no pairs with spend recorded"
    a, b = float(x.mean()), float(y.mean())
    if abs(b) < SPEND_TOLERANCE / 1000 / DAYS_PER_MONTH:  # y in M$ a month
        return np.nan, np.nan, np.nan, NOT_DEFINED
    ratio = a / b
    if n < 2:
        return ratio, np.nan, np.nan, "no interval from one pair"
    cov = np.cov(x, y, ddof=1) / n  # of the means
    t2 = float(stats.t.ppf((1 + level) / 2, n - 1)) ** 2
    # (a - r b)^2 <= t^2 var(a - r b): a quadratic A r^2 + B r + C <= 0
    qa = b * b - t2 * cov[1, 1]
    qb = -2 * (a * b - t2 * cov[0, 1])
    qc = a * a - t2 * cov[0, 0]
    if qa <= 0:
        return ratio, -np.inf, np.inf, UNBOUNDED
    root = np.sqrt(max(qb * qb - 4 * qa * qc, 0.0))
    low, high = sorted(((-qb - root) / (2 * qa), (-qb + root) / (2 * qa)))
    return ratio, float(min(low, ratio)), float(max(high, ratio)), ""


def _pairs(runs: pd.DataFrame, name: str, baseline: str, columns: list[str]) -> pd.DataFrame:
    """Columns of ``name`` and ``baseline`` side by side (suffixes _s, _r), matched on seed."""
    sub = runs[runs["scenario"] == name].set_index("seed")[columns]
    ref = runs[runs["scenario"] == baseline].set_index("seed")[columns]
    return sub.add_suffix("_s").join(ref.add_suffix("_r"), how="inner")


def headline_differences(runs: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Per scenario and headline metric: its paired difference from ``baseline`` (mean,
    bootstrap 95% CI, p), the two scenarios' roadmap spend (k$ over the run) and the
    change per M$ of roadmap spending with its Fieller 95% interval (or why not)."""
    runs = with_headline(runs.reset_index(drop=True))
    months = runs["days"] / DAYS_PER_MONTH if "days" in runs else pd.Series(np.nan, runs.index)
    runs = runs.assign(_spend_rate=runs[SPEND] / 1000 / months)  # M$ a month
    rows = []
    for name in dict.fromkeys(runs["scenario"]):
        if name == baseline:
            continue
        patrols = [PATROLS] if PATROLS in runs else []
        pairs = _pairs(runs, name, baseline, [*HEADLINE_METRICS, SPEND, "_spend_rate", *patrols])
        spend = paired_difference(pairs[f"{SPEND}_s"], pairs[f"{SPEND}_r"])
        y = (pairs["_spend_rate_s"] - pairs["_spend_rate_r"]).to_numpy(float)
        more = (pairs[f"{PATROLS}_s"] - pairs[f"{PATROLS}_r"]).mean() if patrols else 0.0
        for metric in HEADLINE_METRICS:
            s, r = pairs[f"{metric}_s"], pairs[f"{metric}_r"]
            d = paired_difference(s, r, better=better(metric))
            ratio, low, high, note = per_cost((s - r).to_numpy(float), y)
            if note == NOT_DEFINED and abs(more) >= SPEND_TOLERANCE:
                note = PATROLS_DIFFER.format(more / 1000)
            rows.append(
                {
                    "scenario": name,
                    "baseline": baseline,
                    "metric": metric,
                    "n": d.n,
                    "scenario_mean": float(s.mean()),
                    "baseline_mean": float(r.mean()),
                    "mean": d.mean,
                    "low": d.low,
                    "high": d.high,
                    "p_value": d.p_value,
                    "p10": d.p10,
                    "p90": d.p90,
                    "spend": float(pairs[f"{SPEND}_s"].mean()),
                    "baseline_spend": float(pairs[f"{SPEND}_r"].mean()),
                    "spend_difference": spend.mean,
                    "spend_low": spend.low,
                    "spend_high": spend.high,
                    "per_musd": ratio,
                    "per_musd_low": low,
                    "per_musd_high": high,
                    "per_musd_note": note,
                }
            )
    return pd.DataFrame(rows)


SHORT = {
    "hostile_attempts_per_month": "hostile attempts",
    "attacks_per_month": "successful attacks",
    "interdictions_per_month": "interdictions",
    "state_incidents_per_month": "state-on-state",
    "casualties_per_month": "casualties",
}
"""Headline metrics as the narrow tables name them."""


def per_cost_text(row: pd.Series) -> str:
    """``-3.1 [-4.6, -1.7]``, or why the change per M$ is not given."""
    if not np.isfinite(row["per_musd"]):
        patrols = "regular patrols" in str(row.get("per_musd_note", ""))
        return "not defined (patrols differ)" if patrols else "not defined"
    if not np.isfinite(row["per_musd_low"]):
        return f"{numbers(row['per_musd'])[0]} [unbounded]"
    return interval(row["per_musd"], row["per_musd_low"], row["per_musd_high"])


def _left(column: pd.Series) -> pd.Series:
    """Text padded to one width, so that a right-justified table shows it left-aligned."""
    return column.str.ljust(int(column.str.len().max()))


def headline_text(table: pd.DataFrame, labels: dict[str, str]) -> str:
    """The headline differences for the terminal: one row per variant and metric, the
    difference per month with its interval, and per M$ of roadmap spending."""
    base = labels.get(table["baseline"].iloc[0], table["baseline"].iloc[0])
    rows = pd.DataFrame(
        {
            "variant": _left(table["scenario"].map(lambda s: labels.get(s, s))),
            "metric (per month)": _left(table["metric"].map(SHORT)),
            "difference [95% CI]": interval_column(table["mean"], table["low"], table["high"]),
            "per M$ [95% CI]": table.apply(per_cost_text, axis=1),
        }
    )
    spend = table.drop_duplicates("scenario")
    costs = "; ".join(
        f"{labels.get(s, s)} {interval(m / 1000, lo / 1000, hi / 1000)}"
        for s, m, lo, hi in spend[
            ["scenario", "spend_difference", "spend_low", "spend_high"]
        ].itertuples(index=False)
    )
    notes = (
        f"Roadmap spend minus {base}'s, M$ over the run [95% CI]: {costs}. per M$: the "
        "difference over the difference in roadmap spend (events over the run per M$ more "
        "spent; 95% Fieller interval); not defined without a spend difference (regular "
        "patrols are not roadmap spending: a change of patrol units alone has none)."
    )
    return "\n".join(
        [
            f"Headline: each variant minus {base} in runs with the same seed:",
            rows.to_string(index=False, justify="left"),
            textwrap.fill(notes, WIDTH),
        ]
    )
