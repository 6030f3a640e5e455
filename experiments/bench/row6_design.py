"""Row 6: an experimental design on the project's explore runner against EMA, batch_run and Ray.

Targets: a 200-point Latin hypercube x 5 replications through ``sim.explore``'s
execution on 2 processes runs at least 1.8x as many runs per second as on 1
process, 3x as many as EMA's ``MultiprocessingEvaluator`` with 2 processes on the
adaptor, 2x as many as ``mesa.batch_run`` with 2 processes; the same design on a
local Ray instance is shown. Every case runs the same design points with the
same replication seeds; each case function returns the wall time of one pass.

Informational, computed from the measured 2-process rate: what a 10-factor Sobol
analysis (a Saltelli design of N = 2,048, one replication; with second-order indices
and without) of runs of the same length costs on 2 processes, and on a 16-core node
whose processes each run as fast as one here (not measured there).
"""

from __future__ import annotations

import functools
import tempfile
import time
from pathlib import Path

import mesa
import pandas as pd

from bench.common import WORKERS, Result, Settings, interleaved, median, reps_note
from sim.explore.chunks import execute
from sim.explore.command import prepare
from sim.explore.designs import design_points, factors, sample
from sim.explore.params import DesignParams, ExploreConfig
from sim.model.model import RoadmapModel
from sim.runs.runner import replication_seeds

FACTORS = {
    "patrol.sweep_rate": [0.2, 1.0],
    "armed_groups.attempt_rate": [0.06, 0.24],
    "governments.blame": [0.2, 0.9],
}
SEED = 0
SOBOL_FACTORS, SOBOL_BASE, NODE_CORES = 10, 2048, 16


def design_config(points: int, reps: int, days: int, workers: int, backend: str) -> ExploreConfig:
    explore = DesignParams(design="lhs", points=points, factors=dict(FACTORS), backend=backend)
    return ExploreConfig(replications=reps, days=days, seed=SEED, workers=workers, explore=explore)


def points(n: int) -> pd.DataFrame:
    return sample("lhs", factors(FACTORS), n, SEED)


def ours(n: int, reps: int, days: int, workers: int, backend: str = "processes") -> float:
    """``python -m sim.explore``'s execution (chunks, workers, Parquet parts), no analysis."""
    cfg = design_config(n, reps, days, workers, backend)
    _, _, tasks = prepare(cfg)
    with tempfile.TemporaryDirectory(prefix="bench-design-") as tmp:
        start = time.perf_counter()
        execute(cfg, tasks, Path(tmp), "bench")
        return time.perf_counter() - start


def ema(n: int, reps: int, days: int, workers: int) -> float:
    """EMA's MultiprocessingEvaluator on the adaptor, the same points."""
    from ema_workbench import MultiprocessingEvaluator, Sample

    from sim.ema import model

    m = model({k: tuple(v) for k, v in FACTORS.items()}, days=days, replications=reps, seed=SEED)
    scenarios = [Sample(f"p{i}", **row) for i, row in enumerate(points(n).to_dict("records"))]
    start = time.perf_counter()
    with MultiprocessingEvaluator(m, n_processes=workers) as evaluator:
        evaluator.perform_experiments(scenarios=scenarios)
    return time.perf_counter() - start


class PointModel(RoadmapModel):
    """``batch_run`` sweeps a product of values; a design point is one value of ``point``."""

    def __init__(self, point: dict, days: int, seed: int) -> None:
        super().__init__(days=days, seed=seed, **point)


def batch_run(n: int, reps: int, days: int, workers: int) -> float:
    """``mesa.batch_run`` with ``workers`` processes, the same points and seeds."""
    start = time.perf_counter()
    mesa.batch_run(
        PointModel,
        parameters={"point": points(n).to_dict("records"), "days": days},
        rng=replication_seeds(SEED, reps),
        number_processes=workers,
        max_steps=days,
        data_collection_period=-1,
        display_progress=False,
    )
    return time.perf_counter() - start


def run(settings: Settings) -> list[Result]:
    """A design through the explore runner against EMA's evaluator, batch_run and Ray."""
    n, reps, days = settings.design
    cases = {
        "2 processes": functools.partial(ours, n, reps, days, WORKERS),
        "1 process": functools.partial(ours, n, reps, days, 1),
        "EMA MultiprocessingEvaluator": functools.partial(ema, n, reps, days, WORKERS),
        "mesa.batch_run": functools.partial(batch_run, n, reps, days, WORKERS),
        "Ray (local)": functools.partial(ours, n, reps, days, WORKERS, "ray"),
    }
    times = interleaved(cases, settings.reps, settings.warmup)
    runs = n * reps
    rate = {name: runs / median(t) for name, t in times.items()}
    row, note = "6 design", f"{n} points x {reps} reps x {days} days, {reps_note(settings)}"
    results = [
        Result(row, f"{name}: runs per second", rate[name], "runs/s", detail=note, samples=t)
        for name, t in times.items()
    ]
    two = rate["2 processes"]
    for name, target in (("1 process", 1.8), ("EMA MultiprocessingEvaluator", 3.0)):
        results.append(
            Result(
                row,
                f"2 processes / {name}",
                two / rate[name],
                "x",
                f">= {target}x",
                two / rate[name] >= target,
            )
        )
    ratio = two / rate["mesa.batch_run"]
    results.append(Result(row, "2 processes / mesa.batch_run", ratio, "x", ">= 2x", ratio >= 2))
    return results + sobol_cost(two, rate["1 process"], row)


def sobol_cost(two: float, one: float, row: str) -> list[Result]:
    """A 10-factor Sobol analysis at the measured rates: on 2 processes, and on a 16-core
    node at the rate of a process here (the slower of 1 process and half of 2: no more
    than linear)."""
    per_process = min(two / 2, one)
    node = per_process * NODE_CORES
    results = []
    for second_order, indices in ((True, "S1, ST, S2"), (False, "S1, ST")):
        runs = design_points("saltelli", SOBOL_FACTORS, SOBOL_BASE, second_order)
        what = f"{SOBOL_FACTORS}-factor Sobol analysis ({indices}), {runs:,} runs"
        results += [
            Result(row, f"{what}: 2 processes", runs / two / 60, "min", detail="at this rate"),
            Result(
                row,
                f"{what}: a {NODE_CORES}-core node",
                runs / node / 60,
                "min",
                detail=f"{per_process:.3g} runs/s a process, as here; not measured there",
            ),
        ]
    return results
