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

from typing import TYPE_CHECKING

import numpy as np

from sim.model.detection import detection_probability, terrain_factor
from sim.model.scalars import scalar

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel


class Search:
    """The search effort of every day of the current plan, by side and sector.

    Attributes:
        effort: ``(days, 2, n)`` effective effort an attempt meets.
        units, joint_units: ``(days, 2, n)`` national units and joint contingents
            of each side patrolling there.
        joint_value: ``(days, 2, n)`` the summed search value of those contingents.
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
        self._unit_effort = scalar(self.p.unit_effort)
        self._other_side = scalar(self.p.other_side_share)
        self._joint_share = scalar(0.5 * (1.0 + self.p.other_side_share))  # half on each side
        shape = (1, 2, model.border.n)
        self.effort, self.units, self.joint_units, self.joint_value, self.flown = (
            np.zeros(shape) for _ in range(5)
        )
        self.quality = model.params.training.value_untrained
        self.joint_posts: list[int] = []  # joint posts held by both sides
        self.start = 0
        self.row = 0
        self._unpaired = [False] * model.border.n
        self._paired = self._unpaired  # per sector today: contingents of both sides there
        self._pairs: list[list[bool]] = []  # the same for each day of the plan
        self.any_joint = False
        self._joint_clear = False  # the joint layer holds a plan without contingents (zeros)

    def plan(self) -> None:
        """Recompute the plan's effort from the units' positions and the drones' sorties."""
        model, p = self.model, self.p
        shape = (p.redeploy_days, 2, model.border.n)
        self.units, self.joint_units = np.empty(shape), np.empty(shape)
        self.joint_value, self.flown = np.empty(shape), np.empty(shape)
        forces = [gov.patrols for gov in model.governments]
        for side, force in enumerate(forces):
            force.counts(self.units[:, side], self.joint_units[:, side], self.joint_value[:, side])
            model.drones[side].plan(self.flown[:, side])
        self.any_joint = forces[0].any_joint or forces[1].any_joint
        if self.any_joint:
            values = np.concatenate([f.value[f.joint] for f in forces])
            self.quality = float(values.mean())
            self._pair(slice(None))
        self._paired = self._unpaired
        self.effort = np.empty(shape)
        self._effort(slice(None))
        posts = [force.joint_posts() for force in forces]
        self.joint_posts = sorted(posts[0] & posts[1])
        self.start = model.steps
        self.new_day(model.steps)

    def _effort(self, rows: slice) -> None:
        units, effort = self.units[rows], self.effort[rows]  # views: written in place
        np.multiply(units[:, ::-1], self._other_side, out=effort)
        effort += units
        if self.any_joint:
            joint = np.add.reduce(self.joint_value[rows], axis=1, keepdims=True)
            joint *= self._joint_share  # counted once: half on each side
            effort += joint
        effort *= self._unit_effort
        effort += self.flown[rows]
        effort *= self.terrain

    def new_day(self, day: int) -> None:
        """Write today's patrol layers from where the units are."""
        self.row = min(day - self.start, len(self.effort) - 1)
        ue = self._unit_effort
        np.multiply(self.units[self.row], ue, out=self.national)
        if self.any_joint or not self._joint_clear:  # no contingents: zeros, written once
            np.multiply(self.joint_units[self.row], ue, out=self.joint)
        if self.any_joint:
            self._paired = self._pairs[self.row]
        self._joint_clear = not self.any_joint

    def _pair(self, rows: slice) -> None:
        """Where contingents of both sides patrol on the plan's ``rows``."""
        self._pairs[rows] = np.logical_and.reduce(self.joint_units[rows] > 0, axis=1).tolist()

    def moved(
        self, side: int, rows: slice, sent: list[int], before: list[list[int]], to: int
    ) -> None:
        """Units ``sent`` of ``side`` patrol ``to`` instead of where they were
        (``before``, per plan row; ``n`` for a day off duty, which stays off):
        move them in the counts of those rows.

        Only the moved units are recounted (whole counts in floats stay exact),
        not every unit of the rows.
        """
        force = self.model.governments[side].patrols
        joint = [force.joint[i] for i in sent] if force.any_joint else [False] * len(sent)
        n = self.model.border.n
        for r, where in zip(range(rows.start, rows.stop), before, strict=True):
            for i, sector, jointly in zip(sent, where, joint, strict=True):
                if sector == n:
                    continue  # off duty that day
                counts = self.joint_units if jointly else self.units
                counts[r, side, sector] -= 1.0
                counts[r, side, to] += 1.0
                if jointly:
                    value = force.value[i]
                    self.joint_value[r, side, sector] -= value
                    self.joint_value[r, side, to] += value
        self._effort(rows)
        if self.any_joint:
            self._pair(rows)
        if rows.start <= self.row < rows.stop:
            self.new_day(self.row + self.start)

    def dispatch(self, side: int, sector: int, reach: int, days: int, units: int = 1) -> int:
        """Send up to ``units`` free units of ``side`` within ``reach`` to ``sector`` for
        ``days``; returns how many went."""
        force = self.model.governments[side].patrols
        sent = force.dispatch(self.model.day, sector, reach, days, units)
        if sent is None:
            return 0
        rows, units_sent, before = sent
        self.moved(side, rows, units_sent, before, sector)
        return len(units_sent)

    def attempt(
        self, side: int, sector: int, alert_u: float, detect_u: float
    ) -> tuple[bool, float]:
        """One crossing into ``side`` at ``sector``: (detected, effort it met).

        ``alert_u`` decides whether sensors there raise an alert first (and a
        unit comes), ``detect_u`` whether the effort it meets detects it.
        """
        model = self.model
        sensors = model.sensors
        if sensors.covered[sector]:
            sensors.warn(side, sector, alert_u)
        effort = float(self.effort[self.row, side, sector])
        detected = detect_u < detection_probability(effort, self.p.sweep_rate)
        if not detected:
            model.intel.crossing(side, sector)
        elif self._paired[sector]:
            model.joint_posts.stopped(side, sector, effort, self._joint_effort(side, sector))
        return detected, effort

    def _joint_effort(self, side: int, sector: int) -> float:
        """The part of today's effort at ``(side, sector)`` that joint contingents make."""
        p = self.p
        value = self.joint_value[self.row, 0, sector] + self.joint_value[self.row, 1, sector]
        share = 0.5 * (1.0 + p.other_side_share) * p.unit_effort
        return float(self.terrain[side, sector] * share * value)
