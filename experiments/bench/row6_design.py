"""Row 6: an experimental design on the project's explore runner against EMA, batch_run and Ray.

Every case runs the same design points with the same replication seeds. Each
function returns the wall time of one pass; ``benchmark.py`` repeats and
reports them.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import mesa
import pandas as pd

from sim.designs import factors, sample
from sim.explore import DesignParams, ExploreConfig, execute, prepare
from sim.model import RoadmapModel
from sim.runner import replication_seeds

FACTORS = {
    "patrol.sweep_rate": [0.2, 1.0],
    "armed_groups.attempt_rate": [0.06, 0.24],
    "governments.blame": [0.2, 0.9],
}
SEED = 0


def design_config(points: int, reps: int, days: int, workers: int, backend: str) -> ExploreConfig:
    explore = DesignParams(
        design="lhs", points=points, factors=dict(FACTORS), backend=backend, chunk_points=10
    )
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
