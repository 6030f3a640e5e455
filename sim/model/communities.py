"""Border communities: hardship, displacement, crossings and recruitment, updated vectorised.

Communities are bulk state (property layers over every cell of both sides), not
per-household agents: their decisions (to cross, to join an armed group) are
drawn as counts from their hardship.

- Hardship relaxes over ``relax_days`` toward a target: ``base_hardship``,
  lowered where an economic project stands, raised by the displaced share.
  Violence adds hardship and displaces people where it strikes, except for
  residents sheltered in a safe zone (:mod:`sim.model.agents.corridors`).
- Rates are per cell of average population: a cell's weight is its population
  over the mean cell's, so a geography changes levels only through how its
  population is spread, its hardship and its sectors, not its absolute size.
- Crossings: each cell sends ``Poisson(crossing_rate * weight *
  hardship**2)`` groups across per day (one Poisson total split over cells by
  their pressure); a group takes a humanitarian corridor if one is open within
  reach and has capacity today, otherwise it crosses irregularly and the other
  side's patrols may detect it.
- Recruitment draws on a pool: each cell holds ``recruit_pool * weight``
  potential recruits when full. Each of them joins, per day, with hazard
  ``recruit_rate * hardship**2 * (1 - tie_recruit_cut * ties) / recruit_pool``
  (so a full pool gives ``recruit_rate * weight * hardship**2`` recruits a
  day); those who joined leave the pool, which refills as each missing place
  is taken again with hazard ``1 / pool_recovery_days``. A cell's recruits join
  the armed groups whose home-side reach covers it, in equal shares, so
  overlapping groups compete for one pool instead of each drawing the whole of
  it. Groups lose ``attrition`` of their fighters a day. Tallied every
  ``armed_groups.recruit_every_days``. Ties grow where cultural exchanges are
  held.

Economic projects lower relapse risk only through this route (less hardship,
fewer recruits, fewer attacks, fewer severe incidents); they do not act on the
phase machine directly.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.model.agents.corridors import Corridors
from sim.model.incidents import IncidentType
from sim.model.measures import Measure

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel


def pick(p: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Indices drawn with weights ``p`` from uniforms ``u`` (inverse CDF).

    Array methods, not the ``np.cumsum``/``np.searchsorted`` functions: on the
    few dozen weights of a daily draw their Python wrappers cost more than the work.
    """
    cdf = p.cumsum()
    return np.minimum(cdf.searchsorted(u * cdf[-1], side="right"), len(p) - 1)


