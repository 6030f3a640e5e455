"""Maximum-likelihood fit of a Hawkes process with an exponential kernel, its baseline
optionally scaled by epochs.

Intensity ``mu f(t) + sum over past events of n beta exp(-beta (t - t_j))``, with ``f`` a
step function: 1 before the first epoch's start, then each epoch's factor (the war's
level, shared by every governorate, changes; how one event excites the next does not).
The exact log-likelihood (Ozaki 1979) on ``[0, T)``::

    log L = sum_i log(mu f(t_i) + n beta A_i) - mu F(T) - n sum_i (1 - exp(-beta (T - t_i)))
    A_i = exp(-beta (t_i - t_{i-1})) (1 + A_{i-1}),  A_1 = 0,   F(t) = integral of f to t

is maximised by L-BFGS-B on (log mu, logit n, log beta) with its analytic gradient from
several starting decays; standard errors come from the inverse observed information (the
Hessian in the natural parameters at the maximum, by central differences). **Check**: by
the time-rescaling theorem the compensator's increments between events are independent
Exp(1) if the model is right; the Kolmogorov-Smirnov p-value of that is reported, beside
the same test of a constant-rate Poisson process.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

START_DECAYS = (0.03, 0.3, 3.0)
"""Starting decays (a day) of the likelihood's maximisation: mean lags of a month to hours."""


@dataclass(frozen=True)
class Epochs:
    """Days from which the baseline is multiplied by ``factors`` (1 before the first)."""

    starts: tuple[float, ...] = ()
    factors: tuple[float, ...] = ()

    def level(self, t: np.ndarray) -> np.ndarray:
        """``f`` at times ``t``."""
        steps = np.concatenate(([1.0], self.factors))
        return steps[np.searchsorted(self.starts, t, side="right")]

    def integral(self, t: np.ndarray) -> np.ndarray:
        """``F(t)``: the integral of ``f`` from 0 to each of ``t``."""
        t = np.asarray(t, dtype=float)
        out = np.minimum(t, self.starts[0]) if self.starts else t.copy()
        for k, (start, factor) in enumerate(zip(self.starts, self.factors, strict=True)):
            end = self.starts[k + 1] if k + 1 < len(self.starts) else math.inf
            out = out + factor * np.clip(np.minimum(t, end) - start, 0.0, None)
        return out


NO_EPOCHS = Epochs()


@dataclass(frozen=True)
class HawkesFit:
    """Maximum-likelihood Hawkes parameters of one event series, with standard errors and
    the time-rescaling KS p-values of the fit and of a constant-rate Poisson process."""

    baseline: float
    branching: float
    decay: float
    se: tuple[float, float, float]  # of baseline, branching, decay
    events: int
    horizon: float
    loglik: float
    ks_p: float
    poisson_ks_p: float


def _recursion(times: np.ndarray, decay: float) -> tuple[np.ndarray, np.ndarray]:
    """``A_i = sum_{j<i} exp(-decay (t_i - t_j))`` and its derivative in ``decay``, in O(n)."""
    gaps = np.diff(times, prepend=times[:1] if len(times) else times).tolist()
    shrink = np.exp(-decay * np.asarray(gaps)).tolist()
    a, da, out_a, out_da = 0.0, 0.0, [], []
    for i, (gap, e) in enumerate(zip(gaps, shrink, strict=True)):
        if i:
            a, da = e * (1.0 + a), e * (da - gap * (1.0 + a))
        out_a.append(a)
        out_da.append(da)
    return np.asarray(out_a), np.asarray(out_da)


def _loglik_and_gradient(
    times: np.ndarray, horizon: float, epochs: Epochs, mu: float, n: float, beta: float
) -> tuple[float, np.ndarray]:
    """The exact log-likelihood (module docstring) and its gradient in (mu, n, beta)."""
    a, da = _recursion(times, beta)
    level = epochs.level(times)
    exposure = float(epochs.integral(np.array([horizon]))[0])
    lam = mu * level + n * beta * a
    if (lam <= 0).any():
        return -math.inf, np.full(3, np.nan)
    age = horizon - times
    kept = np.exp(-beta * age)
    grown = -np.expm1(-beta * age)  # 1 - kept: each event's share of its offspring so far
    value = np.log(lam).sum() - mu * exposure - n * grown.sum()
    grad = np.array(
        [
            (level / lam).sum() - exposure,
            (beta * a / lam).sum() - grown.sum(),
            (n * (a + beta * da) / lam).sum() - n * (age * kept).sum(),
        ]
    )
    return float(value), grad


