"""Row 5: the same 400 runs as one Hydra job per scenario versus one job per seed.

What Hydra's per-job overhead costs (no target; information). The warm-up is one
small multirun of each kind (one scenario, two seeds), since a full one takes minutes.
"""

from __future__ import annotations

import functools
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.common import (
    SCENARIOS,
    WORKERS,
    Result,
    Settings,
    interleaved,
    median,
    reps_note,
    run_checked,
    wall,
)

HYDRA_COMMON = ["output.figures=false", "compare.aggregate=false"]
"""In every variant: no per-job figure and no end-of-sweep aggregation, so that what
differs is Hydra's per-job cost."""


def time_multirun(overrides: list[str], jobs: int) -> float:
    """Wall time of one ``python -m sim -m ...`` in a temporary cwd and sweep dir.

    A multirun job never raises (it writes a failed receipt), so the receipts are
    checked: a sweep whose jobs failed would look fast.
    """
    with tempfile.TemporaryDirectory(prefix="bench-hydra-") as tmp:
        sweep = Path(tmp) / "sweep"
        cmd = [sys.executable, "-m", "sim", "-m", *overrides, f"hydra.sweep.dir={sweep}"]
        seconds = wall(lambda: run_checked(cmd, cwd=Path(tmp)))
        receipts = [json.loads(r.read_text()) for r in sweep.glob("*/job.json")]
        done = sum(r.get("status") == "done" for r in receipts)
        if done != jobs:
            raise RuntimeError(f"{' '.join(cmd)}: {done} of {jobs} jobs done")
    return seconds


def hydra_variants(
    n: int, joblib: bool, scenarios: Sequence[str] = SCENARIOS
) -> dict[str, tuple[list[str], int]]:
    """The same runs split into Hydra jobs two ways: name -> (overrides, number of jobs)."""
    k = len(scenarios)
    common = [f"scenario={','.join(scenarios)}", *HYDRA_COMMON]
    per_seed = [*common, f"seed=range(0,{n})", "replications=1", "workers=1"]
    per_scenario = [*common, f"replications={n}", f"workers={WORKERS}"]
    variants = {
        f"{k} jobs (1 per scenario) x {n} reps, {WORKERS} workers": (per_scenario, k),
        f"{k * n} jobs (1 per seed), basic launcher, 1 process": (per_seed, k * n),
    }
    if joblib:
        launcher = ["hydra/launcher=joblib", f"hydra.launcher.n_jobs={WORKERS}"]
        variants[f"{k * n} jobs (1 per seed), joblib n_jobs={WORKERS}"] = (
            [*per_seed, *launcher],
            k * n,
        )
    return variants


def run(settings: Settings) -> list[Result]:
    """Per-seed Hydra jobs are the obvious but costly way; quantify what replications= saves."""
    runs = settings.sweep_seeds * len(SCENARIOS)
    for overrides, jobs in hydra_variants(2, settings.hydra_joblib, SCENARIOS[:1]).values():
        for _ in range(settings.warmup):
            time_multirun(overrides, jobs)
    variants = hydra_variants(settings.sweep_seeds, settings.hydra_joblib)
    cases = {
        name: functools.partial(time_multirun, overrides, jobs)
        for name, (overrides, jobs) in variants.items()
    }
    times = interleaved(cases, settings.reps, warmup=0)  # warmed up above
    row = "5 hydra"
    results = []
    for name, samples in times.items():
        seconds = median(samples)
        note = f"{seconds:.1f} s, {reps_note(settings)}, no figures/aggregation"
        results.append(Result(row, name, runs / seconds, "runs/s", detail=note, samples=samples))
    for other in results[1:]:
        ratio = results[0].value / other.value
        label = other.measurement.split(", ", 1)[1]
        results.append(Result(row, f"per-scenario jobs / per-seed jobs ({label})", ratio, "x"))
    return results
