"""Performance benchmark of the border roadmap model: one table, the same data as JSON.

Run from the repository root (``make bench`` does this)::

    .venv/bin/python experiments/benchmark.py            # full benchmark, 30-60 minutes
    .venv/bin/python experiments/benchmark.py --quick    # smoke check, a few minutes
    .venv/bin/python experiments/benchmark.py --joblib   # row 5 also on Hydra's joblib launcher
    .venv/bin/python experiments/benchmark.py --only scaling --only 4
    .venv/bin/python experiments/benchmark.py --profile  # where one default run spends its time

Rows and targets (from the performance issue):

1. ``default``: one default run (gated roadmap, stylised 40-sector border, 1095 days)
   takes at most 1% of the time of Mesa's Epstein civil violence example run for
   as many steps.
2. ``scaling``: 4x and 10x the sectors (patrol units scaled alike) and 4x the
   horizon cost at most 1.3x linear time.
3. ``sweep``: 4 scenarios x 100 seeds on 2 processes through our runner (tables
   streamed to Parquet) run at least 2x as many runs per second as ``mesa.batch_run``
   delivering the same daily series (a DataCollector collecting every day, results
   written to Parquet). batch_run with end-of-run summaries only is shown too.
4. ``memory``: peak resident memory of a 1,000-run sweep is at most 1.2x that of
   a 100-run sweep (bounded in-flight work, streamed output).
5. ``hydra``: the same 400 runs as one Hydra job per scenario versus one job per
   seed: what Hydra's per-job overhead costs (no target; information).
6. ``design``: a 200-point Latin hypercube x 5 replications through
   ``sim.explore``'s execution on 2 processes runs at least 1.8x as many runs per
   second as on 1 process, 3x as many as EMA's ``MultiprocessingEvaluator`` with 2
   processes on the adaptor, 2x as many as ``mesa.batch_run`` with 2 processes;
   the same design on a local Ray instance is shown (``experiments/bench/row6_design.py``).
7. ``design_memory``: peak memory of a 10,000-run design is at most 1.2x that of
   a 1,000-run design (``experiments/bench/row7_design_memory.py``).

Every row reports the median of 5 repetitions after a warm-up (``--quick``: one
repetition, no warm-up), the cases of a row interleaved round-robin so that
drift in machine load hits them alike. Row 4's warm-up is a pair of probes
whose peaks are discarded; row 5's is one small multirun of each kind (one
scenario, two seeds), since a full one takes minutes. The table says which.
Everything is written into temporary directories; nothing is left in the
repository but the JSON file.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import datetime as dt
import functools
import json
import os
import platform
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
from mesa.batchrunner import batch_run

import sim
from sim.config import load_config
from sim.incidents import (
    BORDER_INCIDENT_TYPES,
    HOSTILE_ATTEMPT_TYPES,
    TYPE_LABELS,
    IncidentType,
)
from sim.measures import MEASURE_NAMES
from sim.model import DailySeries, RoadmapModel
from sim.params import Config, validate
from sim.runner import (
    keep_pool,
    model_params,
    replication_seeds,
    run_replications,
    simulate,
)
from sim.tables import collect

RESULTS_PATH = Path(__file__).with_name("benchmark_results.json")
DAYS = 1095
SCENARIOS = ("baseline", "roadmap", "security_only", "all_at_once")
WORKERS = 2
MEMORY_DAYS = 365
ROWS = {
    "1": "default",
    "2": "scaling",
    "3": "sweep",
    "4": "memory",
    "5": "hydra",
    "6": "design",
    "7": "design_memory",
}


@dataclass(frozen=True)
class Settings:
    """How much work each row does; ``--quick`` trades precision for a fast smoke check."""

    quick: bool
    reps: int  # timed repetitions of each case, in every row
    warmup: int  # untimed repetitions before them
    sweep_seeds: int  # seeds per scenario in rows 3 and 5
    memory_runs: tuple[int, int]  # (small, large) sweep sizes in row 4
    design: tuple[int, int, int]  # (points, replications, days) in row 6
    design_memory_runs: tuple[int, int]  # (small, large) design sizes in row 7
    hydra_joblib: bool = False  # also time per-seed jobs on the joblib launcher


FULL = Settings(
    False,
    5,
    1,
    sweep_seeds=100,
    memory_runs=(100, 1000),
    design=(200, 5, DAYS),
    design_memory_runs=(1000, 10000),
)
QUICK = Settings(
    True,
    1,
    0,
    sweep_seeds=10,
    memory_runs=(10, 100),
    design=(20, 2, 365),
    design_memory_runs=(100, 1000),
)


@dataclass
class Result:
    """One line of the table; ``met`` is None for rows that only inform."""

    row: str
    measurement: str
    value: float
    unit: str
    target: str = "-"
    met: bool | None = None
    detail: str = ""
    samples: list[float] = field(default_factory=list)

    def shown(self) -> str:
        text = f"{self.value:.3g} {self.unit}".rstrip()
        return f"{text} ({self.detail})" if self.detail else text


# --- timing helpers -----------------------------------------------------------


def wall(fn: Callable[[], object], clock: Callable[[], float] = time.perf_counter) -> float:
    """Seconds of one call: wall clock by default (rows 3-5 use several processes)."""
    start = clock()
    fn()
    return clock() - start


def interleaved[K, V](cases: dict[K, Callable[[], V]], reps: int, warmup: int) -> dict[K, list[V]]:
    """What each case measures (a function returning its measurement), after a warm-up.

    Cases run round-robin so that drift in machine load affects every case alike;
    the warm-up's measurements are dropped.
    """
    for _ in range(warmup):
        for fn in cases.values():
            fn()
    values: dict[K, list[V]] = {name: [] for name in cases}
    for _ in range(reps):
        for name, fn in cases.items():
            values[name].append(fn())
    return values


def time_cases(
    cases: dict[str, Callable[[], object]],
    reps: int,
    warmup: int,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, list[float]]:
    """Times of each case (see :func:`interleaved`)."""
    timed = {name: functools.partial(wall, fn, clock) for name, fn in cases.items()}
    return interleaved(timed, reps, warmup)


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def reps_note(settings: Settings) -> str:
    """How a value was obtained, for the table."""
    warm = f"after {settings.warmup} warm-up" if settings.warmup else "no warm-up"
    if settings.reps == 1:
        return f"1 rep, {warm}"
    return f"median of {settings.reps} reps {warm}"


# --- configurations -----------------------------------------------------------


@functools.cache
def scenario_config(scenario: str, days: int = DAYS) -> Config:
    """Composed once per process: Hydra composition costs ~0.1 s, more than a short run."""
    return load_config([f"scenario={scenario}", f"days={days}"])


def scaled(config: Config, sectors: int = 1, horizon: int = 1) -> Config:
    """The config with ``sectors`` times the border length and patrol units, ``horizon`` x days.

    Provinces are lengthened (sector_km stays 20 km) so the number of sectors
    grows by the factor; patrol units per side grow alike to keep their density.
    Armed groups and smuggling networks keep their number and reach.
    """
    geo = config.geography
    provinces = [dataclasses.replace(p, length_km=p.length_km * sectors) for p in geo.provinces]
    units = config.patrol.units_per_side * sectors
    new = dataclasses.replace(
        config,
        geography=dataclasses.replace(geo, provinces=provinces),
        patrol=dataclasses.replace(config.patrol, units_per_side=units),
        days=config.days * horizon,
    )
    validate(new)
    return new


def first_seed(config: Config) -> int:
    """The seed of replication 0, so that timed runs are the runs a sweep would make."""
    return replication_seeds(config.seed, 1)[0]


def run_default(config: Config) -> Callable[[], object]:
    """One replication including its tables, as the runner makes it."""
    params, days, seed = model_params(config), config.days, first_seed(config)
    return lambda: simulate(params, days, seed)


def run_epstein(steps: int, seed: int = 42) -> Callable[[], object]:
    """Mesa's Epstein civil violence example (40x40 default), stepped ``steps`` times."""
    from mesa.examples.advanced.epstein_civil_violence.model import (
        EpsteinCivilViolence,
        EpsteinScenario,
    )

    def run() -> None:
        model = EpsteinCivilViolence(scenario=EpsteinScenario(rng=seed))
        for _ in range(steps):
            model.step()

    return run


