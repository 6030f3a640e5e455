"""What armed groups and smuggling networks share: crossing the line where it has worked."""

from __future__ import annotations

import math
from collections.abc import Iterable
from itertools import accumulate
from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from sim.model.compiled import Port, kernel

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel


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

    A crosser decides a handful of crossings a day over a dozen sectors, so its
    learned values are a Python list: scalar arithmetic on them is several times
    cheaper than numpy calls on arrays that small.

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
    ) -> None:
        super().__init__(model)
        self.home = home
        self.target = 1 - home
        self.reach = reach_window(model.border.n, centre, width)
        self.sectors = list(range(self.reach.start, self.reach.stop))
        self.value = [float(initial_success)] * len(self.sectors)
        self.best = float(initial_success)
        self.temperature = temperature
        self.learning_rate = learning_rate
        self.rate = 0.0
        self.stream = model.spawn_rng()
        self._port = Port(self.stream)
        self.actor = model.register_actor(f"{name}_{self.unique_id}")
        # Derived from the learned values, kept until they change:
        self._cdf: np.ndarray | None = None  # cumulative choice weights

    def weights(self) -> list[float]:
        """Softmax weights (not normalised) of the sectors of its reach."""
        top, t = self.best, self.temperature
        return [math.exp((v - top) / t) for v in self.value]

    def cdf(self) -> np.ndarray:
        """Cumulative choice weights of the sectors of its reach (kept until they change)."""
        if self._cdf is None:
            self._cdf = np.fromiter(accumulate(self.weights()), float, len(self.sectors))
        return self._cdf

    def choose(self, u: float) -> int:
        """Index into ``reach`` of a crossing, by inverse CDF from a uniform draw ``u``."""
        return pick(self.cdf(), u)

    def learn(self, outcomes: Iterable[tuple[int, bool]]) -> None:
        """Update learned success from a day's ``(reach index, got through)`` outcomes.

        Every update is measured against the values before the day, so the order
        of a day's crossings does not matter.
        """
        value, rate = self.value, self.learning_rate
        steps = [(i, rate * (ok - value[i])) for i, ok in outcomes]
        for i, step in steps:
            value[i] += step
        self.best = max(value)
        self._cdf = None

    def ready(self) -> bool:
        """Whether it is preparing crossings (what informants can hear of)."""
        return self.rate > 0


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
