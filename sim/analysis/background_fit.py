"""Fit the background violence process to GED events: ``python -m sim.analysis.background_fit``.

Prints, per governorate, the maximum-likelihood Hawkes parameters with their
standard errors and a goodness-of-fit test, the fitted death law, and the
``background:`` section of ``conf/geography/tr_sy.yaml`` (paste it there).

**Which events are background.** The model's actors make cross-border violence:
the two states' border forces, armed groups that strike across the line, their
interdiction. On the Syrian side, the GED events with one of
:data:`REPRESENTED` as a side are that: the Turkish state's forces against IS
and the PKK at and across the line (19; shelling answering rockets on Kilis,
Operation Euphrates Shield's strikes inside the band) and against civilians
(7, mostly people shot crossing). Every other event is **background**:
the Government of Syria against insurgents, IS or the SDF (292), every
non-state fight (398: the SDF, IS, opposition groups against each other),
one-sided violence by IS, insurgents or the SDF (25), and the other foreign
states' strikes (the USA, Iraq: 2) — 717 of the 743 events. None is the two
states against each other.

**The process**, per governorate (GED's ``adm_1``), a Hawkes process with an
exponential kernel (:class:`~sim.config.params.GovernorateProcess`), fitted by
maximum likelihood on its exact log-likelihood (Ozaki 1979)::

    log L = sum_i log(mu + n beta A_i) - mu T - n sum_i (1 - exp(-beta (T - t_i)))
    A_i = exp(-beta (t_i - t_{i-1})) (1 + A_{i-1}),  A_1 = 0

(baseline mu a day, branching ratio n, decay beta a day, horizon T days), by
L-BFGS-B on (log mu, logit n, log beta) with the analytic gradient from several
starting decays; standard errors from the inverse observed information (the
log-likelihood's Hessian in the natural parameters at the maximum, by central
differences). GED dates are days: an event is placed at its start day plus a
uniform fraction of it (seeded by ``--seed``), so the continuous-time likelihood
sees no ties. **Check**: by the time-rescaling theorem, the fitted compensator's
increments between events are independent Exp(1) if the model is right; the
Kolmogorov-Smirnov p-value of that is reported, beside the same test of a
constant-rate Poisson process (what self-excitation adds).

**Deaths** of background events (GED's ``best``), pooled over governorates:
0 with probability ``zero_share`` (its MLE is the share of zeros), else ``1 +
floor(scale X)``, X Lomax of shape ``tail``, fitted by maximum likelihood on the
exact discrete probabilities ``(1 + (k-1)/scale)^-tail - (1 + k/scale)^-tail``
of ``k >= 1`` deaths.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from scipy import optimize, stats

from sim.analysis.ged import GedFormatError, data_path, load_ged
from sim.runs.terminal import OneLineParser

REPRESENTED = ("Government of Turkey",)
"""GED actors whose events the model's actors make (module docstring); the rest is background."""
DATA = "ucdp_ged191_tr_sy_border25km_2016_2017.csv"
START = "2016-01-01"
DAYS = 731
SEED = 20160101
MIN_DAYS = 30
"""The shortest window fitted: a Hawkes fit of a few days' events has nothing to estimate."""
START_DECAYS = (0.03, 0.3, 3.0)
"""Starting decays (a day) of the likelihood's maximisation: mean lags of a month to hours."""


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


@dataclass(frozen=True)
class DeathsFit:
    """The fitted death law of background events, with standard errors."""

    zero_share: float
    scale: float
    tail: float
    se: tuple[float, float, float]  # of zero_share, scale, tail
    events: int


def background_events(
    events: pd.DataFrame, represented: Sequence[str] = REPRESENTED
) -> pd.DataFrame:
    """The events none of whose actors (``side_a``, ``side_b``, comma-separated) is in
    ``represented``."""
    names = set(represented)

    def ours(side: str) -> bool:
        return any(a.strip() in names for a in str(side).split(","))

    theirs = events["side_a"].map(ours) | events["side_b"].map(ours)
    return events[~theirs.to_numpy()]


