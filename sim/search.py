"""Effective search effort on each sector and the detection of crossing attempts.

Effort a crossing into side ``t`` at sector ``s`` meets, before terrain:

    units of side t + other_side_share * units of side 1-t
    + joint_effectiveness * (1 + training_gain * training) * joint units
    + drone_effort * drones

multiplied by the terrain factor and by ``1 + early_warning_gain * early_warning``.
With probability ``tip_base + tip_gain * intel_sharing`` the attempt was tipped
off and a rapid-response surge joins the search. Detection then follows
:func:`sim.detection.detection_probability`.
"""

from __future__ import annotations

import numpy as np

from sim.detection import detection_probability, terrain_factor
from sim.geography import BorderSpace
from sim.measures import Measure, Measures
from sim.params import PatrolParams


class Search:
    """Today's effective search effort, refreshed from the patrol layers and measures."""

    MEASURES = np.array(
        [Measure.TASK_FORCE_TRAINING, Measure.DRONES, Measure.EARLY_WARNING, Measure.INTEL_SHARING]
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

    def reads_any(self, changed: np.ndarray) -> bool:
        """Whether any effect in the ``changed`` mask is one the effort depends on."""
        return bool(changed[self.MEASURES].any())

    def refresh(self, measures: Measures) -> None:
        """Recompute effort after patrols moved or measures ramped."""
        p, e = self.p, measures.effect
        training = 1.0 + p.training_gain * e[Measure.TASK_FORCE_TRAINING]
        shared = (
            p.joint_effectiveness * training * self.joint.sum(axis=0)
            + p.drone_effort * e[Measure.DRONES]
        )
        warning = self.terrain * (1.0 + p.early_warning_gain * e[Measure.EARLY_WARNING])
        nat = self.national
        self.effort = (nat + p.other_side_share * nat[::-1] + shared) * warning
        self.surge = p.tip_surge * training * warning
        self.tip_chance = p.tip_base + p.tip_gain * e[Measure.INTEL_SHARING]

    def attempt(self, rng: np.random.Generator, side: int, sector: int) -> tuple[bool, float]:
        """One crossing into ``side`` at ``sector``: (detected, effort it met)."""
        effort = self.effort[side, sector]
        if rng.random() < self.tip_chance:
            effort += self.surge[side, sector]
        return bool(rng.random() < detection_probability(effort, self.p.sweep_rate)), effort

    def attempts(
        self, rng: np.random.Generator, sides: int | np.ndarray, sectors: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Many crossings (into one side, or one side each) at once: (detected, effort)."""
        effort = self.effort[sides, sectors]
        tipped = rng.random(len(sectors)) < self.tip_chance
        effort = effort + tipped * self.surge[sides, sectors]
        detected = rng.random(len(sectors)) < detection_probability(effort, self.p.sweep_rate)
        return detected, effort
