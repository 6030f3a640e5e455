"""Patrol units: where each state's search effort physically is, day by day.

A government posts its units (``Government.redeploy``); each unit then decides,
from what it knows, where in its zone it patrols on each day until the next
redeployment and when it rests, and a free unit answers an early-warning
alert or a tip-off by going there. The decisions of all units of a side are
taken in compiled kernels over its arrays (``PatrolForce``): units are Mesa
agents, their daily positions bulk state. Joint units are pairs of contingents,
one of each state, that patrol together (``PatrolForce``; their stops:
:mod:`sim.model.agents.joint_posts`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa.discrete_space import CellAgent

from sim.model.agents import patrol_plan
from sim.model.agents.patrol_plan import (
    BUSY,
    JOINT,
    OFF,
    POST,
    POSTED,
    RANK,
    ROUTE,
    SKILL,
    STATE,
    TOGETHER,
    TRAINED,
    VALUE,
    WHERE,
)
from sim.model.compiled import Port, allocating_kernel, kernel
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
        index: the unit's place in its side's ``PatrolForce`` (``force``).
    """

    def __init__(self, model: RoadmapModel, side: int, index: int) -> None:
        super().__init__(model)
        self.side = side
        self.index = index

    @property
    def force(self) -> PatrolForce:
        """Its side's force (its government's ``patrols``)."""
        return self.model.governments[self.side].patrols

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
        self._port = Port(self.stream)
        n = self.n = model.border.n
        p = self.p = model.params.patrol
        k = len(units)
        self._ints = np.zeros((3, k), dtype=np.int64)  # rows POST, RANK, STATE
        self._flags = np.zeros((3, k), dtype=bool)  # rows JOINT, POSTED, WAS_JOINT
        self._reals = np.zeros((4, k))  # rows TRAINED, SKILL, VALUE, TOGETHER
        days = p.redeploy_days  # a plan's days: its arrays are written anew by each plan
        self._paths = np.full((2, days, k), n, dtype=np.int64)  # rows ROUTE, WHERE
        self._duty = np.ones((2, days, k), dtype=bool)  # rows OFF, BUSY
        self.start = 0
        self._was_any = False  # any contingent at the last plan
        self.bill: list[tuple[str, float, float]] = []
        self._billed: tuple[int, int, int] | None = None  # (units, contingents, instructors)
        c = self._c = p.duty_days + 1
        rough = model.space.layer("roughness")
        self._cycle, self._rests, self._next, self._zones, self._weights = _tables(
            rough[side],
            terrain_factor(rough, p.terrain_penalty),
            side,
            p.duty_days,
            p.terrain_fatigue,
            days,
            p.zone_radius,
            p.pursuit * n,
        )
        self._ints[STATE] = np.arange(k) % c  # days on duty since the last rest: staggered
        self._no_course = np.zeros((days, k), dtype=bool)
        self.instructors = 0
        self.settled(
            settle(np.empty(0, dtype=np.int64), self._ints, self._flags, self._cycle, c), 0
        )

    # Views of the force's arrays, made on each access (a copy of the force keeps them views).
    post = property(lambda self: self._ints[POST], doc="Each unit's post sector.")
    rank = property(lambda self: self._ints[RANK], doc="Each unit's place at its post.")
    joint = property(lambda self: self._flags[JOINT], doc="Whether it serves in a joint unit.")
    posted = property(lambda self: self._flags[POSTED], doc="Whether it has a post.")
    route = property(lambda self: self._paths[ROUTE], doc="Where it would patrol on duty.")
    where = property(lambda self: self._paths[WHERE], doc="Where it patrols (``n``: off).")
    off = property(lambda self: self._duty[OFF], doc="Whether it is off duty.")
    busy = property(lambda self: self._duty[BUSY], doc="Whether it cannot answer an alert.")
    trained = property(lambda self: self._reals[TRAINED], doc="Joint training days kept.")
    skill = property(lambda self: self._reals[SKILL], doc="Joint skill, 0-1.")
    value = property(lambda self: self._reals[VALUE], doc="Search value as a contingent.")
    together = property(lambda self: self._reals[TOGETHER], doc="Days served jointly.")
    arrays = property(
        lambda self: (self._ints, self._flags, self._reals, self._paths, self._duty),
        doc="Its arrays for kernels: ints, flags, reals, paths, duty.",
    )

    def settled(self, joint: int, instructors: int) -> None:
        """Its government has posted its units (``settle``), ``joint`` of them contingents,
        and left ``instructors`` without a post: take note of what the postings change."""
        self.instructors = instructors
        self.any_joint = joint > 0
        billed = (len(self.units), joint, self.instructors)
        if billed != self._billed:  # what its units cost changed
            self._billed = billed
            self._bill(joint)

    def resize(self, k: int) -> None:
        """Its government raised units or stood the last ones down (``units`` now holds
        ``k``): the arrays keep the first ``k`` units' state; a new unit has no post, no
        joint service or training, is off duty until its first plan, and its days on duty
        are staggered like those of the units the force began with."""
        keep = min(self._ints.shape[1], k)
        self._ints, self._flags, self._reals, self._no_course = (
            resized(a, k, 0) for a in (self._ints, self._flags, self._reals, self._no_course)
        )
        self._paths, self._duty = resized(self._paths, k, self.n), resized(self._duty, k, True)
        self._ints[STATE, keep:] = np.arange(keep, k) % self._c

    def row(self, day: int) -> int:
        """Row of the plan arrays for ``day``."""
        return min(max(day - self.start, 0), self._paths.shape[1] - 1)

    def plan(self) -> None:
        """Each unit plans every day until the next redeployment: rest, training and
        where in its zone it patrols (the rule is in the class docstring)."""
        model = self.model
        days = self.p.redeploy_days
        training = model.training
        course = training.schedule(self, days)
        govs = model.governments
        partner = govs[0].patrols  # side B's joint contingents follow side A's
        patrol_plan.plan(
            self._port.handle,
            self._ints,
            self._flags,
            self._reals,
            self.instructors > 0,
            self._no_course if course is None else course,
            self._rests,
            self._next,
            self._zones,
            self._weights,
            govs[self.side].picture,
            govs[1 - self.side].picture,
            self.any_joint,
            self._was_any,
            model.steps - self.start,
            training.values,
            self.side == 1 and self.any_joint and partner.any_joint,
            partner._ints,
            partner._flags,
            partner._paths,
            self._paths,
            self._duty,
        )
        self._was_any = self.any_joint
        self.start = model.steps  # the next day to run
        for item, money, personnel in self.bill:
            model.budget.book(self.side, item, days, money, personnel)

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

    def at(self, day: int, sector: int) -> np.ndarray:
        """Its joint contingents on duty at ``sector`` on ``day``."""
        return np.flatnonzero((self.where[self.row(day)] == sector) & self.joint)


