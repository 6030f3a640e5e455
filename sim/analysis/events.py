"""Summary statistics of an event series: one function for real data and for the model.

Both the GED events (:func:`sim.analysis.ged.observed_events`) and a run's recorded
incidents (:func:`recorded_events`) become :class:`Events` (day, administrative
unit, deaths, whether the model's actors made it, GED type), and :func:`event_statistics`
summarises either in the same way:

- ``monthly_mean``: events per month (months of 30.4375 days, full months only);
- ``actor_monthly_mean``: the same of the events the model's actors make: in the
  data those with an actor the model represents as a side
  (:data:`sim.analysis.ged.REPRESENTED`), in a run every recorded incident but the
  background's. Like is compared with like: the background violence makes nearly
  all events, and without this statistic the actors' few would hide in its noise;
- ``zero_death_share``: share of the events without a death (GED's best estimate
  0; counted only with ``observation.min_deaths`` 0, :mod:`sim.model.observation`);
- ``state_based_share``, ``non_state_share``: shares of the events of GED's
  ``type_of_violence`` 1 and 2 (one-sided, 3, is the rest: a third share would add
  nothing); in a run each recorded incident's code is the observation model's
  (:func:`sim.model.observation.ged_types`). The background violence's mix of codes
  differs by governorate, so these follow where events happen as well as who makes
  them;
- ``monthly_dispersion``: variance / mean of the monthly counts (1 for Poisson);
- ``monthly_acf1``: lag-1 autocorrelation of the monthly counts;
- ``zero_day_share``: share of days without any event;
- ``share <unit>``: share of the events placed in each administrative unit;
- ``tail_alpha``: the maximum-likelihood power-law exponent of deaths per event
  at or above ``tail_min`` deaths (:func:`sim.analysis.tail.tail_exponent`).

A statistic that cannot be computed (no events, constant counts, fewer than two
events in the tail) is NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from sim.analysis.tail import TailFit, tail_exponent
from sim.model.incidents import DAYS_PER_MONTH
from sim.model.observation import DEATH_COLUMNS, incident_deaths


@dataclass(frozen=True)
class Events:
    """Events of a series of ``days`` days: day index, administrative unit, deaths,
    whether the model's actors (not the background violence) made each, and its GED
    ``type_of_violence`` code."""

    day: np.ndarray
    unit: np.ndarray  # object array of names (None: unknown)
    deaths: np.ndarray
    actor: np.ndarray  # bool
    days: int
    ged_type: np.ndarray  # int: 1 state-based, 2 non-state, 3 one-sided


def recorded_events(incidents: pa.Table, days: int) -> Events:
    """The recorded incidents of one run (its incidents table) as events."""
    seen = incidents["recorded"].to_numpy(zero_copy_only=False)
    columns = {c: incidents[c].to_numpy() for c in DEATH_COLUMNS if c in incidents.column_names}
    deaths = incident_deaths(columns)
    return Events(
        day=incidents["day"].to_numpy(zero_copy_only=False)[seen],
        unit=np.asarray(incidents["governorate"].to_pylist(), dtype=object)[seen],
        deaths=deaths[seen],
        actor=(incidents["type"].to_numpy(zero_copy_only=False) != "background")[seen],
        days=days,
        ged_type=incidents["ged_type"].to_numpy()[seen],
    )


def monthly_counts(events: Events, only: np.ndarray | None = None) -> np.ndarray:
    """Events in each full month of the series (of those where ``only`` holds)."""
    months = int(events.days // DAYS_PER_MONTH)
    day = np.asarray(events.day) if only is None else np.asarray(events.day)[only]
    month = (day // DAYS_PER_MONTH).astype(np.int64)
    return np.bincount(month[month < months], minlength=months)[:months]


def lag1_autocorrelation(x: np.ndarray) -> float:
    """Sample lag-1 autocorrelation ``sum (x_t - m)(x_t+1 - m) / sum (x_t - m)^2``."""
    if len(x) < 2:
        return np.nan
    d = np.asarray(x, dtype=float) - np.mean(x)
    denom = float((d * d).sum())
    return float((d[:-1] * d[1:]).sum() / denom) if denom > 0 else np.nan


def tail_fit(events: Events, tail_min: float) -> TailFit:
    """The deaths-per-event tail exponent with its 95% interval."""
    return tail_exponent(np.asarray(events.deaths), tail_min)


def event_statistics(events: Events, units: Sequence[str], tail_min: float) -> dict[str, float]:
    """The summary statistics (module docstring) of one event series."""
    counts = monthly_counts(events)
    mean = float(counts.mean()) if len(counts) else np.nan
    var = float(counts.var(ddof=1)) if len(counts) > 1 else np.nan
    per_day = np.bincount(np.asarray(events.day, dtype=np.int64), minlength=events.days)
    actors = monthly_counts(events, np.asarray(events.actor, dtype=bool))
    deaths = np.asarray(events.deaths)
    codes = np.asarray(events.ged_type)
    stats = {
        "monthly_mean": mean,
        "monthly_dispersion": var / mean if mean > 0 else np.nan,
        "monthly_acf1": lag1_autocorrelation(counts),
        "zero_day_share": float((per_day[: events.days] == 0).mean()),
        "actor_monthly_mean": float(actors.mean()) if len(actors) else np.nan,
        "zero_death_share": float((deaths == 0).mean()) if deaths.size else np.nan,
        "state_based_share": float((codes == 1).mean()) if codes.size else np.nan,
        "non_state_share": float((codes == 2).mean()) if codes.size else np.nan,
    }
    placed = [u for u in events.unit if u is not None]
    for unit in units:
        stats[f"share {unit}"] = placed.count(unit) / len(placed) if placed else np.nan
    stats["tail_alpha"] = tail_fit(events, tail_min).alpha
    return stats
