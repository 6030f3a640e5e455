"""Early warning: sensors and observer posts along the line, and the alerts they raise."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.measures import Measure

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel


class SensorNetwork:
    """Sensors installed sector by sector (measure ``early_warning``, run by both states).

    Rule: at each redeployment the number of covered sectors follows the
    measure's level up to ``sensors.sectors``; new sensors go where the two
    threat pictures together point, and when the level falls the last installed
    go dark first. A crossing in a covered sector raises an alert with
    ``alert_chance``: the target state sees it (its threat picture) and the
    nearest free patrol unit within ``patrol.response_reach`` goes there for the
    day. No free unit in reach, no gain: what early warning buys depends on
    where sensors and patrols are.

    Attributes:
        covered: per sector, whether a sensor watches it (a list: read per attempt).
        installed: covered sectors in the order they were installed.
        alerts: alerts raised so far.
    """

    def __init__(self, model: RoadmapModel) -> None:
        self.model = model
        self.p = model.params.sensors
        self.covered = [False] * model.border.n
        self.installed: list[int] = []
        self.alerts = 0

    def install(self) -> None:
        """Install or switch off sensors to match the measure's level."""
        model = self.model
        n = model.border.n
        wanted = min(n, round(self.p.sectors * model.measures.effect[Measure.EARLY_WARNING]))
        if wanted < len(self.installed):
            for sector in self.installed[wanted:]:
                self.covered[sector] = False
            del self.installed[wanted:]
        elif wanted > len(self.installed):
            threat = model.governments[0].picture + model.governments[1].picture
            threat[self.installed] = -np.inf
            order = np.argsort(-threat, kind="stable")
            for sector in order[: wanted - len(self.installed)].tolist():
                self.covered[sector] = True
                self.installed.append(sector)

    def warn(self, side: int, sector: int, u: float) -> None:
        """A crossing into ``side`` passes covered ``sector``: an alert with ``alert_chance``."""
        if u >= self.p.alert_chance:
            return
        self.alerts += 1
        model = self.model
        model.governments[side].observe(sector)
        model.search.dispatch(side, sector, model.params.patrol.response_reach, 1)
