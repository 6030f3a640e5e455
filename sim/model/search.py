"""Search effort where units and drones are, and the detection of crossing attempts.

Effort a crossing into side ``t`` at sector ``s`` meets on a day, before terrain:

    unit_effort * (units of side t patrolling s
                   + other_side_share * units of side 1-t patrolling s
                   + joint quality * joint units of both sides patrolling s)
    + drone effort flown over (t, s)

multiplied by the terrain factor of ``(t, s)``. Positions are the units' own
(``sim.model.agents.patrol``), drones' sorties their operators' (``sim.model.agents.drones``);
the joint quality grows with task-force training (``joint_untrained`` to
``joint_trained``). An attempt in a sector with early-warning sensors may bring
a free unit to it first (``sim.model.agents.sensors``). Detection then follows
:func:`sim.model.detection.detection_probability`, the one place effort becomes a
detection chance.

The whole plan (every day until the next redeployment) is computed at once when
units are redeployed; when units answer an alert or a tip-off, the days they
are away are recounted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.detection import detection_probability, terrain_factor
from sim.model.measures import Measure

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel


class Search:
    """The search effort of every day of the current plan, by side and sector.

    Attributes:
        effort: ``(days, 2, n)`` effective effort an attempt meets.
        units, joint_units: ``(days, 2, n)`` national and joint units patrolling there.
        quality: effectiveness of a joint unit, from training.
        row: today's row of the plan.
    """

    def __init__(self, model: RoadmapModel) -> None:
        self.model = model
        self.p = model.params.patrol
        space = model.space
        self.national = space.layer("patrol_effort")
        self.joint = space.layer("joint_effort")
        self.terrain = terrain_factor(space.layer("roughness"), self.p.terrain_penalty)
        shape = (1, 2, model.border.n)
        self.effort, self.units, self.joint_units, self.flown = (np.zeros(shape) for _ in range(4))
        self.quality = self.p.joint_untrained
        self.joint_posts: list[int] = []  # joint posts held by both sides
        self.start = 0
        self.row = 0

    def plan(self) -> None:
        """Recompute the plan's effort from the units' positions and the drones' sorties."""
        model, p = self.model, self.p
        shape = (p.redeploy_days, 2, model.border.n)
        self.units, self.joint_units, self.flown = np.empty(shape), np.empty(shape), np.empty(shape)
        for side, gov in enumerate(model.governments):
            gov.patrols.counts(self.units[:, side], self.joint_units[:, side])
            model.drones[side].plan(self.flown[:, side])
        training = model.measures.effect[Measure.TASK_FORCE_TRAINING]
        self.quality = p.joint_untrained + (p.joint_trained - p.joint_untrained) * training
        self.effort = np.empty(shape)
        self._effort(slice(None))
        posts = [gov.patrols.joint_posts() for gov in model.governments]
        self.joint_posts = sorted(posts[0] & posts[1])
        self.start = model.steps
        self.new_day(model.steps)

    def _effort(self, rows: slice) -> None:
        p, units, effort = self.p, self.units[rows], self.effort[rows]  # views: written in place
        np.multiply(units[:, ::-1], p.other_side_share, out=effort)
        effort += units
        effort += self.quality * np.add.reduce(self.joint_units[rows], axis=1, keepdims=True)
        effort *= p.unit_effort
        effort += self.flown[rows]
        effort *= self.terrain

    def new_day(self, day: int) -> None:
        """Write today's patrol layers from where the units are."""
        self.row = min(day - self.start, len(self.effort) - 1)
        ue = self.p.unit_effort
        np.multiply(self.units[self.row], ue, out=self.national)
        np.multiply(self.joint_units[self.row], ue, out=self.joint)

    def moved(
        self, side: int, rows: slice, sent: list[int], before: list[list[int]], to: int
    ) -> None:
        """Units ``sent`` of ``side`` patrol ``to`` instead of where they were
        (``before``, per plan row): move them in the counts of those rows.

        Only the moved units are recounted (whole counts in floats stay exact),
        not every unit of the rows.
        """
        joint = self.model.governments[side].patrols.joint.tolist()
        for r, where in zip(range(rows.start, rows.stop), before, strict=True):
            for i, sector in zip(sent, where, strict=True):
                counts = self.joint_units if joint[i] else self.units
                counts[r, side, sector] -= 1.0
                counts[r, side, to] += 1.0
        self._effort(rows)
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
        return detected, effort
