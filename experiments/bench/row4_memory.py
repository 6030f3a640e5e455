"""Row 4: peak resident memory of a 1,000-run sweep against a 100-run sweep.

Target: at most 1.2x (bounded in-flight work, streamed output). Each size runs in
a fresh interpreter (``python -m bench.row4_memory RUNS DAYS``, see ``bench.memory``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from bench.common import WORKERS, Result, Settings, scenario_config
from bench.memory import memory_rows, probe_main
from sim.runs.runner import run_replications


def sweep(runs: int, days: int, out: Path) -> None:
    """What a probe measures: one sweep of ``runs`` replications on the runner."""
    cfg = dataclasses.replace(scenario_config("roadmap", days), replications=runs, workers=WORKERS)
    run_replications(cfg, out)


def run(settings: Settings) -> list[Result]:
    """Memory must not grow with the number of runs: the runner streams, it does not collect."""
    return memory_rows(
        "4 memory",
        "row4_memory",
        settings.memory_runs,
        settings,
        f"peak RSS {{who}}, {{large}} vs {{small}} runs ({{days}} days, {WORKERS} workers)",
    )


if __name__ == "__main__":
    probe_main(sweep)
