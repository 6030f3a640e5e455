"""The model's forecast from one origin: background refitted on the window and conditioned
on its observed events, the actors from the posterior, one model run per draw.

**Why this route.** Of the 743 recorded events of 2016-17, 717 are background violence
(:mod:`sim.model.background`), a Hawkes process per governorate that nothing in the model
acts back on. It is refitted by maximum likelihood on the window's background events
alone (:mod:`sim.analysis.hawkes`, :func:`sim.analysis.background_fit.fit_deaths`), so
it sees no scored month, and its forecast is **conditioned on the observed past**.

Each draw is one model run over the window and the forecast months. Its background
replays the window's observed background events (their days and governorates; sectors
and deaths drawn as any background event's), so the communities live through the war
as it was, and from the origin continues them (:class:`~sim.model.background.History`):
the excitation they left decays into the forecast months (the cluster representation,
:func:`~sim.model.background.simulate_hawkes`). A burst just before the origin thus
raises the forecast; a quiet spell leaves the baseline. The actors run from day 0, so
they reach the origin in the state the window left them in (a run started at the origin
would count their opening two months, up to twice as active as their later ones). Their
parameters are the posterior's particles (drawn by weight: parameter uncertainty
carried); in the data they make 26 of the 743 events, and the posterior was fitted on
all of 2016-17, scored months included. The forecast is the run's recorded events
(:mod:`sim.model.observation`) after the origin.

**The background's parameter uncertainty** is carried too: each draw takes its own
governorate parameters from the likelihood's normal approximation at the maximum, in
(log baseline, logit branching, log decay), its covariance the inverse observed
information (:func:`sim.analysis.hawkes.hessian`); where that is not positive definite
(a maximum on a bound) the estimate is used as it is. Draws are held to the model's
declared ranges (branching at most 0.99: the process stays finite over the horizon).
A governorate with fewer than :data:`MIN_EVENTS` background events in the window gets
a constant rate (events / window days) instead: a Hawkes fit has nothing to estimate
there. The death law is the window's estimate, and so are the GED type shares of each
governorate's events (they change what is recorded as which type, nothing forecast).
"""

from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.background_fit import event_times, fit_deaths, type_shares, window
from sim.analysis.events import recorded_events
from sim.analysis.hawkes import fit_hawkes, hawkes_loglik, hessian
from sim.config.params import GovernorateProcess, ModelParams
from sim.forecast.problem import Problem, month_day
from sim.model.background import History
from sim.model.incidents import DAYS_PER_MONTH
from sim.model.model import RoadmapModel
from sim.runs.draws import apply_parameters, parameter_columns
from sim.runs.runner import model_params, replication_seeds
from sim.runs.tables import collect

MIN_EVENTS = 3
"""Fewest background events of a governorate in a window for a Hawkes fit."""
MAX_BRANCHING = 0.99
DECAY_RANGE = (0.0001, 1000.0)
"""The model's declared ranges of a governorate's branching and decay."""
MAX_BASELINE = 100.0
DRAW_STREAM = 13
"""Spawn key of the stream the draws' particles are chosen from."""
BACKGROUND_STREAM = 19
"""Spawn key (with the origin) of the stream the draws' background parameters come from."""


@dataclass(frozen=True)
class WindowFit:
    """The background refitted on one window: a process per governorate, the death law,
    and the window's observed background (times in days from the start)."""

    governorates: list[GovernorateProcess]
    deaths: tuple[float, float, float]  # zero share, scale, tail
    history: History
    events: dict[str, int]
    spread: dict[str, tuple[np.ndarray, np.ndarray]]  # the maximum, transformed; covariance

    def sample(self, rng: np.random.Generator) -> list[GovernorateProcess]:
        """One draw of every governorate's parameters (module docstring)."""
        out = []
        for g in self.governorates:
            if g.name not in self.spread:
                out.append(g)
                continue
            x = rng.multivariate_normal(*self.spread[g.name])
            out.append(process(g.name, x, g.ged_type_shares))
        return out


def transformed(baseline: float, branching: float, decay: float) -> np.ndarray:
    return np.array([math.log(baseline), math.log(branching / (1 - branching)), math.log(decay)])


def process(name: str, x: np.ndarray, shares: list[float]) -> GovernorateProcess:
    """A governorate's process at (log baseline, logit branching, log decay) ``x``, held to
    the model's ranges, its events of GED types in ``shares``."""
    return GovernorateProcess(
        name,
        min(math.exp(x[0]), MAX_BASELINE),
        min(1.0 / (1.0 + math.exp(-x[1])), MAX_BRANCHING),
        float(np.clip(math.exp(x[2]), *DECAY_RANGE)),
        list(shares),
    )


def covariance(times: np.ndarray, days: float, x: np.ndarray) -> np.ndarray | None:
    """The inverse observed information at ``x`` (transformed), or None where it is not
    positive definite."""

    def loglik(y: np.ndarray) -> float:
        mu, n, beta = math.exp(y[0]), 1.0 / (1.0 + math.exp(-y[1])), math.exp(y[2])
        return hawkes_loglik(times, days, mu, n, beta)

    info = -hessian(loglik, x)
    if not np.all(np.isfinite(info)) or not np.all(np.linalg.eigvalsh(info) > 0):
        return None
    return np.linalg.inv(info)


