"""Search effort where units and drones are, and the detection of crossing attempts.

Effort a crossing into side ``t`` at sector ``s`` meets on a day, before terrain:

    unit_effort * (units of side t patrolling s
                   + other_side_share * units of side 1-t patrolling s
                   + (1 + other_side_share) / 2 * value of the joint contingents
                     of both sides patrolling s)
    + drone effort flown over (t, s)

multiplied by the terrain factor of ``(t, s)``. A joint contingent patrols both
sides of the line, half its time on each: it is counted once, its effort
(``unit_effort`` times its value, from its training: :mod:`sim.model.agents.training`)
split between the sides, so that it adds what a national unit of its value adds
to the two sides together. Positions are the units' own decisions
(:mod:`sim.model.agents.patrol`), drones' sorties their operators'
(:mod:`sim.model.agents.drones`). An attempt in a sector with early-warning sensors
may bring a free unit to it first (:mod:`sim.model.agents.sensors`). Detection then
follows :func:`sim.model.detection.detection_probability`, the one place effort
becomes a detection chance; a crosser stopped where a joint unit patrols may be
the joint unit's to handle (``JointPosts``).

The whole plan (every day until the next redeployment) is computed at once when
units are redeployed; when units answer an alert or a tip-off, the days they
are away are recounted.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from sim.model.agents.intelligence import NOT_SEEN, seen_leaving
from sim.model.agents.joint_posts import joint_stop
from sim.model.agents.patrol import dispatch
from sim.model.compiled import array_sum, kernel
from sim.model.detection import detection_chance, terrain_factor
from sim.model.measures import Measure

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel

UNITS, JOINT_UNITS, JOINT_VALUE, EFFORT = 0, 1, 2, 3  # rows of a plan's counts


class Search:
    """The search effort of every day of the current plan, by side and sector.

    Attributes:
        effort: ``(days, 2, n)`` effective effort an attempt meets.
        units, joint_units: ``(days, 2, n)`` national units and joint contingents
            of each side patrolling there.
        joint_value: ``(days, 2, n)`` the summed search value of those contingents.
        flown: ``(days, 2, n)`` the drones' effort flown there.
        quality: the mean search value of a joint contingent in the plan.
        row: today's row of the plan.
    """

    def __init__(self, model: RoadmapModel) -> None:
        self.model = model
        self.p = model.params.patrol
        space = model.space
        self.national = space.layer("patrol_effort")
        self.joint = space.layer("joint_effort")
        self.terrain = terrain_factor(space.layer("roughness"), self.p.terrain_penalty)
        self._joint_share = 0.5 * (1.0 + self.p.other_side_share)  # half on each side
        # The plan's counts and effort, rows UNITS, JOINT_UNITS, JOINT_VALUE, EFFORT: one
        # array for the kernels, the attributes views of its rows.
        self._counts = np.zeros((4, 1, 2, model.border.n))
        self.flown = np.zeros((1, 2, model.border.n))
        self.quality = model.params.training.value_untrained
        self.joint_posts: list[int] = []  # joint posts held by both sides
        self.start = 0
        self.row = 0
        self._unpaired = np.zeros(model.border.n, dtype=bool)
        self._paired = self._unpaired  # per sector today: contingents of both sides there
        self._pairs = np.zeros((1, model.border.n), dtype=bool)  # the same for each day
        self.any_joint = False
        self._joint_clear = False  # the joint layer holds a plan without contingents (zeros)

    # Views of the plan's counts, made on each access (a copy of Search keeps them views).
    units = property(lambda self: self._counts[UNITS])
    joint_units = property(lambda self: self._counts[JOINT_UNITS])
    joint_value = property(lambda self: self._counts[JOINT_VALUE])
    effort = property(lambda self: self._counts[EFFORT])

    def plan(self) -> None:
        """Recompute the plan's effort from the units' positions and the drones' sorties."""
        model, p = self.model, self.p
        self.flown = np.empty((p.redeploy_days, 2, model.border.n))
        for side in (0, 1):
            model.drones[side].plan(self.flown[:, side])
        a, b = (gov.patrols for gov in model.governments)
        self.any_joint = a.any_joint or b.any_joint
        self._counts, self._pairs, held = _plan(
            a.where, a.joint, a.value, a.post, a.any_joint,
            b.where, b.joint, b.value, b.post, b.any_joint,
            self.flown, self.terrain, p.other_side_share, self._joint_share, p.unit_effort,
        )  # fmt: skip
        if self.any_joint:
            self.quality = _mean_value(a.joint, a.value, b.joint, b.value)
        self._paired = self._unpaired
        self.joint_posts = held.nonzero()[0].tolist()
        self.start = model.steps
        self.new_day(model.steps)

    def new_day(self, day: int) -> None:
        """Write today's patrol layers from where the units are."""
        self.row = min(day - self.start, self._counts.shape[1] - 1)
        write_joint = self.any_joint or not self._joint_clear  # no contingents: zeros, once
        _layers(self._counts, self.row, self.p.unit_effort, self.national, self.joint, write_joint)
        if self.any_joint:
            self._paired = self._pairs[self.row]
        self._joint_clear = not self.any_joint

    def dispatch(self, side: int, sector: int, reach: int, days: int, units: int = 1) -> int:
        """Send up to ``units`` free units of ``side`` within ``reach`` to ``sector`` for
        ``days``: they patrol ``sector`` instead of where they were on those days (a day
        off duty stays off), so only they are recounted (whole counts in floats stay
        exact), not every unit of those days. Returns how many went."""
        force = self.model.governments[side].patrols
        start = force.row(self.model.day)
        p = self.p
        sent, rows = _send(
            side, start, sector, reach, days, units, force._paths, force._duty, force.joint,
            force.value, force.any_joint, self._counts, self.flown, self.terrain,
            self.any_joint, p.other_side_share, self._joint_share, p.unit_effort, self._pairs,
        )  # fmt: skip
        if sent and start <= self.row < start + rows:
            self.new_day(self.row + self.start)
        return sent

    def attempt(
        self, side: int, sector: int, alert_u: float, detect_u: float
    ) -> tuple[bool, float]:
        """One crossing into ``side`` at ``sector``: (detected, effort it met).

        ``alert_u`` decides whether sensors there raise an alert first (and a
        unit comes), ``detect_u`` whether the effort it meets detects it
        (``cross``; a crosser's kernel calls it itself).
        """
        model, c = self.model, np.zeros(CROSSING)
        while code := cross(c, side, sector, alert_u, detect_u, *conditions(model)):
            handle(model, code, side, sector, c)
        return bool(c[DETECTED]), float(c[MET])


