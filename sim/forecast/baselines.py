"""The two baselines every forecast is scored beside, as samples like the model's.

- ``no_change``: the window's last month again, as a Poisson count of that rate: the
  persistence forecast with the least spread a count can have (a point mass would
  claim certainty, and its interval would be a single value).
- ``negative_binomial``: the window's monthly mean and variance (method of moments);
  Poisson of the mean when the counts are not over-dispersed (variance <= mean).

Both are fitted per governorate and quantity on the window's months alone.
"""

from __future__ import annotations

import numpy as np

METHODS = ("model", "background_only", "no_change", "negative_binomial")
"""Every forecast method: the model, its background's share alone (a diagnostic:
:mod:`sim.forecast.model`), the baselines."""


def no_change(window: np.ndarray, ahead: int, draws: int, rng: np.random.Generator) -> np.ndarray:
    """Samples (units, ahead, draws): Poisson of each unit's last window month."""
    rate = np.asarray(window, dtype=float)[:, -1]
    return rng.poisson(rate[:, None, None], (len(rate), ahead, draws))


def negative_binomial(
    window: np.ndarray, ahead: int, draws: int, rng: np.random.Generator
) -> np.ndarray:
    """Samples (units, ahead, draws): each unit's moment-matched negative binomial."""
    x = np.asarray(window, dtype=float)
    mean = x.mean(axis=1)
    var = x.var(axis=1, ddof=1) if x.shape[1] > 1 else mean
    out = np.empty((len(mean), ahead, draws), dtype=np.int64)
    for i, (m, v) in enumerate(zip(mean, var, strict=True)):
        if v > m > 0:
            out[i] = rng.negative_binomial(m * m / (v - m), m / v, (ahead, draws))
        else:
            out[i] = rng.poisson(m, (ahead, draws))
    return out
