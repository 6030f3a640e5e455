"""What happens between the two states' forces at the line.

``StateForces`` holds the daily interactions of the two states' forces: chance
encounters that escalate into clashes, and ceasefire violations.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.detection import detection_probability
from sim.incidents import IncidentType
from sim.measures import Measure

if TYPE_CHECKING:
    from sim.agents.government import Government
    from sim.model import RoadmapModel


class StateForces:
    """Daily interactions of the two states' forces along the line.

    Encounters: national patrols facing each other in a sector meet with chance
    ``1 - exp(-friction_rate * effort_A * effort_B)``; an encounter becomes a
    clash with a logistic chance in mean tension, cut by the hotline and by
    military dialogue (agreed rules of engagement). Joint units cause no friction.

    Ceasefire violations: each state's forces fire across the line at a rate
    rising with its tension and deterred by verification; a verified violation is
    attributed correctly and shakes the other side less than an unverified one.
    """

    def __init__(self, model: RoadmapModel) -> None:
        self.model = model
        self.stream = model.spawn_rng()
        self.national = model.space.layer("patrol_effort")
        self.meet = np.zeros(model.border.n)

    def on_redeploy(self) -> None:
        """Encounter chances per sector depend on patrols only: recompute when they move."""
        friction = self.model.params.governments.friction_rate
        self.meet = detection_probability(self.national[0] * self.national[1], friction)

    def step(self, day: int) -> None:
        """Run today's encounters and violations."""
        self._encounters()
        for gov in self.model.governments:
            self._violations(day, gov)

    def _encounters(self) -> None:
        model = self.model
        g, e = model.params.governments, model.measures.effect
        encounters = (self.stream.random(len(self.meet)) < self.meet).nonzero()[0]
        if len(encounters) == 0:
            return
        tension = 0.5 * (model.governments[0].tension + model.governments[1].tension)
        escalate = (
            1.0
            / (1.0 + math.exp(-g.clash_steepness * (tension - g.clash_midpoint)))
            * (1.0 - g.hotline_deconfliction * e[Measure.HOTLINE])
            * (1.0 - g.dialogue_deconfliction * e[Measure.MILITARY_DIALOGUE])
        )
        for sector in encounters[self.stream.random(len(encounters)) < escalate]:
            first = int(self.stream.integers(2))
            self.clash(int(sector), 1 - first, actor_side=first, rng=self.stream)

    def clash(self, sector: int, side: int, actor_side: int, rng: np.random.Generator) -> None:
        """Forces of ``actor_side`` fire on the other state at ``sector``, on ``side``."""
        model = self.model
        g = model.params.governments
        casualties = model.draw_casualties(rng, g.casualty_scale)
        model.log.add(
            model.day,
            sector,
            side,
            IncidentType.CLASH,
            model.state_actor(actor_side),
            True,
            casualties,
        )
        for gov in model.governments:
            gov.shock(tension=g.clash_shock, trust=g.trust_loss_clash)
            gov.reconsider_cooperation()
        model.report_casualties(side, sector, casualties)

    def _violations(self, day: int, gov: Government) -> None:
        model = self.model
        g, e = model.params.governments, model.measures.effect
        verify = e[Measure.CEASEFIRE_VERIFICATION]
        rate = g.violation_rate * gov.tension**2 * (1.0 - g.verification_deterrence * verify)
        k = self.stream.poisson(rate)
        if k == 0:
            return
        effort = self.national[gov.side]
        total = effort.sum()
        n = model.border.n
        sectors = self.stream.choice(n, size=k, p=effort / total if total > 0 else None)
        verified = self.stream.random(k) < verify
        victim, actor = gov.other, model.state_actor(gov.side)
        for sector, seen in zip(sectors.tolist(), verified.tolist(), strict=True):
            model.log.add(day, sector, victim.side, IncidentType.CEASEFIRE_VIOLATION, actor, seen)
        weight = np.where(verified, 0.3, 1.0).sum()
        victim.shock(tension=g.violation_shock * weight, trust=g.trust_loss_violation * weight)
