"""Smuggling networks: they move arms across the line to the armed groups on the other side."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from sim.agents.armed_group import reach_window, softmax
from sim.detection import detection_probability
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
        """Send today's shipments."""
        model, s = self.model, self.model.params.smuggling
        clients = self.clients
        need = sum(g.arms_need for g in clients)
        demand = min(1.0, need / (s.arms_target * max(1, len(clients)))) if clients else 0.0
        self.rate = s.shipments_per_day * demand
        k = self.stream.poisson(self.rate)
        if k == 0:
            return
        idx = self.stream.choice(
            len(self.reach), size=k, p=softmax(self.value, s.choice_temperature)
        )
        sectors = self.reach[idx]
        via_gate = self.gate[idx] & (self.stream.random(k) < s.gate_use)
        caught_green, effort = model.search.attempts(self.stream, self.dest, sectors)
        customs = detection_probability(
            model.measures.effect[Measure.CUSTOMS_INSPECTIONS], model.params.patrol.customs_sweep
        )
        caught_gate = self.stream.random(k) < customs
        seized = np.where(via_gate, caught_gate, caught_green)
        np.add.at(self.value, idx, s.learning_rate * (~seized - self.value[idx]))
        kinds = np.where(seized, IncidentType.SMUGGLING_SEIZED, IncidentType.SMUGGLING_DELIVERED)
        model.log.add_batch(
            model.day,
            sectors,
            self.dest,
            kinds,
            self.actor,
            seized,
            np.where(via_gate, np.nan, effort),
        )
        model.governments[self.dest].observe(sectors[seized])
        delivered = float((~seized).sum()) * s.arms_per_shipment
        if delivered and need > 0:
            for g in clients:
                g.receive_arms(delivered * g.arms_need / need)
        model.record_arms_delivered(delivered)

    def planned(self) -> np.ndarray:
        """Expected shipments per day on each border sector."""
        plan = np.zeros(self.model.border.n)
        plan[self.reach] = self.rate * softmax(
            self.value, self.model.params.smuggling.choice_temperature
        )
        return plan
