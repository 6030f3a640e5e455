"""Border communities: hardship, displacement and irregular crossings, updated vectorised.

Communities are bulk state (property layers over every cell of both sides), not
per-household agents: their decisions (to cross irregularly, to join an armed
group) are drawn as counts from their hardship.

- Hardship relaxes over ``relax_days`` toward a target: ``base_hardship``
  lowered by economic projects, raised by the displaced share. Violence adds
  hardship and displaces people where it strikes; corridors soften both.
- Irregular crossings: each cell sends ``Poisson(crossing_rate * population *
  hardship**2)`` groups across per day (drawn as one Poisson total split over
  cells by their pressure), fewer with humanitarian corridors; the other side's
  patrols may detect them.
- Recruitment: each armed group gains ``Poisson(recruit_rate * sum of
  population * hardship**2)`` fighters a day from the home-side cells of its
  reach and loses ``attrition`` of them a day, tallied every
  ``armed_groups.recruit_every_days``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.incidents import IncidentType
from sim.measures import Measure

if TYPE_CHECKING:
    from sim.model import RoadmapModel


def pick(p: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Indices drawn with weights ``p`` from uniforms ``u`` (inverse CDF)."""
    cdf = np.cumsum(p)
    return np.minimum(np.searchsorted(cdf, u * cdf[-1], side="right"), len(p) - 1)


class Communities:
    """Hardship and displacement of the border population on both sides."""

    def __init__(self, model: RoadmapModel) -> None:
        self.model = model
        c = model.params.communities
        self.p = c
        self.stream = model.spawn_rng()
        self.actor = model.register_actor("communities")
        self.hardship = model.space.layer("hardship")
        self.displaced = model.space.layer("displaced")
        self.population = model.space.layer("population")
        self.ties = model.space.layer("ties")  # cross-border community ties, 0-1
        self.hardship[:] = c.base_hardship
        n = model.border.n
        self._sides = np.repeat([0, 1], n)
        self._sectors = np.tile(np.arange(n), 2)
        self._catchment: np.ndarray | None = None
        self.pressure = (self.population * self.hardship**2).ravel()

    def mean_hardship(self) -> float:
        """Mean hardship over all cells (``ndarray.mean`` gives the same number, slower)."""
        return float(self.hardship.sum()) / self.hardship.size

    def civilian_exposure(self) -> float:
        """Share of an attack's usual harm civilians suffer, lowered by safe corridors."""
        return (
            1.0
            - self.p.corridor_protection
            * self.model.measures.effect[Measure.HUMANITARIAN_CORRIDORS]
        )

    def step(self, day: int) -> None:
        """Relax hardship and displacement; draw today's irregular crossings."""
        c, e = self.p, self.model.measures.effect
        target = c.base_hardship * (1.0 - c.economic_relief * e[Measure.ECONOMIC_PROJECTS])
        target = np.minimum(1.0, target + c.displacement_hardship * self.displaced)
        self.hardship += (target - self.hardship) / c.relax_days
        self.displaced -= self.displaced / c.displacement_return_days
        self.pressure = (self.population * self.hardship**2).ravel()
        relief = 1.0 - c.corridor_crossing_relief * e[Measure.HUMANITARIAN_CORRIDORS]
        total = self.stream.poisson(c.crossing_rate * relief * self.pressure.sum())
        if total == 0:
            return
        cell_u, tip_u, detect_u = self.stream.random((3, total))
        cells = pick(self.pressure, cell_u)  # where today's crossers come from
        n, search, log = self.model.border.n, self.model.search, self.model.log
        for cell, tip, detect in zip(
            cells.tolist(), tip_u.tolist(), detect_u.tolist(), strict=True
        ):
            side, sector = 1 - cell // n, cell % n  # they cross into the other side
            detected, effort = search.attempt(side, sector, tip, detect)
            log.add(
                day, sector, side, IncidentType.IRREGULAR_CROSSING, self.actor, detected, 0, effort
            )

    def recruit(self, groups: list, days: int) -> None:
        """The last ``days`` of hardship in each group's home catchment bring it recruits;
        some fighters leave."""
        if self._catchment is None:
            self._catchment = np.zeros((len(groups), self.hardship.size))
            n = self.model.border.n
            for i, g in enumerate(groups):
                self._catchment[i, [g.home * n + s for s in g.sectors]] = 1.0
        a = self.model.params.armed_groups
        recruits = self.stream.poisson(days * a.recruit_rate * (self._catchment @ self.pressure))
        fighters = np.array([g.fighters for g in groups])
        left = self.stream.binomial(fighters, 1.0 - (1.0 - a.attrition) ** days)
        for g, new in zip(groups, (fighters + recruits - left).tolist(), strict=True):
            g.fighters = new

    def on_violence(self, side: int, sector: int, casualties: int) -> None:
        """Violence where people live: hardship rises and some flee."""
        c = self.p
        exposure = self.civilian_exposure()
        self.hardship[side, sector] = min(
            1.0, self.hardship[side, sector] + c.violence_shock * exposure
        )
        self.displaced[side, sector] = min(
            1.0, self.displaced[side, sector] + c.displacement_per_casualty * casualties * exposure
        )