# --- row 1: one default run against Epstein -------------------------------------


def row_default(settings: Settings) -> list[Result]:
    """A default run is cheap only relative to something: Mesa's own flagship example."""
    times = time_cases(
        {"ours": run_default(scenario_config("roadmap")), "epstein": run_epstein(DAYS)},
        settings.reps,
        settings.warmup,
    )
    ours, epstein = median(times["ours"]), median(times["epstein"])
    share = 100 * ours / epstein
    row, note = "1 default", reps_note(settings)
    return [
        Result(
            row,
            f"roadmap, 40 sectors, {DAYS} days: wall time",
            ours,
            "s",
            detail=note,
            samples=times["ours"],
        ),
        Result(
            row,
            f"Mesa Epstein civil violence 40x40, {DAYS} steps",
            epstein,
            "s",
            detail=note,
            samples=times["epstein"],
        ),
        Result(row, "default run / Epstein run", share, "%", "<= 1 %", share <= 1.0),
    ]


# --- row 2: scaling -----------------------------------------------------------


def row_scaling(settings: Settings) -> list[Result]:
    """Cost should grow linearly with sectors and days; superlinear growth flags an O(n^2)."""
    base = scenario_config("roadmap")
    variants = {
        "x1": (base, 1),
        "sectors x4": (scaled(base, sectors=4), 4),
        "sectors x10": (scaled(base, sectors=10), 10),
        "days x4": (scaled(base, horizon=4), 4),
    }
    times = time_cases(
        {name: run_default(cfg) for name, (cfg, _) in variants.items()},
        settings.reps,
        settings.warmup,
    )
    t1 = median(times["x1"])
    row = "2 scaling"
    results = [
        Result(
            row,
            f"x1: {describe(base)}: wall time",
            t1,
            "s",
            detail=reps_note(settings),
            samples=times["x1"],
        )
    ]
    for name, (cfg, k) in variants.items():
        if k == 1:
            continue
        ratio = median(times[name]) / t1
        results.append(
            Result(
                row,
                f"{name}: {describe(cfg)}: time / x1",
                ratio,
                "x",
                f"<= {1.3 * k:g}x (1.3 x linear)",
                ratio <= 1.3 * k,
                detail=f"{ratio / k:.2f} of linear",
                samples=times[name],
            )
        )
    return results


