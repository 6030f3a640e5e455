"""Background violence: the armed violence of the border region that no actor of the model makes.

On the Syrian side of the Türkiye–Syria border in 2016–2017 nearly every GED
event is the Syrian civil war (the Government of Syria against insurgents),
non-state groups fighting each other (the SDF, IS, opposition groups) or
one-sided violence by them; the model's actors (two states' border forces,
cross-border armed groups, smugglers) make none of it. That violence still
kills, displaces and impoverishes the people who live along the line, and a
GED-like source records it. It enters as an exogenous process:

- **Per governorate** (GED's ``adm_1``; each sector lies opposite one,
  :func:`sim.model.observation.sector_governorates`), a self-exciting (Hawkes)
  point process with an exponential kernel, intensity ``baseline * level +
  sum over past events of branching * decay * exp(-decay * age)`` events a day
  (``level`` is 1 until the first of ``background.epochs``, then that epoch's
  factor: the war's level may change, shared by every governorate), with the
  parameters :class:`~sim.config.params.BackgroundParams` holds (fitted to the
  GED extract by :mod:`sim.analysis.background_fit`). The process starts with
  no history on day 0, the condition its likelihood was fitted under. A model
  that carries a ``background_history`` (:class:`History`: a forecast's,
  :mod:`sim.forecast`) replays the observed event times before its origin day
  instead, and from there continues them: the excitation they left still acts.
- **Rule of an event**: it strikes one sector opposite its governorate on
  ``background.side``, drawn in proportion to the people living there; it
  kills 0 people with probability ``deaths_zero_share``, else ``1 +
  floor(deaths_scale * X)``, X Lomax of shape ``deaths_tail``. It is logged as
  a ``background`` incident (not a border incident, not a crossing attempt)
  and hits the communities of its sector
  (:meth:`~sim.model.communities.Communities.on_violence`): hardship rises and
  people flee there, which is how it drives crossings and, through hardship,
  recruitment on that side. Nothing in the model acts back on it: no measure
  reaches a war the roadmap's parties do not fight.
- **GED type of an event**: code 1, 2 or 3 of GED's ``type_of_violence``
  (state-based, non-state, one-sided), drawn from its governorate's
  ``ged_type_shares``. It changes nothing in the run, only what the observation
  model says the event is (:func:`sim.model.observation.ged_types`).

Being exogenous, the whole horizon is drawn when the model is built, by the
cluster representation of the Hawkes process (immigrants at rate ``baseline``,
each event's offspring Poisson(``branching``) at Exp(``decay``) lags: exact,
one vectorised draw per generation), and each day replays its events. Its
random stream is keyed by the run's seed alone (:meth:`RoadmapModel.keyed_rng`),
not spawned in turn: it shifts no other agent's stream, and every scenario run
with a seed sees the same background events (common random numbers). A look-ahead's
future (a reseeded copy: :meth:`RoadmapModel.reseed`) draws the process anew from its
day on, continuing the events so far (:meth:`BackgroundViolence.redraw`). Without a
process (``stylised``: the default) it draws nothing and each day costs two
list look-ups. The types are drawn on a stream of their own (:data:`TYPE_STREAM_KEY`),
after the events: with or without them a run's events, deaths and days are the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.model.communities import pick
from sim.model.incidents import IncidentType
from sim.model.observation import sector_governorates

if TYPE_CHECKING:
    from sim.config.params import GovernorateProcess
    from sim.model.model import RoadmapModel

STREAM_KEY = 2**31
"""The background's stream key: far beyond the few hundred streams a run spawns in turn."""
TYPE_STREAM_KEY = 2**31 + 2
"""The stream key of the events' GED types (the reporting draws' is 2**31 + 1): apart from
the events' stream, so that drawing types moves no event, death or day."""


