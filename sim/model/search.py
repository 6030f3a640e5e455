"""Search effort where units and drones are: the plan of each day until the next redeployment.

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
(:mod:`sim.model.agents.drones`). What one crossing meets on its way (sensors, this
effort, a sighting, a joint stop) is :mod:`sim.model.crossing`.

The whole plan (every day until the next redeployment) is computed at once when
units are redeployed; when units answer an alert or a tip-off, the days they
are away are recounted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.agents.patrol import dispatch
from sim.model.agents.patrol_plan import JOINT, POST, VALUE, WHERE
from sim.model.compiled import allocating_kernel, array_sum, kernel
from sim.model.detection import terrain_factor

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
        joint_share = 0.5 * (1.0 + self.p.other_side_share)  # half on each side
        self._rule = np.array([self.p.other_side_share, joint_share, self.p.unit_effort])
        # The plan's counts and effort, rows UNITS, JOINT_UNITS, JOINT_VALUE, EFFORT: one
        # array for the kernels, the attributes views of its rows.
        # A plan's arrays, written anew by each plan.
        days, n = self.p.redeploy_days, model.border.n
        self._counts = np.zeros((4, days, 2, n))
        self.flown = np.zeros((days, 2, n))
        self.quality = model.params.training.value_untrained
        self.joint_posts: list[int] = []  # joint posts held by both sides
        self.start = 0
        self.row = 0
        self._unpaired = np.zeros(model.border.n, dtype=bool)
        self._paired = self._unpaired  # per sector today: contingents of both sides there
        self._pairs = np.zeros((days, n), dtype=bool)  # the same for each day
        self._posts = np.empty(n, dtype=np.int64)  # the joint posts (``joint_posts``)
        self.any_joint = False
        self._arrays = (self._counts, self.flown, self.terrain, self._pairs)  # for kernels
        self._joint_clear = False  # the joint layer holds a plan without contingents (zeros)

    # Views of the plan's counts, made on each access (a copy of Search keeps them views).
    units = property(lambda self: self._counts[UNITS])
    joint_units = property(lambda self: self._counts[JOINT_UNITS])
    joint_value = property(lambda self: self._counts[JOINT_VALUE])
    effort = property(lambda self: self._counts[EFFORT])

    def plan(self) -> None:
        """Recompute the plan's effort from the units' positions and the drones' sorties."""
        model = self.model
        for side in (0, 1):
            model.drones[side].plan(self.flown[:, side])
        a, b = (gov.patrols for gov in model.governments)
        self.any_joint = a.any_joint or b.any_joint
        held, quality = _plan(
            a.arrays, a.any_joint, b.arrays, b.any_joint, self._arrays, self._rule, self._posts
        )
        if self.any_joint:
            self.quality = quality
        self._paired = self._unpaired
        self.joint_posts = self._posts[:held].tolist()
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
        sent, rows = _send(
            side, start, sector, reach, days, units, force.arrays, force.any_joint,
            self._arrays, self._rule, self.any_joint,
        )  # fmt: skip
        if sent and start <= self.row < start + rows:
            self.new_day(self.row + self.start)
        return sent


OTHER_SIDE, JOINT_SHARE, UNIT_EFFORT = 0, 1, 2  # the plan's constants in ``Search._rule``


@allocating_kernel
def _plan(
    a: tuple, any_a: bool, b: tuple, any_b: bool, plan: tuple, rule: np.ndarray,
    posts: np.ndarray,
) -> tuple[int, float]:  # fmt: skip
    """The plan (``Search._arrays``, written anew) from each side's force
    (``PatrolForce.arrays``: its units' ``where``, ``n`` off duty): the counts of
    national units, joint contingents and their summed value per day, side and sector;
    its effort (with the drones' ``flown``); where contingents of both sides patrol each
    day. Writes into ``posts`` the joint posts both sides hold. Returns how many, and the
    mean value of a contingent (0: none)."""
    counts, pairs = plan[0], plan[3]
    counts[:] = 0.0
    pairs[:] = False
    _count(0, a, any_a, counts)
    _count(1, b, any_b, counts)
    any_joint = any_a or any_b
    _effort(0, counts.shape[1], plan, rule, any_joint)
    n = counts.shape[3]
    held = np.zeros((2, n), dtype=np.bool_)
    contingents = 0
    for side, force, any_side in ((0, a, any_a), (1, b, any_b)):
        if any_side:
            joint, post = force[1][JOINT], force[0][POST]
            for i in range(joint.size):
                if joint[i]:
                    held[side, post[i]] = True
                    contingents += 1
    count = 0
    for s in range(n):
        if held[0, s] and held[1, s]:
            posts[count] = s
            count += 1
    if not any_joint:
        return count, 0.0
    values = np.empty(contingents)  # both sides' contingents' values, in order
    k = 0
    for force in (a, b):
        joint, value = force[1][JOINT], force[2][VALUE]
        for i in range(joint.size):
            if joint[i]:
                values[k] = value[i]
                k += 1
    return count, array_sum(values) / values.size


@kernel
def _count(side: int, force: tuple, any_joint: bool, counts: np.ndarray) -> None:
    """Add ``side``'s units on duty to the counts of the sectors they patrol each day."""
    units, joint_units, joint_value = counts[UNITS], counts[JOINT_UNITS], counts[JOINT_VALUE]
    where, joint, value = force[3][WHERE], force[1][JOINT], force[2][VALUE]
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
def _effort(start: int, stop: int, plan: tuple, rule: np.ndarray, any_joint: bool) -> None:
    """The effort of the plan's rows ``start..stop`` (the formula in the module docstring)
    and, with any contingents, where those of both sides patrol (``Search._arrays``)."""
    counts, flown, terrain, pairs = plan
    units, joint_value, effort = counts[UNITS], counts[JOINT_VALUE], counts[EFFORT]
    other_side, joint_share, unit_effort = rule[OTHER_SIDE], rule[JOINT_SHARE], rule[UNIT_EFFORT]
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
    if any_joint:
        joint_units = counts[JOINT_UNITS]
        for d in range(start, stop):
            for s in range(pairs.shape[1]):
                pairs[d, s] = joint_units[d, 0, s] > 0 and joint_units[d, 1, s] > 0


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


@allocating_kernel
def _send(
    side: int, start: int, to: int, reach: int, days: int, units: int, force: tuple,
    force_joint: bool, plan: tuple, rule: np.ndarray, any_joint: bool,
) -> tuple[int, int]:  # fmt: skip
    """``Search.dispatch``: ``side``'s force (``PatrolForce.arrays``) sends its units
    (``dispatch``, from plan row ``start``) and they are recounted in the plan
    (``Search._arrays``): moved in the counts, those rows' effort and pairs recomputed.
    Returns (units sent, plan rows they are away; 0 if none went)."""
    counts = plan[0]
    paths, duty, joint, value = force[3], force[4], force[1][JOINT], force[2][VALUE]
    sent, before = dispatch(counts.shape[3], paths, duty, start, to, reach, days, units)
    if sent.size == 0:
        return 0, 0
    national, joint_units, joint_value = counts[UNITS], counts[JOINT_UNITS], counts[JOINT_VALUE]
    n, stop = counts.shape[3], start + before.shape[0]
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
                national[r, side, sector] -= 1.0
                national[r, side, to] += 1.0
    _effort(start, stop, plan, rule, any_joint)
    return sent.size, before.shape[0]
