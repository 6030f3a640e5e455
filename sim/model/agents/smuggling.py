"""Smuggling networks: they move arms across the line to the armed groups on the other side."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.model.agents.crosser import BorderCrosser
from sim.model.compiled import generator, kernel
from sim.model.incidents import IncidentType

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel


class SmugglingNetwork(BorderCrosser):
    """An arms-smuggling network based on one side, supplying groups across the line.

    Rule: each day send a Poisson number of shipments (more while the groups it
    supplies are short of arms) along sectors chosen as a ``BorderCrosser``; at
    a sector with a gate, a shipment hides in trade through the gate (and faces
    the target side's customs post there) or crosses the green border (and
    faces patrols), chosen by a logistic rule on what it learned of each route
    there. Seized shipments are lost; delivered arms go to the groups across the
    line.

    Attributes (besides ``BorderCrosser``'s; ``rate`` is expected shipments a day):
        gate: which sectors of its reach hold an official crossing gate.
        route: per gate sector of its reach, learned success through the gate and
            across the green border there.
        clients: the armed groups across the line that it supplies.
    """

    def __init__(self, model: RoadmapModel, origin: int, centre: int) -> None:
        s = model.params.smuggling
        super().__init__(
            model,
            origin,
            centre,
            s.reach_sectors,
            s.initial_success,
            s.choice_temperature,
            s.learning_rate,
            "smuggling_network",
        )
        self.p = s
        self.gate: list[bool] = model.border.gate[self.reach].tolist()
        self.route = {i: [s.initial_success] * 2 for i, g in enumerate(self.gate) if g}
        self.clients: list = []  # set by the model once the groups exist

    def step(self) -> None:
        """Decide how many shipments to send today, and send them."""
        s = self.p
        needs = [g.arms_need for g in self.clients]
        need = sum(needs)
        full = s.arms_target * len(self.clients)
        self.rate = s.shipments_per_day * min(1.0, need / full) if full > 0 else 0.0
        k = _shipments(self._port.handle, self.rate)
        if k:
            self._ship(k, needs)

    def _ship(self, k: int, needs: list[float]) -> None:
        """Send ``k`` shipments; learn from them; share what got through by the clients' needs."""
        model, s = self.model, self.p
        day, target, search, customs = model.day, self.target, model.search, model.customs
        # Per shipment: sector, route, alert, patrol detection, customs.
        u = self.stream.random(5 * k).tolist()
        outcomes = []
        for j in range(k):
            i = self.choose(u[j])
            sector = self.sectors[i]
            route = self.route.get(i)
            via_gate = (
                route is not None
                and u[k + j] * (1.0 + math.exp((route[1] - route[0]) / self.temperature)) < 1.0
            )
            if via_gate:  # hidden in trade at the gate
                seized, effort = customs.seizes(target, sector, u[4 * k + j]), np.nan
            else:
                seized, effort = search.attempt(target, sector, u[2 * k + j], u[3 * k + j])
            if route is not None:
                r = 0 if via_gate else 1
                route[r] += self.learning_rate * (float(not seized) - route[r])
            kind = IncidentType.SMUGGLING_SEIZED if seized else IncidentType.SMUGGLING_DELIVERED
            model.log.add(
                day, sector, target, kind, self.actor, seized, 0, effort, via_gate=via_gate
            )
            if seized:
                model.governments[target].observe(sector)
            outcomes.append((i, not seized))
        self.learn(outcomes)
        delivered = sum(ok for _, ok in outcomes) * s.arms_per_shipment
        need = sum(needs)
        if delivered and need > 0:
            for g, n in zip(self.clients, needs, strict=True):
                g.receive_arms(delivered * n / need)
        model.record_arms_delivered(delivered)


@kernel
def _shipments(stream_handle: np.ndarray, rate: float) -> int:
    """How many shipments it sends today: Poisson, of mean ``rate``."""
    return generator(stream_handle).poisson(rate)
