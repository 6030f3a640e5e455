"""Small made-up runs and time series shaped like the runner's, with effects known in advance.

Every variant draws its daily counts from a generator seeded by the replication
seed, as the model does (common random numbers), and a variant's effect starts
on a chosen day, so a test knows the answer (when, how much, which type).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

DAYS_PER_MONTH = 30.4375
BORDER = ("attack", "interdiction", "clash", "ceasefire_violation")
OTHER = ("smuggling_delivered", "smuggling_seized", "irregular_crossing", "corridor_crossing")
RATES = {
    "attack": 0.2,
    "interdiction": 0.2,
    "clash": 0.3,
    "ceasefire_violation": 0.3,
    "smuggling_delivered": 0.2,
    "smuggling_seized": 0.1,
    "irregular_crossing": 0.5,
    "corridor_crossing": 0.0,
    "casualties": 0.4,
}


def variant_tables(
    scenario: str,
    overrides: str = "",
    factors: dict[str, float] | None = None,
    start_day: int = 0,
    reps: int = 6,
    days: int = 240,
    phase_day: int | None = None,
    phase3_day: float | None = None,
    config_id: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Runs and time series of one variant: rates times ``factors`` from ``start_day`` on."""
    factors = factors or {}
    config_id = config_id or hashlib.sha1(f"{scenario} {overrides}".encode()).hexdigest()[:12]
    runs, series = [], []
    text = f"scenario={scenario} {overrides}".strip()
    for rep in range(reps):
        seed = 1000 + rep
        day = np.arange(days)
        counts = {}
        for i, (kind, rate) in enumerate(RATES.items()):
            rng = np.random.default_rng([seed, i])  # one stream per type: an effect on one
            lam = np.full(days, rate)  # type or day leaves the others' draws alone
            lam[start_day:] *= factors.get(kind, 1.0)
            counts[kind] = rng.poisson(lam)
        phase = np.zeros(days, dtype=np.int8)
        if phase_day is not None:
            phase[phase_day:] = 1
        border = sum(counts[k] for k in BORDER)
        ts = pd.DataFrame(
            {
                "scenario": scenario,
                "replication": rep,
                "seed": seed,
                "config_id": config_id,
                "day": day,
                "month": (day // DAYS_PER_MONTH).astype(np.int32),
                "phase": phase,
                "border_incidents": border,
                **counts,
            }
        )
        series.append(ts)
        runs.append(
            {
                "scenario": scenario,
                "replication": rep,
                "seed": seed,
                "draw": -1,
                "config_id": config_id,
                "version": "test",
                "overrides": text,
                "days": days,
                "border_incidents": int(border.sum()),
                "border_incidents_per_month": border.sum() / days * DAYS_PER_MONTH,
                "final_monthly_incidents": border[-180:].sum() / 180 * DAYS_PER_MONTH,
                "detection_rate": 0.4 + 0.01 * rep,
                "final_trust": 0.1 + 0.01 * rep,
                "relapses": 0,
                "phase1_day": float(phase_day) if phase_day is not None else np.nan,
                "phase2_day": np.nan,
                "phase3_day": phase3_day if phase3_day is not None else np.nan,
                **{k: int(v.sum()) for k, v in counts.items()},
            }
        )
    return pd.DataFrame(runs), pd.concat(series, ignore_index=True)


def write_job(directory: Path, runs: pd.DataFrame, ts: pd.DataFrame) -> Path:
    """A job directory as the runner leaves it (without job.json: counted as finished)."""
    directory.mkdir(parents=True, exist_ok=True)
    runs.to_parquet(directory / "runs.parquet", index=False)
    ts.to_parquet(directory / "timeseries.parquet", index=False)
    return directory


GRID = [
    (scenario, f"measures.joint_patrols.intensity={i} patrol.units_per_side={u}")
    for scenario in ("baseline", "roadmap")
    for i in (0.0, 0.25, 0.5)
    for u in (30, 60, 90)
][:15]
"""Fifteen variants with long names, as a grid sweep makes them."""


def grid_jobs(root: Path, reps: int = 3, days: int = 150, count: int = 15) -> Path:
    """A multirun-like directory of the fifteen grid variants; more patrol units mean more
    interdictions (and so more border incidents) but fewer attacks."""
    for i, (scenario, overrides) in enumerate(GRID[:count]):
        units = int(overrides.rsplit("=", 1)[1])
        factors = {"interdiction": units / 30, "attack": 30 / units}
        if scenario == "roadmap":
            factors["clash"] = 0.5
        runs, ts = variant_tables(
            scenario, overrides, factors, start_day=60, reps=reps, days=days, phase_day=60
        )
        write_job(root / f"job{i}", runs, ts)
    return root
