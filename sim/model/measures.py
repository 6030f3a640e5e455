"""The roadmap's measures: when each is active and how far it has ramped up.

A measure never changes an incident count directly. Its *effect*
(``intensity * level``, 0-1) is read by exactly one mechanism each:

========================  ==========================================================
measure                   mechanism (where)
========================  ==========================================================
military_dialogue         the commands meet (monthly at full effect); a meeting settles
                          grievances (giving back the tension and trust they cost) and
                          agrees hold-back zones that keep both sides' units from the
                          line and bind their commanders; kept ones build trust,
                          broken ones cost it (``dialogue.*``,
                          :mod:`sim.model.agents.dialogue`, :mod:`sim.model.agents.forces`)
ceasefire_verification    monitor teams (``monitors.teams * level``) sit where violations
                          were reported; local commanders there hold fire for fear of
                          being seen; what a team sees is attributed to who did it
                          (``monitors.*``, :mod:`sim.model.agents.monitors`,
                          :mod:`sim.model.agents.forces`)
hotline                   shared patrol schedules keep units of the two sides out in
                          different time slots (fewer encounters where slots are
                          free); a duty desk of ``hotline.operators * level`` officers
                          on shifts (office hours first) answers a call after an
                          encounter or an attack if an officer is on shift and free;
                          answered and relayed within the window, it defuses the
                          incident (``hotline.*``, :mod:`sim.model.agents.hotline`)
joint_patrols             each state posts ``patrol.joint_share * level`` of the smaller
                          force's units as contingents of joint units (one of each side,
                          paired at joint posts where both pictures point); a joint unit patrols
                          both sides, its effort counted once, half on each, at the value
                          its contingents' training gives; what it sees reaches the other
                          side with a chance equal to trust; its contingents dispute the
                          crossers they stop unless trained alike, and strangers come to
                          blows (:mod:`sim.model.agents.patrol`, :mod:`sim.model.search`,
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
task_force_training       each state details ``training.trainers * level`` instructor
                          teams (units taken off patrols); they seat the least skilled
                          joint contingents in week-long courses (off patrol); skill grows
                          with training days delivered and fades without refreshers, and
                          sets a contingent's search value (``training.value_*``) and
                          whether it follows the shared procedure
                          (:mod:`sim.model.agents.training`; ``training.*``)
customs_inspections       each state hires inspectors (``customs.inspectors * level``) at
                          its gate posts; they pick vehicles to search, as many as their
                          shifts allow, the rest queue or are waved through; skill grows
                          with days on the job; a shipment hidden in trade is found only
                          where they search, and smugglers learn to avoid those gates;
                          queues delay trade, which raises hardship in the gate's cells
                          (:mod:`sim.model.agents.customs`, :mod:`sim.model.agents.smuggling`)
humanitarian_corridors    corridors open at gates, then along the line; crossers within
                          reach route through one while it has capacity; residents within
                          reach move into its safe zone (camp) while it has room, more after
                          violence at home, and go home when calm; a strike finds the people
                          where it lands: fewer where residents left, many on a camp
                          (``corridors.*``, :mod:`sim.model.agents.corridors`,
                          :meth:`Communities.victims <sim.model.communities.Communities.victims>`)
economic_projects         projects started in the hardest-hit cells take ``projects.build_days``
                          (halted while the programme stops and after violence there); once
                          built they lower the hardship their cell relaxes to, hence
                          recruitment, and governments see each completed (trust:
                          ``governments.trust_gain_project``) (:mod:`sim.model.communities`)
cultural_programs         exchanges held in the most populous sectors, one every
                          ``projects.exchange_days`` in each, build cross-border ties
                          there, which cut support for recruitment; governments see each
                          exchange held (``governments.trust_gain_exchange``)
                          (:mod:`sim.model.communities`)
mediation                 mediator teams (``mediator.capacity * level``) take up
                          incidents with victims, the last free team kept for severe
                          ones or a roadmap at risk; a case brokers a hold-back zone
                          there, the attacked side awaits its findings instead of
                          striking back, and its findings settle grievances there
                          (``mediator.*``, :mod:`sim.model.agents.mediator`)
========================  ==========================================================

Measures run by both states together stop while either government does not
cooperate: while its tension is above ``governments.cooperation_tension_limit``,
or after it suspended cooperation following an incident (more likely with high
tension and low trust, see ``Government``). This is what makes security
integration fragile without confidence building first.

Who pays (:mod:`sim.model.budget`; prices in :class:`~sim.config.costs.CostParams`).
A *joint* measure is one programme both governments pay for (each its share or
its contingent): its level holds (no further ramp-up) while either government's
budget is exhausted. A *national* measure is each state's own assets: each
state's part has its own level, held while that state's budget is exhausted,
whatever the other can pay. A held measure keeps what it runs (and its running
costs); it only stops growing, until spending over the trailing year falls back
below the allowance.

========================  ========  ================================================
measure                   payer     ledger items (who charges)
========================  ========  ================================================
military_dialogue         joint     ``meetings`` (:mod:`sim.model.agents.dialogue`)
ceasefire_verification    joint     ``monitors``: the states fund the mission, half
                                    each (:mod:`sim.model.agents.monitors`)
hotline                   joint     ``hotline``: the desk's officers
                                    (:mod:`sim.model.agents.hotline`)
joint_patrols             joint     ``joint_units``: each state its contingents'
                                    extra cost (:mod:`sim.model.agents.patrol`)
intel_sharing             joint     ``intel``: the hub (:mod:`sim.model.agents.intelligence`)
early_warning             joint     ``sensors``: one network, installed where both
                                    threat pictures point, alerting either side
                                    (:mod:`sim.model.agents.sensors`)
drones                    national  ``drones``: each state its own fleet
                                    (:mod:`sim.model.agents.drones`)
task_force_training       joint     ``trainers``: each state its instructor
                                    teams (:mod:`sim.model.agents.patrol`)
customs_inspections       national  ``inspectors``: each state its posts at the gates
                                    (:mod:`sim.model.agents.customs`)
humanitarian_corridors    joint     ``corridors``
economic_projects         joint     ``projects``
cultural_programs         joint     ``exchanges``
mediation                 joint     ``mediation``: the states fund the third party
                                    (:mod:`sim.model.agents.mediator`)
========================  ========  ================================================
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

NATIONAL_MEASURES = frozenset({Measure.DRONES, Measure.CUSTOMS_INSPECTIONS})
"""Measures each state pays for on its own: each state's part has its own level."""


