"""Fit the background violence process to GED events: ``python -m sim.analysis.background_fit``.

Prints, per governorate, the maximum-likelihood Hawkes parameters with their
standard errors and a goodness-of-fit test, the fitted death law, and the
``background:`` section of ``conf/geography/tr_sy.yaml`` (paste it there).

**Which events are background.** The model's actors make cross-border violence:
the two states' border forces, armed groups that strike across the line, their
interdiction. On the Syrian side, the GED events with one of
:data:`~sim.analysis.ged.REPRESENTED` as a side are that: the Turkish state's forces against IS
and the PKK at and across the line (19; shelling answering rockets on Kilis,
Operation Euphrates Shield's strikes inside the band) and against civilians
(7, mostly people shot crossing). Every other event is **background**:
the Government of Syria against insurgents, IS or the SDF (292), every
non-state fight (398: the SDF, IS, opposition groups against each other),
one-sided violence by IS, insurgents or the SDF (25), and the other foreign
states' strikes (the USA, Iraq: 2) — 717 of the 743 events. None is the two
states against each other.

**The process**, per governorate (GED's ``adm_1``), a Hawkes process with an
exponential kernel (:class:`~sim.config.params.GovernorateProcess`), fitted by maximum
likelihood (:mod:`sim.analysis.hawkes`: the likelihood, standard errors and the
time-rescaling check). GED dates are days: an event is placed at its start day plus a
uniform fraction of it (seeded by ``--seed``), so the continuous-time likelihood sees no
ties. **Epochs** (``--epochs 2017-01-01``): the war's level may change while how one
event excites the next does not; from each epoch's first day every governorate's
baseline is multiplied by a factor shared by all of them
(:class:`~sim.config.params.BackgroundEpoch`), fitted by profile likelihood (each
factor's every value refits all governorates), with standard errors from the profile's
curvature and a likelihood-ratio test against no epochs.

**GED types**, per governorate: the shares of GED's ``type_of_violence`` codes 1, 2
and 3 among its background events (their maximum-likelihood estimates: the observed
shares, rounded to whole ten-thousandths that sum to 1), from which each of the model's
background events draws its code.

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

from sim.analysis.ged import REPRESENTED, GedFormatError, data_path, load_ged, represented
from sim.analysis.hawkes import (
    Epochs,
    HawkesFit,
    fit_hawkes,
    standard_errors,
)
from sim.runs.terminal import OneLineParser

DATA = "ucdp_ged191_tr_sy_border25km_2016_2017.csv"
START = "2016-01-01"
DAYS = 731
SEED = 20160101
MIN_DAYS = 30
"""The shortest window fitted: a Hawkes fit of a few days' events has nothing to estimate."""


@dataclass(frozen=True)
class DeathsFit:
    """The fitted death law of background events, with standard errors."""

    zero_share: float
    scale: float
    tail: float
    se: tuple[float, float, float]  # of zero_share, scale, tail
    events: int


def background_events(events: pd.DataFrame, actors: Sequence[str] = REPRESENTED) -> pd.DataFrame:
    """The events none of whose sides is one of ``actors``."""
    return events[~represented(events, actors)]


