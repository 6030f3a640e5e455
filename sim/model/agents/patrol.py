"""Patrol units: where each state's search effort physically is, day by day.

A government posts its units (``Government.redeploy``); each unit then decides,
from what it knows, where in its zone it patrols on each day until the next
redeployment and when it rests, and a free unit answers an early-warning
alert or a tip-off by going there. The decisions of all units of a side are
taken in a few numpy calls (``PatrolForce``): units are Mesa agents, their
daily positions bulk state. Joint units are pairs of contingents, one of each
state, that patrol together (``PatrolForce``, ``JointPosts``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from mesa.discrete_space import CellAgent

from sim.model.detection import terrain_factor

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel


class PatrolUnit(CellAgent):
    """A patrol unit posted in one sector on its own side of the line.

    Its ``cell`` is its post; where it patrols each day (its zone: the post and
    ``patrol.zone_radius`` sectors either side), whether it is off duty or
    answering an alert or a tip, its joint skill and days of joint service are
    in its force's arrays, at ``index``.

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
        """Whether the unit serves as a contingent of a joint unit."""
        return bool(self.force.joint[self.index])

    def sector(self, day: int) -> int:
        """Where the unit patrols on ``day`` (a day of the current plan); the number of
        sectors (``border.n``, no sector) when it is off duty that day."""
        return int(self.force.where[self.force.row(day), self.index])


