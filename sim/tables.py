"""Tidy tables of one finished run: one summary row, one row per day, per incident, per transition.

The summary metrics are defined here, once. Identity columns (scenario,
replication, seed, version, overrides) are added by the runner.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.incidents import HOSTILE_ATTEMPT_TYPES, IS_BORDER_INCIDENT, TYPE_LABELS, IncidentType
from sim.measures import MEASURE_NAMES
from sim.model import DailySeries, RoadmapModel

DAYS_PER_MONTH = 30.4375
END_WINDOW_DAYS = 180
"""The summary's "final" incident rate is measured over the last 180 days."""


@dataclass
class RunTables:
    """The tables of one run."""

    summary: dict
    timeseries: pd.DataFrame
    incidents: pd.DataFrame
    transitions: pd.DataFrame


def detection_rate(types: np.ndarray, detected: np.ndarray) -> float:
    """Detected share of hostile crossing attempts (NaN when there were none)."""
    hostile = np.isin(types, HOSTILE_ATTEMPT_TYPES)
    return float(detected[hostile].mean()) if hostile.any() else float("nan")


def collect(model: RoadmapModel) -> RunTables:
    """Build all tables from a model that has run."""
    cols = model.log.columns()
    days = model.days
    types, day = cols["type"].astype(np.int64), cols["day"].astype(np.int64)
    counts = np.zeros((days, len(IncidentType)), dtype=np.int64)
    np.add.at(counts, (day, types), 1)
    border = counts[:, IS_BORDER_INCIDENT].sum(axis=1)
    casualties = np.bincount(day, weights=cols["casualties"], minlength=days)
    hostile = np.isin(types, HOSTILE_ATTEMPT_TYPES)
    attempts = np.bincount(day[hostile], minlength=days)
    detected = np.bincount(day[hostile & cols["detected"]], minlength=days)

    state = dict(zip(DailySeries.STATE, model.series.state.T, strict=True))
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(attempts > 0, detected / attempts, np.nan)
    series = {
        "day": np.arange(days),
        "month": (np.arange(days) // DAYS_PER_MONTH).astype(np.int32),
        "phase": state.pop("phase").astype(np.int8),
        "border_incidents": border,
        **{t.label: counts[:, t] for t in IncidentType},
        "casualties": casualties.astype(np.int64),
        "detection_rate": rate,
        "trust": 0.5 * (state["trust_a"] + state["trust_b"]),
        "tension": 0.5 * (state["tension_a"] + state["tension_b"]),
        **state,
        "arms_delivered": model.series.arms_delivered,
        **{f"level_{name}": model.series.levels[:, i] for i, name in enumerate(MEASURE_NAMES)},
    }
    ts = pd.DataFrame(series)

    border_info = model.border
    incidents = pd.DataFrame(
        {
            "day": cols["day"],
            "sector": cols["sector"],
            "province": np.asarray(border_info.province_names, dtype=object)[
                border_info.province[cols["sector"]]
            ],
            "side": np.asarray(border_info.side_names, dtype=object)[cols["side"]],
            "type": np.asarray(TYPE_LABELS, dtype=object)[cols["type"]],
            "actor": np.asarray(model.actor_names, dtype=object)[cols["actor"]],
            "detected": cols["detected"],
            "casualties": cols["casualties"],
            "effort": cols["effort"],
            "border_incident": IS_BORDER_INCIDENT[types],
        }
    ).astype({"province": "string", "side": "string", "type": "string", "actor": "string"})
    transitions = pd.DataFrame(
        [vars(t) for t in model.phases.transitions],
        columns=["day", "from_phase", "to_phase", "kind", "reason"],
    ).astype(
        {
            "day": np.int32,
            "from_phase": np.int8,
            "to_phase": np.int8,
            "kind": "string",
            "reason": "string",
        }
    )
    return RunTables(summarise(model, ts, types, cols["detected"]), ts, incidents, transitions)


def summarise(
    model: RoadmapModel, ts: pd.DataFrame, types: np.ndarray, detected: np.ndarray
) -> dict:
    """The one-row summary of a run."""
    days = model.days
    border = ts["border_incidents"].to_numpy()
    start = max(1, min(model.params.phases.agreement_day, days))
    end = min(END_WINDOW_DAYS, days)
    start_rate = border[:start].sum() / start * DAYS_PER_MONTH
    end_rate = border[-end:].sum() / end * DAYS_PER_MONTH
    last = ts.iloc[-1]
    row = {
        "border_incidents": int(border.sum()),
        "border_incidents_per_month": float(border.sum() / days * DAYS_PER_MONTH),
        "start_monthly_incidents": float(start_rate),
        "final_monthly_incidents": float(end_rate),
        "reduction_vs_start": float(1 - end_rate / start_rate) if start_rate > 0 else np.nan,
        "detection_rate": detection_rate(types, detected),
        "final_trust": float(last["trust"]),
        "final_tension": float(last["tension"]),
        "final_phase": int(last["phase"]),
        "relapses": model.phases.relapses,
        "casualties": int(ts["casualties"].sum()),
        "arms_delivered": float(ts["arms_delivered"].sum()),
        "final_fighters": float(last["fighters"]),
        "mediator_interventions": model.mediator.interventions if model.mediator else 0,
    }
    for phase, day in model.phases.first_day.items():
        row[f"phase{phase}_day"] = day
    for t in IncidentType:
        row[t.label] = int(ts[t.label].sum())
    return row
