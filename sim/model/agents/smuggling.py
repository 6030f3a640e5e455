"""Smuggling networks: they move arms across the line to the armed groups on the other side."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.model.agents.armed_group import ARMS, ArmedGroup
from sim.model.agents.crosser import RATE, BorderCrosser, fresh_cdf, learn, pick
from sim.model.agents.sums import python_sum
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
        self.clients = []  # set by the model once the groups exist

    @property
    def clients(self) -> list[ArmedGroup]:
        return self._clients

    @clients.setter
    def clients(self, groups: list[ArmedGroup]) -> None:
        self._clients = groups
        self._roster.link(self._row, [g._row for g in groups])

    def _ship(self, u: list[float], index: list[int]) -> np.ndarray:
        """Send the day's shipments, through the ``index``-th sectors of its reach (``u``:
        their uniform draws, see ``_send``); learn each route's outcome. Returns whether
        each got through (1.0) or was seized (0.0)."""
        model, k = self.model, len(index)
        day, target, search, customs = model.day, self.target, model.search, model.customs
        got_through = np.empty(k)
        for j, i in enumerate(index):
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
            got_through[j] = 0.0 if seized else 1.0
        return got_through


def smuggle(networks: list[SmugglingNetwork], groups: list[ArmedGroup]) -> None:
    """The networks' day, in the order they were created: each decides how many
    shipments to send and sends them (the rule is in ``SmugglingNetwork``'s docstring).
    One kernel call decides for the networks in turn; it hands a network that sends
    shipments back to Python to send them, then, called again, lets it learn from them
    and deliver what got through before it goes on with the next one (a delivery changes
    what the next one's clients need)."""
    if not networks:
        return
    first = networks[0]
    roster, s, model = first._roster, first.p, first.model
    group_state = groups[0]._roster.state if groups else np.zeros((0, ARMS + 1))
    j, index, got_through = 0, np.zeros(0, dtype=np.int64), np.zeros(0)
    while True:
        j, u, index, delivered = _send(
            roster.handles, roster.state, roster.sectors, roster.links, group_state,
            s.arms_target, s.shipments_per_day, s.arms_per_shipment, j, index, got_through,
        )  # fmt: skip
        if got_through.size:
            model.record_arms_delivered(delivered)
        if j == len(networks):
            return
        got_through = roster.members[j]._ship(u.tolist(), index.tolist())
        j += 1


@kernel
def _send(
    handles: np.ndarray,
    state: np.ndarray,
    sectors: np.ndarray,
    clients: np.ndarray,
    groups: np.ndarray,
    arms_target: float,
    per_day: float,
    arms_per_shipment: float,
    start: int,
    index: np.ndarray,
    got_through: np.ndarray,
) -> tuple[int, np.ndarray, np.ndarray, float]:
    """From network ``start`` on, how many shipments each sends today, until one sends
    any: (that network, or the number of networks when none does; the day's ``5 * k``
    uniform draws of its ``k`` shipments, per shipment: sector, route, alert, patrol
    detection, customs; the reach index of each, chosen by the first ``k``; the arms
    delivered by the network before ``start``).

    A network's ``RATE`` is ``per_day`` times its clients' shortfall of arms against
    their target (as a share of it: at most 1); the number of shipments is Poisson, of
    that mean. When the network before ``start`` sent shipments (to the reach sectors
    ``index``: ``got_through`` or not), it first learns from them and shares the arms
    that got through among its clients by what each lacks."""
    delivered = 0.0
    if got_through.size:
        n = start - 1
        learn(sectors[n], state[n], index, got_through)
        delivered = int(got_through.sum()) * arms_per_shipment
        need = _shortfall(clients[n], groups, arms_target)[0]
        if delivered and need > 0:
            for c in clients[n]:
                if c < 0:
                    break
                groups[c, ARMS] += delivered * _short(arms_target, groups[c, ARMS]) / need
    for j in range(start, handles.shape[0]):
        need, count = _shortfall(clients[j], groups, arms_target)
        full = arms_target * count
        state[j, RATE] = per_day * min(1.0, need / full) if full > 0 else 0.0
        g = generator(handles[j])
        k = g.poisson(state[j, RATE])
        if k:
            u = np.empty(5 * k)
            for m in range(5 * k):
                u[m] = g.random()
            cdf = fresh_cdf(sectors[j], state[j])
            chosen = np.empty(k, dtype=np.int64)
            for m in range(k):
                chosen[m] = pick(cdf, u[m])
            return j, u, chosen, delivered
    return handles.shape[0], got_through, index, delivered  # (no shipments: what came in)


@kernel
def _shortfall(clients: np.ndarray, groups: np.ndarray, arms_target: float) -> tuple[float, int]:
    """What a network's clients (rows of the groups' ``state``; -1 ends them) lack of
    ``arms_target``, summed as Python's ``sum()`` of floats does, and how many they are."""
    short = np.empty(clients.size)
    count = 0
    while count < clients.size and clients[count] >= 0:
        short[count] = _short(arms_target, groups[clients[count], ARMS])
        count += 1
    return python_sum(short, count), count


@kernel
def _short(arms_target: float, arms: float) -> float:
    """A group's need of arms: what it lacks of the target, if anything."""
    short = arms_target - arms
    return short if short > 0.0 else 0.0
