"""The third-party mediator (measure ``mediation``): a few teams that take up incidents."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mesa import Agent

from sim.model.measures import Measure

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel


class Mediator(Agent):
    """A third party with limited teams that decides which incidents to take up.

    Rule: it fields ``round(capacity * effect)`` teams and considers every
    incident with at least ``min_casualties`` victims; one is taken up if a team
    is free, except that the last free team is kept for severe incidents or
    those that put the roadmap at risk (phase 2 or later while mean trust is
    below ``phases.relapse_trust``). A case at once brokers a hold-back
    arrangement in the incident's sector (through the commands' dialogue, which
    binds their forces there), and while it is open the government attacked
    there awaits its findings instead of striking back
    (:meth:`handling`). At its close the team's investigation settles each open
    grievance in the sector with chance ``settle``. It does not stop relapses:
    those are the phase machine's, and follow trust. Incidents it could not or
    would not take up are counted as declined.

    Attributes:
        cases: open cases as ``(closing day, sector)``.
        interventions: cases taken up; declined: incidents considered and not taken up.
    """

    def __init__(self, model: RoadmapModel) -> None:
        super().__init__(model)
        self.cases: list[tuple[int, int]] = []
        self.interventions = 0
        self.declined = 0
        self._effect, self._teams = 0.0, 0  # the last effect seen, and the teams it fields

    def teams(self) -> int:
        """Teams fielded today (counted again only when the measure's effect changed)."""
        effect = self.model.measures.effect[Measure.MEDIATION]
        if effect != self._effect:
            self._effect = effect
            self._teams = round(self.model.params.mediator.capacity * effect)
        return self._teams

    def step(self, day: int) -> None:
        """Close the cases due today (their findings), and pay for the teams fielded."""
        teams = self.teams()
        if teams:
            self.model.budget.charge(
                None, "mediation", teams * self.model.params.costs.mediator_team_per_day
            )
        if not self.cases:
            return
        due = [c for c in self.cases if c[0] <= day]
        if due:
            self.cases = [c for c in self.cases if c[0] > day]
            settle = self.model.params.mediator.settle
            for _, sector in due:
                self.model.dialogue.settle(day, sector, settle)

    def consider(self, day: int, sector: int, casualties: int) -> bool:
        """Decide whether to take up an incident with ``casualties`` victims at ``sector``."""
        model, m = self.model, self.model.params.mediator
        if casualties < m.min_casualties:
            return False
        teams = self.teams()
        free = teams - len(self.cases)
        severe = casualties >= model.params.incidents.severe_casualties
        at_risk = model.phases.phase >= 2 and model.mean_trust() < model.params.phases.relapse_trust
        if free <= 0 or (free == 1 and teams > 1 and not (severe or at_risk)):
            self.declined += 1
            return False
        self.cases.append((day + m.case_days, sector))
        model.dialogue.arrange(day, sector)
        self.interventions += 1
        return True

    def handling(self, sector: int, day: int) -> bool:
        """Whether a case is open at ``sector`` on ``day``."""
        return any(s == sector and close > day for close, s in self.cases)
