"""Effective search effort on each sector and the detection of crossing attempts.

Effort a crossing into side ``t`` at sector ``s`` meets, before terrain:

    units of side t + other_side_share * units of side 1-t
    + joint_effectiveness * (1 + training_gain * training) * joint units
    + drone_effort * drones

multiplied by the terrain factor and by ``1 + early_warning_gain * early_warning``.
With probability ``tip_base + tip_gain * intel_sharing`` the attempt was tipped
off and a rapid-response surge joins the search. Detection then follows
:func:`sim.detection.detection_probability`.

Callers pass the uniform draws of each attempt (tip-off, detection), so that an
agent can draw all the randomness of a day's decisions from its own stream at once.
"""

from __future__ import annotations

import numpy as np

from sim.detection import detection_probability, terrain_factor
from sim.geography import BorderSpace
from sim.measures import Measure, Measures
from sim.params import PatrolParams


class Search:
    """Today's effective search effort, refreshed from the patrol layers and measures."""

    MEASURES = (
        Measure.TASK_FORCE_TRAINING,
        Measure.DRONES,
        Measure.EARLY_WARNING,
        Measure.INTEL_SHARING,
    )
    """The effects :meth:`refresh` reads."""

    def __init__(self, params: PatrolParams, space: BorderSpace) -> None:
        self.p = params
        self.national = space.layer("patrol_effort")
        self.joint = space.layer("joint_effort")
        self.terrain = terrain_factor(space.layer("roughness"), params.terrain_penalty)
        self.effort = np.zeros_like(self.national)
        self.surge = np.zeros_like(self.national)
        self.tip_chance = params.tip_base
        self._own_and_other = np.zeros_like(self.national)
        self._joint_units = np.zeros(self.national.shape[1])

    def reads_any(self, changed: tuple[int, ...]) -> bool:
        """Whether any of the ``changed`` measures is one the effort depends on."""
        return any(m in self.MEASURES for m in changed)

    def on_redeploy(self) -> None:
        """Patrols moved: recompute what the effort takes from the patrol layers."""
        nat = self.national
        self._own_and_other = nat + self.p.other_side_share * nat[::-1]
        self._joint_units = self.joint.sum(axis=0)

    def refresh(self, measures: Measures) -> None:
        """Recompute effort after patrols moved or measures ramped."""
        p, e = self.p, measures.effect
        training = 1.0 + p.training_gain * e[Measure.TASK_FORCE_TRAINING]
        shared = (
            p.joint_effectiveness * training * self._joint_units
            + p.drone_effort * e[Measure.DRONES]
        )
        warning = self.terrain * (1.0 + p.early_warning_gain * e[Measure.EARLY_WARNING])
        self.effort = (self._own_and_other + shared) * warning
        self.surge = p.tip_surge * training * warning
        self.tip_chance = p.tip_base + p.tip_gain * e[Measure.INTEL_SHARING]

    def attempt(self, side: int, sector: int, tip_u: float, detect_u: float) -> tuple[bool, float]:
        """One crossing into ``side`` at ``sector``: (detected, effort it met)."""
        effort = float(self.effort[side, sector])
        if tip_u < self.tip_chance:
            effort += float(self.surge[side, sector])
        return detect_u < detection_probability(effort, self.p.sweep_rate), effort