def resized(array: np.ndarray, k: int, fill: float) -> np.ndarray:
    """A copy of ``array`` with ``k`` columns in its last axis: the first ones kept, new ones
    ``fill``."""
    keep = min(array.shape[-1], k)
    out = np.full((*array.shape[:-1], k), fill, dtype=array.dtype)
    out[..., :keep] = array[..., :keep]
    return out


@kernel
def settle(
    unposted: np.ndarray, ints: np.ndarray, flags: np.ndarray, cycle: np.ndarray, c: int
) -> int:
    """The units' government has posted them (``ints``' posts, ``flags``), leaving units
    ``unposted`` without a post; each unit's duty state moves to its post's cycle
    (``cycle`` per sector, times ``c``). Returns the joint contingents."""
    for i in unposted:
        flags[POSTED, i] = flags[JOINT, i] = False
    contingents = 0
    for i in range(ints.shape[1]):
        contingents += flags[JOINT, i]
        ints[STATE, i] = ints[STATE, i] % c + cycle[ints[POST, i]]
    return contingents


@allocating_kernel
def dispatch(
    n: int,
    paths: np.ndarray,
    duty: np.ndarray,
    d: int,
    sector: int,
    reach: int,
    days: int,
    units: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Send up to ``units`` nearest free units of a force (its ``paths`` and ``duty``)
    within ``reach`` sectors (not already there) to ``sector`` for ``days`` days from plan
    row ``d``: ``(units sent, where each would have been on each of those rows: (rows,
    sent))``.

    Nearest first, ties to the lower index (a stable sort of the free units' distances).
    Sent units are busy meanwhile, so they answer nothing else; a day off duty among
    those rows stays off (its "where" is ``n``, no sector).
    """
    where, off, busy = paths[WHERE], duty[OFF], duty[BUSY]
    away = np.abs(where[d] - sector)  # each unit's distance today
    free = np.flatnonzero(~busy[d] & (away > 0) & (away <= reach))
    sent = free[np.argsort(away[free], kind="mergesort")[:units]]
    stop = min(d + days, where.shape[0])
    before = np.empty((stop - d, sent.size), dtype=np.int64)
    for r in range(d, stop):
        for k in range(sent.size):
            i = sent[k]
            before[r - d, k] = where[r, i]
            where[r, i] = n if off[r, i] else sector
            busy[r, i] = True
    return sent, before


@allocating_kernel
def _tables(
    rough: np.ndarray,
    terrain: np.ndarray,
    side: int,
    duty_days: int,
    fatigue: float,
    days: int,
    radius: int,
    pursuit: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A force's tables for its plans, from its side's ``rough``-ness and both sides'
    ``terrain`` factors: ``(cycle, rests, after, zones, weights)``.

    Duty: a unit's duty state is its post's cycle (its duty stretch, ``duty_days``
    shortened by ``fatigue`` times the roughness there, at least a day, and a rest day)
    times ``c = duty_days + 1``, plus its days on duty since the last rest. ``cycle``:
    per post sector, the index of its cycle among the distinct ones (ascending) times
    ``c``; by state, ``rests``: which days of a plan are rest days (each cycle's last),
    ``after``: the state after the plan.

    Zones: per post sector (columns: national units', then joint units'), its zone's
    sectors (rows; ``radius`` either side, clipped at the ends), their terrain weights
    (national zones by the side's terrain, joint ones by both sides' mean; a side's at
    least 1e-9: where search never works, still walked, rarely; nothing outside the
    border) and the
    pursuit's (the terrain weight times ``pursuit``: a share of sightings is m / n)."""
    n, c = rough.size, duty_days + 1
    length = np.empty(n, np.int64)
    for s in range(n):
        length[s] = np.int64(max(np.rint(duty_days * (1.0 - fatigue * rough[s])), 1.0)) + 1
    cycles = np.unique(length)
    cycle = np.empty(n, np.int64)
    for s in range(n):
        cycle[s] = np.searchsorted(cycles, length[s]) * c
    rests = np.empty((cycles.size * c, days), dtype=np.bool_)
    after = np.empty(cycles.size * c, np.int64)
    for b in range(cycles.size):
        for phase in range(c):
            state = b * c + phase
            for d in range(days):
                rests[state, d] = (phase + d) % cycles[b] == cycles[b] - 1
            after[state] = b * c + (phase + days) % cycles[b]
    width = 2 * radius + 1
    zones = np.empty((width, 2 * n), np.int64)
    weights = np.empty((2, width, 2 * n))
    for s in range(n):
        for j in range(width):
            z = s - radius + j
            inside = 1.0 if 0 <= z < n else 0.0
            z = min(max(z, 0), n - 1)
            zones[j, s], zones[j, n + s] = z, z + n
            own = max(terrain[side, z], 1e-9)
            both = (max(terrain[0, z], 1e-9) + max(terrain[1, z], 1e-9)) / 2.0
            weights[0, j, s], weights[0, j, n + s] = own * inside, both * inside
            weights[1, j, s] = weights[0, j, s] * pursuit
            weights[1, j, n + s] = weights[0, j, n + s] * pursuit
    return cycle, rests, after, zones, weights
