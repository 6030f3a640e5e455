"""Scenario discovery and robustness over a design: where does the roadmap fail, where does it win?

PRIM (the EMA Workbench's ``prim``) peels the factor space down to a box of
points where a failure is much more common than overall: the peeling
trajectory trades coverage (share of all failures inside the box) against
density (share of runs inside the box that fail). Robustness compares two
scenarios paired at every design point and replication.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.stats import wilson

MIN_COVERAGE = 0.5
"""The chosen box is the densest that still holds this share of the failures."""
PEEL_ALPHA = 0.05
"""Share of points peeled off per step (EMA's default)."""


@contextmanager
def _quiet_ema() -> Iterator[None]:
    """EMA's import warning (ipyparallel) and its INFO lines stay out of our output: the
    analysis reports what PRIM found itself. EMA's logger gets its level back after."""
    logger = logging.getLogger("EMA")
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="ipyparallel not installed")
            yield
    finally:
        logger.setLevel(level)


def prim(x: pd.DataFrame, failed: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """PRIM on boolean outcomes: (peeling trajectory, chosen box's restricted ranges).

    The chosen box is the densest one on the trajectory that still covers at
    least ``MIN_COVERAGE`` of the failures (the first if none does). Trajectory columns:
    ``step, coverage, density, mass, restricted`` (number of restricted
    factors), ``chosen``; box rows: ``factor, low, high, full_low, full_high``
    for every restricted factor, with ``coverage`` and ``density`` of the box.
    """
    failed = np.asarray(failed, bool)
    with _quiet_ema():
        from ema_workbench.analysis import prim as ema_prim

        algorithm = ema_prim.Prim(x.reset_index(drop=True), failed, peel_alpha=PEEL_ALPHA)
        box = algorithm.find_box()
    trajectory = box.peeling_trajectory.reset_index(drop=True)
    covering = trajectory.index[trajectory["coverage"] >= MIN_COVERAGE]
    chosen = int(covering[-1]) if len(covering) else 0
    steps = pd.DataFrame(
        {
            "step": trajectory.index,
            "coverage": trajectory["coverage"].astype(float),
            "density": trajectory["density"].astype(float),
            "mass": trajectory["mass"].astype(float),
            "restricted": trajectory["res_dim"].astype(int),
            "chosen": trajectory.index == chosen,
        }
    )
    limits = box.box_lims[chosen]
    full = box.box_lims[0]
    rows = [
        {
            "factor": name,
            "low": float(limits[name].iloc[0]),
            "high": float(limits[name].iloc[1]),
            "full_low": float(full[name].iloc[0]),
            "full_high": float(full[name].iloc[1]),
        }
        for name in x.columns
        if not np.allclose(limits[name].to_numpy(float), full[name].to_numpy(float))
    ]
    table = pd.DataFrame(rows, columns=["factor", "low", "high", "full_low", "full_high"])
    table["coverage"] = steps["coverage"][chosen]
    table["density"] = steps["density"][chosen]
    return steps, table


def robustness(
    runs: pd.DataFrame, factors: Sequence[str], outcome: str, first: str, second: str
) -> tuple[dict, pd.DataFrame]:
    """Where ``second`` beats ``first`` (lower ``outcome``), paired point by point.

    ``runs`` has one row per scenario, point and replication (the same seeds
    at every point). A point counts as a win when the mean paired difference
    ``second - first`` over its replications is below zero. Returns the share
    of the design space won with its Wilson 95% interval, and per factor the
    Spearman correlation of the paired difference with the factor (which
    factors decide the comparison), largest in size first.
    """
    keyed = runs.set_index(["scenario", "point", "replication"])[outcome]
    diff = (keyed[second] - keyed[first]).groupby(level="point").mean()
    wins = int((diff < 0).sum())
    n = len(diff)
    _, low, high = wilson(wins, n)
    summary = {
        "outcome": outcome,
        "first": first,
        "second": second,
        "points": n,
        "share_second_better": wins / n,
        "low": low,
        "high": high,
        "mean_difference": float(diff.mean()),
    }
    x = runs.drop_duplicates("point").set_index("point").loc[diff.index, list(factors)]
    rows = []
    for name in factors:
        rho, p = stats.spearmanr(x[name], diff.to_numpy())
        rows.append({"factor": name, "spearman": float(rho), "p_value": float(p)})
    table = pd.DataFrame(rows).sort_values("spearman", key=np.abs, ascending=False)
    return summary, table.reset_index(drop=True)
