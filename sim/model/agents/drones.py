"""Border drones: each state's fleet, and where its drones fly each day."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.compiled import Port, allocating_kernel, generator
from sim.model.measures import Measure

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel


class DroneFleet:
    """A state's drones (measure ``drones``): search effort only where they fly.

    Rule: the fleet flying grows with its state's part of the measure to
    ``drones.fleet_size`` (procurement over the ramp, held while its state
    cannot pay: :class:`~sim.model.measures.Measures`). The state buys a drone
    when the fleet grows past what it owns and keeps grounded ones for later;
    it pays each flying drone's day. Each drone flies one sortie a day, over
    ``coverage_sectors`` contiguous sectors of its operator's side (its
    endurance), centred on a sector drawn from the operator's threat picture
    (a ``threat_focus`` share, the rest spread evenly). Several drones over one
    sector add their effort, with diminishing returns through Koopman's law.
    Sorties until the next redeployment are tasked at the redeployment.
    """

    def __init__(self, model: RoadmapModel, side: int) -> None:
        self.model = model
        self.side = side
        self.p = model.params.drones
        self.stream = model.spawn_rng()
        self._port = Port(self.stream)
        self.size = 0
        self.owned = 0

    def plan(self, flown: np.ndarray) -> None:
        """Write the effort flown over each sector of its side on each day of the plan
        into ``flown``, ``(days, n)`` (zero while it has no drone)."""
        model, p = self.model, self.p
        self.size = round(p.fleet_size * model.measures.effect_of(Measure.DRONES, self.side))
        if self.size == 0:
            flown[:] = 0.0
            return
        self._pay(flown.shape[0])
        picture = model.governments[self.side].picture
        _sorties(
            self._port.handle,
            self.size,
            picture,
            p.threat_focus,
            p.coverage_sectors,
            p.effort_per_sector,
            flown,
        )

    def _pay(self, days: int) -> None:
        """Buy the drones the fleet lacks; book the flying fleet's days of this plan."""
        costs, budget = self.model.params.costs, self.model.budget
        if self.size > self.owned:
            budget.charge(self.side, "drones", (self.size - self.owned) * costs.drone_purchase)
            self.owned = self.size
        budget.book(
            self.side,
            "drones",
            days,
            self.size * costs.drone_per_day,
            self.size * costs.drone_personnel,
        )


@allocating_kernel
def _sorties(
    stream: np.ndarray,
    size: int,
    picture: np.ndarray,
    focus: float,
    cover: int,
    effort: float,
    flown: np.ndarray,
) -> None:
    """Write into ``flown``, ``(days, n)``, the effort flown over each sector each day:
    ``effort`` per sortie over it. ``size`` sorties a day, each centred on a sector drawn
    (inverse CDF, from ``stream``) with weight ``(1 - focus) / n + focus * picture``,
    over ``cover`` contiguous sectors (those past either end of the border are flown
    over nothing)."""
    g = generator(stream)
    days, n = flown.shape
    even = (1 - focus) / n
    cdf = np.empty(n)
    total = 0.0
    for s in range(n):
        total += even + focus * picture[s]
        cdf[s] = total
    sorties = np.zeros((days, n), dtype=np.int64)
    first = -(cover // 2)
    for d in range(days):
        for _ in range(size):
            x = g.random() * cdf[n - 1]
            centre = 0
            while centre < n - 1 and cdf[centre] <= x:  # cdf.searchsorted(x, "right")
                centre += 1
            for s in range(max(centre + first, 0), min(centre + first + cover, n)):
                sorties[d, s] += 1
    for d in range(days):
        for s in range(n):
            flown[d, s] = sorties[d, s] * effort
