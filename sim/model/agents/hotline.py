"""The hotline between the two commands (measure ``hotline``): shared schedules and calls."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.model.measures import Measure

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel


class Hotline:
    """A channel between the commands, and the patrol schedules shared over it.

    Schedules: in each sector, each national unit patrols in one of ``slots``
    daily time slots. Side A's units pick slots at random; each of side B's units
    knows A's schedule with chance ``level`` and then takes the slot A uses least
    (else a random one). Units of the two sides meet only within a slot, so
    shared schedules cut chance encounters where free slots exist, and not where
    patrols are too dense to keep apart.

    Calls: after an encounter or an attack a commander calls; the line is staffed
    with chance ``availability * level`` and the call gets through after an
    exponential delay whose mean falls from ``delay_hours[0]`` to
    ``delay_hours[1]`` as the hotline ramps; it defuses the incident only if it
    gets through within ``window_hours``.
    """

    def __init__(self, model: RoadmapModel) -> None:
        self.model = model
        self.p = model.params.hotline
        self.stream = model.spawn_rng()

    def overlap(self, units: np.ndarray) -> np.ndarray:
        """Per sector, pairs of units of the two sides out in the same slot, times ``slots``.

        ``units`` is ``(2, n)`` whole unit counts; with random slots the expected
        value is ``units[0] * units[1]``, the encounter exposure without schedules.
        """
        k = self.p.slots
        n = units.shape[1]
        shared = self.model.measures.effect[Measure.HOTLINE]
        sectors = np.arange(n)  # (array methods: cheaper than the np.* wrappers at this size)
        sector_a, sector_b = sectors.repeat(units[0]), sectors.repeat(units[1])
        na, nb = len(sector_a), len(sector_b)
        u = self.stream.random(na + 2 * nb + n * k)  # one draw for every choice
        slot_a = np.bincount(sector_a * k + (u[:na] * k).astype(np.int64), minlength=n * k)
        slot_a = slot_a.reshape(n, k)
        least = (slot_a + 0.5 * u[na + 2 * nb :].reshape(n, k)).argmin(axis=1)  # ties random
        own = (u[na : na + nb] * k).astype(np.int64)
        slot = np.where(u[na + nb : na + 2 * nb] < shared, least[sector_b], own)
        slot_b = np.bincount(sector_b * k + slot, minlength=n * k).reshape(n, k)
        return k * np.add.reduce(slot_a * slot_b, axis=1)

    def call(self) -> bool:
        """Whether a call gets through in time to defuse an incident."""
        level = self.model.measures.effect[Measure.HOTLINE]
        if level <= 0.0 or self.stream.random() >= self.p.availability * level:
            return False
        slow, fast = self.p.delay_hours
        mean_delay = slow + (fast - slow) * level
        return self.stream.random() < 1.0 - math.exp(-self.p.window_hours / mean_delay)
