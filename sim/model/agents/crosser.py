"""What armed groups and smuggling networks share: crossing the line where it has worked."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from sim.model.agents.roster import CDF, PULL, VALUE, Column, Plane, Roster
from sim.model.compiled import Port, kernel

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel

BEST, RATE, TEMPERATURE, LEARNING_RATE, FRESH, TARGET, START, ACTOR = range(8)
"""A crosser's columns in its roster's ``state`` (``FRESH``: 1 while ``CDF`` is up to
date; ``TARGET``, ``START``, ``ACTOR``: its ``target``, its reach's first sector, its
``actor``); a kind's own columns follow them."""
COLUMNS = 8
PLANES = 3  # VALUE, PULL, CDF


def reach_window(n: int, centre: int, width: int) -> slice:
    """The ``width`` contiguous sectors around ``centre``, kept inside the border."""
    width = min(width, n)
    start = min(max(0, centre - width // 2), n - width)
    return slice(start, start + width)


class BorderCrosser(Agent):
    """An agent based on one side that sends crossings over the line.

    Rule: choose among the sectors of its reach by a softmax over the success it
    has learned there (lower ``temperature``: more exploitation); after a day's
    crossings, move each used sector's learned value toward the outcome (1 = got
    through) at ``learning_rate``. Watched sectors thus lose their appeal and
    crossings move elsewhere (displacement).

    Its state is a row of its kind's ``Roster`` (``columns`` and ``planes``), so that one
    kernel call decides the day for all of its kind; the attributes below are
    properties over that row.

    Attributes:
        home: side it is based on; it crosses into ``target = 1 - home``.
        reach: the sectors it can use (a slice of the border; ``sectors`` lists them);
            value: learned chance of getting through in each;
            best: the highest of those chances.
        rate: expected crossings per day.
        stream: its own random stream; actor: its code in the incident log.
    """

    def __init__(
        self,
        model: RoadmapModel,
        home: int,
        centre: int,
        width: int,
        initial_success: float,
        temperature: float,
        learning_rate: float,
        name: str,
        columns: int = COLUMNS,
        planes: int = PLANES,
    ) -> None:
        super().__init__(model)
        self.home = home
        self.target = 1 - home
        self.reach = reach_window(model.border.n, centre, width)
        self.sectors = list(range(self.reach.start, self.reach.stop))
        self.stream = model.spawn_rng()
        self._port = Port(self.stream)
        self._roster, self._row = Roster.join(self, columns, planes, len(self.sectors))
        self._roster.sectors[self._row, VALUE] = initial_success
        state = self._roster.state[self._row]
        state[BEST] = initial_success
        state[TEMPERATURE] = temperature
        state[LEARNING_RATE] = learning_rate
        self.actor = model.register_actor(f"{name}_{self.unique_id}")
        state[TARGET], state[START], state[ACTOR] = self.target, self.reach.start, self.actor

    value = Plane(VALUE)
    best = Column(BEST)
    rate = Column(RATE)
    temperature = Column(TEMPERATURE)
    learning_rate = Column(LEARNING_RATE)

    def choose(self, u: float) -> int:
        """Index into ``reach`` of a crossing, by inverse CDF from a uniform draw ``u``."""
        sectors = self._roster.sectors[self._row]
        refresh_cdf(sectors, self._roster.state[self._row])
        return pick(sectors[CDF], u)

    def ready(self) -> bool:
        """Whether it is preparing crossings (what informants can hear of)."""
        return self.rate > 0


@kernel
def refresh_cdf(sectors: np.ndarray, state: np.ndarray) -> None:
    """Bring a crosser's cumulative choice weights (its ``sectors``' ``CDF`` plane) up to
    date if its values or pull changed: a softmax over learned success plus pull, at its
    temperature, shifted by the top so that no weight overflows."""
    if state[FRESH]:
        return
    cdf, value, pull, t = sectors[CDF], sectors[VALUE], sectors[PULL], state[TEMPERATURE]
    top = value[0] + pull[0]
    for k in range(1, value.size):
        top = max(top, value[k] + pull[k])
    total = 0.0
    for k in range(value.size):
        total += math.exp((value[k] + pull[k] - top) / t)
        cdf[k] = total
    state[FRESH] = 1.0


@kernel
def learn(sectors: np.ndarray, state: np.ndarray, index: np.ndarray, detected: np.ndarray) -> None:
    """Move each used sector's learned value toward the outcome (1.0: got through, that
    is not ``detected``).

    Every step is measured against the values before the day, so no crossing learns
    from an earlier one the same day; a sector used more than once adds its steps in the
    crossings' order."""
    value, rate = sectors[VALUE], state[LEARNING_RATE]
    for j in range(index.size):
        i, first = index[j], 0
        while index[first] != i:  # the sector's first crossing today
            first += 1
        if first < j:
            continue  # its steps were taken at its first crossing
        before = value[i]
        for e in range(j, index.size):
            if index[e] == i:
                value[i] += rate * ((1.0 - detected[e]) - before)
    best = value[0]  # value.max() (which needs numba's runtime), nan included
    for k in range(1, value.size):
        if value[k] > best or value[k] != value[k]:
            best = value[k]
    state[BEST] = best
    state[FRESH] = 0.0


@kernel
def pick(cdf: np.ndarray, u: float) -> int:
    """The first index whose cumulative weight exceeds ``u`` times the total (the last
    one if none does): ``min(bisect_right(cdf, u * cdf[-1]), len(cdf) - 1)``."""
    x = u * cdf[-1]
    lo, hi = 0, cdf.size
    while lo < hi:
        mid = (lo + hi) // 2
        if x < cdf[mid]:
            hi = mid
        else:
            lo = mid + 1
    return min(lo, cdf.size - 1)