def fit_window(
    events: pd.DataFrame, start: str, days: int, names: list[str], seed: int
) -> WindowFit:
    """The background's maximum-likelihood fit on the ``days`` days from ``start``; a
    governorate without events there keeps the default (equal) GED type shares."""
    chosen, day = window(events, start, days)
    fitted_shares = type_shares(events, start, days)
    rng = np.random.default_rng(seed)
    processes, times_of, counts, spread = [], {}, {}, {}
    for name in sorted(names):
        times = event_times(day[(chosen["adm_1"] == name).to_numpy()], rng)
        times_of[name], counts[name] = times, len(times)
        shares = (
            list(fitted_shares[name][0])
            if name in fitted_shares
            else GovernorateProcess().ged_type_shares
        )
        if len(times) < MIN_EVENTS:
            processes.append(GovernorateProcess(name, len(times) / days, 0.0, 1.0, shares))
            continue
        fit = fit_hawkes(times, days)
        x = transformed(fit.baseline, fit.branching, fit.decay)
        processes.append(process(name, x, shares))
        cov = covariance(times, days, x)
        if cov is not None:
            spread[name] = (x, cov)
    d = fit_deaths(chosen["best"].to_numpy())
    deaths = (d.zero_share, d.scale, d.tail)
    return WindowFit(processes, deaths, History(days, times_of), counts, spread)


def refitted(
    params: ModelParams, fit: WindowFit, governorates: list[GovernorateProcess]
) -> ModelParams:
    """``params`` with the window's background, ``governorates`` its processes (one level
    throughout: no epochs)."""
    zero, scale, tail = fit.deaths
    background = dataclasses.replace(
        params.background,
        governorates=list(governorates),
        epochs=[],
        deaths_zero_share=zero,
        deaths_scale=scale,
        deaths_tail=min(max(tail, 1.01), 10.0),
    )
    out = copy.copy(params)
    out.background = background
    return out


class ConditionedModel(RoadmapModel):
    """A run whose background replays observed event times, then continues them."""

    def __init__(self, params: ModelParams, days: int, seed: int, history: History) -> None:
        self.background_history = history
        super().__init__(params, days, seed)


def model_samples(
    problem: Problem, origin: int
) -> tuple[dict[str, dict[str, np.ndarray]], WindowFit]:
    """Samples of shape (units, months ahead, draws) per method (``model``: every recorded
    event; ``background_only``: the same runs' recorded background events) and quantity,
    and the window's fit."""
    s = problem.settings
    first = month_day(origin)
    last = month_day(origin + problem.ahead(origin))
    params = model_params(problem.model)
    names = [g.name for g in params.background.governorates]
    fit = fit_window(problem.events, s.start, first, names, s.seed)
    values = particle_values(problem, s.draws)
    rng = np.random.default_rng(
        np.random.SeedSequence(s.seed, spawn_key=(BACKGROUND_STREAM, origin))
    )
    seeds = replication_seeds(s.seed, s.draws)
    units = {u: i for i, u in enumerate(s.units)}
    shape = (len(s.units), problem.ahead(origin), s.draws)
    out = {
        method: {q: np.zeros(shape, np.int64) for q in ("events", "fatalities")}
        for method in ("model", "background_only")
    }
    for k, (draw, seed) in enumerate(zip(values, seeds, strict=True)):
        run_params = refitted(params, fit, fit.sample(rng))
        run_params = apply_parameters(run_params, draw) if draw else run_params
        incidents = collect(ConditionedModel(run_params, last, seed, fit.history).run()).arrow[
            "incidents"
        ]
        rec = recorded_events(incidents, last)
        seen = incidents["recorded"].to_numpy(zero_copy_only=False)
        background = np.asarray(incidents["type"].to_pylist(), dtype=object)[seen] == "background"
        month = (rec.day // DAYS_PER_MONTH).astype(np.int64) - origin
        row = np.array([units.get(u, -1) for u in rec.unit], dtype=np.int64)
        ok = (row >= 0) & (month >= 0) & (month < shape[1])
        for method, keep in (("model", ok), ("background_only", ok & background)):
            np.add.at(out[method]["events"], (row[keep], month[keep], k), 1)
            np.add.at(out[method]["fatalities"], (row[keep], month[keep], k), rec.deaths[keep])
    return out, fit


def particle_values(problem: Problem, draws: int) -> list[dict[str, float]]:
    """Each draw's parameter values: a posterior particle chosen by weight (or none)."""
    posterior = problem.posterior
    if posterior is None:
        return [{} for _ in range(draws)]
    names = parameter_columns(posterior)
    weights = posterior["weight"].to_numpy(dtype=float)
    rng = np.random.default_rng(
        np.random.SeedSequence(problem.settings.seed, spawn_key=(DRAW_STREAM,))
    )
    rows = rng.choice(len(posterior), size=draws, p=weights / weights.sum())
    return [{n: float(posterior.at[r, n]) for n in names} for r in rows]