def event_times(days: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Sorted continuous times of events dated by whole days: each at a uniform point of its day."""
    return np.sort(np.asarray(days, dtype=float) + rng.random(len(days)))


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
    se = standard_errors(lambda p: _deaths_loglik(positive, *p), np.array([scale, tail]))
    return DeathsFit(
        zero_share=zero,
        scale=float(scale),
        tail=float(tail),
        se=(math.sqrt(zero * (1.0 - zero) / len(deaths)), *se),  # type: ignore[arg-type]
        events=len(deaths),
    )


@dataclass(frozen=True)
class EpochsFit:
    """Shared epoch factors of the baselines, their standard errors, and the likelihood
    ratio test of the epochs against one stationary level (all governorates together)."""

    epochs: Epochs
    se: tuple[float, ...]
    loglik: float
    stationary_loglik: float
    lr_p: float


def window(events: pd.DataFrame, start: str, days: int) -> tuple[pd.DataFrame, np.ndarray]:
    """The background events placed in a governorate over ``days`` days from ``start``,
    and their days from ``start``."""
    chosen = background_events(events)
    day = (chosen["date_start"] - pd.Timestamp(start)).dt.days.to_numpy()
    keep = (day >= 0) & (day < days) & chosen["adm_1"].notna().to_numpy()
    return chosen[keep], day[keep]


SHARE_UNITS = 10_000
"""Type shares are written in whole ten-thousandths."""


def type_shares(events: pd.DataFrame, start: str = START, days: int = DAYS) -> dict:
    """Per governorate (alphabetically), the shares of GED codes 1, 2, 3 among its
    background events over ``days`` days from ``start``, with their standard errors; the
    shares in whole :data:`SHARE_UNITS` that sum to exactly 1 (largest remainders)."""
    chosen, _ = window(events, start, days)
    out = {}
    for unit in sorted(chosen["adm_1"].unique()):
        codes = chosen.loc[(chosen["adm_1"] == unit).to_numpy(), "type_of_violence"]
        n = len(codes)
        exact = np.array([(codes == k).sum() for k in (1, 2, 3)]) * SHARE_UNITS / n
        whole = np.floor(exact).astype(int)
        short = SHARE_UNITS - whole.sum()
        whole[np.argsort(whole - exact, kind="stable")[:short]] += 1
        p = exact / SHARE_UNITS
        out[unit] = (tuple((whole / SHARE_UNITS).tolist()), tuple(np.sqrt(p * (1 - p) / n)))
    return out


def fit_background(
    events: pd.DataFrame,
    start: str = START,
    days: int = DAYS,
    seed: int = SEED,
    epochs: Sequence[int] = (),
) -> tuple[dict[str, HawkesFit], DeathsFit, EpochsFit | None]:
    """The background events' Hawkes fit per governorate (alphabetically), their death
    law, and (with ``epochs``, their first days) the epochs' factors, over ``days`` days
    from ``start``."""
    chosen, day = window(events, start, days)
    rng = np.random.default_rng(seed)
    series = {
        unit: event_times(day[(chosen["adm_1"] == unit).to_numpy()], rng)
        for unit in sorted(chosen["adm_1"].unique())
    }
    fits = {unit: fit_hawkes(times, days) for unit, times in series.items()}
    deaths = fit_deaths(chosen["best"].to_numpy())
    if not epochs:
        return fits, deaths, None
    shared = fit_epochs(series, days, tuple(float(e) for e in epochs))
    fits = {unit: fit_hawkes(times, days, shared.epochs) for unit, times in series.items()}
    return fits, deaths, shared


def fit_epochs(series: dict[str, np.ndarray], days: int, starts: tuple[float, ...]) -> EpochsFit:
    """The epochs' shared factors by profile likelihood over their logs."""

    def profile(log_factors: np.ndarray) -> float:
        at = Epochs(starts, tuple(np.exp(log_factors).tolist()))
        return sum(fit_hawkes(times, days, at).loglik for times in series.values())

    res = optimize.minimize(
        lambda x: -profile(x), np.zeros(len(starts)), method="Nelder-Mead",
        options={"xatol": 1e-4, "fatol": 1e-6},
    )  # fmt: skip
    factors = np.exp(res.x)
    log_se = _profile_se(profile, res.x)
    stationary = sum(fit_hawkes(times, days).loglik for times in series.values())
    return EpochsFit(
        epochs=Epochs(starts, tuple(factors.tolist())),
        se=tuple((factors * log_se).tolist()),  # the delta method
        loglik=-float(res.fun),
        stationary_loglik=stationary,
        lr_p=float(stats.chi2.sf(2.0 * (-res.fun - stationary), len(starts))),
    )


PROFILE_STEP = 0.02
"""Step in a log factor of the profile's curvature: wide enough to rise above the inner fits'
tolerance, narrow against the factors' standard errors (about 0.1 in the log)."""


def _profile_se(profile, x: np.ndarray) -> np.ndarray:
    """Standard errors from the profile log-likelihood's curvature (central differences)."""
    k, h = len(x), PROFILE_STEP
    step = np.eye(k) * h
    info = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):
            info[i, j] = info[j, i] = -(
                profile(x + step[i] + step[j])
                - profile(x + step[i] - step[j])
                - profile(x - step[i] + step[j])
                + profile(x - step[i] - step[j])
            ) / (4 * h * h)
    try:
        return np.sqrt(np.diag(np.linalg.inv(info)))
    except np.linalg.LinAlgError:
        return np.full(k, np.nan)


