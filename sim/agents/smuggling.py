"""Smuggling networks: they move arms across the line to the armed groups on the other side."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.agents.crosser import BorderCrosser
from sim.incidents import IncidentType
from sim.measures import Measure

if TYPE_CHECKING:
    from sim.model import RoadmapModel


class SmugglingNetwork(BorderCrosser):
    """An arms-smuggling network based on one side, supplying groups across the line.

    Rule: each day send a Poisson number of shipments (more while the groups it
    supplies are short of arms) along sectors chosen as a ``BorderCrosser``; at
    a sector with a gate, a ``gate_use`` share hides in trade and faces customs
    inspection, the rest cross the green border and face patrols. Seized
    shipments are lost; delivered arms go to the groups across the line.

    Attributes (besides ``BorderCrosser``'s; ``rate`` is expected shipments a day):
        gate: which sectors of its reach hold an official crossing gate.
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
            "network",
        )
        self.gate = model.border.gate[self.reach]
        self.clients: list = []  # set by the model once the groups exist

    def step(self) -> None:
        """Decide how many shipments to send today, and send them."""
        s = self.model.params.smuggling
        need = sum(g.arms_need for g in self.clients)
        full = s.arms_target * len(self.clients)
        self.rate = s.shipments_per_day * min(1.0, need / full) if full > 0 else 0.0
        k = self.stream.poisson(self.rate)
        if k:
            self._ship(k, need)

    def _ship(self, k: int, need: float) -> None:
        model, s = self.model, self.model.params.smuggling
        idx = self.choose(k)
        sectors = self.reach[idx]
        via_gate = self.gate[idx] & (self.stream.random(k) < s.gate_use)
        caught_green, effort = model.search.attempts(self.stream, self.target, sectors)
        customs = -math.expm1(
            -model.params.patrol.customs_sweep * model.measures.effect[Measure.CUSTOMS_INSPECTIONS]
        )
        seized = np.where(via_gate, self.stream.random(k) < customs, caught_green)
        self.learn(idx, ~seized)
        kinds = np.where(seized, IncidentType.SMUGGLING_SEIZED, IncidentType.SMUGGLING_DELIVERED)
        effort[via_gate] = np.nan
        model.log.add_batch(model.day, sectors, self.target, kinds, self.actor, seized, effort)
        model.governments[self.target].observe(sectors[seized])
        delivered = float(k - seized.sum()) * s.arms_per_shipment
        if delivered and need > 0:
            for g in self.clients:
                g.receive_arms(delivered * g.arms_need / need)
        model.record_arms_delivered(delivered)
