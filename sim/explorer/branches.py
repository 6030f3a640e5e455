"""Looking ahead from a paused run: paired forward replications under alternative moves.

A look-ahead copies the model as it stands (pickled once, :func:`snapshot`: every
agent, array and random stream) and runs each copy forward under one line of play, the moves of the
line made on the day after the pause. Replication 0 of every line keeps the run's
own streams, so the current line's replication 0 *is* the run's future, day for day;
replication ``r > 0`` reseeds every stream with ``r`` (:meth:`RoadmapModel.reseed
<sim.model.model.RoadmapModel.reseed>`), the same in every line. Lines differ only by
their moves, replication by replication (common random numbers): the paired
difference of two lines is their moves' effect in the same futures.

What each forward run keeps (:class:`Outlook`): border incidents by type and
casualties per month (months of :data:`DAYS_PER_MONTH` from the first day ahead),
the governments' mean trust each day, whether the roadmap relapsed and whether it
reached phase 3. :func:`fan` summarises replications as the fan charts draw them.
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np

from sim.config.moves import MoveParams
from sim.config.params import ConfigError
from sim.explorer.data import mean_trust
from sim.model.incidents import BORDER_INCIDENT_TYPES, DAYS_PER_MONTH, IS_BORDER_INCIDENT
from sim.model.model import RoadmapModel
from sim.model.phases import FINAL_PHASE

FAN_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
"""The fan's lines: median, the middle 50% and the middle 90% of replications."""


@dataclass(frozen=True)
class Outlook:
    """One line's forward replications from ``start`` (the first day ahead) for ``days``.

    Arrays have one row per replication: ``incidents`` ``(reps, types, months)`` border
    incidents of each of :data:`BORDER_INCIDENT_TYPES` per month; ``casualties``
    ``(reps, months)``; ``trust`` ``(reps, days)``; ``relapse`` and ``phase3`` ``(reps,)``
    whether the roadmap relapsed within the days ahead, and whether it was in phase 3
    by their end.
    """

    line: str
    moves: tuple[MoveParams, ...]
    start: int
    days: int
    incidents: np.ndarray
    casualties: np.ndarray
    trust: np.ndarray
    relapse: np.ndarray
    phase3: np.ndarray

    @property
    def replications(self) -> int:
        return len(self.relapse)


def snapshot(model: RoadmapModel) -> bytes:
    """The model pickled as it stands, without its DataCollector (a copy's outcomes are
    read from its own log and series: :func:`observe`)."""
    kept = model.datacollector, model._collects
    model.datacollector, model._collects = None, False
    try:
        return pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        model.datacollector, model._collects = kept


def forward(state: bytes, moves: Sequence[MoveParams], replication: int, days: int) -> dict:
    """Run one copy of the pickled model ``days`` ahead under ``moves`` (made on the first
    day ahead); ``replication`` 0 keeps its streams, any other reseeds them with it."""
    model: RoadmapModel = pickle.loads(state)
    start = model.steps
    if replication:
        model.reseed(replication)
    for move in moves:
        model.moves.add(model, MoveParams(start, move.key, move.value, move.by))
    days = min(days, model.days - start)
    model.run_for(days)
    return observe(model, start, days)


def observe(model: RoadmapModel, start: int, days: int) -> dict:
    """What a look-ahead keeps of ``model``'s days ``start`` to ``start + days``."""
    cols = model.log.columns()
    day, kind = cols["day"].astype(np.int64), cols["type"].astype(np.int64)
    ahead = (day >= start) & (day < start + days)
    months = int(np.ceil(days / DAYS_PER_MONTH))
    month = ((day[ahead] - start) // DAYS_PER_MONTH).astype(np.int64)
    kind, casualties = kind[ahead], cols["casualties"][ahead]
    incidents = np.zeros((len(BORDER_INCIDENT_TYPES), months))
    for i, t in enumerate(BORDER_INCIDENT_TYPES):
        incidents[i] = np.bincount(month[kind == t], minlength=months)
    border = IS_BORDER_INCIDENT[kind]
    rows = model.series.rows[start : start + days]
    trust = np.array([mean_trust(row) for row in rows])
    transitions = model.phases.transitions
    return {
        "incidents": incidents,
        "casualties": np.bincount(month[border], casualties[border], minlength=months),
        "trust": trust,
        "relapse": any(t.kind == "relapse" and t.day >= start for t in transitions),
        "phase3": model.phases.phase == FINAL_PHASE
        or any(t.to_phase == FINAL_PHASE and t.day >= start for t in transitions),
    }


def look_ahead(
    state: bytes,
    lines: Mapping[str, Sequence[MoveParams]],
    replications: int,
    days: int,
    executor: Executor | None = None,
) -> dict[str, Outlook]:
    """Each line's :class:`Outlook`: ``replications`` paired runs ``days`` ahead of the
    model pickled in ``state`` (:func:`snapshot`; cut at its horizon), the line's moves
    made on the first day ahead (whatever day they name).

    The runs are independent tasks (on ``executor`` when given, a process pool say);
    the numbers do not depend on where they ran. A move the model refuses raises
    ConfigError before anything runs.
    """
    if not lines or replications < 1 or days < 1:
        raise ConfigError("look ahead: at least one line, one future and one day ahead")
    for moves in lines.values():  # refused here, not in a worker
        trial: RoadmapModel = pickle.loads(state)
        start, horizon = trial.steps, trial.days
        if start >= horizon:
            raise ConfigError(
                f"look ahead: the run is at its horizon (day {horizon}); no day is left"
            )
        for move in moves:
            trial.moves.add(trial, MoveParams(start, move.key, move.value, move.by))
    tasks = [(line, r) for line in lines for r in range(replications)]
    if executor is None:
        runs = [forward(state, lines[line], r, days) for line, r in tasks]
    else:
        futures = [executor.submit(forward, state, lines[line], r, days) for line, r in tasks]
        runs = [f.result() for f in futures]
    out = {}
    ahead = min(days, horizon - start)
    for line, moves in lines.items():
        mine = [run for (name, _), run in zip(tasks, runs, strict=True) if name == line]
        out[line] = Outlook(
            line=line,
            moves=tuple(moves),
            start=start,
            days=ahead,
            **{key: np.array([run[key] for run in mine]) for key in mine[0]},
        )
    return out


def fan(values: np.ndarray) -> np.ndarray:
    """``(5, columns)``: the 5th, 25th, 50th, 75th and 95th percentiles over replications
    (rows), linearly interpolated (NumPy's default)."""
    return np.quantile(values, FAN_QUANTILES, axis=0)
