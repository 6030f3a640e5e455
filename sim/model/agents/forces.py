"""What happens between the two states' forces at the line.

``StateForces`` holds the daily interactions of the two states' forces: chance
encounters that escalate into clashes, and ceasefire violations decided by
local commanders.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.model.agents.hotline import Hotline
from sim.model.detection import detection_probability
from sim.model.incidents import IncidentType

if TYPE_CHECKING:
    from sim.model.agents.government import Government
    from sim.model.model import RoadmapModel


class StateForces:
    """Daily interactions of the two states' forces along the line.

    Encounters: national units of both sides out in a sector in the same time
    slot (see :class:`sim.model.agents.hotline.Hotline`) meet with chance ``1 -
    exp(-friction_rate * overlap)``. An encounter would become a clash with a
    logistic chance in mean tension; a hotline call that gets through in time
    defuses it. Joint units cause no friction.

    Ceasefire violations: each state's local commanders feel the urge to fire
    across the line at a rate ``violation_rate * tension**2``, in sectors in
    proportion to their units there; a commander holds fire with chance
    ``monitors.caution`` times the chance that a monitor there sees it. A seen
    (verified) violation is attributed to the commander who fired and shakes
    the other side by ``monitors.verified_weight`` of an unverified one.
    """

    def __init__(self, model: RoadmapModel) -> None:
        self.model = model
        self.stream = model.spawn_rng()
        self.national = model.space.layer("patrol_effort")
        self.hotline = Hotline(model)
        self.meet = np.zeros(model.border.n)

    def units(self) -> np.ndarray:
        """National units of each side per sector, ``(2, n)`` whole counts."""
        per_unit = self.model.params.patrol.unit_effort
        if per_unit <= 0:
            return np.zeros(self.national.shape, dtype=np.int64)
        return np.rint(self.national / per_unit).astype(np.int64)

    def on_redeploy(self) -> None:
        """Units moved and picked their slots: recompute today's encounter chances."""
        friction = self.model.params.governments.friction_rate
        self.meet = detection_probability(self.hotline.overlap(self.units()), friction)

    def step(self, day: int) -> None:
        """Run today's encounters and violations."""
        self._encounters()
        for gov in self.model.governments:
            self._violations(day, gov)

    def _encounters(self) -> None:
        model = self.model
        g = model.params.governments
        encounters = (self.stream.random(len(self.meet)) < self.meet).nonzero()[0]
        if len(encounters) == 0:
            return
        tension = 0.5 * (model.governments[0].tension + model.governments[1].tension)
        escalate = 1.0 / (1.0 + math.exp(-g.clash_steepness * (tension - g.clash_midpoint)))
        for sector in encounters[self.stream.random(len(encounters)) < escalate]:
            if self.hotline.call():
                continue
            first = int(self.stream.integers(2))
            self.clash(int(sector), 1 - first, actor_side=first, rng=self.stream)

    def clash(self, sector: int, side: int, actor_side: int, rng: np.random.Generator) -> None:
        """Forces of ``actor_side`` fire on the other state at ``sector``, on ``side``."""
        model = self.model
        g = model.params.governments
        casualties = model.communities.victims(rng, side, sector, g.casualty_scale)
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
        g = model.params.governments
        k = self.stream.poisson(g.violation_rate * gov.tension**2)
        if k == 0:
            return
        effort = self.national[gov.side]
        total = effort.sum()
        n = model.border.n
        sectors = self.stream.choice(n, size=k, p=effort / total if total > 0 else None)
        hold_u, seen_u = self.stream.random((2, k)).tolist()
        monitors, caution = model.monitors, model.params.monitors.caution
        victim, actor = gov.other, model.state_actor(gov.side)
        weight = 0.0
        for sector, hold, look in zip(sectors.tolist(), hold_u, seen_u, strict=True):
            if hold < caution * monitors.chance_seen(sector):
                continue  # the local commander thinks twice
            seen = monitors.sees(sector, look)
            model.log.add(day, sector, victim.side, IncidentType.CEASEFIRE_VIOLATION, actor, seen)
            monitors.report(sector)
            weight += model.params.monitors.verified_weight if seen else 1.0
        if weight:
            victim.shock(tension=g.violation_shock * weight, trust=g.trust_loss_violation * weight)
