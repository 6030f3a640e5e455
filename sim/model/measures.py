"""The roadmap's measures: when each is active and how far it has ramped up.

A measure never changes an incident count directly. Its *effect*
(``intensity * level``, 0-1) is read by exactly one mechanism each:

========================  ==========================================================
measure                   mechanism (where)
========================  ==========================================================
military_dialogue         the commands meet: tension decays faster
                          (``governments.dialogue_decay_gain``), trust grows
                          (``trust_gain_dialogue``); lower tension means fewer clashes
                          and violations (:mod:`sim.model.agents.government`)
ceasefire_verification    monitor teams (``monitors.teams * level``) sit where violations
                          were reported; local commanders there hold fire for fear of
                          being seen; what a team sees is attributed to who did it
                          (``monitors.*``, :mod:`sim.model.agents.monitors`,
                          :mod:`sim.model.agents.forces`)
hotline                   shared patrol schedules keep units of the two sides out in
                          different time slots (fewer encounters where slots are
                          free); a call after an encounter or an attack, staffed more
                          often and faster as it ramps, defuses it if in time
                          (``hotline.*``, :mod:`sim.model.agents.hotline`)
joint_patrols             ``patrol.joint_share`` of each side's units are posted to
                          joint posts; a joint unit searches for both sides at its
                          training quality; what joint units see reaches the other
                          side with a chance equal to trust; without trust the
                          contingents rub (friction clashes) (:mod:`sim.model.agents.patrol`,
                          :mod:`sim.model.agents.intelligence`; ``patrol.joint_*``)
intel_sharing             each state passes on what its patrols and informants saw of
                          crossers (missed crossings, armed groups' staging); the
                          real-time hub cuts the delay from ``intel.slow_delay_days``
                          toward ``fast_delay_days``; a report enters the threat
                          picture and moves free units there (tip-off)
                          (:mod:`sim.model.agents.intelligence`; ``intel.*``)
early_warning             sensors cover up to ``sensors.sectors`` sectors, installed
                          where threat pictures point; an alert brings the nearest
                          free unit within ``patrol.response_reach``
                          (:mod:`sim.model.agents.sensors`; ``sensors.*``)
drones                    each state's fleet grows to ``drones.fleet_size``; each
                          drone flies a daily sortie over a few sectors its
                          operator's threat picture picks, adding effort only there
                          (:mod:`sim.model.agents.drones`; ``drones.*``)
task_force_training       joint units' quality rises from ``patrol.joint_untrained``
                          (worse than national units) to ``joint_trained`` with the
                          training done (:mod:`sim.model.search`)
customs_inspections       inspectors' capacity grows against each gate's traffic;
                          smugglers learn which route gets through and leave the
                          gates; inspections delay trade (:mod:`sim.model.agents.customs`,
                          :mod:`sim.model.agents.smuggling`; ``customs.*``)
humanitarian_corridors    corridors open at gates, then along the line; crossers within
                          reach route through one while it has capacity; its safe zone
                          shelters nearby residents, spared when violence strikes there
                          (``corridors.*``, :mod:`sim.model.agents.corridors`)
economic_projects         projects built in the hardest-hit cells lower the hardship
                          they relax to, hence recruitment there (``projects.project_share``,
                          ``economic_relief``, :mod:`sim.model.communities`); trust
                          (:mod:`sim.model.agents.government`). No direct effect on relapses
cultural_programs         exchanges in the most populous sectors build cross-border
                          ties there, which cut support for recruitment
                          (``projects.exchange_share``, ``tie_days``, ``tie_recruit_cut``,
                          :mod:`sim.model.communities`); trust (:mod:`sim.model.agents.government`)
mediation                 mediator teams (``mediator.capacity * level``) take up
                          incidents with victims, the last free team kept for severe
                          ones or a roadmap at risk: tension relief, no relapse,
                          restraint (``mediator.*``, :mod:`sim.model.agents.mediator`)
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

from sim.config.params import MeasureParams, MeasuresParams

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
    """Levels (0-1) of every measure, ramping up while active and winding down when not.

    Thirteen numbers that change a little each day: plain lists, indexed by
    :class:`Measure`, cost less than numpy calls on arrays of that size.
    """

    def __init__(self, params: MeasuresParams) -> None:
        items = [getattr(params, name) for name in MEASURE_NAMES]
        self.enabled = [m.enabled for m in items]
        self.start_phase, self.start_day = zip(*(parse_start(m.start) for m in items), strict=True)
        self.ramp_step = [1.0 / m.ramp_days for m in items]
        self.wind_down_step = 1.0 / params.wind_down_days
        self.intensity = [float(m.intensity) for m in items]
        self.joint = [m in JOINT_MEASURES for m in Measure]
        self.level = [0.0] * len(items)
        self.effect = [0.0] * len(items)
        self.active = [False] * len(items)
        self._day_starts = sorted(
            {
                d
                for d, p, on in zip(self.start_day, self.start_phase, self.enabled, strict=True)
                if on and not p
            }
        )
        # What decides which measures are active: (phase, cooperating, day starts passed).
        self._active_for: tuple[int, bool, int] | None = None
        self._moving: list[int] = []  # measures whose level changes today: ramping or winding down

    def update(self, day: int, phase: int, cooperating: bool) -> tuple[int, ...]:
        """Advance every level by one day given the roadmap phase and cooperation.

        Returns the indices of the measures whose level (hence effect) changed,
        so that derived state is recomputed only when its own inputs changed.
        """
        key = (phase, cooperating, bisect.bisect_right(self._day_starts, day))
        if key != self._active_for:
            self.active = [
                on
                and (phase >= start_phase if start_phase else day >= start_day)
                and (cooperating or not joint)
                for on, start_phase, start_day, joint in zip(
                    self.enabled, self.start_phase, self.start_day, self.joint, strict=True
                )
            ]
            self._active_for = key
            self._moving = [m for m in range(len(self.level)) if self._moves(m)]
        if not self._moving:
            return ()
        level = self.level
        for m in self._moving:
            if self.active[m]:
                level[m] = min(level[m] + self.ramp_step[m], 1.0)
            else:
                level[m] = max(level[m] - self.wind_down_step, 0.0)
            self.effect[m] = self.intensity[m] * level[m]
        changed = tuple(self._moving)
        self._moving = [m for m in changed if self._moves(m)]
        return changed

    def _moves(self, m: int) -> bool:
        """Whether measure ``m``'s level changes on its next update: it is below 1 and
        active (ramping up), or above 0 and inactive (winding down)."""
        return self.level[m] < 1.0 if self.active[m] else self.level[m] > 0.0
