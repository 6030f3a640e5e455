"""The third-party mediator (measure ``mediation``): a few teams that take up incidents."""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from mesa import Agent

from sim.model.measures import Measure

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel


class Mediator(Agent):
    """A third party with limited capacity that decides which incidents to take up.

    Rule: it has ``round(capacity * level)`` teams and considers every incident
    with at least ``min_casualties`` victims; one is taken up if a team is free,
    except that the last free team is kept for severe incidents or those that
    put the roadmap at risk (phase 2 or later while mean trust is below
    ``phases.relapse_trust``). A case lowers both governments' tension by the
    share ``tension_relief``, averts the relapse, and holds back the share
    ``restraint`` of retaliation while it is open (``case_days``). Incidents it
    could not or would not take up are counted as declined.

    Attributes:
        open_until: end days of the open cases, sorted.
        interventions: cases taken up; declined: incidents considered and not taken up.
    """

    def __init__(self, model: RoadmapModel) -> None:
        super().__init__(model)
        self.open_until: list[int] = []
        self.interventions = 0
        self.declined = 0

    def teams(self) -> int:
        """Teams fielded today."""
        m = self.model.params.mediator
        return round(m.capacity * self.model.measures.effect[Measure.MEDIATION])

    def intervene(self, day: int, casualties: int) -> bool:
        """Decide whether to take up today's incident; True if it did."""
        model, m = self.model, self.model.params.mediator
        del self.open_until[: bisect.bisect_right(self.open_until, day)]  # closed cases
        teams = self.teams()
        free = teams - len(self.open_until)
        severe = casualties >= model.params.incidents.severe_casualties
        at_risk = model.phases.phase >= 2 and model.mean_trust() < model.params.phases.relapse_trust
        if free <= 0 or (free == 1 and teams > 1 and not (severe or at_risk)):
            self.declined += 1
            return False
        for gov in model.governments:
            gov.tension *= 1.0 - m.tension_relief
        bisect.insort(self.open_until, day + m.case_days)
        self.interventions += 1
        return True

    def restraint(self, day: int) -> float:
        """Share of retaliation held back today (while any case is open)."""
        open_case = bool(self.open_until) and day < self.open_until[-1]
        return self.model.params.mediator.restraint if open_case else 0.0
