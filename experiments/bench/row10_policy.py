"""Row 10: a policy search's evaluations on the project's backends against EMA's evaluator.

A search spends its time running every policy of a generation in every world. The row
times one such batch: P policies (a Latin hypercube over four numeric levers) x W
worlds (a Latin hypercube over three deep uncertainties, each world its own seed), one
run each, through ``sim.policy``'s batch evaluation (the runs, and the batch's part
written to Parquet) on 2 processes, 1 process, a local Ray and a local Dask cluster,
and the same policies x worlds as EMA's ``MultiprocessingEvaluator`` runs them on the
adaptor (``perform_experiments(scenarios=worlds, policies=policies)``, one replication
each: the same number of runs of the same length; EMA's experiments share one seed).
Every case's start-up (worker processes, clusters) is paid in the warm-up, as a search
pays it once for all its generations; the row measures a batch in steady state.
Targets: 2 processes at least 1.8x 1 process, and at least as fast as EMA on 2 processes.
"""

from __future__ import annotations

import functools
import tempfile
import time
from pathlib import Path

from bench.common import WORKERS, Result, Settings, interleaved, median, reps_note
from sim.explore.designs import factors, sample
from sim.policy.levers import Lever, policy_key
from sim.policy.params import LeverParams, PolicySettings
from sim.policy.search import Evaluations
from sim.runs.backends import close_clients
from sim.runs.draws import Draw
from sim.runs.runner import replication_seeds

LEVERS = {
    "measures.joint_patrols.intensity": [0.0, 1.0],
    "measures.drones.intensity": [0.0, 1.0],
    "phases.min_trust.0": [0.2, 0.6],
    "phases.max_incidents_per_month.0": [10.0, 30.0],
}
UNCERTAINTIES = {
    "armed_groups.threat_response": [0.0, 2.0],
    "armed_groups.target_value": [0.0, 0.3],
    "governments.friction_rate": [0.002, 0.03],
}
SEED = 0


def batch(policies: int, worlds: int) -> tuple[list[dict], list[dict]]:
    """The policies' lever values and the worlds' uncertain values, both Latin hypercubes."""
    levers = sample("lhs", factors(LEVERS), policies, SEED).to_dict("records")
    world = sample("lhs", factors(UNCERTAINTIES), worlds, SEED + 1).to_dict("records")
    return levers, world


def ours(policies: int, worlds: int, days: int, workers: int, backend: str) -> float:
    """One batch through ``sim.policy``'s evaluation on ``backend``."""
    levers, world = batch(policies, worlds)
    cfg = PolicySettings(
        days=days,
        seed=SEED,
        workers=workers,
        backend=backend,
        levers=[LeverParams(k, *v) for k, v in LEVERS.items()],
    )
    seeds = replication_seeds(SEED, worlds)
    table = [(i, s, Draw(-1, w)) for i, (s, w) in enumerate(zip(seeds, world, strict=True))]
    lever_list = [Lever(k, *v) for k, v in LEVERS.items()]
    with tempfile.TemporaryDirectory(prefix="bench-policy-") as tmp:
        ev = Evaluations(cfg, lever_list, tuple(table), Path(tmp), "bench")
        jobs = [ev.job(policy_key(values), values) for values in levers]
        start = time.perf_counter()
        ev.run("00000", jobs)
        return time.perf_counter() - start


def ema(policies: int, worlds: int, days: int, workers: int) -> float:
    """EMA's MultiprocessingEvaluator on the adaptor: the same policies x worlds."""
    from ema_workbench import MultiprocessingEvaluator, Sample

    from sim.ema import model

    levers, world = batch(policies, worlds)
    m = model(
        {k: tuple(v) for k, v in UNCERTAINTIES.items()},
        {k: tuple(v) for k, v in LEVERS.items()},
        outcomes=["border_incidents_per_month", "casualties_per_month", "spend_roadmap"],
        days=days,
        replications=1,
        seed=SEED,
    )
    scenarios = [Sample(f"w{i}", **w) for i, w in enumerate(world)]
    chosen = [Sample(f"p{i}", **p) for i, p in enumerate(levers)]
    start = time.perf_counter()
    with MultiprocessingEvaluator(m, n_processes=workers) as evaluator:
        evaluator.perform_experiments(scenarios=scenarios, policies=chosen)
    return time.perf_counter() - start


def run(settings: Settings) -> list[Result]:
    """A batch of policies x worlds on 2 processes, 1 process, Ray, Dask and EMA."""
    p, w, days = settings.policy
    cases = {
        "2 processes": functools.partial(ours, p, w, days, WORKERS, "processes"),
        "1 process": functools.partial(ours, p, w, days, 1, "processes"),
        "Ray (local)": functools.partial(ours, p, w, days, WORKERS, "ray"),
        "Dask (local)": functools.partial(ours, p, w, days, WORKERS, "dask"),
        "EMA MultiprocessingEvaluator": functools.partial(ema, p, w, days, WORKERS),
    }
    try:
        times = interleaved(cases, settings.reps, settings.warmup)
    finally:
        import ray

        close_clients()
        ray.shutdown()
    runs = p * w
    rate = {name: runs / median(t) for name, t in times.items()}
    row = "10 policy"
    note = f"{p} policies x {w} worlds x {days} days, {reps_note(settings)}"
    results = [
        Result(row, f"{name}: runs per second", rate[name], "runs/s", detail=note, samples=t)
        for name, t in times.items()
    ]
    two = rate["2 processes"]
    for name, target in (("1 process", 1.8), ("EMA MultiprocessingEvaluator", 1.0)):
        ratio = two / rate[name]
        results.append(
            Result(row, f"2 processes / {name}", ratio, "x", f">= {target}x", ratio >= target)
        )
    return results