def describe(config: Config) -> str:
    """What a scaling variant contains, so the table says what was scaled."""
    sectors = sum(
        round(p.length_km / config.geography.sector_km) for p in config.geography.provinces
    )
    return f"{sectors} sectors, {config.patrol.units_per_side} units/side, {config.days} days"


# --- row 3: sweep throughput against mesa.batch_run -----------------------------


class BatchRoadmap(RoadmapModel):
    """RoadmapModel as ``mesa.batch_run`` needs it: keyword parameters and a DataCollector.

    batch_run builds models from keyword arguments (``seed`` is passed through
    because the signature names it) and reads ``datacollector``. With ``daily``,
    the DataCollector records every column of our daily timeseries each step
    (model reporters, collected every day): the textbook way to get the series
    our figures need. Without it, only the end-of-run summary is kept. Either
    way the summary is computed once, on the last day, as our runner computes it.
    Defined at module level so that batch_run's spawned processes can import it.
    """

    def __init__(
        self, scenario: str = "roadmap", seed: int = 0, days: int = DAYS, daily: bool = False
    ) -> None:
        super().__init__(model_params(scenario_config(scenario)), days, seed)
        self.daily = daily
        self.summary: dict = {}
        self.today: dict[str, float] = {}
        self._logged = 0  # incident log rows before today
        reporters: dict = {"summary": "summary"}
        if daily:
            reporters |= {name: (lambda m, k=name: m.today[k]) for name in DAILY_COLUMNS}
        self.datacollector = mesa.DataCollector(model_reporters=reporters)

    def step(self) -> None:
        super().step()
        if self.daily:
            self._count_today()
        last = self.steps >= self.days
        if last:
            self.summary = collect(self).summary
            self.running = False
        if self.daily or last:
            self.datacollector.collect(self)

    def _count_today(self) -> None:
        """Today's row of the timeseries: counts of today's log entries, the agents' state."""
        n_types = len(IncidentType)
        rows = self.log.rows[self._logged :]
        self._logged = len(self.log.rows)
        counts, detected = [0] * n_types, [0] * n_types
        for r in rows:
            counts[r[3]] += 1
            detected[r[3]] += r[5]
        attempts = sum(counts[t] for t in HOSTILE_ATTEMPT_TYPES)
        values = self.series.rows[self.day]
        state = {  # floats, as in our table
            name: float(v)
            for name, v in zip(DailySeries.STATE, values[: len(DailySeries.STATE)], strict=True)
        }
        self.today.clear()
        self.today.update(
            day=self.day,
            border_incidents=sum(counts[t] for t in BORDER_INCIDENT_TYPES),
            **dict(zip(TYPE_LABELS, counts, strict=True)),
            casualties=sum(r[6] for r in rows),
            detection_rate=sum(detected[t] for t in HOSTILE_ATTEMPT_TYPES) / attempts
            if attempts
            else float("nan"),
            trust=0.5 * (state["trust_a"] + state["trust_b"]),
            tension=0.5 * (state["tension_a"] + state["tension_b"]),
            **state,
            arms_delivered=float(self.series.arms_delivered[self.day]),
            **dict(zip(LEVEL_COLUMNS, values[len(DailySeries.STATE) :], strict=True)),
        )


