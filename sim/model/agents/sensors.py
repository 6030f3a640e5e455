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

    Cost: the two states pay the network together (half each): each sector's
    hardware once, the first time it is covered (hardware switched off stays
    and is switched on again for free), and each covered sector's running cost
    and crew for every day of the plan.

    Attributes:
        covered: per sector, whether a sensor watches it (an array kept in place: what a
            crossing's kernel reads).
        installed: covered sectors in the order they were installed.
        alerts: alerts raised so far.
    """

    def __init__(self, model: RoadmapModel) -> None:
        self.model = model
        self.p = model.params.sensors
        self.covered = np.zeros(model.border.n, dtype=np.bool_)
        self.installed: list[int] = []
        self.built = [False] * model.border.n
        self.alerts = 0

    def install(self) -> None:
        """Install or switch off sensors to match the measure's level, for the plan
        until the next redeployment (whose days it pays)."""
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
            new = order[: wanted - len(self.installed)].tolist()
            for sector in new:
                self.covered[sector] = True
                self.installed.append(sector)
            self._build(new)
        if self.installed:
            costs, k = model.params.costs, len(self.installed)
            model.budget.book(
                None,
                "sensors",
                model.params.patrol.redeploy_days,
                k * costs.sensor_sector_per_day,
                k * costs.sensor_sector_personnel,
            )

    def _build(self, sectors: list[int]) -> None:
        """Pay for the hardware of the sectors never covered before."""
        fresh = [s for s in sectors if not self.built[s]]
        for sector in fresh:
            self.built[sector] = True
        if fresh:
            price = self.model.params.costs.sensor_sector_install
            self.model.budget.charge(None, "sensors", len(fresh) * price)

    def warn(self, side: int, sector: int) -> None:
        """A crossing into ``side`` passing covered ``sector`` raised an alert (a draw under
        ``alert_chance``: ``sim.model.crossing.cross``)."""
        self.alerts += 1
        model = self.model
        model.governments[side].observe(sector)
        model.search.dispatch(side, sector, model.params.patrol.response_reach, 1)
