"""Row 3: sweep throughput of the project's runner against ``mesa.batch_run``.

4 scenarios x 100 seeds on 2 processes through our runner (tables streamed to
Parquet) must run at least 2x as many runs per second as ``mesa.batch_run``
delivering the same daily series (a DataCollector collecting every day, results
written to Parquet), and what the runner adds to a run (its tables and Parquet)
must cost at most 10% of the model's own work: per run, in a job of a sweep's size
(100 runs), with the job's fixed cost shown beside it. batch_run with end-of-run
summaries only is shown too.
"""

from __future__ import annotations

import dataclasses
import itertools
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from unittest import mock

import mesa
import pandas as pd
from mesa.batchrunner import batch_run

from bench.common import (
    DAYS,
    SCENARIOS,
    WORKERS,
    Result,
    Settings,
    median,
    reps_note,
    scenario_config,
    time_cases,
)
from sim.model.incidents import (
    BORDER_INCIDENT_TYPES,
    HOSTILE_ATTEMPT_TYPES,
    TYPE_LABELS,
    IncidentType,
)
from sim.model.measures import MEASURE_NAMES
from sim.model.model import DailySeries, RoadmapModel
from sim.runs import runner
from sim.runs.pool import keep_pool
from sim.runs.runner import model_params, replication_seeds, run_replications
from sim.runs.tables import RunTables, collect


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


JOB_SIZES = (5, 100)
"""Runs per job in :func:`runner_work`: the 5-run job of :func:`per_run_work`, and a
sweep's job (row 3 runs 100 seeds per scenario)."""


def runner_work(seeds: list[int], reps: int, warmup: int) -> dict[int, list[float]]:
    """CPU milliseconds of the runner's own work for a job of each of JOB_SIZES runs.

    The runner's cost is measured directly, not as the difference of two timings of
    the model (which the model's own variation would swamp): the models of ``seeds``
    are run once, beforehand, and each job's replications then take one of these
    finished models in turn (``simulate`` replays it), so a job does everything a
    real one does (its config hash, seeds, draws, staging, the tables of every run
    built from the finished model, Parquet parts, the runs table, the renames) but
    the model's days. Two job sizes separate the cost per run (the slope) from the
    job's fixed cost (the intercept). In one process (``workers=1``).
    """
    cfg = dataclasses.replace(scenario_config("roadmap"), workers=1)
    params = model_params(cfg)
    finished = [RoadmapModel(params, DAYS, seed).run() for seed in seeds]
    once, again = ([collect(m).summary for m in finished] for _ in range(2))
    assert pd.DataFrame(once).equals(pd.DataFrame(again)), "collect must not change a model"
    turn = itertools.count()

    def replay(_params: object, _days: int, _seed: int) -> RunTables:
        return collect(finished[next(turn) % len(finished)])

    def job(n: int) -> Callable[[], None]:
        def one() -> None:
            with tempfile.TemporaryDirectory(prefix="bench-runner-") as tmp:
                run_replications(dataclasses.replace(cfg, replications=n), Path(tmp))

        return one

    with mock.patch.object(runner, "simulate", replay):
        cases = {n: job(n) for n in JOB_SIZES}
        times = time_cases(cases, reps, warmup, clock=time.process_time)
    return {n: [1000 * t for t in v] for n, v in times.items()}


def run(settings: Settings) -> list[Result]:
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
    jobs = runner_work(seeds[: settings.reps], settings.reps, settings.warmup)
    small, big = JOB_SIZES
    # least of the repetitions, as for the model: other load only ever adds
    slopes = [(b - a) / (big - small) for a, b in zip(jobs[small], jobs[big], strict=True)]
    per_run = (min(jobs[big]) - min(jobs[small])) / (big - small)
    fixed = min(jobs[small]) - small * per_run
    runner_share = 100 * per_run / each["model"]
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

    def versus(what: str, case: str, detail: str, target: float | None = None) -> Result:
        """How many times the runner's rate one of batch_run's sweeps is (per repetition too)."""
        ratio = t[case] / t["ours"]
        return Result(
            row,
            f"runner / batch_run with {what}",
            ratio,
            "x",
            "-" if target is None else f">= {target:g}x",
            None if target is None else ratio >= target,
            detail=detail,
            samples=[d / o for d, o in zip(times[case], times["ours"], strict=True)],
        )

    def adds(work_added: str, case: str, detail: str = "") -> Result:
        """What one way of sweeping adds to a run (cases ran interleaved: samples pair up)."""
        paired = [a - b for a, b in zip(work[case], work["model"], strict=True)]
        added = each[case] - each["model"]
        return Result(row, f"  + {work_added}", added, "ms", detail=detail, samples=paired)

    return [
        rate("project runner", "runs, daily series, incidents to Parquet", "ours"),
        rate("mesa.batch_run + DataCollector", "runs, daily series to Parquet", "daily"),
        versus(
            "the same daily series",
            "daily",
            ("identical runs and series" if same_daily else "DIFFER")
            + (f"; per repetition {min(paired):.2f}-{max(paired):.2f}x" if len(paired) > 1 else ""),
            target=2.0,
        ),
        rate("mesa.batch_run", "end-of-run summaries only", "summaries"),
        versus(
            "summaries only (less output than ours)",
            "summaries",
            "identical summaries" if same_summaries else "DIFFER",
        ),
        Result(
            row,
            "one run in one process: the model alone (CPU time)",
            each["model"],
            "ms",
            detail=f"least of {settings.reps} reps of {settings.reps} seed(s)",
            samples=work["model"],
        ),
        adds(
            f"what the runner adds to a {len(seeds[: settings.reps])}-run job, per run",
            "ours",
            "its per-run work and its fixed costs / runs; difference of two timings",
        ),
        Result(
            row,
            f"  the runner's own work per run, in a job of {big} runs (CPU time)",
            per_run,
            "ms",
            detail=(
                "tables and Parquet parts of each run, measured with finished models "
                f"replayed: (job of {big} - job of {small}) / {big - small}"
            ),
            samples=slopes,
        ),
        Result(
            row,
            "  the runner's fixed cost per job (CPU time)",
            fixed,
            "ms",
            detail=(
                "config hash, seeds, staging, part files' opening, runs table, renames; "
                f"{fixed / big:.2f} ms a run in a job of {big}"
            ),
            samples=[a - small * s for a, s in zip(jobs[small], slopes, strict=True)],
        ),
        Result(
            row,
            "  the runner's own cost per run / the model's",
            runner_share,
            "%",
            "<= 10 %",
            runner_share <= 10,
            detail=f"{per_run:.2f} ms / {each['model']:.1f} ms; with the fixed cost of a "
            f"{big}-run job: {100 * (per_run + fixed / big) / each['model']:.1f} %",
        ),
        adds(
            "what batch_run adds (daily DataCollector, rows, Parquet)",
            "theirs",
            f"per run, batch_run / runner = {each['theirs'] / each['ours']:.2f}x",
        ),
    ]