LEVEL_COLUMNS = tuple(f"level_{m}" for m in MEASURE_NAMES)
DAILY_COLUMNS = (
    "day",
    "border_incidents",
    *TYPE_LABELS,
    "casualties",
    "detection_rate",
    "trust",
    "tension",
    *DailySeries.STATE,
    "arms_delivered",
    *LEVEL_COLUMNS,
)
"""The timeseries columns the daily DataCollector records (all of ours but ``month``)."""


def sweep_ours(seeds: int, out: Path) -> pd.DataFrame:
    """Our way: one run_replications per scenario, 2 worker processes, Parquet on disk.

    The scenarios share one pool of worker processes, as the jobs of a Hydra
    multirun do; it is stopped at the end. (The forkserver the pools fork
    from is started once per benchmark process, by the first sweep.)
    """
    frames = []
    keep_pool(True)
    try:
        for scenario in SCENARIOS:
            cfg = dataclasses.replace(
                scenario_config(scenario), replications=seeds, workers=WORKERS
            )
            frames.append(run_replications(cfg, out / scenario))
    finally:
        keep_pool(False)
    return pd.concat(frames, ignore_index=True)


def sweep_batch_run(
    seeds: list[int],
    daily: bool,
    out: Path,
    scenarios: Sequence[str] = SCENARIOS,
    processes: int = WORKERS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mesa's way: batch_run over scenario x seed, results to Parquet at the end.

    Returns the runs (one summary row each) and, with ``daily``, the daily series.
    """
    rows = batch_run(
        BatchRoadmap,
        parameters={"scenario": list(scenarios), "days": DAYS, "daily": daily},
        number_processes=processes,
        max_steps=DAYS,
        data_collection_period=1 if daily else -1,
        display_progress=False,
        rng=seeds,
    )
    table = pd.DataFrame(rows)
    last = table[table["Step"] == table["Step"].max()]
    runs = pd.DataFrame(
        [{"scenario": r.scenario, "seed": r.seed, **r.summary} for r in last.itertuples()]
    )
    runs.to_parquet(out / "runs.parquet", index=False)
    series = table.drop(columns="summary") if daily else pd.DataFrame()
    if daily:
        series.to_parquet(out / "timeseries.parquet", index=False)
    return runs, series


def same_numbers(
    ours: pd.DataFrame, theirs: pd.DataFrame, keys: list[str], values: Sequence[str]
) -> bool:
    """Both ways must compute the same runs, else the throughput comparison is meaningless."""
    cols = [*keys, *values]
    a = ours[cols].sort_values(keys).reset_index(drop=True)
    b = theirs[cols].sort_values(keys).reset_index(drop=True)
    if a.equals(b):
        return True
    diff = a.compare(b) if a.shape == b.shape else f"{len(a)} vs {len(b)} rows"
    print(f"runner and batch_run disagree on {keys}:\n{diff}", file=sys.stderr)
    return False


def same_series(out: Path, theirs: pd.DataFrame) -> bool:
    """Our timeseries tables against batch_run's daily DataCollector rows."""
    ours = pd.concat(pd.read_parquet(out / s / "timeseries.parquet") for s in SCENARIOS)
    values = [c for c in DAILY_COLUMNS if c != "day"]
    theirs = theirs.astype({"phase": ours["phase"].dtype})  # a DataCollector keeps floats
    return same_numbers(ours, theirs, ["scenario", "seed", "day"], values)


def per_run_work(seeds: list[int], reps: int, warmup: int) -> dict[str, list[float]]:
    """CPU milliseconds per run in one process: the model alone, and each way of sweeping it.

    Shows where row 3's ratio comes from: both ways run the same model, so they
    differ only by the work they add to each run (tables and Parquet for the
    runner; the daily DataCollector, batch_run's rows, the table and Parquet for
    batch_run; batch_run in one process skips pickling rows to a parent). CPU
    time, and the least of the repetitions, because on a shared machine other
    load only ever adds to a measurement.
    """
    cfg = dataclasses.replace(scenario_config("roadmap"), replications=len(seeds), workers=1)
    assert replication_seeds(cfg.seed, len(seeds)) == seeds
    params = model_params(cfg)

    def model() -> None:
        for seed in seeds:
            RoadmapModel(params, DAYS, seed).run()

    def ours() -> None:
        with tempfile.TemporaryDirectory(prefix="bench-one-") as tmp:
            run_replications(cfg, Path(tmp))

    def theirs() -> None:
        with tempfile.TemporaryDirectory(prefix="bench-one-") as tmp:
            sweep_batch_run(seeds, True, Path(tmp), scenarios=("roadmap",), processes=1)

    cases = {"model": model, "ours": ours, "theirs": theirs}
    times = time_cases(cases, reps, warmup, clock=time.process_time)
    return {k: [1000 * t / len(seeds) for t in v] for k, v in times.items()}


def row_sweep(settings: Settings) -> list[Result]:
    """The runner exists to beat a plain batch_run; measure that on identical work.

    Like for like, batch_run collects the daily series with a DataCollector and
    both write their tables to Parquet; batch_run with end-of-run summaries
    only (less output than ours) is shown too. The sweeps take turns (ours,
    batch_run daily, batch_run summaries, ours, ...) so that a spell of load
    from elsewhere on the machine does not land on one of them only; the
    ratio of each repetition (ours and batch_run back to back) is kept too.
    The warm-up round starts the forkserver and fills the caches.
    """
    n = settings.sweep_seeds
    base_seeds = {scenario_config(s).seed for s in SCENARIOS}
    assert len(base_seeds) == 1, "scenarios must share the base seed for paired runs"
    seeds = replication_seeds(base_seeds.pop(), n)
    out: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        ours_dir = Path(tmp) / "ours"

        def ours() -> None:
            shutil.rmtree(ours_dir, ignore_errors=True)
            out["ours"] = sweep_ours(n, ours_dir)

        def theirs(daily: bool) -> Callable[[], None]:
            def run() -> None:
                with tempfile.TemporaryDirectory(prefix="bench-batch-") as where:
                    out["daily" if daily else "summaries"] = sweep_batch_run(
                        seeds, daily, Path(where)
                    )

            return run

        cases = {"ours": ours, "daily": theirs(True), "summaries": theirs(False)}
        times = time_cases(cases, settings.reps, settings.warmup)
        series_same = same_series(ours_dir, out["daily"][1])  # checked outside the timing
    work = per_run_work(seeds[: settings.reps], settings.reps, settings.warmup)
    each = {k: min(v) for k, v in work.items()}
    t = {name: median(samples) for name, samples in times.items()}
    paired = [d / o for d, o in zip(times["daily"], times["ours"], strict=True)]
    runs = n * len(SCENARIOS)
    row, what = "3 sweep", f"{len(SCENARIOS)} scenarios x {n} seeds, {WORKERS} processes"
    note = reps_note(settings)
    keys, values = ["scenario", "seed"], ["border_incidents", "casualties", "final_trust"]
    same_daily = same_numbers(out["ours"], out["daily"][0], keys, values)
    same_daily = same_daily and series_same
    same_summaries = same_numbers(out["ours"], out["summaries"][0], keys, values)

    def rate(who: str, output: str, case: str) -> Result:
        """Runs per second of one of the three sweeps."""
        measurement, detail = f"{who}, {what}: {output}", f"{t[case]:.1f} s, {note}"
        return Result(
            row, measurement, runs / t[case], "runs/s", detail=detail, samples=times[case]
        )

    def adds(work_added: str, case: str, detail: str = "") -> Result:
        """What one way of sweeping adds to a run (cases ran interleaved: samples pair up)."""
        paired = [a - b for a, b in zip(work[case], work["model"], strict=True)]
        added = each[case] - each["model"]
        return Result(row, f"  + {work_added}", added, "ms", detail=detail, samples=paired)

    return [
        rate("project runner", "runs, daily series, incidents to Parquet", "ours"),
        rate("mesa.batch_run + DataCollector", "runs, daily series to Parquet", "daily"),
        Result(
            row,
            "runner / batch_run with the same daily series",
            t["daily"] / t["ours"],
            "x",
            ">= 2x",
            t["daily"] / t["ours"] >= 2.0,
            detail=(
                ("identical runs and series" if same_daily else "DIFFER")
                + (
                    f"; per repetition {min(paired):.2f}-{max(paired):.2f}x"
                    if len(paired) > 1
                    else ""
                )
            ),
            samples=paired,
        ),
        rate("mesa.batch_run", "end-of-run summaries only", "summaries"),
        Result(
            row,
            "runner / batch_run with summaries only (less output than ours)",
            t["summaries"] / t["ours"],
            "x",
            detail="identical summaries" if same_summaries else "DIFFER",
        ),
        Result(
            row,
            "one run in one process: the model alone (CPU time)",
            each["model"],
            "ms",
            detail=f"least of {settings.reps} reps of {settings.reps} seed(s)",
            samples=work["model"],
        ),
        adds("what the runner adds (tables, Parquet)", "ours"),
        adds(
            "what batch_run adds (daily DataCollector, rows, Parquet)",
            "theirs",
            f"per run, batch_run / runner = {each['theirs'] / each['ours']:.2f}x",
        ),
    ]


# --- row 4: memory --------------------------------------------------------------


def maxrss_mb(who: int) -> float:
    """Peak resident set size in MB (ru_maxrss is KiB on Linux, bytes on macOS)."""
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(who).ru_maxrss * scale / 2**20


def stop_forkserver() -> None:
    """Reap the runner's forkserver, so RUSAGE_CHILDREN covers it and the workers it reaped.

    The workers are children of the forkserver, not of this process, and the
    forkserver lives until this process exits; only once it is waited for does
    the kernel fold the workers' peak into our RUSAGE_CHILDREN. Private API,
    acceptable in a benchmark.
    """
    from multiprocessing import forkserver

    forkserver._forkserver._stop()


def memory_probe(runs: int, days: int, out: Path) -> None:
    """Body of the fresh subprocess of row 4: one sweep, then its peak memory as JSON."""
    cfg = dataclasses.replace(scenario_config("roadmap", days), replications=runs, workers=WORKERS)
    run_replications(cfg, out)
    stop_forkserver()
    peak = {
        "parent_mb": maxrss_mb(resource.RUSAGE_SELF),
        "child_mb": maxrss_mb(resource.RUSAGE_CHILDREN),
        "parent_vmhwm_mb": vmhwm_mb(),
    }
    print(json.dumps(peak))


def vmhwm_mb() -> float | None:
    """Linux's own peak RSS of this process image, a cross-check of ru_maxrss."""
    status = Path("/proc/self/status")
    if not status.is_file():
        return None
    for line in status.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


LAUNCHER = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"
"""Runs its arguments as a grandchild of the benchmark. Linux carries the peak RSS of
the process image an exec replaces into ru_maxrss, so a probe exec'd straight from
this (large) process would report the benchmark's own peak; a grandchild of a small
interpreter starts from that interpreter's few MB instead."""


def probe_memory(runs: int, days: int) -> dict[str, float]:
    """A fresh interpreter per sweep: a process's peak RSS never goes down."""
    script = str(Path(__file__).resolve())
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        probe = [sys.executable, script, "--memory-probe", str(runs), str(days), tmp]
        out = run_checked([sys.executable, "-c", LAUNCHER, *probe], cwd=Path(tmp))
    return json.loads(out.strip().splitlines()[-1])


def row_memory(settings: Settings) -> list[Result]:
    """Memory must not grow with the number of runs: the runner streams, it does not collect."""
    small, large = settings.memory_runs
    probes = interleaved(
        {n: functools.partial(probe_memory, n, MEMORY_DAYS) for n in (small, large)},
        settings.reps,
        settings.warmup,
    )
    row = "4 memory"
    results = []
    for key, name in (("parent_mb", "parent"), ("child_mb", "largest child")):
        peaks = {n: [p[key] for p in probes[n]] for n in probes}
        low, high = median(peaks[small]), median(peaks[large])
        ratio = high / low
        results.append(
            Result(
                row,
                f"peak RSS {name}, {large} vs {small} runs ({MEMORY_DAYS} days, {WORKERS} workers)",
                ratio,
                "x",
                "<= 1.2x",
                ratio <= 1.2,
                detail=f"{low:.0f} -> {high:.0f} MB, {reps_note(settings)}",
                samples=[a / b for a, b in zip(peaks[large], peaks[small], strict=True)],
            )
        )
    return results


# --- row 5: Hydra overhead --------------------------------------------------------


def run_checked(cmd: list[str], cwd: Path) -> str:
    """Run a command, returning stdout; fail loudly with its stderr tail."""
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-20:])
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{tail}")
    return proc.stdout