class PatrolForce:
    """One side's patrol units as arrays, and the rule by which each unit plans its days.

    Rule (every unit, at each redeployment, for each day until the next):

    - Availability: a unit patrols a duty stretch of ``duty_days`` days, shortened
      by ``terrain_fatigue`` times the roughness at its post (rough ground wears it
      out sooner; at least one day), then rests a day. A unit taking a course or
      detailed as an instructor (:mod:`sim.model.agents.training`) does not
      patrol either. Off duty, it searches nowhere and answers nothing.
    - Where: on duty, it patrols one sector of its zone (its orders: its post and
      ``zone_radius`` sectors either side), drawn afresh each day with weight
      ``terrain factor * (1 + pursuit * m)``: ``m`` is the hostile events its side
      saw there (interdictions, sensor alerts, tip-offs: its government's threat
      picture, which its own reports feed) relative to the border's mean, and the
      terrain factor the share of its search that works there. It goes where
      crossers were seen and its search tells, but walks its whole zone, so its
      route does not tell crossers where it will be.
    - A joint unit is a contingent of each side at the same joint post: the two
      patrol together (side B's contingent takes the route its partner drew from
      both sides' threat pictures; one without a partner draws its own), each
      resting on its own days.
    - An alert or a tip-off sends the nearest free units on duty (``dispatch``).

    Costs (``costs``), booked for the plan's days: every unit its regular money a
    day; its personnel under national patrols, joint service or instruction,
    wherever it serves; a joint contingent and an instructor team their extra
    running cost.

    Attributes:
        post: each unit's post sector; joint: whether it serves in a joint unit;
            posted: whether it has a post (an instructor has none).
        trained: each unit's joint training days, less what it forgot;
            skill: its joint skill from them, 0-1 (:mod:`sim.model.agents.training`).
        value: each unit's search value as a joint contingent (from its skill).
        together: days each contingent has served jointly, at the plan's start.
        where: ``(days, units)`` sector each unit patrols on each day of the plan
            (``n`` when off duty); off: whether it is off duty;
            busy: whether it cannot answer an alert (off duty, or already answering).
        start: the day the plan begins.
    """

    def __init__(self, model: RoadmapModel, side: int, units: list[PatrolUnit]) -> None:
        self.model = model
        self.side = side
        self.units = units
        self.stream = model.spawn_rng()
        n = self.n = model.border.n
        p = self.p = model.params.patrol
        for i, unit in enumerate(units):
            unit.force, unit.index = self, i
        k = len(units)
        self.post = np.zeros(k, dtype=np.int64)
        self.rank = np.zeros(k, dtype=np.int64)  # its place among the units at its post
        self.joint = np.zeros(k, dtype=bool)
        self.posted = np.zeros(k, dtype=bool)
        self.trained = np.zeros(k)
        self.skill = np.zeros(k)
        self.value = np.zeros(k)
        self.together = np.zeros(k)
        self.where = np.full((1, k), n, dtype=np.int64)
        self.route = self.where
        self.off = np.ones((1, k), dtype=bool)
        self.busy = self.off
        self.start = 0
        self._was_joint = np.zeros(k, dtype=bool)  # joint at the last plan
        self._was_any = False
        self.bill: list[tuple[str, float, float]] = []
        self._billed: tuple[int, int] | None = None  # (contingents, instructors) billed
        days = p.redeploy_days
        rough = model.space.layer("roughness")
        # A unit's duty state: its post's cycle (duty stretch and a rest day; ``block``:
        # which of the cycles there are) times ``c``, plus its days on duty since the
        # last rest. By state: which days of a plan are rest days (each cycle's last),
        # and the state after the plan.
        c = self._c = p.duty_days + 1
        stretch = np.rint(p.duty_days * (1.0 - p.terrain_fatigue * rough[side]))
        cycles, block = np.unique(np.maximum(stretch, 1).astype(np.int64) + 1, return_inverse=True)
        self._cycle = block * c  # per post sector
        cycle, phase = np.repeat(cycles, c), np.tile(np.arange(c), len(cycles))
        self._rests = (phase[:, None] + np.arange(days)) % cycle[:, None] == cycle[:, None] - 1
        self._next = np.repeat(np.arange(len(cycles)) * c, c) + (phase + days) % cycle
        self._state = np.arange(k) % c  # days on duty since the last rest: staggered
        r = p.zone_radius
        zone = np.arange(n)[:, None] + np.arange(-r, r + 1)
        inside = (zone >= 0) & (zone < n)
        zone = np.clip(zone, 0, n - 1)
        terrain = terrain_factor(rough, p.terrain_penalty)
        terrain = np.maximum(terrain, 1e-9)  # where search never works, still walked, rarely
        # Per post sector (columns), its zone's sectors (rows), their terrain weights and
        # the pursuit's (a share of sightings is m / n): national units' tables, and
        # joint units' (more columns: their zones by both sides' terrain and pictures).
        zones = np.concatenate((zone, zone + n)).T.copy()
        both = np.concatenate((terrain[side], terrain.mean(axis=0)))
        weight = both[zones] * np.concatenate((inside, inside)).T
        self._tables = [
            (z.copy(), w.copy(), w * (p.pursuit * n), np.empty_like(w))
            for z, w in ((zones[:, :n], weight[:, :n]), (zones, weight))
        ]
        self._cells = np.arange(days)[:, None] * (n + 1)  # a plan's cells: (day, sector or off)
        self.settle([])

    def assign(self, unit: PatrolUnit, sector: int, joint: bool, rank: int) -> None:
        """Post ``unit`` at ``sector``, ``rank``-th of the units there (its government's
        decision)."""
        unit.cell = self.model.space[(sector, self.side)]
        i = unit.index
        self.post[i], self.joint[i], self.posted[i], self.rank[i] = sector, joint, True, rank

    def settle(self, unposted: list[PatrolUnit]) -> None:
        """Its government has posted its units and left ``unposted`` without a post
        (instructors): take note of what the postings change (once per change)."""
        for unit in unposted:
            self.posted[unit.index] = self.joint[unit.index] = False
        self.instructors = len(unposted)
        joint = int(np.count_nonzero(self.joint))
        self.any_joint = joint > 0
        # Its column of the zone tables: joint units' columns follow national units'.
        self._key = (
            np.where(self.joint, self.post + self.n, self.post) if self.any_joint else self.post
        )
        self._base = self.post - self.p.zone_radius
        self._state %= self._c
        self._state += self._cycle[self.post]  # its new post's cycle
        if (joint, self.instructors) != self._billed:  # what its units cost changed
            self._billed = (joint, self.instructors)
            self._bill(joint)

    def row(self, day: int) -> int:
        """Row of the plan arrays for ``day``."""
        return min(max(day - self.start, 0), len(self.where) - 1)

    def plan(self) -> None:
        """Each unit plans every day until the next redeployment: rest, training and
        where in its zone it patrols (the rule is in the class docstring)."""
        model, n = self.model, self.n
        days = self.p.redeploy_days
        if self.any_joint or self._was_any:
            joint = self.joint
            elapsed = model.steps - self.start
            self.together = np.where(joint & self._was_joint, self.together + elapsed, 0.0)
            self._was_joint, self._was_any = joint.copy(), self.any_joint
        off = self._rests[self._state].T  # (days, units): the rest day ending each stretch
        self._state = self._next[self._state]
        if self.instructors:
            off |= ~self.posted
        course = model.training.schedule(self, days)
        if course is not None:
            off |= course
        if self.any_joint:
            self.value = model.training.value(self.skill)
        self.route = self._route(days)
        self.where = np.where(off, n, self.route)
        self.off = off
        self.busy = off.copy()
        self.start = model.steps  # the next day to run
        for item, money, personnel in self.bill:
            model.budget.book(self.side, item, days, money, personnel)

    def _route(self, days: int) -> np.ndarray:
        """``(days, units)`` sector each unit would patrol each day if on duty."""
        r = self.p.zone_radius
        u = self.stream.random((days, len(self.units)))
        if r == 0:
            return np.broadcast_to(self.post, u.shape).copy()
        govs = self.model.governments
        picture = govs[self.side].picture
        if self.any_joint:  # columns n.. of the tables: joint units' zones, by both pictures
            picture = np.concatenate((picture, 0.5 * (govs[0].picture + govs[1].picture)))
        zones, terrain, pursuit, weights = self._tables[self.any_joint]
        np.multiply(picture[zones], pursuit, out=weights)
        weights += terrain
        np.add.accumulate(weights, axis=0, out=weights)  # running sums, sector by sector
        weights[:-1] /= weights[-1]  # (2 r, posts): where each sector's share ends
        cdf = weights[:-1, self._key]
        route = self._base + (u >= cdf[0])  # u < 1: never past a zone's last sector inside
        for j in range(1, 2 * r):
            route += u >= cdf[j]
        if self.any_joint and self.side == 1:
            self._follow_partners(route)
        return route

    def _follow_partners(self, route: np.ndarray) -> None:
        """Side B's contingents take the route of side A's contingent of the same rank at
        the same joint post: the two make one joint unit."""
        other = self.model.governments[0].patrols
        if not other.any_joint:
            return
        size = max(len(self.units), len(other.units))
        theirs, mine = np.flatnonzero(other.joint), np.flatnonzero(self.joint)
        partner = np.full(self.n * size, -1)
        partner[other.post[theirs] * size + other.rank[theirs]] = theirs
        partner = partner[self.post[mine] * size + self.rank[mine]]
        paired = partner >= 0
        route[:, mine[paired]] = other.route[:, partner[paired]]

    def _bill(self, joint: int) -> None:
        """Its units' costs a day while the postings last, with ``joint`` contingents:
        (item, money, personnel)."""
        c = self.model.params.costs
        k, instructors = len(self.units), self.instructors
        people = c.patrol_unit_personnel
        bill = [
            ("patrol_units", k * c.patrol_unit_per_day, (k - joint - instructors) * people),
            ("joint_units", joint * c.joint_unit_per_day, joint * people),
            ("trainers", instructors * c.trainer_per_day, instructors * people),
        ]
        self.bill = [item for item in bill if item[1] or item[2]]

    def counts(self, national: np.ndarray, joint: np.ndarray, value: np.ndarray) -> None:
        """Write, for each day of the plan and sector, the units patrolling it into
        ``national`` and ``joint`` and the joint contingents' summed search value
        into ``value``, ``(days, n)`` each."""
        days, n = self.where.shape[0], self.n
        cell = self._cells[:days] + self.where
        size = days * (n + 1)
        if not self.any_joint:
            national[:] = np.bincount(cell.ravel(), minlength=size).reshape(days, n + 1)[:, :n]
            joint[:] = 0.0
            value[:] = 0.0
            return
        mask = self.joint
        national[:] = np.bincount(cell[:, ~mask].ravel(), minlength=size).reshape(days, -1)[:, :n]
        cell = cell[:, mask]
        joint[:] = np.bincount(cell.ravel(), minlength=size).reshape(days, -1)[:, :n]
        weights = self.value[mask][None, :].repeat(days, axis=0).ravel()  # each day's values
        value[:] = np.bincount(cell.ravel(), weights, size).reshape(days, -1)[:, :n]

    def joint_posts(self) -> set[int]:
        """Sectors where it posts joint contingents."""
        return set(self.post[self.joint].tolist()) if self.any_joint else set()

    def at(self, day: int, sector: int) -> np.ndarray:
        """Its joint contingents on duty at ``sector`` on ``day``."""
        return np.flatnonzero((self.where[self.row(day)] == sector) & self.joint)

    def dispatch(
        self, day: int, sector: int, reach: int, days: int, units: int
    ) -> tuple[slice, list[int], list[list[int]]] | None:
        """Send up to ``units`` nearest free units within ``reach`` sectors (not already
        there) to ``sector`` for ``days`` days.

        Returns ``(plan rows they are away, the units sent, where each would have
        been on each of those rows)``, or None if no unit is free within reach.
        Sent units are busy meanwhile, so they answer nothing else; a day off duty
        among those rows stays off (its "where" is ``n``).
        """
        d = self.row(day)
        away = np.abs(self.where[d] - sector)  # each unit's distance today
        free = np.flatnonzero(~self.busy[d] & (away > 0) & (away <= reach))
        if len(free) == 0:
            return None
        # Nearest first, ties to the lower index: a stable sort of the free units' distances.
        sent = free[away[free].argsort(kind="stable")[:units]]
        stop = min(d + days, len(self.where))
        before = self.where[d:stop, sent].tolist()
        self.where[d:stop, sent] = np.where(self.off[d:stop, sent], self.n, sector)
        self.busy[d:stop, sent] = True
        return slice(d, stop), sent.tolist(), before


