"""Tidy tables of one finished run: one summary row, one row per day, per incident, per transition.

The summary metrics are defined here, once. Identity columns (scenario,
replication, seed, version, overrides) are added by the runner.

The headline is five counts per month, read side by side, because no one of them
answers alone (better detection turns attacks into interdictions; less friction
between the states says nothing of infiltration):

- hostile attempts: every crossing with hostile intent, stopped or not: armed
  infiltrations (attacks that got through and interdictions) and arms shipments
  for the armed groups (delivered and seized), the population whose detected
  share is the detection rate; more detection leaves it as it is, unless the
  groups are deterred;
- successful attacks: infiltrations that got through (interdictions are not in it);
- interdictions: infiltrations stopped at the line;
- state-on-state incidents: clashes between the two states' forces and ceasefire
  violations;
- casualties: victims of border incidents (attacks, clashes, violations);
  victims of violence that is not a border incident (background violence) are
  not counted.

``border_incidents`` (attacks + interdictions + state-on-state incidents) stays a
column, as the phase gates count it, but it is not the answer on its own. Spend
columns (k$ over the run, both governments) come from the model's ledger
(:mod:`sim.model.budget`): one per item, the total and the roadmap's part.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property, lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.model.budget import ITEMS
from sim.model.incidents import (
    DAYS_PER_MONTH,
    HOSTILE_ATTEMPT_TYPES,
    IS_BORDER_INCIDENT,
    TYPE_LABELS,
    IncidentType,
)
from sim.model.measures import MEASURE_NAMES
from sim.model.model import DailySeries, RoadmapModel
from sim.model.observation import STREAM_KEY as OBSERVATION_STREAM
from sim.model.observation import ged_types, incident_deaths, recorded, sector_governorates
from sim.model.phases import FINAL_PHASE

END_WINDOW_DAYS = 180
"""The summary's "final" incident rate is measured over the last 180 days."""

STATE_INCIDENT_TYPES = (IncidentType.CLASH, IncidentType.CEASEFIRE_VIOLATION)
"""Incidents between the two states' forces: clashes (retaliatory strikes too) and
ceasefire violations."""
HEADLINE = {
    "hostile_attempts_per_month": "hostile_attempts",
    "attacks_per_month": "attack",
    "interdictions_per_month": "interdiction",
    "state_incidents_per_month": "state_incidents",
    "casualties_per_month": "casualties",
}
"""The five headline metrics (see the module docstring): each runs column is the run's
total of a daily series of ``timeseries.parquet`` per month (30.44 days)."""
SPEND_COLUMNS = (*(f"spend_{item}" for item in ITEMS), "spend_total", "spend_roadmap")
"""Money spent over the run (k$, both governments): per item of the ledger, in total, and
on the roadmap's items (all but the regular patrols)."""

SUMMARY_COLUMNS = (
    "days",
    *HEADLINE,
    "hostile_attempts",
    "state_incidents",
    "border_incidents",
    "border_incidents_per_month",
    "start_monthly_incidents",
    "final_monthly_incidents",
    "reduction_vs_start",
    "detection_rate",
    "final_trust",
    "final_tension",
    "final_phase",
    "relapses",
    "casualties",
    "militant_losses",
    "recorded_events_per_month",
    "arms_delivered",
    "final_fighters",
    "mediator_interventions",
    "mediator_declined",
    *SPEND_COLUMNS,
    *(f"phase{phase}_day" for phase in range(1, FINAL_PHASE + 1)),
    *(t.label for t in IncidentType),
)
"""The columns of a run's summary row (:func:`summarise`), in order: the runs table's
outcomes, and the keyword form's end-of-run model reporters (:func:`outcome_reporters`)."""


class RunTables:
    """The tables of one run: the summary row, and Arrow tables the runner streams to Parquet.

    Arrow tables are built straight from the model's arrays, with no pandas in
    between, because the runner writes every run; ``timeseries``, ``incidents``
    and ``transitions`` give them as pandas DataFrames, converted on first use.
    """

    def __init__(self, summary: dict, arrow: dict[str, pa.Table]) -> None:
        self.summary = summary
        self.arrow = arrow

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        return self.arrow["timeseries"].to_pandas()

    @cached_property
    def incidents(self) -> pd.DataFrame:
        return self.arrow["incidents"].to_pandas()

    @cached_property
    def transitions(self) -> pd.DataFrame:
        return self.arrow["transitions"].to_pandas()


