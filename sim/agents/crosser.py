"""What armed groups and smuggling networks share: crossing the line where it has worked."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

if TYPE_CHECKING:
    from sim.model import RoadmapModel


def softmax(values: np.ndarray, temperature: float) -> np.ndarray:
    """Choice probabilities that favour higher values more as temperature falls."""
    z = np.exp((values - values.max()) / temperature)
    return z / z.sum()


def pick(rng: np.random.Generator, p: np.ndarray, size: int | None = None) -> np.ndarray | int:
    """Draw indices with probabilities ``p`` (inverse CDF; cheaper than ``Generator.choice``)."""
    cdf = np.cumsum(p)
    u = rng.random(size) * cdf[-1]
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(p) - 1)


def reach_window(n: int, centre: int, width: int) -> np.ndarray:
    """Indices of ``width`` contiguous sectors around ``centre``, kept inside the border."""
    width = min(width, n)
    start = min(max(0, centre - width // 2), n - width)
    return np.arange(start, start + width)


class BorderCrosser(Agent):
    """An agent based on one side that sends crossings over the line.

    Rule: choose among the sectors of its reach by a softmax over the success it
    has learned there (lower ``temperature``: more exploitation); after each
    crossing, move that sector's learned value toward the outcome (1 = got
    through) at ``learning_rate``. Watched sectors thus lose their appeal and
    crossings move elsewhere (displacement).

    Attributes:
        home: side it is based on; it crosses into ``target = 1 - home``.
        reach: sectors it can use; value: learned chance of getting through there;
            best: the highest of those chances.
        rate: expected crossings per day (what intelligence can learn of its plans).
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
        self.value = np.full(len(self.reach), initial_success)
        self.best = float(initial_success)
        self.temperature = temperature
        self.learning_rate = learning_rate
        self.rate = 0.0
        self.stream = model.spawn_rng()
        self.actor = model.register_actor(f"{name}_{self.unique_id}")

    def choose(self, size: int | None = None) -> np.ndarray | int:
        """Indices into ``reach`` of the next crossing(s)."""
        return pick(self.stream, softmax(self.value, self.temperature), size)

    def learn(self, index: np.ndarray | int, success: np.ndarray | bool) -> None:
        """Update the learned success of the sectors just used."""
        np.add.at(self.value, index, self.learning_rate * (success - self.value[index]))
        self.best = float(self.value.max())

    def planned(self) -> np.ndarray:
        """Expected crossings per day on each border sector."""
        plan = np.zeros(self.model.border.n)
        plan[self.reach] = self.rate * softmax(self.value, self.temperature)
        return plan
