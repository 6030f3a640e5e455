"""Row 7: a design's peak memory must not grow with its number of runs (rows stream to Parquet).

``probe`` runs in a fresh interpreter (``python -m bench.row7_design_memory
RUNS DAYS WORKERS`` from ``experiments/``, through ``benchmark.LAUNCHER``) and
prints its own and its children's peak RSS as JSON.
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
from pathlib import Path

from bench.row6_design import design_config
from sim.explore import execute, prepare

REPS = 10
"""Replications per point: runs = points x REPS."""


def probe(runs: int, days: int, workers: int) -> None:
    cfg = design_config(runs // REPS, REPS, days, workers, "processes")
    _, _, tasks = prepare(cfg)
    with tempfile.TemporaryDirectory(prefix="bench-design-memory-") as tmp:
        execute(cfg, tasks, Path(tmp), "bench")
    from multiprocessing import forkserver

    forkserver._forkserver._stop()  # reap workers so RUSAGE_CHILDREN covers them
    scale = 1 if sys.platform == "darwin" else 1024
    peak = {
        "parent_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20,
        "child_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale / 2**20,
    }
    print(json.dumps(peak))


if __name__ == "__main__":
    probe(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