class _FinalOutcomes:
    """One model's end-of-run outcomes for its DataCollector: None on every day but the
    last, where the summary row is built once and each reporter reads its column."""

    def __init__(self) -> None:
        self._row: dict | None = None

    def reporter(self, name: str) -> Callable[[RoadmapModel], object]:
        return lambda model: self.value(model, name)

    def value(self, model: RoadmapModel, name: str) -> object:
        if model.day < model.days - 1:
            return None
        if self._row is None:
            self._row = collect(model).summary
        return self._row[name]


def outcome_reporters(daily: Sequence[str] = ()) -> dict[str, Callable[[RoadmapModel], object]]:
    """The runs table's columns as Mesa model reporters (fresh for each model), so that
    ``mesa.batch_run`` returns the same end-of-run outcomes as ``runs.parquet``.

    A column named like one of the ``daily`` series (``border_incidents``: today's
    count there, the run's total here) is reported as ``<name>_total``.
    """
    outcomes = _FinalOutcomes()
    return {
        f"{name}_total" if name in daily else name: outcomes.reporter(name)
        for name in SUMMARY_COLUMNS
    }


IS_HOSTILE_ATTEMPT = np.isin(np.arange(len(IncidentType)), HOSTILE_ATTEMPT_TYPES)
"""True at the code of each hostile crossing attempt's incident type (a lookup table)."""


def detection_rate(types: np.ndarray, detected: np.ndarray) -> float:
    """Detected share of hostile crossing attempts (NaN when there were none)."""
    hostile = IS_HOSTILE_ATTEMPT[np.asarray(types, dtype=np.int64)]
    return float(detected[hostile].mean()) if hostile.any() else float("nan")


def labels(names: Sequence[str], codes: np.ndarray) -> pa.Array:
    """A string column from integer codes into ``names``."""
    return _strings(tuple(names)).take(codes)


@lru_cache(maxsize=64)
def _strings(names: tuple[str, ...]) -> pa.Array:
    """``names`` as an Arrow string array, made once (the same few lists label every run)."""
    return pa.array(names, pa.string())


