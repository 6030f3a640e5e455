"""Ceasefire monitors (measure ``ceasefire_verification``): teams in sectors that see violations."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from sim.model.compiled import kernel
from sim.model.measures import Measure

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel


class MonitorMission(Agent):
    """The verification mission: it decides where its teams sit.

    Rule: every ``monitors.redeploy_days``, field ``round(teams * level)`` teams,
    one per sector, in the sectors with the most reported violations (a decayed
    count; ties, and the start, go to the lower sectors of an even spread). A team
    watches both sides of its sector: what happens there is seen with chance
    ``observe``, and what is seen is attributed to whoever did it. The two states
    fund the mission together (half each): each team fielded, every day until the
    next redeployment.

    Attributes:
        present: per sector, whether a team is there (bool array).
        reports: decayed count of violations reported per sector.
    """

    def __init__(self, model: RoadmapModel) -> None:
        super().__init__(model)
        m = model.params.monitors
        self.p = m
        n = model.border.n
        self.present = np.zeros(n, dtype=bool)
        self.reports = np.zeros(n)
        self._spread = (np.arange(n) * 0.61803398875) % 1.0 * 1e-6  # a fixed tie-break
        self._decay = math.exp(-m.redeploy_days / m.memory_days)

    def redeploy(self) -> None:
        """Put today's number of teams where violations were reported."""
        model = self.model
        teams = round(self.p.teams * model.measures.effect[Measure.CEASEFIRE_VERIFICATION])
        teams = _sit(self.reports, self._spread, self._decay, teams, self.present)
        if teams:
            price = teams * model.params.costs.monitor_team_per_day
            model.budget.book(None, "monitors", self.p.redeploy_days, price)

    def report(self, sector: int) -> None:
        """A violation was reported in ``sector`` (by the victim or by a team)."""
        self.reports[sector] += 1.0

    def chance_seen(self, sector: int) -> float:
        """Chance that an act in ``sector`` is seen by a team."""
        return self.p.observe if self.present[sector] else 0.0

    def sees(self, sector: int, u: float) -> bool:
        """Whether a team saw an act in ``sector``, from a uniform draw ``u``."""
        return u < self.chance_seen(sector)


@kernel
def _sit(
    reports: np.ndarray, spread: np.ndarray, decay: float, teams: int, present: np.ndarray
) -> int:
    """``MonitorMission.redeploy``: one team in each of the ``teams`` sectors (at most all)
    with the most reports (ties to the lower sector of the even spread, then the lower
    index); then the reports decay. Returns how many teams sit."""
    n = reports.size
    teams = min(teams, n)
    present[:] = False
    for _ in range(teams):
        best, where = -np.inf, -1
        for sector in range(n):
            value = reports[sector] + spread[sector]
            if not present[sector] and (where < 0 or value > best):
                best, where = value, sector
        present[where] = True
    for sector in range(n):
        reports[sector] *= decay
    return teams