def hawkes_loglik(
    times: np.ndarray,
    horizon: float,
    baseline: float,
    branching: float,
    decay: float,
    epochs: Epochs = NO_EPOCHS,
) -> float:
    """The exact log-likelihood of sorted event ``times`` on ``[0, horizon)``."""
    return _loglik_and_gradient(times, horizon, epochs, baseline, branching, decay)[0]


def _objective(
    x: np.ndarray, times: np.ndarray, horizon: float, epochs: Epochs
) -> tuple[float, np.ndarray]:
    """Minus the log-likelihood and its gradient in (log baseline, logit branching, log decay)."""
    mu, n, beta = math.exp(x[0]), 1.0 / (1.0 + math.exp(-x[1])), math.exp(x[2])
    value, grad = _loglik_and_gradient(times, horizon, epochs, mu, n, beta)
    return -value, -grad * np.array([mu, n * (1.0 - n), beta])


def hessian(f, x: np.ndarray) -> np.ndarray:
    """The Hessian of scalar ``f`` at ``x`` by central differences (relative steps)."""
    h = 1e-4 * np.maximum(np.abs(x), 1e-3)
    k = len(x)
    out = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):
            ei, ej = np.eye(k)[i] * h[i], np.eye(k)[j] * h[j]
            out[i, j] = out[j, i] = (
                f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)
            ) / (4 * h[i] * h[j])
    return out


def standard_errors(f, x: np.ndarray) -> tuple[float, ...]:
    """Square roots of the inverse observed information's diagonal (NaN where it is not
    positive definite: a maximum on the boundary)."""
    info = -hessian(f, x)
    try:
        cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        return (math.nan,) * len(x)
    diag = np.diag(cov)
    ok = np.all(np.linalg.eigvalsh(info) > 0)
    return tuple(float(math.sqrt(v)) if ok and v > 0 else math.nan for v in diag)


def compensator(
    times: np.ndarray, baseline: float, branching: float, decay: float, epochs: Epochs = NO_EPOCHS
) -> np.ndarray:
    """``Lambda(t_i)``: the expected number of events up to each event under the process."""
    a, _ = _recursion(times, decay)
    return baseline * epochs.integral(times) + branching * (np.arange(len(times)) - a)


def rescaling_pvalue(rescaled: np.ndarray) -> float:
    """KS p-value that the increments of rescaled times are independent Exp(1)."""
    gaps = np.diff(rescaled, prepend=0.0)
    return float(stats.kstest(gaps, "expon").pvalue)


def fit_hawkes(times: np.ndarray, horizon: float, epochs: Epochs = NO_EPOCHS) -> HawkesFit:
    """Maximum-likelihood Hawkes parameters of sorted event ``times`` on ``[0, horizon)``."""
    times = np.sort(np.asarray(times, dtype=float))
    if len(times) < 3:
        raise ValueError(f"{len(times)} events: too few to fit a Hawkes process")
    rate = len(times) / horizon
    best = None
    for beta0 in START_DECAYS:
        x0 = np.array([math.log(rate / 2), 0.0, math.log(beta0)])
        res = optimize.minimize(
            _objective, x0, args=(times, horizon, epochs), jac=True, method="L-BFGS-B",
            bounds=[(-20, 10), (-12, 8), (-12, 8)],
        )  # fmt: skip
        if best is None or res.fun < best.fun:
            best = res
    mu, n, beta = math.exp(best.x[0]), 1.0 / (1.0 + math.exp(-best.x[1])), math.exp(best.x[2])
    se = standard_errors(
        lambda p: hawkes_loglik(times, horizon, *p, epochs), np.array([mu, n, beta])
    )
    return HawkesFit(
        baseline=mu,
        branching=n,
        decay=beta,
        se=se,  # type: ignore[arg-type]
        events=len(times),
        horizon=horizon,
        loglik=-float(best.fun),
        ks_p=rescaling_pvalue(compensator(times, mu, n, beta, epochs)),
        poisson_ks_p=rescaling_pvalue(rate * times),
    )