class JointPosts:
    """Where both states' joint contingents patrol together (measure ``joint_patrols``),
    and what rubs between them.

    Rule: a crossing detected in a sector where a joint unit (contingents of both
    sides) patrols that day was the joint unit's stop with a chance equal to its
    share of the effort the crossing met. Its two contingents must then agree
    how to handle the crosser (custody, whose law, how much force). Each follows
    the shared procedure of joint training with a chance equal to its skill;
    unless both do, each follows its own state's rules, which differ, and they
    dispute. A dispute comes to blows (a clash fired by one contingent, logged
    as one between the states' forces) with chance ``joint_dispute_escalation *
    exp(-days served together / joint_familiarity_days)``: strangers without
    shared training rub, contingents that trained and served together rarely
    do. No stop, no dispute. (What joint units share of what they see depends
    on trust: see ``Intelligence``.)

    Attributes:
        stops: crossers stopped by joint units; disputes: stops they disputed;
        clashes: disputes that came to blows.
    """

    def __init__(self, model: RoadmapModel) -> None:
        self.model = model
        self.stream = model.spawn_rng()
        self.stops = self.disputes = self.clashes = 0

    def stopped(self, side: int, sector: int, effort: float, joint_effort: float) -> None:
        """A crossing into ``side`` at ``sector`` was detected by ``effort``, of which
        ``joint_effort`` came from joint units: did they make the stop, and agree?"""
        model = self.model
        who, follow_a, follow_b, blows = self.stream.random(4).tolist()
        if who * effort >= joint_effort:
            return  # national units or drones made it
        day = model.day
        a, b = (gov.patrols for gov in model.governments)
        here_a, here_b = a.at(day, sector), b.at(day, sector)
        if len(here_a) == 0 or len(here_b) == 0:
            return  # one contingent alone: nobody to disagree with
        self.stops += 1
        i, j = int(here_a[0]), int(here_b[0])
        if follow_a < a.skill[i] and follow_b < b.skill[j]:
            return  # both follow the procedure they trained in together
        self.disputes += 1
        p = model.params.patrol
        together = min(a.together[i], b.together[j]) + day - a.start
        if blows >= p.joint_dispute_escalation * math.exp(-together / p.joint_familiarity_days):
            return
        self.clashes += 1
        actor = int(self.stream.integers(2))
        model.forces.clash(sector, 1 - actor, actor_side=actor, rng=self.stream)