def simulate_hawkes(
    rng: np.random.Generator,
    baseline: float,
    branching: float,
    decay: float,
    horizon: float,
    epochs: Sequence[tuple[float, float]] = (),
    history: np.ndarray | Sequence[float] = (),
) -> np.ndarray:
    """Event times in ``[0, horizon)`` of a Hawkes process with an exponential kernel,
    sorted; drawn generation by generation (cluster representation). ``epochs``: (first
    day, factor of the baseline from then on), in order. ``history``: the observed event
    times before 0 (none: the process starts empty); each one's offspring after 0 are
    Poisson(``branching * exp(decay * t)``) at Exp(``decay``) lags from 0 (the kernel is
    memoryless; those before 0 are in the history already), and they beget the rest."""
    spans = [(0.0, 1.0), *epochs]
    immigrants = []
    for k, (start, factor) in enumerate(spans):
        end = min(spans[k + 1][0], horizon) if k + 1 < len(spans) else horizon
        if end > start:
            immigrants.append(
                rng.uniform(start, end, rng.poisson(baseline * factor * (end - start)))
            )
    past = np.asarray(history, dtype=float)
    if past.size:
        late = np.repeat(0.0, rng.poisson(branching * np.exp(decay * past)).sum())
        late = late + rng.exponential(1.0 / decay, late.size)
        immigrants.append(late[late < horizon])
    generation = np.concatenate(immigrants) if immigrants else np.zeros(0)
    times = [generation]
    while generation.size:
        offspring = rng.poisson(branching, generation.size)
        generation = np.repeat(generation, offspring)
        generation = generation + rng.exponential(1.0 / decay, generation.size)
        generation = generation[generation < horizon]
        times.append(generation)
    return np.sort(np.concatenate(times))


@dataclass(frozen=True)
class History:
    """Observed background event times (days, before ``origin``) per governorate: a run
    replays them and draws the process from ``origin`` on conditioned on them."""

    origin: int
    times: Mapping[str, np.ndarray]

    def continued(self, rng: np.random.Generator, g: GovernorateProcess, days: int) -> np.ndarray:
        """The governorate's observed times, then its process's from the origin to ``days``."""
        past = np.asarray(self.times.get(g.name, ()), dtype=float)
        ahead = simulate_hawkes(
            rng, g.baseline, g.branching, g.decay, days - self.origin, history=past - self.origin
        )
        return np.concatenate([past, self.origin + ahead])


def draw_types(rng: np.random.Generator, shares: np.ndarray) -> np.ndarray:
    """GED codes (1, 2, 3) of events, one per row of ``shares`` (each event's shares of the
    three codes), from one uniform per event."""
    bounds = np.cumsum(shares, axis=1)
    u = rng.random(len(shares)) * bounds[:, -1]
    return (1 + (u[:, None] >= bounds[:, :-1]).sum(axis=1)).astype(np.int8)


def draw_deaths(
    rng: np.random.Generator, size: int, zero_share: float, scale: float, tail: float
) -> np.ndarray:
    """Deaths of ``size`` events: 0 with probability ``zero_share``, else ``1 + floor(scale *
    X)``, X Lomax of shape ``tail``."""
    killed = 1 + np.floor(scale * rng.pareto(tail, size)).astype(np.int64)
    killed[rng.random(size) < zero_share] = 0
    return killed