HYDRA_COMMON = ["output.figures=false", "~hydra.callbacks.sweep"]
"""In every variant: no per-job figure and no end-of-sweep aggregation, so that what
differs is Hydra's per-job cost. (The aggregation callback also fails on seed sweeps
with replications=1: "cannot reindex on an axis with duplicate labels".)"""


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


def row_hydra(settings: Settings) -> list[Result]:
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


# --- output -----------------------------------------------------------------------

# --- rows 6 and 7: designs ---------------------------------------------------------


def row_design(settings: Settings) -> list[Result]:
    """A design through the explore runner against EMA's evaluator, batch_run and Ray."""
    from bench import row6_design as r6

    n, reps, days = settings.design
    cases = {
        "2 processes": functools.partial(r6.ours, n, reps, days, WORKERS),
        "1 process": functools.partial(r6.ours, n, reps, days, 1),
        "EMA MultiprocessingEvaluator": functools.partial(r6.ema, n, reps, days, WORKERS),
        "mesa.batch_run": functools.partial(r6.batch_run, n, reps, days, WORKERS),
        "Ray (local)": functools.partial(r6.ours, n, reps, days, WORKERS, "ray"),
    }
    times = interleaved(cases, settings.reps, settings.warmup)
    runs = n * reps
    rate = {name: runs / median(t) for name, t in times.items()}
    row, note = "6 design", f"{n} points x {reps} reps x {days} days, {reps_note(settings)}"
    results = [
        Result(row, f"{name}: runs per second", rate[name], "runs/s", detail=note, samples=t)
        for name, t in times.items()
    ]
    ours = rate["2 processes"]
    for name, target in (("1 process", 1.8), ("EMA MultiprocessingEvaluator", 3.0)):
        results.append(
            Result(
                row,
                f"2 processes / {name}",
                ours / rate[name],
                "x",
                f">= {target}x",
                ours / rate[name] >= target,
            )
        )
    ratio = ours / rate["mesa.batch_run"]
    results.append(Result(row, "2 processes / mesa.batch_run", ratio, "x", ">= 2x", ratio >= 2))
    return results


