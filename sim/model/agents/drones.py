"""Border drones: each state's fleet, and where its drones fly each day."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.communities import pick
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
        self.size = 0
        self.owned = 0
        self._layouts: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}

    def _sortie_layout(self, days: int) -> tuple[np.ndarray, int]:
        """Cell offsets of a sortie's sectors from its centre in a plan padded by
        ``pad`` sectors either side, ``(coverage, days * size)``, and ``pad``: the
        same for every plan of a fleet of this size, so built once per size."""
        key = (days, self.size)
        if key not in self._layouts:
            cover, n = self.p.coverage_sectors, self.model.border.n
            half = cover // 2
            pad = max(half, cover - half - 1)
            span = np.arange(-half, cover - half)[:, None]
            row = np.repeat(np.arange(days), self.size)[None, :]
            self._layouts[key] = (span + pad + row * (n + 2 * pad), pad)
        return self._layouts[key]

    def plan(self, flown: np.ndarray) -> None:
        """Write the effort flown over each sector of its side on each day of the plan
        into ``flown``, ``(days, n)`` (zero while it has no drone)."""
        model, p = self.model, self.p
        days, n = model.params.patrol.redeploy_days, model.border.n
        self.size = round(p.fleet_size * model.measures.effect_of(Measure.DRONES, self.side))
        if self.size == 0:
            flown[:] = 0.0
            return
        self._pay(days)
        picture = model.governments[self.side].picture
        share = (1 - p.threat_focus) / n + p.threat_focus * picture
        centre = pick(share, self.stream.random(days * self.size))
        layout, pad = self._sortie_layout(days)
        cells = (layout + centre).ravel()  # sectors past either end fall in the padding
        sorties = np.bincount(cells, minlength=days * (n + 2 * pad)).reshape(days, n + 2 * pad)
        np.multiply(sorties[:, pad : pad + n], p.effort_per_sector, out=flown)

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
