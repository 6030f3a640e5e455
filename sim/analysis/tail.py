"""Heavy tails: the maximum-likelihood power-law exponent of event sizes above a threshold.

Conflict event sizes (deaths per event) are heavy-tailed: above some size
``x_min`` their frequency falls as ``x**-alpha`` with ``alpha`` near 2-3
(Clauset, Young & Gleditsch 2007; Clauset, Shalizi & Newman 2009). The same
estimator serves the model's incidents and real event data, so both are
summarised alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class TailFit:
    """A power-law tail fitted above ``x_min``: exponent with its confidence interval."""

    alpha: float
    low: float
    high: float
    n: int  # sizes at or above x_min that the fit used
    x_min: float


def tail_exponent(sizes: np.ndarray, x_min: float, level: float = 0.95) -> TailFit:
    """MLE of the exponent of ``p(x) ~ x**-alpha`` for the integer sizes ``>= x_min``.

    Discrete data use Clauset et al.'s continuity-corrected estimator
    ``alpha = 1 + n / sum(ln(x / (x_min - 1/2)))`` (their eq. 3.7, accurate for
    ``x_min`` of about 6 or more); its standard error is ``(alpha - 1) / sqrt(n)``,
    so the interval is Wald's. NaN with fewer than two sizes in the tail.
    """
    if x_min < 1:
        raise ValueError(f"x_min={x_min}: must be at least 1")
    x = np.asarray(sizes, dtype=float)
    tail = x[np.isfinite(x) & (x >= x_min)]
    n = len(tail)
    if n < 2:
        return TailFit(np.nan, np.nan, np.nan, n, float(x_min))
    alpha = 1.0 + n / float(np.log(tail / (x_min - 0.5)).sum())
    half = stats.norm.ppf(0.5 + level / 2) * (alpha - 1.0) / np.sqrt(n)
    return TailFit(alpha, alpha - half, alpha + half, n, float(x_min))