def probe_design_memory(runs: int, days: int) -> dict[str, float]:
    """Row 7's probe in a fresh interpreter (see LAUNCHER)."""
    probe = [sys.executable, "-m", "bench.row7_design_memory", str(runs), str(days), str(WORKERS)]
    out = run_checked([sys.executable, "-c", LAUNCHER, *probe], cwd=Path(__file__).parent)
    return json.loads(out.strip().splitlines()[-1])


def row_design_memory(settings: Settings) -> list[Result]:
    """A design's rows stream to Parquet part by part: memory must not grow with its size."""
    small, large = settings.design_memory_runs
    probes = interleaved(
        {n: functools.partial(probe_design_memory, n, MEMORY_DAYS) for n in (small, large)},
        settings.reps,
        settings.warmup,
    )
    results = []
    for key, name in (("parent_mb", "parent"), ("child_mb", "largest child")):
        low = median([p[key] for p in probes[small]])
        high = median([p[key] for p in probes[large]])
        results.append(
            Result(
                "7 design memory",
                f"peak RSS {name}, {large} vs {small}-run design ({MEMORY_DAYS} days)",
                high / low,
                "x",
                "<= 1.2x",
                high / low <= 1.2,
                detail=f"{low:.0f} -> {high:.0f} MB, {reps_note(settings)}",
            )
        )
    return results