def table(fits: dict[str, HawkesFit], deaths: DeathsFit, shared: EpochsFit | None = None) -> str:
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
    if shared is not None:
        e = shared.epochs
        lines += [
            f"epoch from day {start:.0f}: baselines x {factor:.3f} ± {se:.3f}"
            for start, factor, se in zip(e.starts, e.factors, shared.se, strict=True)
        ]
        lines.append(
            f"epochs against one stationary level: log-likelihood {shared.loglik:.1f} against "
            f"{shared.stationary_loglik:.1f}, likelihood-ratio p {shared.lr_p:.2g}"
        )
    return "\n".join(lines)


def yaml_section(
    fits: dict[str, HawkesFit],
    deaths: DeathsFit,
    shares: dict,
    shared: EpochsFit | None = None,
    side: int = 1,
) -> str:
    """The ``background:`` section of a geography file, standard errors as comments
    (``shares``: :func:`type_shares`)."""
    z, s, t = deaths.se
    lines = [
        "background:",
        f"  side: {side}",
        f"  deaths_zero_share: {deaths.zero_share:.4f}  # ± {z:.4f}",
        f"  deaths_scale: {deaths.scale:.3f}  # ± {s:.3f}",
        f"  deaths_tail: {deaths.tail:.3f}  # ± {t:.3f}",
        "  governorates:  # standard errors: baseline, branching, decay; shares of GED 1, 2, 3",
    ]
    for unit, f in fits.items():
        p, p_se = shares[unit]
        lines += [
            f"    - {{name: {unit}, baseline: {f.baseline:.4f}, branching: {f.branching:.3f}, "
            f"decay: {f.decay:.3f},",
            f"       ged_type_shares: [{', '.join(f'{x:.4f}' for x in p)}]}}"
            f"  # ± {f.se[0]:.4f}, {f.se[1]:.3f}, {f.se[2]:.3f}; "
            + ", ".join(f"{x:.3f}" for x in p_se),
        ]
    if shared is not None:
        lines.append(
            "  epochs:  # every baseline times factor from start_day on (± standard error)"
        )
        e = shared.epochs
        lines += [
            f"    - {{start_day: {start:.0f}, factor: {factor:.3f}}}  # ± {se:.3f}"
            for start, factor, se in zip(e.starts, e.factors, shared.se, strict=True)
        ]
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
    parser.add_argument(
        "--epochs", default="", help="first days of epochs of another level, YYYY-MM-DD,..."
    )
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
    epochs = []
    for text in filter(None, args.epochs.split(",")):
        try:
            first_day = (pd.Timestamp(date.fromisoformat(text.strip())) - start).days
        except ValueError:
            parser.error(f"--epochs={args.epochs}: {text!r} is not a date; expected YYYY-MM-DD")
        if not 0 < first_day < args.days or (epochs and first_day <= epochs[-1]):
            parser.error(
                f"--epochs={args.epochs}: {text.strip()} must fall after {args.start}, within "
                "the --days fitted and after the epoch before it"
            )
        epochs.append(first_day)
    try:
        fits, deaths, shared = fit_background(events, args.start, args.days, args.seed, epochs)
    except ValueError as e:  # a governorate with too few events to fit
        parser.error(f"--start={args.start} --days={args.days}: {e}")
    shares = type_shares(events, args.start, args.days)
    print(table(fits, deaths, shared))
    print()
    print(yaml_section(fits, deaths, shares, shared))
    return 0


if __name__ == "__main__":
    sys.exit(main())
