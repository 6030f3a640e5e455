"""Global sensitivity indices of outcomes per design point (SALib), as one tidy table.

Each row is one index of one factor (or pair of factors) on one outcome, with
its bootstrap 95% confidence interval: Sobol first-order ``S1``, total ``ST``
and, on request, second-order ``S2`` from a Saltelli design; Morris ``mu_star``
(mean absolute elementary effect) and ``sigma`` (their spread) from Morris
trajectories. Sobol indices are shares of variance, so estimates and intervals
are clipped to [0, 1]; ``mu_star`` and ``sigma`` are not negative.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.explore.designs import MORRIS_LEVELS, Factor, problem

COLUMNS = ["outcome", "method", "index", "factor", "other", "value", "low", "high"]
CONFIDENCE = 0.95


def bootstrap_seed(seed: int) -> int:
    """A non-zero seed for SALib's Sobol bootstrap, derived from the design's ``seed``:
    ``sobol.analyze`` takes a seed of 0 as no seed (``if seed:``), and its intervals
    would then change from one analysis of the same runs to the next."""
    return int(np.random.SeedSequence(seed).generate_state(1)[0]) | 1


def sobol(
    design: pd.DataFrame,
    outcomes: pd.DataFrame,
    factor_list: Sequence[Factor],
    second_order: bool = False,
    seed: int = 0,
) -> pd.DataFrame:
    """Sobol S1/ST (and S2) of every outcome column; rows of ``outcomes`` follow the
    Saltelli design's points (``design`` is only checked for its size)."""
    from SALib.analyze import sobol as analyze

    assert len(design) == len(outcomes), "one outcome row per design point"
    prob = problem(factor_list)
    rows = []
    for name in outcomes.columns:
        y = outcomes[name].to_numpy(float)
        res = analyze.analyze(
            prob,
            y,
            calc_second_order=True,
            conf_level=CONFIDENCE,
            seed=bootstrap_seed(seed),
            print_to_console=False,
        )
        for i, f in enumerate(factor_list):
            for index in ("S1", "ST"):
                rows.append(
                    _row(
                        name,
                        "sobol",
                        index,
                        f.key,
                        None,
                        res[index][i],
                        res[f"{index}_conf"][i],
                        (0, 1),
                    )
                )
        if second_order:
            for i, j in zip(*np.triu_indices(len(factor_list), 1), strict=True):
                value, half = res["S2"][i, j], res["S2_conf"][i, j]
                rows.append(
                    _row(
                        name,
                        "sobol",
                        "S2",
                        factor_list[i].key,
                        factor_list[j].key,
                        value,
                        half,
                        (0, 1),
                    )
                )
    return pd.DataFrame(rows, columns=COLUMNS)


def morris(
    design: pd.DataFrame, outcomes: pd.DataFrame, factor_list: Sequence[Factor], seed: int = 0
) -> pd.DataFrame:
    """Morris mu* and sigma of every outcome column over the design's trajectories."""
    from SALib.analyze import morris as analyze

    prob = problem(factor_list)
    x = design[[f.key for f in factor_list]].to_numpy(float)
    rows = []
    for name in outcomes.columns:
        res = analyze.analyze(
            prob,
            x,
            outcomes[name].to_numpy(float),
            conf_level=CONFIDENCE,
            num_levels=MORRIS_LEVELS,
            seed=seed,
        )
        for i, f in enumerate(factor_list):
            rows.append(
                _row(
                    name,
                    "morris",
                    "mu_star",
                    f.key,
                    None,
                    res["mu_star"][i],
                    res["mu_star_conf"][i],
                    (0, np.inf),
                )
            )
            rows.append(
                _row(name, "morris", "sigma", f.key, None, res["sigma"][i], np.nan, (0, np.inf))
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def _row(outcome, method, index, factor, other, value, half, limits) -> dict:
    lo, hi = limits
    return {
        "outcome": outcome,
        "method": method,
        "index": index,
        "factor": factor,
        "other": other,
        "value": float(np.clip(value, lo, hi)),
        "low": float(np.clip(value - half, lo, hi)),
        "high": float(np.clip(value + half, lo, hi)),
    }