ROW_FUNCTIONS: dict[str, Callable[[Settings], list[Result]]] = {
    "default": row_default,
    "scaling": row_scaling,
    "sweep": row_sweep,
    "memory": row_memory,
    "hydra": row_hydra,
    "design": row_design,
    "design_memory": row_design_memory,
}


def machine_info() -> dict[str, object]:
    """Enough to tell whether two result files are comparable."""
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "sim_version": sim.__version__,
        "mesa_version": mesa.__version__,
        "numpy_version": np.__version__,
    }


def format_table(results: Iterable[Result]) -> str:
    """Plain aligned text: one header, one line per measurement."""
    header = ("row", "measurement", "value", "target", "met?")
    lines = [
        (r.row, r.measurement, r.shown(), r.target, {None: "-", True: "yes", False: "NO"}[r.met])
        for r in results
    ]
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(len(header))]

    def fmt(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(header), rule, *(fmt(line) for line in lines)])


def load_average() -> float | None:
    """1-minute load average: other work on a 2-core machine shows up in every timing."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


def write_json(
    path: Path, settings: Settings, rows: list[str], results: list[Result], run: dict
) -> None:
    """The same data as the table, plus the settings and machine, for later comparison."""
    data = {
        "machine": machine_info(),
        "quick": settings.quick,
        "rows": rows,
        "run": run,
        "settings": dataclasses.asdict(settings),
        "results": [dataclasses.asdict(r) for r in results],
    }
    path.write_text(json.dumps(data, indent=2) + "\n")


# --- profile ------------------------------------------------------------------------


def profile_default(top: int = 15) -> None:
    """Where a default run's time goes: top functions by cumulative and by own time."""
    fn = run_default(scenario_config("roadmap"))
    fn()  # warm-up: imports and caches are not the run's cost
    profiler = cProfile.Profile()
    profiler.runcall(fn)
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    entries = stats.stats.items()
    print(f"one default run under cProfile: {total:.2f} s")
    for title, index in (("cumulative", 3), ("own (tottime)", 2)):
        print(f"\ntop {top} by {title} time")
        ranked = sorted(entries, key=lambda item: item[1][index], reverse=True)[:top]
        for (path, line, name), values in ranked:
            where = f"{Path(path).name}:{line}({name})" if line else name
            print(f"  {100 * values[index] / total:5.1f} %  {values[1]:>8} calls  {where}")


