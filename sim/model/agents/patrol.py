"""Patrol units: where each state's search effort physically is, day by day.

A government posts its units (``Government.redeploy``); each unit then decides
where in its zone it patrols on each day until the next redeployment, and a
free unit answers an early-warning alert or a tip-off by going there. The
decisions of all units of a side are drawn in one numpy call (``PatrolForce``):
units are Mesa agents, their daily positions bulk state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa.discrete_space import CellAgent

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel


class PatrolUnit(CellAgent):
    """A patrol unit posted in one sector on its own side of the line.

    Its ``cell`` is its post; where it patrols each day (its zone: the post and
    ``patrol.zone_radius`` sectors either side) and whether it is answering an
    alert or a tip are in its force's arrays, at ``index``.

    Attributes:
        side: 0 or 1, the state the unit belongs to.
        force: the side's ``PatrolForce``; index: the unit's place in it.
    """

    def __init__(self, model: RoadmapModel, side: int) -> None:
        super().__init__(model)
        self.side = side
        self.force: PatrolForce | None = None
        self.index = 0

    @property
    def joint(self) -> bool:
        """Whether the unit is assigned to joint patrols."""
        return bool(self.force.joint[self.index])

    def sector(self, day: int) -> int:
        """Where the unit patrols on ``day`` (a day of the current plan)."""
        return int(self.force.where[self.force.row(day), self.index])


class PatrolForce:
    """One side's patrol units as arrays: post, joint assignment, and each day's position.

    Attributes:
        post: each unit's post sector; joint: whether it patrols jointly.
        where: ``(days, units)`` sector each unit patrols on each day of the plan.
        busy: ``(days, units)`` whether it answers an alert or a tip that day.
        start: the day the plan begins.
    """

    def __init__(self, model: RoadmapModel, side: int, units: list[PatrolUnit]) -> None:
        self.model = model
        self.side = side
        self.units = units
        self.stream = model.spawn_rng()
        self.n = model.border.n
        self.p = model.params.patrol
        for i, unit in enumerate(units):
            unit.force, unit.index = self, i
        k = len(units)
        self.post = np.zeros(k, dtype=np.int64)
        self.joint = np.zeros(k, dtype=bool)
        self.where = np.zeros((1, k), dtype=np.int64)
        self.busy = np.zeros((1, k), dtype=bool)
        self.start = 0
        self._any_joint = False

    def assign(self, unit: PatrolUnit, sector: int, joint: bool) -> None:
        """Post ``unit`` at ``sector`` (its government's decision)."""
        unit.cell = self.model.space[(sector, self.side)]
        self.post[unit.index] = sector
        self.joint[unit.index] = joint

    def row(self, day: int) -> int:
        """Row of the plan arrays for ``day``."""
        return min(max(day - self.start, 0), len(self.where) - 1)

    def plan(self) -> None:
        """Each unit picks, for every day until the next redeployment, where in its zone
        it patrols (uniformly: a route that does not tell crossers where it will be)."""
        days, r = self.p.redeploy_days, self.p.zone_radius
        self._any_joint = bool(self.joint.any())
        where = self.stream.integers(-r, r + 1, size=(days, len(self.units)))
        where += self.post
        np.maximum(where, 0, out=where)  # kept on the border (np.clip is slower on this size)
        np.minimum(where, self.n - 1, out=where)
        self.where = where
        self.busy = np.zeros(self.where.shape, dtype=bool)
        self.start = self.model.steps  # the next day to run

    def counts(self, national: np.ndarray, joint: np.ndarray) -> None:
        """Write the units patrolling each sector on each day of the plan into
        ``national`` and ``joint``, ``(days, n)`` each."""
        where = self.where
        days, n = where.shape[0], self.n
        cell = np.arange(days)[:, None] * n + where
        if not self._any_joint:
            national[:] = np.bincount(cell.ravel(), minlength=days * n).reshape(days, n)
            joint[:] = 0.0
            return
        national[:] = np.bincount(cell[:, ~self.joint].ravel(), minlength=days * n).reshape(days, n)
        joint[:] = np.bincount(cell[:, self.joint].ravel(), minlength=days * n).reshape(days, n)

    def joint_posts(self) -> set[int]:
        """Sectors where it posts joint units."""
        return set(self.post[self.joint].tolist()) if self._any_joint else set()

    def dispatch(
        self, day: int, sector: int, reach: int, days: int, units: int
    ) -> tuple[slice, list[int], list[list[int]]] | None:
        """Send up to ``units`` nearest free units within ``reach`` sectors (not already
        there) to ``sector`` for ``days`` days.

        Returns ``(plan rows they are away, the units sent, where each would have
        been on each of those rows)``, or None if no unit is free within reach.
        Sent units are busy meanwhile, so they answer nothing else. Python lists,
        not numpy: an alert or a tip looks at one row of a few dozen units.
        """
        d = self.row(day)
        busy = self.busy[d].tolist()
        free = [
            (abs(s - sector), i)
            for i, s in enumerate(self.where[d].tolist())
            if not busy[i] and 0 < abs(s - sector) <= reach
        ]
        if not free:
            return None
        sent = [i for _, i in sorted(free)[:units]]  # nearest first, ties to the lower index
        stop = min(d + days, len(self.where))
        before = self.where[d:stop, sent].tolist()
        self.where[d:stop, sent] = sector
        self.busy[d:stop, sent] = True
        return slice(d, stop), sent, before


class JointPosts:
    """Where both states' joint contingents patrol together (measure ``joint_patrols``).

    Rule: each day, every joint post held by units of both states sees
    a friction incident between the two contingents with chance
    ``patrol.joint_friction * (1 - mean trust)``, logged as a clash fired by one
    of them: without trust, joint patrols rub. (What joint units share of what
    they see also depends on trust: see ``Intelligence``.)
    """

    def __init__(self, model: RoadmapModel) -> None:
        self.model = model
        self.stream = model.spawn_rng()

    def step(self) -> None:
        model = self.model
        posts = model.search.joint_posts
        if len(posts) == 0:
            return
        chance = model.params.patrol.joint_friction * (1.0 - model.mean_trust())
        draws = self.stream.random(len(posts)).tolist()
        for sector, u in zip(posts, draws, strict=True):
            if u >= chance:
                continue
            actor = int(self.stream.integers(2))
            model.forces.clash(sector, 1 - actor, actor_side=actor, rng=self.stream)
