"""Border drones: each state's fleet, and where its drones fly each day."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.communities import pick
from sim.measures import Measure

if TYPE_CHECKING:
    from sim.model import RoadmapModel


class DroneFleet:
    """A state's drones (measure ``drones``): search effort only where they fly.

    Rule: the fleet grows with the measure's level to ``drones.fleet_size``
    (procurement over the ramp). Each drone flies one sortie a day, over
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
        self._layouts: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}

    def _sortie_layout(self, days: int) -> tuple[np.ndarray, np.ndarray]:
        """Offsets of a sortie's sectors from its centre, ``(coverage, 1)``, and the plan
        row of each flown sector, ``(coverage * days * size,)``: the same for every
        plan of a fleet of this size, so built once per size."""
        key = (days, self.size)
        if key not in self._layouts:
            cover = self.p.coverage_sectors
            half = cover // 2
            span = np.arange(-half, cover - half)[:, None]
            row = np.tile(np.repeat(np.arange(days), self.size), cover)
            self._layouts[key] = (span, row)
        return self._layouts[key]

    def plan(self) -> np.ndarray | None:
        """Effort flown over each sector of its side on each day of the plan, ``(days, n)``
        (None while it has no drone)."""
        model, p = self.model, self.p
        days, n = model.params.patrol.redeploy_days, model.border.n
        self.size = round(p.fleet_size * model.measures.effect[Measure.DRONES])
        if self.size == 0:
            return None
        picture = model.governments[self.side].picture
        share = (1 - p.threat_focus) / n + p.threat_focus * picture
        centre = pick(share, self.stream.random(days * self.size))
        span, row = self._sortie_layout(days)
        sector = (centre[None, :] + span).ravel()
        inside = (sector >= 0) & (sector < n)
        cells = row[inside] * n + sector[inside]
        flown = np.bincount(cells, minlength=days * n).reshape(days, n)
        return flown * p.effort_per_sector