def parse_start(start: str) -> tuple[int, int]:
    """``"phase2"`` -> (2, 0); ``"120"`` -> (0, 120): (start phase, start day)."""
    if start.startswith("phase"):
        return int(start[len("phase") :]), 0
    return 0, int(start)


class Measures:
    """Levels (0-1) of every measure, ramping up while active and winding down when not.

    Thirteen numbers that change a little each day: plain lists, indexed by
    :class:`Measure`, cost less than numpy calls on arrays of that size.

    Rule: an active measure ramps up by ``1 / ramp_days`` a day unless a
    government that pays for it cannot pay (a joint measure: either; a national
    one: each state's own part); an inactive one winds down. A national
    measure's ``level`` is the mean of the two states' parts (``own``), which
    its assets read through :meth:`effect_of`.
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
        self.own = {m: [0.0, 0.0] for m in NATIONAL_MEASURES}
        self._day_starts = self._starts_by_day()
        # What decides which measures are active: (phase, cooperating, day starts passed).
        self._active_for: tuple[int, bool, int] | None = None
        self._moving: list[int] = []  # measures whose level changes today: ramping or winding down
        self._retuned: list[int] = []  # measures a move retuned: their effect changes today

    def retune(self, m: int, params: MeasureParams) -> None:
        """A move changed measure ``m``'s intensity or start (``params``, its settings now):
        from today's update its effect is the new intensity times its level, and it is
        active by its new start (its level then ramps from where it is)."""
        self.intensity[m] = float(params.intensity)
        starts = list(zip(self.start_phase, self.start_day, strict=True))
        starts[m] = parse_start(params.start)
        self.start_phase, self.start_day = (list(x) for x in zip(*starts, strict=True))
        self._day_starts = self._starts_by_day()
        self._active_for = None
        self._retuned.append(m)

    def update(
        self, day: int, phase: int, cooperating: bool, broke: list[bool] | None = None
    ) -> tuple[int, ...]:
        """Advance every level by one day given the roadmap phase, cooperation and which
        governments cannot pay (``broke``, per side; see :attr:`Budget.broke
        <sim.model.budget.Budget.broke>`).

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
        if not self._moving and not self._retuned:
            return ()
        held = broke is not None and (broke[0] or broke[1])
        level, changed = self.level, []
        for m in self._moving:
            own = self.own.get(m)
            if own is not None:
                if not self._step_own(m, own, broke if held else None):
                    continue
            elif not self.active[m]:
                level[m] = max(level[m] - self.wind_down_step, 0.0)
            elif held:
                continue  # a payer cannot pay: no further ramp-up
            else:
                level[m] = min(level[m] + self.ramp_step[m], 1.0)
            self.effect[m] = self.intensity[m] * level[m]
            changed.append(m)
        for m in self._retuned:
            self.effect[m] = self.intensity[m] * level[m]
            if m not in changed:
                changed.append(m)
        self._retuned = []
        self._moving = [m for m in self._moving if self._moves(m)]
        return tuple(changed)

    def _starts_by_day(self) -> list[int]:
        """The distinct days on which an enabled measure starts by the calendar."""
        on = zip(self.start_day, self.start_phase, self.enabled, strict=True)
        return sorted({d for d, p, enabled in on if enabled and not p})

    def _step_own(self, m: int, own: list[float], broke: list[bool] | None) -> bool:
        """Advance each state's part of national measure ``m`` (held where ``broke``);
        True if its level changed."""
        before = self.level[m]
        for side in (0, 1):
            if not self.active[m]:
                own[side] = max(own[side] - self.wind_down_step, 0.0)
            elif broke is None or not broke[side]:
                own[side] = min(own[side] + self.ramp_step[m], 1.0)
        self.level[m] = 0.5 * (own[0] + own[1])
        return self.level[m] != before

    def effect_of(self, m: int, side: int) -> float:
        """Effect of measure ``m`` on ``side``'s assets: its own part if ``m`` is national."""
        own = self.own.get(m)
        return self.effect[m] if own is None else self.intensity[m] * own[side]

    def _moves(self, m: int) -> bool:
        """Whether measure ``m``'s level changes on its next update: it is below 1 and
        active (ramping up), or above 0 and inactive (winding down)."""
        return self.level[m] < 1.0 if self.active[m] else self.level[m] > 0.0
