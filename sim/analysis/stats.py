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


def wilson(k: int, n: int, level: float = 0.95) -> tuple[float, float, float]:
    """A share ``k / n`` with its Wilson score interval, which stays inside [0, 1] and,
    unlike the bootstrap, does not collapse to a point when every pair agrees."""
    if n == 0:
        return np.nan, np.nan, np.nan
    z = float(stats.norm.ppf((1 + level) / 2))
    share = k / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(share * (1 - share) / n + z * z / (4 * n * n))
    return share, max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class PairedDifference:
    """Scenario minus reference over paired replications.

    Beyond the mean and its interval it says how single pairs spread (10th and
    90th percentile of the per-pair differences), in how many pairs the
    scenario did better (``wins``; ties are neither, ``better`` says which
    direction is better) and the effect as a percentage of the reference mean.
    """

    n: int
    mean: float
    low: float
    high: float
    effect_size: float  # Cohen's d_z: mean difference / sd of differences
    p_value: float  # paired t-test
    p10: float = np.nan
    p90: float = np.nan
    wins: int = 0
    ties: int = 0
    win_share: float = np.nan
    win_low: float = np.nan
    win_high: float = np.nan
    pct: float = np.nan  # 100 * mean difference / reference mean
    pct_low: float = np.nan
    pct_high: float = np.nan
    better: str = "lower"


def paired_difference(
    scenario: np.ndarray,
    reference: np.ndarray,
    level: float = 0.95,
    n_boot: int = 5000,
    seed: int = 0,
    better: str = "lower",
) -> PairedDifference:
    """Mean paired difference with a bootstrap percentile interval, d_z and a paired t-test,
    the spread of single pairs, the share of pairs won (Wilson interval) and the effect in
    percent of the reference mean (bootstrap over the same resampled pairs; fixed seed)."""
    a, b = np.asarray(scenario, dtype=float), np.asarray(reference, dtype=float)
    keep = np.isfinite(a) & np.isfinite(b)
    d, b = a[keep] - b[keep], b[keep]
    n = len(d)
    won = d > 0 if better == "higher" else d < 0
    wins, ties = int(won.sum()), int((d == 0).sum())
    share = wilson(wins, n, level)
    spread = np.quantile(d, [0.1, 0.9]) if n else (np.nan, np.nan)
    base = float(b.mean()) if n else np.nan
    pct = 100 * float(d.mean()) / base if n and base != 0 else np.nan
    common = dict(p10=float(spread[0]), p90=float(spread[1]), wins=wins, ties=ties, better=better)
    common.update(win_share=share[0], win_low=share[1], win_high=share[2], pct=pct)
    if n < 2:
        m = float(d.mean()) if n else np.nan
        return PairedDifference(n, m, np.nan, np.nan, np.nan, np.nan, **common)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(n_boot, n))
    means = d[idx].mean(axis=1)
    q = [(1 - level) / 2, (1 + level) / 2]
    low, high = np.quantile(means, q)
    bases = b[idx].mean(axis=1)
    if (bases > 0).all():  # a resample with a zero reference mean has no percentage
        pct_low, pct_high = np.quantile(100 * means / bases, q)
        common.update(pct_low=float(pct_low), pct_high=float(pct_high))
    sd = d.std(ddof=1)
    spread = sd > 1e-9 * max(1.0, float(np.abs(d).max()))  # not only rounding (rates per month)
    dz = float(d.mean() / sd) if spread else np.nan
    p = float(stats.ttest_1samp(d, 0.0).pvalue) if spread else np.nan
    return PairedDifference(n, float(d.mean()), float(low), float(high), dz, p, **common)


def decimals(*values: float, digits: int = 3) -> int:
    """Decimals that give the largest of ``values`` ``digits`` significant digits."""
    finite = [abs(v) for v in values if v is not None and np.isfinite(v) and v != 0]
    if not finite:
        return 0
    return int(min(6, max(0, digits - 1 - np.floor(np.log10(max(finite))))))


def numbers(*values: float, digits: int = 3, places: int | None = None) -> list[str]:
    """Numbers that belong together (a mean and its interval, a column) written alike: the
    same decimals for all (``places``, or enough for the largest to have ``digits``
    significant digits); no exponent; thousands separated; 'n/a' for missing; all-zero as 0."""
    finite = [v for v in values if v is not None and np.isfinite(v)]
    if finite and not any(finite):
        return ["0" if v is not None and np.isfinite(v) else "n/a" for v in values]
    if places is None:  # whole numbers stay whole; others get ``digits`` for the largest
        whole = all(float(v).is_integer() for v in finite)
        places = 0 if whole else decimals(*finite, digits=digits)
    out = []
    for v in values:
        if v is None or not np.isfinite(v):
            out.append("n/a")
            continue
        text = f"{v:,.{places}f}"
        out.append(text[1:] if text.startswith("-") and not text.strip("-0.,") else text)
    return out


def interval(
    mean: float, low: float, high: float, sep: str = ", ", places: int | None = None
) -> str:
    """``-5.61 [-7.93, -3.30]``: a mean and its interval, all with the same decimals."""
    m, lo, hi = numbers(mean, low, high, places=places)
    return m if lo == hi == "n/a" else f"{m} [{lo}{sep}{hi}]"


def interval_column(means, lows, highs) -> list[str]:
    """A table column of means with intervals, every number with the same decimals."""
    values = [v for v in (*means, *lows, *highs) if np.isfinite(v)]
    whole = all(float(v).is_integer() for v in values)
    places = 0 if whole else decimals(*values)
    return [
        interval(m, lo, hi, places=places) for m, lo, hi in zip(means, lows, highs, strict=True)
    ]


def percent(value: float, low: float = np.nan, high: float = np.nan) -> str:
    """``-19.1% [-26.0%, -11.7%]``: percentages with one decimal (none from 100 on), alike."""
    finite = [abs(v) for v in (value, low, high) if np.isfinite(v)]
    if not finite:
        return "n/a"
    places = 0 if max(finite) >= 100 else 1
    text = [f"{v:,.{places}f}%" if np.isfinite(v) else "n/a" for v in (value, low, high)]
    return (
        text[0]
        if not (np.isfinite(low) and np.isfinite(high))
        else f"{text[0]} [{text[1]}, {text[2]}]"
    )


def share(k: int, n: int, level: float = 0.95) -> str:
    """``3 of 4: 75% [30%, 95%]``: a count of runs or pairs, its share and Wilson interval,
    in whole percent."""
    value, low, high = wilson(k, n, level)
    if n == 0:
        return "0 of 0"
    return f"{k} of {n}: {value:.0%} [{low:.0%}, {high:.0%}]"


def disagreement(low: float, high: float, p: float, n: int, alpha: float = 0.05) -> str:
    """Why the bootstrap interval and the t-test point different ways, when they do ('')."""
    if not (np.isfinite(low) and np.isfinite(high) and np.isfinite(p)):
        return ""
    excludes = low > 0 or high < 0
    if excludes == (p < alpha):
        return ""
    which = (
        f"the interval excludes 0 but {format_p(p)}"
        if excludes
        else f"{format_p(p)} but the interval includes 0"
    )
    return (
        f"Here {which}: the bootstrap percentile interval and the paired t-test are different "
        "procedures (one resamples the pairs, the other assumes a t distribution of their "
        "mean) and near the boundary they can disagree"
        + (
            f"; with {n} pairs the percentile interval is too narrow, so the t-test is the "
            "more cautious reading"
            if n < 10
            else ""
        )
        + "."
    )
