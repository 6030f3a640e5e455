"""Humanitarian corridors and their safe zones (measure ``humanitarian_corridors``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.measures import Measure

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel


class Corridors:
    """Corridor sites on the line, each with a daily capacity and a safe zone.

    Sites open at the gates first, then at evenly spaced sectors, ``round(sites *
    level)`` of them. A group that has decided to cross uses the nearest open
    corridor within ``reach_sectors`` of where it lives while that corridor has
    capacity left today; otherwise it crosses irregularly. Each open corridor's
    safe zone (on both sides) shelters up to ``shelter * level`` thousand
    residents of the sectors within reach, in proportion to their population;
    ``sheltered`` is the share of each cell's residents who are there.
    """

    def __init__(self, model: RoadmapModel) -> None:
        self.model = model
        self.p = model.params.corridors
        n = model.border.n
        even = [min(n - 1, int((i + 0.5) * n / max(1, self.p.sites))) for i in range(self.p.sites)]
        gates = np.flatnonzero(model.border.gate).tolist()
        self.order = list(dict.fromkeys(gates + even))[: self.p.sites]
        self.open: list[int] = []
        self.nearest = [-1] * n  # per sector: the corridor its residents would use
        self.left: dict[int, int] = {}  # capacity left today per open corridor
        self._day = -1
        self.sheltered = np.zeros((2, n))
        self._population = model.space.layer("population")

    def refresh(self) -> None:
        """The programme ramped: open sites and fill safe zones to today's level."""
        n, reach = self.model.border.n, self.p.reach_sectors
        level = self.model.measures.effect[Measure.HUMANITARIAN_CORRIDORS]
        open_now = sorted(self.order[: round(len(self.order) * level)])
        if open_now != self.open:  # who uses which corridor changes only when sites open
            self.open = open_now
            self.nearest = [-1] * n
            for s in range(n):
                near = [c for c in self.open if abs(c - s) <= reach]
                if near:
                    self.nearest[s] = min(near, key=lambda c: (abs(c - s), c))
        self.sheltered[:] = 0.0
        for c in self.open:
            zone = slice(max(0, c - reach), c + reach + 1)
            residents = self._population[:, zone].sum(axis=1, keepdims=True)
            share = np.minimum(1.0, self.p.shelter * level / np.maximum(residents, 1e-9))
            self.sheltered[:, zone] = np.maximum(self.sheltered[:, zone], share)

    def route(self, day: int, sector: int) -> int:
        """The corridor a group crossing from ``sector`` takes today, or -1 (irregular)."""
        c = self.nearest[sector]
        if c < 0:
            return -1
        if day != self._day:
            self._day, self.left = day, dict.fromkeys(self.open, self.p.capacity_per_day)
        if self.left[c] <= 0:
            return -1
        self.left[c] -= 1
        return c
