"""The roadmap's measures: when each is active and how far it has ramped up.

A measure never changes an incident count directly. Its *effect*
(``intensity * level``, 0-1) is read by exactly one mechanism each:

========================  ==========================================================
measure                   mechanism (where)
========================  ==========================================================
military_dialogue         tension decays faster, trust grows, encounters de-escalate
                          (:mod:`sim.agents.government`)
ceasefire_verification    violations are verified (clear attribution) and deterred
                          (:mod:`sim.agents.government`)
hotline                   encounters between forces are deconflicted; retaliation
                          after an attack is talked down (:mod:`sim.agents.government`)
joint_patrols             part of each side's units patrol jointly: no friction,
                          higher effectiveness (:mod:`sim.agents.government`)
intel_sharing             tip-offs surge patrols onto planned attempts; planned
                          routes enter the threat picture (:mod:`sim.agents.government`,
                          :mod:`sim.search`)
early_warning             sensors raise effective search effort (:mod:`sim.search`)
drones                    add search effort along the whole line (:mod:`sim.search`)
task_force_training       joint units and surges work better (:mod:`sim.search`)
customs_inspections       shipments through gates are inspected
                          (:mod:`sim.agents.smuggling`)
humanitarian_corridors    fewer irregular crossings, fewer civilian casualties and
                          less hardship from violence (:mod:`sim.communities`)
economic_projects         lower the hardship communities relax to, hence recruitment
                          (:mod:`sim.communities`); trust (:mod:`sim.agents.government`)
cultural_programs         cross-border trust grows (:mod:`sim.agents.government`)
mediation                 the mediator damps escalation after severe incidents
                          (:mod:`sim.agents.mediator`)
========================  ==========================================================

Measures run by both states together stop while either government does not
cooperate: while its tension is above ``governments.cooperation_tension_limit``,
or after it suspended cooperation following an incident (more likely with high
tension and low trust, see ``Government``). This is what makes security
integration fragile without confidence building first.
"""

from __future__ import annotations

import bisect
import dataclasses
from enum import IntEnum

import numpy as np

from sim.params import MeasureParams, MeasuresParams

MEASURE_NAMES: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(MeasuresParams) if f.type in ("MeasureParams", MeasureParams)
)

Measure = IntEnum("Measure", [(name.upper(), i) for i, name in enumerate(MEASURE_NAMES)])
Measure.__doc__ = "Index of each measure in the level and effect arrays."

JOINT_MEASURES = frozenset(
    {
        Measure.JOINT_PATROLS,
        Measure.INTEL_SHARING,
        Measure.EARLY_WARNING,
        Measure.TASK_FORCE_TRAINING,
        Measure.ECONOMIC_PROJECTS,
        Measure.CULTURAL_PROGRAMS,
    }
)
"""Measures that need both governments to cooperate."""


def parse_start(start: str) -> tuple[int, int]:
    """``"phase2"`` -> (2, 0); ``"120"`` -> (0, 120): (start phase, start day)."""
    if start.startswith("phase"):
        return int(start[len("phase") :]), 0
    return 0, int(start)


class Measures:
    """Levels (0-1) of every measure, ramping up while active and winding down when not."""

    def __init__(self, params: MeasuresParams) -> None:
        items = [getattr(params, name) for name in MEASURE_NAMES]
        starts = np.array([parse_start(m.start) for m in items])
        self.enabled = np.array([m.enabled for m in items])
        self.start_phase = starts[:, 0]
        self.start_day = starts[:, 1]
        self.ramp_step = 1.0 / np.array([m.ramp_days for m in items], dtype=float)
        self.wind_down_step = 1.0 / params.wind_down_days
        self.intensity = np.array([m.intensity for m in items], dtype=float)
        self.joint = np.array([Measure(i) in JOINT_MEASURES for i in range(len(items))])
        self.by_phase = self.start_phase > 0
        self.level = np.zeros(len(items))
        self.effect = np.zeros(len(items))
        self.active = np.zeros(len(items), dtype=bool)
        self._unchanged = np.zeros(len(items), dtype=bool)
        self._unchanged.flags.writeable = False  # shared by every call that changes nothing
        self._day_starts = sorted({int(d) for d in self.start_day[self.enabled & ~self.by_phase]})
        # What decides which measures are active: (phase, cooperating, day starts passed).
        self._active_for: tuple[int, bool, int] | None = None
        self._settled_for: tuple[int, bool, int] | None = None

    def update(self, day: int, phase: int, cooperating: bool) -> np.ndarray:
        """Advance every level by one day given the roadmap phase and cooperation.

        Returns which levels (hence effects) changed, a read-only boolean mask, so
        that derived state is recomputed only when its own inputs changed.
        """
        key = (phase, cooperating, bisect.bisect_right(self._day_starts, day))
        if key == self._settled_for:
            return self._unchanged  # every level is at 0 or 1 and nothing that starts it changed
        if key != self._active_for:
            started = np.where(self.by_phase, phase >= self.start_phase, day >= self.start_day)
            self.active = self.enabled & started & (cooperating | ~self.joint)
            self._active_for = key
        level = np.where(
            self.active,
            np.minimum(self.level + self.ramp_step, 1.0),
            np.maximum(self.level - self.wind_down_step, 0.0),
        )
        changed = level != self.level
        if not changed.any():
            self._settled_for = key
            return self._unchanged
        self._settled_for = None
        self.level = level
        self.effect = self.intensity * level
        return changed