def collect(model: RoadmapModel) -> RunTables:
    """Build all tables from a model that has run."""
    cols = model.log.columns()
    days = model.days
    types, day = cols["type"].astype(np.int64), cols["day"].astype(np.int64)
    n_types = len(IncidentType)
    counts = np.bincount(day * n_types + types, minlength=days * n_types).reshape(days, n_types)
    border = counts[:, IS_BORDER_INCIDENT].sum(axis=1)
    at_border = IS_BORDER_INCIDENT[types]  # background violence has victims too: not these
    casualties = np.bincount(day, weights=cols["casualties"] * at_border, minlength=days)
    losses = np.bincount(day, weights=cols["militant_losses"], minlength=days)
    hostile = IS_HOSTILE_ATTEMPT[types]
    attempts = np.bincount(day[hostile], minlength=days)
    detected = np.bincount(day[hostile & cols["detected"]], minlength=days)
    seen = recorded(
        types,
        incident_deaths(cols),
        cols["side"],
        model.params.observation,
        model.keyed_rng(OBSERVATION_STREAM),
    )

    state_values, levels = model.series.arrays()
    # one contiguous row per column (Arrow takes those as they are; a strided one is copied)
    state = dict(zip(DailySeries.STATE, np.ascontiguousarray(state_values.T), strict=True))
    levels = np.ascontiguousarray(levels.T)
    by_type = np.ascontiguousarray(counts.T)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(attempts > 0, detected / attempts, np.nan)
    series = {
        "day": np.arange(days),
        "month": (np.arange(days) // DAYS_PER_MONTH).astype(np.int32),
        "phase": state.pop("phase").astype(np.int8),
        "border_incidents": border,
        "hostile_attempts": attempts,
        "state_incidents": counts[:, list(STATE_INCIDENT_TYPES)].sum(axis=1),
        **dict(zip(TYPE_LABELS, by_type, strict=True)),
        "casualties": casualties.astype(np.int64),
        "militant_losses": losses.astype(np.int64),
        "recorded_events": np.bincount(day[seen], minlength=days),
        "detection_rate": rate,
        "trust": 0.5 * (state["trust_a"] + state["trust_b"]),
        "tension": 0.5 * (state["tension_a"] + state["tension_b"]),
        **state,
        "arms_delivered": model.series.arms_delivered,
        "spend_roadmap": np.asarray(model.budget.roadmap_per_day(), dtype=np.float64),
        **{f"level_{name}": levels[i] for i, name in enumerate(MEASURE_NAMES)},
    }
    border_info = model.border
    incidents = pa.table(
        {
            "day": cols["day"],
            "sector": cols["sector"],
            "province": labels(border_info.province_names, border_info.province[cols["sector"]]),
            "side": labels(border_info.side_names, cols["side"]),
            "type": labels(TYPE_LABELS, cols["type"]),
            "actor": labels(model.actor_names, cols["actor"]),
            "detected": cols["detected"],
            "casualties": cols["casualties"],
            "militant_losses": cols["militant_losses"],
            "effort": cols["effort"],
            "via_gate": cols["via_gate"],
            "border_incident": IS_BORDER_INCIDENT[types],
            "governorate": labels(
                sector_governorates(model.params.geography, border_info), cols["sector"]
            ),
            "recorded": seen,
            "ged_type": ged_types(
                types,
                cols["casualties"],
                cols["militant_losses"],
                model.background.ged_types[: int(counts[:, IncidentType.BACKGROUND].sum())],
            ),
        }
    )
    moves = model.phases.transitions
    transitions = pa.table(
        {
            "day": pa.array([t.day for t in moves], pa.int32()),
            "from_phase": pa.array([t.from_phase for t in moves], pa.int8()),
            "to_phase": pa.array([t.to_phase for t in moves], pa.int8()),
            "kind": pa.array([t.kind for t in moves], pa.string()),
            "reason": pa.array([t.reason for t in moves], pa.string()),
        }
    )
    arrow = {"timeseries": pa.table(series), "incidents": incidents, "transitions": transitions}
    return RunTables(summarise(model, series, types, cols["detected"]), arrow)


def summarise(
    model: RoadmapModel, series: dict[str, np.ndarray], types: np.ndarray, detected: np.ndarray
) -> dict:
    """The one-row summary of a run, from its daily series and incident types."""
    days = model.days
    border = series["border_incidents"]
    start = max(1, min(model.params.phases.agreement_day, days))
    end = min(END_WINDOW_DAYS, days)
    start_rate = border[:start].sum() / start * DAYS_PER_MONTH
    end_rate = border[-end:].sum() / end * DAYS_PER_MONTH
    row = {
        "days": int(days),
        **{
            name: float(series[daily].sum() / days * DAYS_PER_MONTH)
            for name, daily in HEADLINE.items()
        },
        "hostile_attempts": int(series["hostile_attempts"].sum()),
        "state_incidents": int(series["state_incidents"].sum()),
        "border_incidents": int(border.sum()),
        "border_incidents_per_month": float(border.sum() / days * DAYS_PER_MONTH),
        "start_monthly_incidents": float(start_rate),
        "final_monthly_incidents": float(end_rate),
        "reduction_vs_start": float(1 - end_rate / start_rate) if start_rate > 0 else np.nan,
        "detection_rate": detection_rate(types, detected),
        "final_trust": float(series["trust"][-1]),
        "final_tension": float(series["tension"][-1]),
        "final_phase": int(series["phase"][-1]),
        "relapses": model.phases.relapses,
        "casualties": int(series["casualties"].sum()),
        "militant_losses": int(series["militant_losses"].sum()),
        "recorded_events_per_month": float(series["recorded_events"].sum() / days * DAYS_PER_MONTH),
        "arms_delivered": float(series["arms_delivered"].sum()),
        "final_fighters": float(series["fighters"][-1]),
        "mediator_interventions": model.mediator.interventions if model.mediator else 0,
        "mediator_declined": model.mediator.declined if model.mediator else 0,
        **model.budget.spend(),
    }
    for phase, day in model.phases.first_day.items():
        row[f"phase{phase}_day"] = day
    for t in IncidentType:
        row[t.label] = int(series[t.label].sum())
    return row
