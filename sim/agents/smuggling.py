"""Smuggling networks: they move arms across the line to the armed groups on the other side."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from sim.agents.armed_group import pick, reach_window, softmax
from sim.incidents import IncidentType
from sim.measures import Measure

if TYPE_CHECKING:
    from sim.model import RoadmapModel


class SmugglingNetwork(Agent):
    """An arms-smuggling network based on one side, supplying groups across the line.

    Rule: each day send a Poisson number of shipments (more while the groups it
    supplies are short of arms) along sectors chosen by a softmax over learned
    success; at a sector with a gate, a ``gate_use`` share hides in trade and
    faces customs inspection, the rest cross the green border and face patrols.
    Seized shipments are lost; delivered arms go to the groups across the line.

    Attributes:
        origin: side the network is based on; shipments go to side ``1 - origin``.
        reach: sectors it can use; value: learned chance of getting through.
    """

    def __init__(self, model: RoadmapModel, origin: int, centre: int) -> None:
        super().__init__(model)
        s = model.params.smuggling
        self.origin = origin
        self.dest = 1 - origin
        self.reach = reach_window(model.border.n, centre, s.reach_sectors)
        self.value = np.full(len(self.reach), s.initial_success)
        self.gate = model.border.gate[self.reach]
        self.stream = model.spawn_rng()
        self.actor = model.register_actor(f"network_{self.unique_id}")
        self.rate = 0.0
        self.clients: list = []  # the armed groups across the line, set by the model

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
        idx = pick(self.stream, softmax(self.value, s.choice_temperature), k)
        sectors = self.reach[idx]
        via_gate = self.gate[idx] & (self.stream.random(k) < s.gate_use)
        caught_green, effort = model.search.attempts(self.stream, self.dest, sectors)
        customs = -math.expm1(
            -model.params.patrol.customs_sweep * model.measures.effect[Measure.CUSTOMS_INSPECTIONS]
        )
        seized = np.where(via_gate, self.stream.random(k) < customs, caught_green)
        np.add.at(self.value, idx, s.learning_rate * (~seized - self.value[idx]))
        kinds = np.where(seized, IncidentType.SMUGGLING_SEIZED, IncidentType.SMUGGLING_DELIVERED)
        effort[via_gate] = np.nan
        model.log.add_batch(model.day, sectors, self.dest, kinds, self.actor, seized, effort)
        model.governments[self.dest].observe(sectors[seized])
        delivered = float(k - seized.sum()) * s.arms_per_shipment
        if delivered and need > 0:
            for g in self.clients:
                g.receive_arms(delivered * g.arms_need / need)
        model.record_arms_delivered(delivered)

    def planned(self) -> np.ndarray:
        """Expected shipments per day on each border sector."""
        plan = np.zeros(self.model.border.n)
        plan[self.reach] = self.rate * softmax(
            self.value, self.model.params.smuggling.choice_temperature
        )
        return plan
