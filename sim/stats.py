"""Statistics for comparing scenarios honestly: intervals across replications, paired differences.

Replication i of every scenario runs with the same seed (common random
numbers), so scenario differences are compared pair by pair.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


def mean_ci(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval of the mean (NaNs ignored)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return np.nan, np.nan, np.nan
    m = float(x.mean())
    if len(x) < 2:
        return m, np.nan, np.nan
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
    return m, m - half, m + half


def band(matrix: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column-wise mean and t-interval of a (replications x time) matrix."""
    x = np.asarray(matrix, dtype=float)
    n = x.shape[0]
    m = x.mean(axis=0)
    if n < 2:
        return m, m, m
    half = stats.t.ppf(0.5 + level / 2, n - 1) * x.std(axis=0, ddof=1) / np.sqrt(n)
    return m, m - half, m + half


@dataclass(frozen=True)
class PairedDifference:
    """Scenario minus reference over paired replications."""

    n: int
    mean: float
    low: float
    high: float
    effect_size: float  # Cohen's d_z: mean difference / sd of differences
    p_value: float  # paired t-test


def paired_difference(
    scenario: np.ndarray,
    reference: np.ndarray,
    level: float = 0.95,
    n_boot: int = 5000,
    seed: int = 0,
) -> PairedDifference:
    """Mean paired difference with a bootstrap percentile interval, d_z and a paired t-test."""
    a, b = np.asarray(scenario, dtype=float), np.asarray(reference, dtype=float)
    keep = np.isfinite(a) & np.isfinite(b)
    d = a[keep] - b[keep]
    n = len(d)
    if n < 2:
        m = float(d.mean()) if n else np.nan
        return PairedDifference(n, m, np.nan, np.nan, np.nan, np.nan)
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, n, size=(n_boot, n))].mean(axis=1)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    sd = d.std(ddof=1)
    dz = float(d.mean() / sd) if sd > 0 else np.nan
    p = float(stats.ttest_1samp(d, 0.0).pvalue) if sd > 0 else np.nan
    return PairedDifference(n, float(d.mean()), float(low), float(high), dz, p)
