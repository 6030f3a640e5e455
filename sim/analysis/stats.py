"""Statistics for comparing scenarios honestly: intervals across replications, paired differences.

Replication i of every scenario runs with the same seed (common random
numbers), so scenario differences are compared pair by pair.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

N_BOOT = 2000
"""Bootstrap resamples of an interval: enough for stable 95% percentiles."""


def _boot_means(x: np.ndarray, seed: int) -> np.ndarray:
    """Means of bootstrap resamples of the rows of ``x`` (fixed seed: same table every time)."""
    rng = np.random.default_rng(seed)
    n = len(x)
    counts = rng.multinomial(n, np.full(n, 1.0 / n), size=N_BOOT)  # memory: N_BOOT x n
    return counts @ x / n


def mean_ci(values: np.ndarray, level: float = 0.95, seed: int = 0) -> tuple[float, float, float]:
    """Mean and bootstrap percentile interval of the mean (NaNs ignored).

    A percentile interval lies between the smallest and largest observed
    values, so it respects the range of what it estimates: a count's interval
    never goes below 0, a share's stays in [0, 1] (a t-interval does neither).
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return np.nan, np.nan, np.nan
    m = float(x.mean())
    if len(x) < 2:
        return m, np.nan, np.nan
    low, high = np.quantile(_boot_means(x, seed), [(1 - level) / 2, (1 + level) / 2])
    # equal values give bootstrap means a rounding error away from the mean: keep it inside
    return m, min(float(low), m), max(float(high), m)


def band(
    matrix: np.ndarray, level: float = 0.95, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column-wise mean and bootstrap percentile interval of a (replications x time) matrix."""
    x = np.asarray(matrix, dtype=float)
    m = x.mean(axis=0)
    if x.shape[0] < 2:
        return m, m, m
    low, high = np.quantile(_boot_means(x, seed), [(1 - level) / 2, (1 + level) / 2], axis=0)
    return m, np.minimum(low, m), np.maximum(high, m)


def format_p(p: float) -> str:
    """A p-value without false precision: ``p<0.001``, else three decimals."""
    if not np.isfinite(p):
        return "p n/a"
    return "p<0.001" if p < 0.001 else f"p={p:.3f}"


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