# --- command line -------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer reps and runs; smoke check")
    parser.add_argument(
        "--only",
        action="append",
        choices=[*ROWS, *ROWS.values()],
        metavar="ROW",
        help=f"run only this row (repeatable): {', '.join(f'{k}/{v}' for k, v in ROWS.items())}",
    )
    parser.add_argument(
        "--joblib",
        action="store_true",
        help="row 5 also times per-seed jobs on Hydra's joblib launcher (about 10 more minutes)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS_PATH, help="JSON results file")
    parser.add_argument("--profile", action="store_true", help="profile one default run and exit")
    parser.add_argument("--memory-probe", nargs=3, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if args.memory_probe:
        runs, days, out = args.memory_probe
        memory_probe(int(runs), int(days), Path(out))
        return
    if args.profile:
        profile_default()
        return
    settings = dataclasses.replace(QUICK if args.quick else FULL, hydra_joblib=args.joblib)
    wanted = {ROWS.get(r, r) for r in args.only or ROW_FUNCTIONS}
    rows = [name for name in ROW_FUNCTIONS if name in wanted]
    start, load_start = time.perf_counter(), load_average()
    results: list[Result] = []
    for name in rows:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        done = ROW_FUNCTIONS[name](settings)
        print(format_table(done), file=sys.stderr, flush=True)  # kept if a later row fails
        results += done
    print(format_table(results))
    run = {
        "elapsed_s": round(time.perf_counter() - start, 1),
        "load_average_start": load_start,
        "load_average_end": load_average(),
    }
    write_json(args.output, settings, rows, results, run)
    print(f"\nwritten {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
