"""The optional third-party mediator (measure ``mediation``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mesa import Agent

from sim.measures import Measure

if TYPE_CHECKING:
    from sim.model import RoadmapModel


class Mediator(Agent):
    """A third party that steps in after severe incidents.

    Rule: after a severe incident, intervene with probability equal to the
    mediation effect; an intervention cuts both governments' tension by
    ``tension_damping``, averts a relapse of the roadmap, and restrains
    retaliation for ``window_days``.

    Attributes:
        restrain_until: last day (exclusive) of the current restraint window.
        interventions: how many times it has intervened.
    """

    def __init__(self, model: RoadmapModel) -> None:
        super().__init__(model)
        self.stream = model.spawn_rng()
        self.restrain_until = -1
        self.interventions = 0

    def intervene(self, day: int) -> bool:
        """Maybe intervene after a severe incident; True if it did."""
        model, m = self.model, self.model.params.mediator
        if self.stream.random() >= model.measures.effect[Measure.MEDIATION]:
            return False
        for gov in model.governments:
            gov.tension *= 1.0 - m.tension_damping
        self.restrain_until = day + m.window_days
        self.interventions += 1
        return True

    def restraint(self, day: int) -> float:
        """Share of retaliation held back today."""
        return self.model.params.mediator.tension_damping if day < self.restrain_until else 0.0
