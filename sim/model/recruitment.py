"""Recruitment from the border communities: the pool the armed groups draw on.

Recruitment draws on a pool: each cell holds ``recruit_pool * weight``
potential recruits when full (``weight``: its people over the mean cell's).
Each of them joins, per day, with hazard ``recruit_rate * hardship**2 * (1 -
tie_recruit_cut * ties) / recruit_pool`` (so a full pool gives ``recruit_rate *
weight * hardship**2`` recruits a day); those who joined leave the pool, which
refills as each missing place is taken again with hazard ``1 /
pool_recovery_days``. A cell's recruits join the armed groups whose home-side
reach covers it, in equal shares, so overlapping groups compete for one pool
instead of each drawing the whole of it. Groups lose ``attrition`` of their
fighters a day. Tallied every ``armed_groups.recruit_every_days``.

Cultural exchanges, held in the most populous sectors (one every
``projects.exchange_days`` in each), grow the cross-border ties that cut the
hazard; ties fade elsewhere. The tally's draws are made in a compiled kernel on
the communities' own stream, in the order NumPy's calls made them.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.model.compiled import Port, allocating_kernel, generator, kernel
from sim.model.measures import Measure

if TYPE_CHECKING:
    from sim.config.actors import CommunityParams
    from sim.config.measures import ProjectParams
    from sim.model.model import RoadmapModel


@allocating_kernel
def _exposure(
    ties: np.ndarray,
    hardship: np.ndarray,
    cells: np.ndarray,
    hosts: np.ndarray,
    grow: float,
    scale: float,
    cut: float,
    days: int,
) -> np.ndarray:
    """A tally's ties and each catchment cell's exposure ``-days * hazard`` (the module
    docstring: ``scale`` is ``recruit_rate / recruit_pool``): ties (``(sides, sectors)``)
    move toward 1 in the ``hosts`` sectors and fade elsewhere, by ``grow`` (while there
    are hosts or ties at all); the hazard is cut by ties ``cut`` (where there are any)."""
    sides, n = ties.shape
    tied = _any(ties)
    if hosts.size or tied:
        target = np.zeros(n)
        target[hosts] = 1.0
        for side in range(sides):
            for s in range(n):
                ties[side, s] = ties[side, s] + (target[s] - ties[side, s]) * grow
        tied = _any(ties)
    exposure = np.empty(cells.size)
    for i in range(cells.size):
        side, s = cells[i] // n, cells[i] % n
        hazard = scale * (hardship[side, s] * hardship[side, s])
        if tied:
            hazard *= 1.0 - cut * ties[side, s]
        exposure[i] = -days * hazard
    return exposure


@kernel
def _any(a: np.ndarray) -> bool:
    """``a.any()`` of a 2-d float array."""
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            if a[i, j] != 0.0:
                return True
    return False


@allocating_kernel
def _draw_recruits(
    stream: np.ndarray,
    pool: np.ndarray,
    pool_size: np.ndarray,
    unjoined: np.ndarray,
    refill: float,
    fighters: np.ndarray,
    leave: float,
    share: np.ndarray,
) -> int:
    """A tally's recruits, in place: each cell's pool loses those who join (chance
    ``-unjoined``, ``unjoined`` the ``expm1`` of its exposure) and refills its missing
    places (chance ``refill``); each group loses ``leave`` of its ``fighters`` and gains
    its share of every cell's recruits (a multinomial split, as NumPy draws it: a
    binomial per group on what is left). Returns what is left of the pool."""
    g = generator(stream)
    cells, groups = share.shape
    joined = np.empty(cells, np.int64)
    for i in range(cells):
        joined[i] = g.binomial(pool[i], -unjoined[i])
        pool[i] -= joined[i]
    for i in range(cells):
        pool[i] += g.binomial(pool_size[i] - pool[i], refill)
    for j in range(groups):
        fighters[j] -= g.binomial(fighters[j], leave)
    for i in range(cells):
        left, rest = joined[i], 1.0
        for j in range(groups - 1):
            if left <= 0:
                break
            new = g.binomial(left, share[i, j] / rest)
            fighters[j] += new
            left -= new
            rest -= share[i, j]
        if left > 0:
            fighters[groups - 1] += left
    return pool.sum()


class Recruitment:
    """The recruitment pool and the ties of :class:`~sim.model.communities.Communities`
    (a part of them: the rule is in the module docstring).

    Attributes:
        pool_size: per catchment cell, its pool when full.
        pool: per catchment cell, what is left of it.
    """

    model: RoadmapModel
    p: CommunityParams
    projects_p: ProjectParams
    population: np.ndarray
    hardship: np.ndarray
    ties: np.ndarray
    home_weight: np.ndarray
    _port: Port

    def _open_pool(self) -> None:
        """Set up on the first tally (the groups do not exist yet): the cells some group
        recruits in, each group's share there, the pool's size and what is left of it
        per such cell; and where exchanges are held first."""
        self._catchment: tuple[np.ndarray, np.ndarray] | None = None
        self.pool_size = np.zeros(0, dtype=np.int64)
        self.pool = np.zeros(0, dtype=np.int64)
        self._pool_total = 0
        self._pool_share = 1.0
        self._exchanges = 0.0  # exchanges due, carried between tallies
        self._exchange_order = np.argsort(-self.population.sum(axis=0), kind="stable")

    def recruit(self, groups: list, days: int) -> None:
        """The last ``days`` of hardship in the groups' catchments bring recruits out of
        the pool (fewer where cross-border ties are strong); the pool refills; some
        fighters leave."""
        if self._catchment is None:
            self._catchment = self._catchments(groups)
        cells, share = self._catchment
        a, c, pp = self.model.params.armed_groups, self.p, self.projects_p
        exposure = _exposure(
            self.ties,
            self.hardship,
            cells,
            self._exchanges_held(days),
            1.0 - math.exp(-days / pp.tie_days),
            a.recruit_rate / c.recruit_pool,
            pp.tie_recruit_cut,
            days,
        )
        np.expm1(exposure, out=exposure)  # NumPy's expm1: libm's may differ in the last bit
        fighters = np.array([g.fighters for g in groups], dtype=np.int64)
        left = _draw_recruits(
            self._port.handle,
            self.pool,
            self.pool_size,
            exposure,
            -math.expm1(-days / c.pool_recovery_days),
            fighters,
            1.0 - (1.0 - a.attrition) ** days,
            share,
        )
        size = self._pool_total
        self._pool_share = left / size if size else 1.0
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
        self.pool_size = np.rint(self.p.recruit_pool * self.home_weight.ravel()[cells]).astype(
            np.int64
        )
        self.pool = self.pool_size.copy()
        self._pool_total = int(self.pool_size.sum())
        return cells, covers / covers.sum(axis=1, keepdims=True)

    def pool_share(self) -> float:
        """Share of the groups' recruitable pool left at the last tally (1: full)."""
        return self._pool_share

    def _exchanges_held(self, days: int) -> np.ndarray:
        """Exchanges are held in the host sectors (one every ``exchange_days`` in each):
        paid for and seen by both governments; the host sectors (their ties grow:
        ``_exposure``)."""
        level = self.model.measures.effect[Measure.CULTURAL_PROGRAMS]
        order, pp = self._exchange_order, self.projects_p
        hosts = order[: round(pp.exchange_share * level * len(order))]
        if len(hosts):
            self._exchanges += len(hosts) * days / pp.exchange_days
            held = int(self._exchanges)
            if held:
                self._exchanges -= held
                model = self.model
                model.budget.charge(None, "exchanges", model.params.costs.exchange * held)
                model.delivered("exchange", held)
        return hosts
