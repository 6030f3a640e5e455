"""Running a policy in every world, and what its runs say about it.

A :class:`Job` is one policy (the base scenario, the fixed overrides and the policy's
lever values) run once in each world: world ``i``'s parameter values under world ``i``'s
seed. Its rows are the runs table's (one per world: the run's summary) with the
policy's key, source and lever values; :func:`objectives` reduces them to the
settings' objectives and constraints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.config.overrides import configure
from sim.policy.params import ConstraintParams, ObjectiveParams
from sim.runs.draws import Draw
from sim.runs.runner import model_params, simulate


@dataclass(frozen=True)
class Job:
    """One policy in every world: ``scenario`` with ``overrides`` and ``values`` (levers)."""

    policy: str
    source: str  # "search" or "named"
    scenario: str
    overrides: Mapping[str, Any]
    values: Mapping[str, Any]
    days: int
    worlds: tuple[tuple[int, int, Draw], ...]  # (world, seed, its parameter values)


def run_job(job: Job) -> list[dict]:
    """The policy's runs: one summary row per world."""
    config = configure(job.scenario, {**job.overrides, **job.values}, days=job.days)
    params = model_params(config)
    ids = {"policy": job.policy, "source": job.source, "scenario": job.scenario}
    rows = []
    for world, seed, draw in job.worlds:
        summary = simulate(draw.apply(params), job.days, seed).summary
        rows.append({**ids, "world": world, "seed": seed, "draw": draw.id, **summary})
    return rows


def job_worlds(worlds: pd.DataFrame) -> tuple[tuple[int, int, Draw], ...]:
    """The worlds table as jobs carry it."""
    names = [c for c in worlds.columns if "." in c]
    return tuple(
        (int(r["world"]), int(r["seed"]), Draw(int(r["draw"]), {n: float(r[n]) for n in names}))
        for r in worlds.to_dict("records")
    )


def statistic(runs: pd.DataFrame, column: str, how: str) -> float:
    """``how`` (``mean`` or ``share_positive``) of ``column`` over a policy's runs. A
    phase's first day counts a run that never reached the phase as its horizon (censored)."""
    values = outcome(runs, column)
    if how == "share_positive":
        return float((values > 0).mean())
    return float(np.nanmean(values))


def outcome(runs: pd.DataFrame, column: str) -> np.ndarray:
    """The column per run, a phase never reached counted at the horizon (censored)."""
    values = runs[column].to_numpy(dtype=float)
    if column.endswith("_day"):
        values = np.where(np.isnan(values), runs["days"].to_numpy(dtype=float), values)
    return values


def objectives(
    runs: pd.DataFrame,
    objective_list: Sequence[ObjectiveParams],
    constraint_list: Sequence[ConstraintParams] = (),
) -> dict[str, float]:
    """A policy's objectives (by name) and constraint values (``constraint_<i>``) from
    its runs."""
    result = {o.name: statistic(runs, o.column, o.statistic) for o in objective_list}
    for i, c in enumerate(constraint_list):
        result[f"constraint_{i}"] = statistic(runs, c.column, c.statistic)
    return result
