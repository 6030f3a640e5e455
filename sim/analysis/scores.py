"""Proper scores of probabilistic forecasts given as samples, as the conflict-forecasting
field scores them (the ViEWS 2023/24 prediction challenge; Gneiting & Raftery 2007).

Each function takes ``samples`` of shape ``(..., m)`` (the forecast: ``m`` draws for each
forecast target) and ``observed`` of shape ``(...)``, and returns one score per target;
lower is better for all three.

- :func:`crps`: the continuous ranked probability score, ``E|X - y| - E|X - X'| / 2``
  of the samples' empirical distribution (in the unit of the forecast: events).
- :func:`ignorance`: ``-log2`` of the probability the samples give to the bin the
  observation falls in, on ViEWS's bins of counts (:data:`VIEWS_BINS`), each bin's count
  raised by one so that no outcome is impossible (the score stays finite).
- :func:`interval_score`: of the central ``1 - alpha`` interval of the samples: its width,
  plus ``2 / alpha`` times how far the observation falls outside it.
"""

from __future__ import annotations

import numpy as np

VIEWS_BINS = np.array([0.0, 0.5, 2.5, 5.5, 10.5, 25.5, 50.5, 100.5, 250.5, 500.5, 1000.5, np.inf])
"""Bin edges of counts of the ViEWS prediction challenge's ignorance score: 0, 1-2, 3-5,
6-10, 11-25, 26-50, 51-100, 101-250, 251-500, 501-1000, more."""


def crps(samples: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """CRPS of the samples' empirical distribution; ``E|X - X'|`` from the sorted samples
    in O(m log m): ``2 / m**2 * sum_i (2 i - m - 1) x_(i)``."""
    x = np.sort(np.asarray(samples, dtype=float), axis=-1)
    y = np.asarray(observed, dtype=float)[..., None]
    m = x.shape[-1]
    spread = 2.0 / m**2 * (x * (2.0 * np.arange(1, m + 1) - m - 1)).sum(axis=-1)
    return np.abs(x - y).mean(axis=-1) - 0.5 * spread


def ignorance(
    samples: np.ndarray, observed: np.ndarray, bins: np.ndarray = VIEWS_BINS
) -> np.ndarray:
    """Ignorance (log) score in bits over ``bins``, each bin's sample count plus one."""
    x = np.asarray(samples, dtype=float)
    k = len(bins) - 1
    where = np.clip(np.searchsorted(bins, x, side="right") - 1, 0, k - 1)
    counts = np.apply_along_axis(np.bincount, -1, where, minlength=k) + 1.0
    hit = np.clip(np.searchsorted(bins, np.asarray(observed, dtype=float), side="right") - 1,
                  0, k - 1)  # fmt: skip
    p = np.take_along_axis(counts, hit[..., None], axis=-1)[..., 0] / counts.sum(axis=-1)
    return -np.log2(p)


def interval_score(samples: np.ndarray, observed: np.ndarray, alpha: float = 0.1) -> np.ndarray:
    """Interval score of the samples' central ``1 - alpha`` interval."""
    low, high = np.quantile(np.asarray(samples, dtype=float), [alpha / 2, 1 - alpha / 2], axis=-1)
    y = np.asarray(observed, dtype=float)
    below = np.clip(low - y, 0.0, None)
    above = np.clip(y - high, 0.0, None)
    return (high - low) + 2.0 / alpha * (below + above)
