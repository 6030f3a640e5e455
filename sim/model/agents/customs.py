"""Customs at the official gates: trade traffic, inspectors' capacity, and trade delay."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.model.measures import Measure

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel


class Customs:
    """Inspectors at every gate (measure ``customs_inspections``).

    Rule: each gate carries ``traffic_per_day`` vehicles of legitimate trade;
    inspectors, recruited and trained over the ramp, search up to
    ``capacity_per_day * level`` of them, so a vehicle is inspected with chance
    ``min(1, capacity / traffic)``; a shipment hidden in an inspected vehicle is
    found with ``find_chance``. Every inspection holds a vehicle
    ``hours_per_inspection``: the trade delay a user sees in the daily series.
    Smugglers learn which route gets through (``SmugglingNetwork``), so
    inspections push them off the gates onto the green border.
    """

    def __init__(self, model: RoadmapModel) -> None:
        self.model = model
        self.p = model.params.customs

    def inspected_share(self) -> float:
        """Share of today's gate traffic the inspectors can search."""
        p = self.p
        level = self.model.measures.effect[Measure.CUSTOMS_INSPECTIONS]
        return min(1.0, p.capacity_per_day * level / p.traffic_per_day)

    def trade_delay_hours(self) -> float:
        """Mean hours a vehicle is held at a gate today."""
        return self.inspected_share() * self.p.hours_per_inspection

    def seizes(self, u: float) -> bool:
        """Whether a shipment hidden in gate traffic is found (``u``: one uniform draw)."""
        return u < self.inspected_share() * self.p.find_chance