class BackgroundViolence:
    """The exogenous background violence of one run (module docstring: the process and
    the rule of an event). ``events`` is how many the horizon holds; ``ged_types`` their
    GED codes, in the order they are logged."""

    def __init__(self, model: RoadmapModel) -> None:
        self.model = model
        p = model.params.background
        self.side = p.side
        self.events = 0
        self._bounds = [0] * (model.days + 1)  # today's events: [bounds[day], bounds[day + 1])
        self._sectors: list[int] = []
        self._deaths: list[int] = []
        self.ged_types = np.zeros(0, dtype=np.int8)
        self._times: list[np.ndarray] = []  # each governorate's event times (days, continuous)
        if not p.governorates:
            return
        self.actor = model.register_actor("background_violence")
        # Each sector's governorate opposite (where an event of one may strike).
        self._opposite = np.asarray(sector_governorates(model.params.geography, model.border))
        rng = model.keyed_rng(STREAM_KEY)
        epochs = [(float(e.start_day), e.factor) for e in p.epochs]
        history: History | None = getattr(model, "background_history", None)
        if history is not None and epochs:
            raise ValueError("a background history is continued at one level: no epochs")
        placed = []
        for g in p.governorates:
            if history is None:
                times = simulate_hawkes(rng, g.baseline, g.branching, g.decay, model.days, epochs)
            else:
                times = history.continued(rng, g, model.days)
            self._times.append(times)
            placed.append(self._place(g, times, rng))
        self._lay_out(0, placed, rng, model.keyed_rng(TYPE_STREAM_KEY))

    def redraw(self, first: int, rng: np.random.Generator) -> None:
        """Draw the process anew from day ``first`` on (a look-ahead's future), from ``rng``:
        its events before ``first`` are the history the new ones continue (their excitation
        still acts), at the level of the epoch in force on day ``first``."""
        p = self.model.params.background
        if first >= self.model.days:
            return  # nothing left to draw
        level, epochs = 1.0, []
        for e in p.epochs:
            if e.start_day <= first:
                level = e.factor
            else:
                epochs.append((float(e.start_day - first), e.factor))
        horizon, placed = self.model.days - first, []
        for k, g in enumerate(p.governorates):
            past = self._times[k][self._times[k] < first]
            ahead = first + simulate_hawkes(
                rng, g.baseline, g.branching, g.decay, horizon, [(0.0, level), *epochs],
                history=past - first,
            )  # fmt: skip
            self._times[k] = np.concatenate([past, ahead])
            placed.append(self._place(g, ahead, rng))
        if placed:
            self._lay_out(first, placed, rng, rng)

    def _place(
        self, g: GovernorateProcess, times: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Governorate ``g``'s events at ``times``: their days, the sectors they strike (by
        the people living there, from ``rng``) and their GED type shares."""
        where = np.flatnonzero(self._opposite == g.name)
        people = self.model.border.population[self.side][where]
        sectors = where[pick(people, rng.random(times.size))]
        return times.astype(np.int64), sectors, np.tile(g.ged_type_shares, (times.size, 1))

    def _lay_out(
        self,
        first: int,
        placed: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
        rng: np.random.Generator,
        types: np.random.Generator,
    ) -> None:
        """The events from day ``first`` on (``placed``, per governorate), in day order, with
        whom each kills (``rng``) and its GED type (``types``); the days before stay."""
        p = self.model.params.background
        day, sectors, shares = (np.concatenate(part) for part in zip(*placed, strict=True))
        order = np.argsort(day, kind="stable")
        killed = draw_deaths(rng, day.size, p.deaths_zero_share, p.deaths_scale, p.deaths_tail)
        kept = self._bounds[first]
        days = np.arange(first, self.model.days + 1)
        self._bounds[first:] = (kept + day[order].searchsorted(days)).tolist()
        self._sectors[kept:] = sectors[order].tolist()
        self._deaths[kept:] = killed[order].tolist()
        self.events = len(self._deaths)
        self.ged_types = np.concatenate([self.ged_types[:kept], draw_types(types, shares[order])])

    def step(self, day: int) -> None:
        """Today's background events: logged, and felt by the communities where they strike."""
        lo, hi = self._bounds[day], self._bounds[day + 1]
        if lo == hi:
            return
        model, side = self.model, self.side
        for sector, deaths in zip(self._sectors[lo:hi], self._deaths[lo:hi], strict=True):
            model.log.add(day, sector, side, IncidentType.BACKGROUND, self.actor, False, deaths)
            model.communities.on_violence(side, sector, deaths)
