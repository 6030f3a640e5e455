"""Gaussian-process emulators of the summary statistics, and the implausibility they give.

History matching (:mod:`sim.calibrate.waves`) rules out parameter sets whose statistics
cannot come near the data's, using emulators instead of the model: for each statistic a
Gaussian process of the *mean* of its replications over the parameters (scaled to the unit
cube), and one of the log *variance* of a single run (the model is stochastic: the data are
one realisation, and how far a realisation strays depends on the parameters), as
Andrianakis et al. (2015, PLoS Comput Biol 11(1) e1003968) do for an HIV model. The
implausibility of a statistic at ``x``,

    I(x) = |observed - E[mean(x)]| / sqrt(Var[mean(x)] + ensemble(x) + discrepancy²),

weighs the distance from the data by everything that may explain it: the emulator's own
uncertainty, the run-to-run spread, and the model's discrepancy from the world (a share of
the observed value, set by the user). A parameter set is implausible when any statistic's
``I`` exceeds the cut-off (3: Pukelsheim's three-sigma rule holds for any unimodal
distribution).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import digamma, polygamma
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

MIN_POINTS = 8
"""Fewest design points with a finite statistic that an emulator is fitted to."""


def _process(dimensions: int, noise: np.ndarray | float, seed: int) -> GaussianProcessRegressor:
    """A GP with a Matérn 5/2 kernel, one length scale per parameter (some matter little), a
    learnt nugget for what the replications' spread does not explain, and the known
    variance of each training mean (``noise``, in the target's own units)."""
    kernel = ConstantKernel(1.0, (1e-3, 1e3)) * Matern(
        length_scale=np.full(dimensions, 0.3), length_scale_bounds=(1e-2, 1e2), nu=2.5
    ) + WhiteKernel(1e-2, (1e-8, 1.0))
    return GaussianProcessRegressor(
        kernel, alpha=noise, normalize_y=True, n_restarts_optimizer=1, random_state=seed
    )


@dataclass
class StatisticEmulator:
    """One statistic's emulators: of the mean of a run's value, and of its log variance."""

    mean: GaussianProcessRegressor
    log_variance: GaussianProcessRegressor

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """At unit-cube points ``x``: (expected mean, the emulator's variance of it, the
        expected variance of one run)."""
        mean, sd = self.mean.predict(x, return_std=True)
        ensemble = np.exp(self.log_variance.predict(x))
        return mean, sd**2, ensemble


def fit_statistic(x: np.ndarray, runs: np.ndarray, seed: int) -> StatisticEmulator | None:
    """Emulators of one statistic from design points ``x`` (``(n, d)``, unit cube) and its
    value in each replication (``(n, r)``, NaN where it could not be computed). Points
    with fewer than two finite replications are left out; None if fewer than
    :data:`MIN_POINTS` remain."""
    finite = np.isfinite(runs)
    keep = finite.sum(axis=1) >= 2
    if keep.sum() < MIN_POINTS:
        return None
    x, runs, finite = x[keep], runs[keep], finite[keep]
    count = finite.sum(axis=1)
    filled = np.where(finite, runs, 0.0)
    mean = filled.sum(axis=1) / count
    variance = np.where(finite, (runs - mean[:, None]) ** 2, 0.0).sum(axis=1) / (count - 1)
    floor = max(1e-12, 1e-6 * float(np.var(mean)))  # a zero spread (a constant statistic)
    variance = np.maximum(variance, floor)
    # The log of a sample variance of r normal values is biased by digamma(h) - log(h) and
    # varies by trigamma(h), h = (r - 1) / 2: unbiased targets, and their noise.
    half = (count - 1) / 2.0
    log_variance = np.log(variance) - (digamma(half) - np.log(half))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a bound reached is an answer
        mean_gp = _process(x.shape[1], variance / count / _spread(mean), seed).fit(x, mean)
        noise = polygamma(1, half) / _spread(log_variance)
        log_gp = _process(x.shape[1], noise, seed).fit(x, log_variance)
    return StatisticEmulator(mean_gp, log_gp)


def _spread(y: np.ndarray) -> float:
    """The variance ``normalize_y`` divides a GP's targets by (so a known noise variance is
    given in the same units); 1 for constant targets, as scikit-learn does."""
    return float(np.var(y)) or 1.0


@dataclass
class Wave:
    """The emulators of one wave of history matching, and the data they are compared with."""

    names: tuple[str, ...]
    emulators: tuple[StatisticEmulator | None, ...]
    observed: np.ndarray
    discrepancy: np.ndarray  # variance of the model's discrepancy, per statistic

    def implausibility(self, x: np.ndarray) -> np.ndarray:
        """``(m, k)`` implausibility of each statistic at unit-cube points ``x``; 0 for a
        statistic without an emulator (nothing rules out there)."""
        out = np.zeros((len(x), len(self.names)))
        for j in range(len(self.names)):
            out[:, j] = self._statistic(j, x)
        return out

    def keep(self, x: np.ndarray, keep: np.ndarray, cutoff: float) -> None:
        """Clear ``keep`` where a statistic's implausibility at ``x`` exceeds ``cutoff``
        (each statistic only where the ones before it left the point)."""
        for j in range(len(self.names)):
            if not keep.any():
                return
            keep[keep] = self._statistic(j, x[keep]) <= cutoff

    def _statistic(self, j: int, x: np.ndarray) -> np.ndarray:
        em = self.emulators[j]
        if em is None:
            return np.zeros(len(x))
        mean, em_var, ensemble = em.predict(x)
        return np.abs(self.observed[j] - mean) / np.sqrt(em_var + ensemble + self.discrepancy[j])


def fit_wave(
    names: Sequence[str],
    x: np.ndarray,
    runs: np.ndarray,
    observed: Sequence[float],
    discrepancy: float,
    seed: int,
) -> Wave:
    """A wave's emulators from its design ``x`` (``(n, d)``) and its runs' statistics
    (``(n, r, k)``); ``discrepancy``: the model discrepancy's standard deviation as a share
    of each observed value."""
    obs = np.asarray(observed, dtype=float)
    emulators = tuple(fit_statistic(x, runs[:, :, j], seed + j) for j in range(len(names)))
    return Wave(tuple(names), emulators, obs, (discrepancy * np.abs(obs)) ** 2)
