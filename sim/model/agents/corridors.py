"""Humanitarian corridors and their safe zones (measure ``humanitarian_corridors``)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.model.compiled import OwnViews, allocating_kernel
from sim.model.measures import Measure

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel


class Corridors(OwnViews):
    """Corridor sites on the line, each with a daily capacity and a safe zone on each side.

    Sites open at the gates first, then at evenly spaced sectors, ``round(sites *
    level)`` of them. A group that has decided to cross uses the nearest open
    corridor within ``reach_sectors`` of where it lives while that corridor has
    capacity left today; otherwise it crosses irregularly.

    Safe zones are camps at the open sites, one on each side, holding up to
    ``shelter * level`` thousand people. Rule (the residents of each cell within
    reach of a zone, its nearest): the share of them who want shelter is
    ``base_share + flight_share * fear`` (at most 1), ``fear`` being the violent
    incidents in their cell, decayed over ``fear_days``; the number in the camp
    moves toward that wish over ``move_days`` while the camp has room (the
    camp's room is shared among its cells in proportion to what they ask) and
    back over ``return_days`` when fewer want it (calm). A camp that shrinks
    below its occupants (the programme winding down) sends the surplus home.
    Those in a camp are not at home: a strike in their home sector finds fewer
    people, one on the camp many (:meth:`Communities.victims
    <sim.model.communities.Communities.victims>`).

    Attributes:
        open: sectors of the open corridors.
        nearest: per sector, the corridor its residents use (-1: none in reach).
        away: ``(2, n)`` thousands of each cell's residents now in a camp.
        sheltered: ``(2, n)`` the share of each cell's residents now in a camp.
        occupants: ``(2, n)`` thousands in the camp at each cell (only at open sites).
        capacity: thousands a camp holds at today's level.
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
        # Per cell, one block (each attribute a view of its layer): thousands of its
        # residents now in a camp, their share, thousands in the camp at the cell, and
        # the decayed count of violent incidents there (fear).
        self.zones = np.zeros((4, 2, n))
        self._fear_day = 0
        self._fear_decay = math.exp(-1.0 / self.p.fear_days)
        # The rule's rates: flight_share, base_share, the daily shares moving in and out,
        # and the capacity of a camp today.
        self._rates = np.array(
            [
                self.p.flight_share,
                self.p.base_share,
                -math.expm1(-1.0 / self.p.move_days),
                -math.expm1(-1.0 / self.p.return_days),
                0.0,
            ]
        )
        self._home = model.space.layer("population").ravel()  # a copy: residents do not change
        # The cells within reach of a camp (flat indices) and the camp cell each uses (rows
        # of one block), and their residents (thousands).
        self._links = np.zeros((2, 0), dtype=np.int64)
        self._home_cells = np.zeros(0)
        self._view()

    def _view(self) -> None:
        self.away, self.sheltered, self.occupants, self.fear = self.zones
        self._flat = self.zones.reshape(4, -1)  # by (side * n + sector)
        self._away = self._flat[0]
        self._cells, self._camps = self._links

    @property
    def capacity(self) -> float:
        """Thousands a camp holds at today's level."""
        return float(self._rates[4])

    def refresh(self) -> None:
        """The programme ramped: open sites and size the camps to today's level."""
        n, reach = self.model.border.n, self.p.reach_sectors
        level = self.model.measures.effect[Measure.HUMANITARIAN_CORRIDORS]
        self._rates[4] = self.p.shelter * level
        open_now = sorted(self.order[: round(len(self.order) * level)])
        recount = open_now != self.open
        if recount:  # who uses which corridor changes only when sites open
            model = self.model  # each open corridor's running cost, from today on
            more = len(open_now) - len(self.open)
            model.budget.book(
                None, "corridors", model.days, model.params.costs.corridor_per_day * more
            )
            self.open = open_now
            self.nearest = [-1] * n
            for s in range(n):
                near = [c for c in self.open if abs(c - s) <= reach]
                if near:
                    self.nearest[s] = min(near, key=lambda c: (abs(c - s), c))
            into = np.array(self.nearest)
            into = np.concatenate([into, np.where(into >= 0, into + n, -1)])
            self._away[into < 0] = 0.0  # a closed camp's people go home
            self.sheltered.ravel()[into < 0] = 0.0
            cells = np.flatnonzero(into >= 0)
            self._links = np.stack([cells, into[cells]])
            self._cells, self._camps = self._links
            self._home_cells = np.maximum(self._home[self._cells], 1e-12)
        # A camp smaller than its occupants (the programme winding down) sends the surplus home.
        held = np.bincount(self._camps, self._away[self._cells], 2 * n)
        if (held > self.capacity).any():
            keep = np.minimum(1.0, self.capacity / np.maximum(held, 1e-12))
            self._away[self._cells] *= keep[self._camps]
            recount = True
        if recount:  # (else nobody moved since the last count: the same numbers)
            self._count(self._away[self._cells])

    def on_violence(self, side: int, sector: int) -> None:
        """A violent incident in a cell: its residents' fear rises."""
        self._decay_fear(self.model.day)
        self.fear[side, sector] += 1.0

    def _decay_fear(self, day: int) -> None:
        if day != self._fear_day:
            self.fear *= self._fear_decay ** (day - self._fear_day)
            self._fear_day = day

    def step(self, day: int) -> None:
        """Residents move into the camps or go home (the rule is in the class docstring)."""
        if not self.open:
            return
        decay = 1.0
        if day != self._fear_day:
            decay = self._fear_decay ** (day - self._fear_day)
            self._fear_day = day
        _move(self._flat, self._links, self._home_cells, self._rates, decay)

    def _count(self, away: np.ndarray) -> None:
        """Each camp's occupants, and the share of each cell's residents away in one
        (``away``: those of the cells within reach)."""
        self.occupants.ravel()[:] = np.bincount(self._camps, away, len(self._away))
        self.sheltered.ravel()[self._cells] = away / self._home_cells

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


@allocating_kernel
def _move(
    zones: np.ndarray, links: np.ndarray, home: np.ndarray, rates: np.ndarray, decay: float
) -> None:
    """A day's moves of the residents of the cells within reach of a camp (``links``:
    their flat ``side * n + sector`` indices and the camp cell each uses; ``home``: their
    residents; ``zones``: the rows of ``Corridors.zones``, flat; ``rates``:
    ``Corridors._rates``): fear decays by ``decay``, then away, sheltered and occupants
    are updated in place."""
    away, sheltered, occupants, fear = zones[0], zones[1], zones[2], zones[3]
    cells, camps = links[0], links[1]
    flight_share, base_share, move_in, move_out, room = (
        rates[0], rates[1], rates[2], rates[3], rates[4]
    )  # fmt: skip
    if decay != 1.0:
        for i in range(fear.size):
            fear[i] *= decay
    m = cells.size
    stay = np.empty(m)  # those who stay in (or go back to) a camp, before admissions
    coming = np.empty(m)  # those who want in today
    held = np.zeros(away.size)
    asked = np.zeros(away.size)
    for j in range(m):
        wish = min(fear[cells[j]] * flight_share + base_share, 1.0) * home[j]
        more = wish - away[cells[j]]  # how many more (or fewer) want to be in a camp
        coming[j] = max(more, 0.0) * move_in
        stay[j] = min(more, 0.0) * move_out + away[cells[j]]  # calmer: some go home
        held[camps[j]] += stay[j]
        asked[camps[j]] += coming[j]
    occupants[:] = 0.0
    for j in range(m):
        c = camps[j]
        admit = min((room - held[c]) / max(asked[c], 1e-12), 1.0)  # the camp's room, shared
        now = stay[j] + coming[j] * admit
        away[cells[j]] = now
        occupants[c] += now
        sheltered[cells[j]] = now / home[j]