class Communities:
    """Hardship, displacement, crossings and ties of the border population on both sides."""

    MEASURES = (Measure.HUMANITARIAN_CORRIDORS, Measure.ECONOMIC_PROJECTS)
    """The effects :meth:`refresh` reads."""

    def __init__(self, model: RoadmapModel) -> None:
        self.model = model
        c = model.params.communities
        self.p = c
        self.projects_p = model.params.projects
        self.stream = model.spawn_rng()
        self.actor = model.register_actor("communities")
        self.hardship = model.space.layer("hardship")
        self.displaced = model.space.layer("displaced")
        self.population = model.space.layer("population")
        self.ties = model.space.layer("ties")  # cross-border community ties, 0-1
        self.hardship[:] = c.base_hardship
        self.corridors = Corridors(model)
        self._shelter_stream = model.spawn_rng()  # who is sheltered, apart from the violence
        self.project = np.zeros(self.hardship.shape, dtype=bool)
        self._built = 0
        self._target = np.full(self.hardship.shape, c.base_hardship)
        self._exchange_order = np.argsort(-self.population.sum(axis=0), kind="stable")
        mean = self.population.mean()
        self.weight = self.population / mean if mean > 0 else np.zeros_like(self.population)
        # Recruitment, set up on the first tally (the groups do not exist yet): the
        # cells some group recruits in, each group's share there, the pool's size
        # and what is left of it per such cell.
        self._catchment: tuple[np.ndarray, np.ndarray] | None = None
        self.pool_size = np.zeros(0, dtype=np.int64)
        self.pool = np.zeros(0, dtype=np.int64)
        self._pool_share = 1.0
        self.pressure = (self.weight * self.hardship**2).ravel()
        self._scratch = np.empty_like(self.hardship)  # the daily update's temporaries

    def mean_hardship(self) -> float:
        """Mean hardship over all cells (``ndarray.mean`` gives the same number, slower).

        ``np.add.reduce`` is what ``ndarray.sum`` calls, without its Python wrapper
        (as in the other daily sums).
        """
        return float(np.add.reduce(self.hardship, axis=None)) / self.hardship.size

    def refresh(self, changed: tuple[int, ...]) -> None:
        """Corridors open and projects are built as their measures ramp."""
        if Measure.HUMANITARIAN_CORRIDORS in changed:
            self.corridors.refresh()
        if Measure.ECONOMIC_PROJECTS in changed:
            level = self.model.measures.effect[Measure.ECONOMIC_PROJECTS]
            wanted = round(self.projects_p.project_share * level * self.project.size)
            if wanted != self._built:
                flat = self.project.ravel()
                if wanted > self._built:  # new projects go to the hardest-hit cells without one
                    hardest = np.argsort(
                        -np.where(flat, -np.inf, self.hardship.ravel()), kind="stable"
                    )
                    flat[hardest[: wanted - self._built]] = True
                else:  # a winding-down programme closes projects, last cells first
                    flat[np.flatnonzero(flat)[wanted:]] = False
                self._built = wanted
                relief = self.projects_p.economic_relief
                self._target = self.p.base_hardship * (1.0 - relief * self.project)

    def step(self, day: int) -> None:
        """Relax hardship and displacement; draw today's crossings."""
        c, tmp = self.p, self._scratch
        # In place, into one scratch array: on ~80 cells a temporary costs more than the sum.
        np.multiply(self.displaced, c.displacement_hardship, out=tmp)
        np.add(self._target, tmp, out=tmp)
        np.minimum(tmp, 1.0, out=tmp)  # the target hardship
        tmp -= self.hardship
        tmp /= c.relax_days
        self.hardship += tmp
        np.divide(self.displaced, c.displacement_return_days, out=tmp)
        self.displaced -= tmp
        pressure = self.pressure.reshape(self.hardship.shape)  # a view: written in place
        np.square(self.hardship, out=pressure)
        pressure *= self.weight
        total = self.stream.poisson(c.crossing_rate * np.add.reduce(self.pressure))
        if total == 0:
            return
        cell_u, tip_u, detect_u = self.stream.random((3, total))
        cells = pick(self.pressure, cell_u)  # where today's crossers come from
        n, search, log = self.model.border.n, self.model.search, self.model.log
        route = self.corridors.route if self.corridors.open else None
        for cell, tip, detect in zip(
            cells.tolist(), tip_u.tolist(), detect_u.tolist(), strict=True
        ):
            side, sector = 1 - cell // n, cell % n  # they cross into the other side
            via = route(day, sector) if route else -1
            if via >= 0:
                log.add(day, via, side, IncidentType.CORRIDOR_CROSSING, self.actor, False)
                continue
            detected, effort = search.attempt(side, sector, tip, detect)
            log.add(
                day, sector, side, IncidentType.IRREGULAR_CROSSING, self.actor, detected, 0, effort
            )

    def recruit(self, groups: list, days: int) -> None:
        """The last ``days`` of hardship in the groups' catchments bring recruits out of
        the pool (fewer where cross-border ties are strong); the pool refills; some
        fighters leave."""
        if self._catchment is None:
            self._catchment = self._catchments(groups)
        cells, share = self._catchment
        self._grow_ties(days)
        a, c = self.model.params.armed_groups, self.p
        hazard = a.recruit_rate / c.recruit_pool * self.hardship.ravel()[cells] ** 2
        if self.ties.any():
            hazard *= 1.0 - self.projects_p.tie_recruit_cut * self.ties.ravel()[cells]
        pool = self.pool
        joined = self.stream.binomial(pool, -np.expm1(-days * hazard))
        pool -= joined
        pool += self.stream.binomial(
            self.pool_size - pool, -math.expm1(-days / c.pool_recovery_days)
        )
        size = np.add.reduce(self.pool_size)
        self._pool_share = float(np.add.reduce(pool)) / size if size else 1.0
        fighters = np.array([g.fighters for g in groups])
        fighters -= self.stream.binomial(fighters, 1.0 - (1.0 - a.attrition) ** days)
        hit = joined.nonzero()[0]  # few cells a week: split only their recruits
        if len(hit):
            fighters += np.add.reduce(self.stream.multinomial(joined[hit], share[hit]), axis=0)
        for g, new in zip(groups, fighters.tolist(), strict=True):
            g.fighters = new

    def _catchments(self, groups: list) -> tuple[np.ndarray, np.ndarray]:
        """The cells some group recruits in, and each group's share of their recruits
        ``(cells, groups)``: equal among the groups whose home-side reach covers it.
        Their pools start full."""
        n = self.model.border.n
        covers = np.zeros((self.hardship.size, len(groups)))
        for i, g in enumerate(groups):
            covers[[g.home * n + s for s in g.sectors], i] = 1.0
        cells = np.flatnonzero(covers.any(axis=1))
        covers = covers[cells]
        self.pool_size = np.rint(self.p.recruit_pool * self.weight.ravel()[cells]).astype(np.int64)
        self.pool = self.pool_size.copy()
        return cells, covers / covers.sum(axis=1, keepdims=True)

    def pool_share(self) -> float:
        """Share of the groups' recruitable pool left at the last tally (1: full)."""
        return self._pool_share

    def _grow_ties(self, days: int) -> None:
        """Ties move toward 1 in sectors hosting cultural exchanges and fade elsewhere."""
        level = self.model.measures.effect[Measure.CULTURAL_PROGRAMS]
        if level <= 0 and not self.ties.any():
            return
        order = self._exchange_order
        hosts = order[: round(self.projects_p.exchange_share * level * len(order))]
        target = np.zeros(self.ties.shape[1])
        target[hosts] = 1.0
        self.ties += (target - self.ties) * (1.0 - math.exp(-days / self.projects_p.tie_days))

    def victims(self, rng: np.random.Generator, side: int, sector: int, scale: float) -> int:
        """Victims of a violent incident at ``(side, sector)``: a heavy-tailed number of
        people in harm's way, of whom those sheltered in a safe zone are spared."""
        exposed = self.model.draw_casualties(rng, scale)
        sheltered = self.corridors.sheltered[side, sector]
        if exposed and sheltered > 0:
            return int(self._shelter_stream.binomial(exposed, 1.0 - sheltered))
        return exposed

    def on_violence(self, side: int, sector: int, casualties: int) -> None:
        """Violence where people live: hardship rises and some flee (not the sheltered)."""
        c = self.p
        exposure = 1.0 - self.corridors.sheltered[side, sector]
        self.hardship[side, sector] = min(
            1.0, self.hardship[side, sector] + c.violence_shock * exposure
        )
        self.displaced[side, sector] = min(
            1.0, self.displaced[side, sector] + c.displacement_per_casualty * casualties
        )
