"""Row 7: a design's peak memory must not grow with its number of runs (rows stream to Parquet).

Target: a 10,000-run design at most 1.2x the peak of a 1,000-run design. Each
size runs in a fresh interpreter (``python -m bench.row7_design_memory RUNS
DAYS``, see ``bench.memory``).
"""

from __future__ import annotations

from pathlib import Path

from bench.common import WORKERS, Result, Settings
from bench.memory import memory_rows, probe_main
from bench.row6_design import design_config
from sim.explore.chunks import execute
from sim.explore.command import prepare

REPS = 10
"""Replications per point: runs = points x REPS."""


def design(runs: int, days: int, out: Path) -> None:
    """What a probe measures: a Latin hypercube of ``runs`` runs on the explore runner."""
    cfg = design_config(runs // REPS, REPS, days, WORKERS, "processes")
    _, _, tasks = prepare(cfg)
    execute(cfg, tasks, out, "bench")


def run(settings: Settings) -> list[Result]:
    """A design's rows stream to Parquet part by part: memory must not grow with its size."""
    return memory_rows(
        "7 design memory",
        "row7_design_memory",
        settings.design_memory_runs,
        settings,
        "peak RSS {who}, {large} vs {small}-run design ({days} days)",
    )


if __name__ == "__main__":
    probe_main(design)