@kernel
def _plan(
    where_a: np.ndarray,
    joint_a: np.ndarray,
    value_a: np.ndarray,
    post_a: np.ndarray,
    any_a: bool,
    where_b: np.ndarray,
    joint_b: np.ndarray,
    value_b: np.ndarray,
    post_b: np.ndarray,
    any_b: bool,
    flown: np.ndarray,
    terrain: np.ndarray,
    other_side: float,
    joint_share: float,
    unit_effort: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The plan's counts from each side's units' ``where`` (``n``: off duty): national
    units, joint contingents and their summed ``value`` per day, side and sector; its
    effort; where contingents of both sides patrol each day; the joint posts of both
    sides. ``(counts, pairs, held)``, ``counts`` rows ``UNITS, JOINT_UNITS, JOINT_VALUE,
    EFFORT``."""
    days, n = flown.shape[0], flown.shape[2]
    counts = np.zeros((4, days, 2, n))
    _count(0, where_a, joint_a, value_a, any_a, counts)
    _count(1, where_b, joint_b, value_b, any_b, counts)
    any_joint = any_a or any_b
    pairs = np.zeros((days, n), dtype=np.bool_)
    _effort(0, days, counts, flown, terrain, any_joint, other_side, joint_share, unit_effort)
    if any_joint:
        _pair(0, days, counts[JOINT_UNITS], pairs)
    held = np.zeros((2, n), dtype=np.bool_)
    _held(joint_a, post_a, any_a, held[0])
    _held(joint_b, post_b, any_b, held[1])
    return counts, pairs, held[0] & held[1]


@kernel
def _held(joint: np.ndarray, post: np.ndarray, any_joint: bool, held: np.ndarray) -> None:
    """Mark in ``held`` the sectors where a side posts joint contingents."""
    if any_joint:
        for i in range(joint.size):
            if joint[i]:
                held[post[i]] = True


@kernel
def _count(
    side: int,
    where: np.ndarray,
    joint: np.ndarray,
    value: np.ndarray,
    any_joint: bool,
    counts: np.ndarray,
) -> None:
    """Add ``side``'s units on duty to the counts of the sectors they patrol each day."""
    units, joint_units, joint_value = counts[UNITS], counts[JOINT_UNITS], counts[JOINT_VALUE]
    n = units.shape[2]
    for d in range(where.shape[0]):
        for i in range(where.shape[1]):
            sector = where[d, i]
            if sector == n:
                continue
            if any_joint and joint[i]:
                joint_units[d, side, sector] += 1.0
                joint_value[d, side, sector] += value[i]
            else:
                units[d, side, sector] += 1.0


@kernel
def _effort(
    start: int,
    stop: int,
    counts: np.ndarray,
    flown: np.ndarray,
    terrain: np.ndarray,
    any_joint: bool,
    other_side: float,
    joint_share: float,
    unit_effort: float,
) -> None:
    """The effort of the plan's rows ``start..stop`` (the formula in the module docstring)."""
    units, joint_value, effort = counts[UNITS], counts[JOINT_VALUE], counts[EFFORT]
    for d in range(start, stop):
        for side in range(2):
            for s in range(units.shape[2]):
                e = units[d, 1 - side, s] * other_side
                e += units[d, side, s]
                if any_joint:
                    e += (joint_value[d, 0, s] + joint_value[d, 1, s]) * joint_share
                e *= unit_effort
                e += flown[d, side, s]
                effort[d, side, s] = e * terrain[side, s]


@kernel
def _pair(start: int, stop: int, joint_units: np.ndarray, pairs: np.ndarray) -> None:
    """Where contingents of both sides patrol on the plan's rows ``start..stop``."""
    for d in range(start, stop):
        for s in range(pairs.shape[1]):
            pairs[d, s] = joint_units[d, 0, s] > 0 and joint_units[d, 1, s] > 0


@kernel
def _mean_value(
    joint_a: np.ndarray, value_a: np.ndarray, joint_b: np.ndarray, value_b: np.ndarray
) -> float:
    """The mean search value of both sides' joint contingents."""
    values = np.concatenate((value_a[joint_a], value_b[joint_b]))
    return array_sum(values) / values.size


@kernel
def _layers(
    counts: np.ndarray,
    row: int,
    unit_effort: float,
    national: np.ndarray,
    joint: np.ndarray,
    write_joint: bool,
) -> None:
    """Today's patrol layers: the effort of the units, and of the joint contingents (if
    ``write_joint``), patrolling each side and sector on the plan's ``row``."""
    units, joint_units = counts[UNITS], counts[JOINT_UNITS]
    for side in range(2):
        for s in range(national.shape[1]):
            national[side, s] = units[row, side, s] * unit_effort
            if write_joint:
                joint[side, s] = joint_units[row, side, s] * unit_effort


@kernel
def _send(
    side: int,
    start: int,
    to: int,
    reach: int,
    days: int,
    units: int,
    paths: np.ndarray,
    duty: np.ndarray,
    joint: np.ndarray,
    value: np.ndarray,
    force_joint: bool,
    counts: np.ndarray,
    flown: np.ndarray,
    terrain: np.ndarray,
    any_joint: bool,
    other_side: float,
    joint_share: float,
    unit_effort: float,
    pairs: np.ndarray,
) -> tuple[int, int]:
    """``Search.dispatch``: ``side``'s force sends its units (``dispatch``, from plan row
    ``start``) and they are recounted (``_moved``). Returns (units sent, plan rows they
    are away; 0 if none went)."""
    sent, before = dispatch(counts.shape[3], paths, duty, start, to, reach, days, units)
    if sent.size == 0:
        return 0, 0
    _moved(side, start, sent, before, to, joint, value, force_joint, counts, flown, terrain,
           any_joint, other_side, joint_share, unit_effort, pairs)  # fmt: skip
    return sent.size, before.shape[0]


@kernel
def _moved(
    side: int,
    start: int,
    sent: np.ndarray,
    before: np.ndarray,
    to: int,
    joint: np.ndarray,
    value: np.ndarray,
    force_joint: bool,
    counts: np.ndarray,
    flown: np.ndarray,
    terrain: np.ndarray,
    any_joint: bool,
    other_side: float,
    joint_share: float,
    unit_effort: float,
    pairs: np.ndarray,
) -> None:
    """Units ``sent`` of ``side`` patrol ``to`` on the plan's rows from ``start`` instead
    of where they were (``before``, per row; ``n`` for a day off duty): move them in the
    counts, and recompute those rows' effort and pairs."""
    units, joint_units, joint_value = counts[UNITS], counts[JOINT_UNITS], counts[JOINT_VALUE]
    n, stop = units.shape[2], start + before.shape[0]
    for r in range(start, stop):
        for k in range(sent.size):
            i, sector = sent[k], before[r - start, k]
            if sector == n:
                continue  # off duty that day
            if force_joint and joint[i]:
                joint_units[r, side, sector] -= 1.0
                joint_units[r, side, to] += 1.0
                joint_value[r, side, sector] -= value[i]
                joint_value[r, side, to] += value[i]
            else:
                units[r, side, sector] -= 1.0
                units[r, side, to] += 1.0
    _effort(start, stop, counts, flown, terrain, any_joint, other_side, joint_share, unit_effort)
    if any_joint:
        _pair(start, stop, joint_units, pairs)


STAGE, MET, DETECTED, DRAWS = 0, 1, 2, 3
"""A crossing's record for ``cross`` (``CROSSING`` floats): the stage it reached (0: at
the sensors, 1: at the search, 2: done), the effort it met, whether it was detected, and
from ``DRAWS`` the three uniforms of a joint units' stop."""
CROSSING = DRAWS + 3
_SHARING = int(Measure.INTEL_SHARING)
DONE, ALERT, SEEN_AT_ONCE, SEEN_SHARED, JOINT_STOP = range(5)
"""What ``cross`` hands back: done, or what Python does before it goes on (``handle``)."""


def conditions(model: RoadmapModel) -> tuple:
    """What a crossing meets today, as ``cross`` takes it (after its first five
    arguments): read anew after Python ran (trust and sharing may have moved)."""
    search, patrol, a, b = model.search, model.params.patrol, *model.governments
    return (
        search._counts, search.row, search._paired, search.terrain,
        _covered(model.border.n, tuple(model.sensors.installed)),
        model.intel._port.handle, model.joint_posts._port.handle,
        patrol.sweep_rate, patrol.unit_effort, patrol.other_side_share,
        model.params.sensors.alert_chance, search.quality,
        model.measures.effect[_SHARING], a.trust, b.trust,
    )  # fmt: skip


@lru_cache(maxsize=64)
def _covered(n: int, installed: tuple[int, ...]) -> np.ndarray:
    """Whether a sensor watches each of ``n`` sectors (read only: shared)."""
    covered = np.zeros(n, dtype=np.bool_)
    covered[list(installed)] = True
    covered.flags.writeable = False
    return covered


def handle(model: RoadmapModel, code: int, side: int, sector: int, c: np.ndarray) -> None:
    """What a crossing into ``side`` at ``sector`` handed back (``code``) from ``cross``:
    an alert, a report of it, a stop by joint units."""
    if code == ALERT:
        model.sensors.warn(side, sector)
    elif code == JOINT_STOP:
        model.joint_posts.stopped(side, sector, *c[DRAWS:CROSSING].tolist())
    else:
        model.intel.passed(side, sector, code == SEEN_AT_ONCE)


@kernel
def cross(
    c: np.ndarray,
    side: int,
    sector: int,
    alert_u: float,
    detect_u: float,
    counts: np.ndarray,
    row: int,
    paired: np.ndarray,
    terrain: np.ndarray,
    covered: np.ndarray,
    intel: np.ndarray,
    joint_posts: np.ndarray,
    sweep_rate: float,
    unit_effort: float,
    other_side: float,
    alert_chance: float,
    quality: float,
    sharing: float,
    trust_a: float,
    trust_b: float,
) -> int:
    """One crossing into ``side`` at ``sector``, from the stage ``c`` holds on (the rule
    is in the module docstring), until it is ``DONE`` or Python must act: sensors there
    raise an alert (``alert_u`` under ``alert_chance``); ``detect_u`` under the chance
    of the effort it meets detects it; missed, the home side may see it leave
    (``seen_leaving``, on the ``intel`` stream; ``trust_*``: the governments'); detected
    where joint units of both sides patrol, they may have made the stop
    (``joint_stop``, on the ``joint_posts`` stream). Returns what Python must do first."""
    if c[STAGE] == 0.0:
        c[STAGE] = 1.0
        if covered[sector] and alert_u < alert_chance:
            return ALERT
    if c[STAGE] == 1.0:
        c[STAGE] = 2.0
        effort = counts[EFFORT, row, side, sector]
        detected = detect_u < detection_chance(effort, sweep_rate)
        c[MET], c[DETECTED] = effort, detected
        if not detected:
            trust = trust_b if side == 0 else trust_a  # the home government's
            seen = seen_leaving(
                intel, counts[UNITS, row], counts[JOINT_UNITS, row], terrain, side, sector,
                quality, unit_effort, sweep_rate, sharing, trust,
            )  # fmt: skip
            return DONE if seen == NOT_SEEN else SEEN_AT_ONCE + seen - 1
        if paired[sector]:
            joint = _joint_effort(counts, row, terrain, side, sector, other_side, unit_effort)
            if joint_stop(joint_posts, effort, joint, c[DRAWS:]):
                return JOINT_STOP
    return DONE


@kernel
def _joint_effort(
    counts: np.ndarray,
    row: int,
    terrain: np.ndarray,
    side: int,
    sector: int,
    other_side: float,
    unit_effort: float,
) -> float:
    """The part of the effort at ``(side, sector)`` on the plan's ``row`` that joint
    contingents make."""
    value = counts[JOINT_VALUE, row, 0, sector] + counts[JOINT_VALUE, row, 1, sector]
    share = 0.5 * (1.0 + other_side) * unit_effort
    return terrain[side, sector] * share * value
