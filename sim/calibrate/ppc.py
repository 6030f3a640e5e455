"""The posterior predictive check of a calibration: the fitted model simulated from its posterior.

Each of ``ppc_draws`` runs takes a particle of the final generation (by
weight) and a replication seed; its recorded events are summarised by the same
function as the data's, so every statistic can be set against its central
predictive interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.events import event_statistics, monthly_counts
from sim.calibrate.params import PPC_LEVEL
from sim.calibrate.problem import Problem
from sim.calibrate.simulator import Simulator
from sim.runs.pool import pool_kept, shutdown_pool, stop_pool_now, worker_pool
from sim.runs.runner import replication_seeds


def _ppc_run(job: tuple[Simulator, dict, int]) -> tuple[dict[str, float], np.ndarray]:
    simulator, values, seed = job
    events = simulator.events(values, seed)
    stats = event_statistics(events, simulator.units, simulator.tail_min)
    return stats, monthly_counts(events)


def _run_all(jobs: list, workers: int) -> list:
    """Every job's result, in order: in ``workers`` processes of the runner's pool (they leave
    Ctrl-C to this process, which stops them) or in this one."""
    pool = worker_pool(workers)
    if pool is None:
        return list(map(_ppc_run, jobs))
    try:
        results = list(pool.map(_ppc_run, jobs))
    except KeyboardInterrupt:
        stop_pool_now()
        raise
    except BaseException:
        shutdown_pool()
        raise
    if not pool_kept():
        shutdown_pool()
    return results


def posterior_predictive(
    problem: Problem, posterior: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate ``ppc_draws`` runs from the final posterior.

    Returns the monthly recorded events of every draw (and the observed
    months, ``draw = -1``) and, per statistic, the observed value against the
    central 90% posterior predictive interval.
    """
    s = problem.settings
    final = posterior[posterior["generation"] == posterior["generation"].max()]
    names = [p.name for p in s.parameters]
    rng = np.random.default_rng(s.seed)
    weights = final["weight"].to_numpy() / final["weight"].sum()
    rows = rng.choice(len(final), size=s.ppc_draws, p=weights)
    seeds = replication_seeds(s.seed, s.ppc_draws)
    simulator = problem.simulator()
    jobs = [
        (simulator, {n: float(final[n].iloc[r]) for n in names}, seed)
        for r, seed in zip(rows, seeds, strict=True)
    ]
    results = _run_all(jobs, s.workers)
    observed = monthly_counts(problem.observed)
    monthly = [
        pd.DataFrame(
            {
                "draw": -1,
                "particle": -1,
                "month": np.arange(len(observed)),
                "recorded_events": observed,
            }
        )
    ]
    for i, ((_, months), r) in enumerate(zip(results, rows, strict=True)):
        monthly.append(
            pd.DataFrame(
                {
                    "draw": i,
                    "particle": int(final["particle"].iloc[r]),
                    "month": np.arange(len(months)),
                    "recorded_events": months,
                }
            )
        )
    sims = pd.DataFrame([stats for stats, _ in results])
    lo, hi = (1 - PPC_LEVEL) / 2, (1 + PPC_LEVEL) / 2
    table = pd.DataFrame(
        {
            "statistic": list(problem.statistics),
            "observed": list(problem.statistics.values()),
            "median": [float(np.nanmedian(sims[k])) for k in problem.statistics],
            "low": [float(np.nanquantile(sims[k], lo)) for k in problem.statistics],
            "high": [float(np.nanquantile(sims[k], hi)) for k in problem.statistics],
            "computable": [float(np.isfinite(sims[k]).mean()) for k in problem.statistics],
        }
    )
    table["inside"] = (table["observed"] >= table["low"]) & (table["observed"] <= table["high"])
    return pd.concat(monthly, ignore_index=True), table