def event_times(days: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Sorted continuous times of events dated by whole days: each at a uniform point of its day."""
    return np.sort(np.asarray(days, dtype=float) + rng.random(len(days)))


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
    times: np.ndarray, horizon: float, mu: float, n: float, beta: float
) -> tuple[float, np.ndarray]:
    """The exact log-likelihood (module docstring) and its gradient in (mu, n, beta)."""
    a, da = _recursion(times, beta)
    lam = mu + n * beta * a
    if (lam <= 0).any():
        return -math.inf, np.full(3, np.nan)
    age = horizon - times
    kept = np.exp(-beta * age)
    grown = -np.expm1(-beta * age)  # 1 - kept: each event's share of its offspring so far
    value = np.log(lam).sum() - mu * horizon - n * grown.sum()
    grad = np.array(
        [
            (1.0 / lam).sum() - horizon,
            (beta * a / lam).sum() - grown.sum(),
            (n * (a + beta * da) / lam).sum() - n * (age * kept).sum(),
        ]
    )
    return float(value), grad


def hawkes_loglik(
    times: np.ndarray, horizon: float, baseline: float, branching: float, decay: float
) -> float:
    """The exact log-likelihood of sorted event ``times`` on ``[0, horizon)``."""
    return _loglik_and_gradient(times, horizon, baseline, branching, decay)[0]


def _objective(x: np.ndarray, times: np.ndarray, horizon: float) -> tuple[float, np.ndarray]:
    """Minus the log-likelihood and its gradient in (log baseline, logit branching, log decay)."""
    mu, n, beta = math.exp(x[0]), 1.0 / (1.0 + math.exp(-x[1])), math.exp(x[2])
    value, grad = _loglik_and_gradient(times, horizon, mu, n, beta)
    return -value, -grad * np.array([mu, n * (1.0 - n), beta])


def _hessian(f, x: np.ndarray) -> np.ndarray:
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


def _standard_errors(f, x: np.ndarray) -> tuple[float, ...]:
    """Square roots of the inverse observed information's diagonal (NaN where it is not
    positive definite: a maximum on the boundary)."""
    info = -_hessian(f, x)
    try:
        cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        return (math.nan,) * len(x)
    diag = np.diag(cov)
    ok = np.all(np.linalg.eigvalsh(info) > 0)
    return tuple(float(math.sqrt(v)) if ok and v > 0 else math.nan for v in diag)


def compensator(times: np.ndarray, baseline: float, branching: float, decay: float) -> np.ndarray:
    """``Lambda(t_i)``: the expected number of events up to each event under the process."""
    a, _ = _recursion(times, decay)
    return baseline * times + branching * (np.arange(len(times)) - a)


def rescaling_pvalue(rescaled: np.ndarray) -> float:
    """KS p-value that the increments of rescaled times are independent Exp(1)."""
    gaps = np.diff(rescaled, prepend=0.0)
    return float(stats.kstest(gaps, "expon").pvalue)


def fit_hawkes(times: np.ndarray, horizon: float) -> HawkesFit:
    """Maximum-likelihood Hawkes parameters of sorted event ``times`` on ``[0, horizon)``."""
    times = np.sort(np.asarray(times, dtype=float))
    if len(times) < 3:
        raise ValueError(f"{len(times)} events: too few to fit a Hawkes process")
    rate = len(times) / horizon
    best = None
    for beta0 in START_DECAYS:
        x0 = np.array([math.log(rate / 2), 0.0, math.log(beta0)])
        res = optimize.minimize(
            _objective, x0, args=(times, horizon), jac=True, method="L-BFGS-B",
            bounds=[(-20, 10), (-12, 8), (-12, 8)],
        )  # fmt: skip
        if best is None or res.fun < best.fun:
            best = res
    mu, n, beta = math.exp(best.x[0]), 1.0 / (1.0 + math.exp(-best.x[1])), math.exp(best.x[2])
    se = _standard_errors(lambda p: hawkes_loglik(times, horizon, *p), np.array([mu, n, beta]))
    return HawkesFit(
        baseline=mu,
        branching=n,
        decay=beta,
        se=se,  # type: ignore[arg-type]
        events=len(times),
        horizon=horizon,
        loglik=-float(best.fun),
        ks_p=rescaling_pvalue(compensator(times, mu, n, beta)),
        poisson_ks_p=rescaling_pvalue(rate * times),
    )


def _deaths_loglik(k: np.ndarray, scale: float, tail: float) -> float:
    """Log-likelihood of ``k - 1 = floor(scale X)``, X Lomax(``tail``), for deaths ``k >= 1``."""
    if scale <= 0 or tail <= 0:
        return -math.inf
    m = k - 1.0
    p = (1.0 + m / scale) ** -tail - (1.0 + (m + 1.0) / scale) ** -tail
    return float(np.log(p).sum())


def fit_deaths(deaths: np.ndarray) -> DeathsFit:
    """Maximum-likelihood death law (module docstring) of events' death counts."""
    deaths = np.asarray(deaths, dtype=float)
    positive = deaths[deaths > 0]
    zero = 1.0 - len(positive) / len(deaths)
    res = optimize.minimize(
        lambda x: -_deaths_loglik(positive, *np.exp(x)), np.zeros(2), method="Nelder-Mead",
        options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000},
    )  # fmt: skip
    scale, tail = np.exp(res.x)
    se = _standard_errors(lambda p: _deaths_loglik(positive, *p), np.array([scale, tail]))
    return DeathsFit(
        zero_share=zero,
        scale=float(scale),
        tail=float(tail),
        se=(math.sqrt(zero * (1.0 - zero) / len(deaths)), *se),  # type: ignore[arg-type]
        events=len(deaths),
    )


