"""Global sensitivity indices of outcomes per design point (SALib), as one tidy table.

Each row is one index of one factor (or pair of factors) on one outcome, with
its bootstrap 95% confidence interval: Sobol first-order ``S1``, total ``ST``
and, on request, second-order ``S2`` from a Saltelli design; Morris ``mu_star``
(mean absolute elementary effect) and ``sigma`` (their spread) from Morris
trajectories. Sobol indices are shares of variance, so values and intervals
are clipped to [0, 1]; ``mu_star`` and ``sigma`` are not negative. ``estimate`` and
``half_width`` keep the estimator's own number and its interval's half-width: a Sobol
estimate below 0, a first-order index above the factor's total or first-order indices
summing above 1, clearly beyond their intervals (:func:`convergence` says how far),
cannot hold for the true indices and say that the base sample is too small for them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from sim.explore.designs import MORRIS_LEVELS, Factor, problem

COLUMNS = [
    "outcome", "method", "index", "factor", "other", "value", "low", "high", "estimate",
    "half_width",
]  # fmt: skip
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
    Saltelli design's points, sampled with the same ``second_order`` (``design`` is only
    checked for its size)."""
    from SALib.analyze import sobol as analyze

    assert len(design) == len(outcomes), "one outcome row per design point"
    prob = problem(factor_list)
    rows = []
    for name in outcomes.columns:
        y = outcomes[name].to_numpy(float)
        res = analyze.analyze(
            prob,
            y,
            calc_second_order=second_order,
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
    return _typed(pd.DataFrame(rows, columns=COLUMNS))


SETTLED = 0.05
"""How far (on the 0-1 scale) an estimate must stray past what true indices can be, beyond
its widened interval, to count as unsettled: sampling error that small does not change a
ranking, and as intervals shrink with N, a converged design stops being flagged."""


def convergence(table: pd.DataFrame) -> list[str]:
    """Signs in a Sobol table that its estimates have not converged (none: no lines):
    estimates past what true indices can be (an index below 0, a first-order index above
    the factor's total, first-order indices summing above 1) by more than ``SETTLED``
    beyond their 95% intervals, widened for the number of checks made (Bonferroni), so
    that a converged design is seldom flagged however many factors and outcomes it has.
    The first-order sum's interval adds the half-widths (the estimates share a term, so
    their errors are correlated, not independent)."""
    rows = table[(table["method"] == "sobol") & table["other"].isna()]
    if rows.empty or "estimate" not in rows:
        return []
    wide = rows.pivot_table(
        index=["outcome", "factor"], columns="index", values=["estimate", "half_width"],
        sort=False,
    )  # fmt: skip
    est, half = wide["estimate"], wide["half_width"]
    outcomes = est.index.get_level_values("outcome").nunique()
    checks = len(rows) + len(est) + outcomes
    widen = stats.norm.ppf(1 - (1 - CONFIDENCE) / 2 / checks) / stats.norm.ppf(
        1 - (1 - CONFIDENCE) / 2
    )
    negative = int((rows["estimate"] + widen * rows["half_width"] < -SETTLED).sum())
    gap = est["S1"] - est["ST"]
    above = gap[gap - widen * np.hypot(half["S1"], half["ST"]) > SETTLED]
    sums = est["S1"].groupby(level="outcome", sort=False).sum()
    spread = half["S1"].groupby(level="outcome", sort=False).sum()
    over = sums[sums - widen * spread > 1 + SETTLED]
    signs = []
    if negative:
        signs.append(f"{negative} of {len(rows)} S1 and ST estimates are below 0")
    if len(above):
        outcome, factor = above.index[0]
        signs.append(
            f"S1 exceeds ST for {len(above)} factor-outcome pair(s) (e.g. {factor} on "
            f"{outcome}: {est['S1'][outcome, factor]:.3g} against "
            f"{est['ST'][outcome, factor]:.3g})"
        )
    if len(over):
        listed = ", ".join(f"{name} {value:.3g}" for name, value in over.items())
        signs.append(f"the first-order indices sum above 1 ({listed})")
    if not signs:
        return []
    return [
        "The Sobol estimates have not converged: "
        + "; ".join(signs)
        + ", each by more than its interval allows (widened for the "
        f"{checks} checks made). True indices cannot do that: the base sample "
        "(explore.points) is too small for this many factors; raise it before reading a "
        "ranking."
    ]


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
    return _typed(pd.DataFrame(rows, columns=COLUMNS))


def _typed(table: pd.DataFrame) -> pd.DataFrame:
    """``other`` (the second factor of an S2 index) is text even where no row has one, so
    that every design's table has the same schema."""
    return table.astype({"other": "string"})


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
        "estimate": float(value),
        "half_width": float(half),
    }