def fit_background(
    events: pd.DataFrame, start: str = START, days: int = DAYS, seed: int = SEED
) -> tuple[dict[str, HawkesFit], DeathsFit]:
    """The background events' Hawkes fit per governorate (alphabetically) and their
    death law, over ``days`` days from ``start``."""
    chosen = background_events(events)
    day = (chosen["date_start"] - pd.Timestamp(start)).dt.days.to_numpy()
    chosen = chosen[(day >= 0) & (day < days) & chosen["adm_1"].notna().to_numpy()]
    day = (chosen["date_start"] - pd.Timestamp(start)).dt.days.to_numpy()
    rng = np.random.default_rng(seed)
    fits = {
        unit: fit_hawkes(event_times(day[(chosen["adm_1"] == unit).to_numpy()], rng), days)
        for unit in sorted(chosen["adm_1"].unique())
    }
    return fits, fit_deaths(chosen["best"].to_numpy())


def table(fits: dict[str, HawkesFit], deaths: DeathsFit) -> str:
    """The fits as a plain-text table (estimates ± standard errors)."""
    lines = [
        f"{'governorate':24s} {'events':>6s} {'baseline /day':>16s} {'branching':>14s} "
        f"{'decay /day':>15s} {'KS p':>6s} {'Poisson KS p':>12s}"
    ]
    for unit, f in fits.items():
        lines.append(
            f"{unit:24s} {f.events:6d} {f.baseline:8.4f} ± {f.se[0]:<5.3f} "
            f"{f.branching:6.3f} ± {f.se[1]:<5.3f} {f.decay:7.3f} ± {f.se[2]:<5.3f} "
            f"{f.ks_p:6.3f} {f.poisson_ks_p:12.2g}"
        )
    z, s, t = deaths.se
    lines.append(
        f"deaths ({deaths.events} events): zero share {deaths.zero_share:.4f} ± {z:.4f}, "
        f"scale {deaths.scale:.3f} ± {s:.3f}, tail {deaths.tail:.3f} ± {t:.3f}"
    )
    return "\n".join(lines)


def yaml_section(fits: dict[str, HawkesFit], deaths: DeathsFit, side: int = 1) -> str:
    """The ``background:`` section of a geography file, standard errors as comments."""
    z, s, t = deaths.se
    lines = [
        "background:",
        f"  side: {side}",
        f"  deaths_zero_share: {deaths.zero_share:.4f}  # ± {z:.4f}",
        f"  deaths_scale: {deaths.scale:.3f}  # ± {s:.3f}",
        f"  deaths_tail: {deaths.tail:.3f}  # ± {t:.3f}",
        "  governorates:  # standard errors: baseline, branching, decay",
    ]
    for unit, f in fits.items():
        lines.append(
            f"    - {{name: {unit}, baseline: {f.baseline:.4f}, branching: {f.branching:.3f}, "
            f"decay: {f.decay:.3f}}}  # ± {f.se[0]:.4f}, {f.se[1]:.3f}, {f.se[2]:.3f}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = OneLineParser(
        prog="python -m sim.analysis.background_fit",
        description="Fit the background violence process to a GED CSV (module docstring).",
    )
    parser.add_argument("--data", default=DATA, help="a GED CSV (bare name: the shipped data/)")
    parser.add_argument("--start", default=START, help="first day, YYYY-MM-DD")
    parser.add_argument("--days", type=int, default=DAYS, help="days from start")
    parser.add_argument("--seed", type=int, default=SEED, help="seed of the within-day times")
    args = parser.parse_args(argv)
    try:
        start = pd.Timestamp(date.fromisoformat(args.start))
    except ValueError:
        parser.error(f"--start={args.start}: not a date; expected YYYY-MM-DD")
    try:
        events = load_ged(data_path(args.data))
    except GedFormatError as e:
        parser.error(f"--data={args.data}: {e}")
    first = events["date_start"].min()
    end = pd.Timestamp(year=events["date_start"].max().year, month=12, day=31)  # whole years
    if not first <= start <= end:
        parser.error(
            f"--start={args.start}: outside the data's years ({first:%Y-%m-%d} to {end:%Y-%m-%d})"
        )
    most = (end - start).days + 1
    if not MIN_DAYS <= args.days <= most:
        parser.error(
            f"--days={args.days}: allowed {MIN_DAYS} to {most} (the data's years end on "
            f"{end:%Y-%m-%d})"
        )
    try:
        fits, deaths = fit_background(events, args.start, args.days, args.seed)
    except ValueError as e:  # a governorate with too few events to fit
        parser.error(f"--start={args.start} --days={args.days}: {e}")
    print(table(fits, deaths))
    print()
    print(yaml_section(fits, deaths))
    return 0


if __name__ == "__main__":
    sys.exit(main())
