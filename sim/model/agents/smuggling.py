"""Smuggling networks: they move arms across the line to the armed groups on the other side."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.model.agents.armed_group import ARMS, ArmedGroup
from sim.model.agents.crosser import (
    ACTOR,
    LEARNING_RATE,
    RATE,
    START,
    TARGET,
    TEMPERATURE,
    BorderCrosser,
    learn,
    pick,
    refresh_cdf,
)
from sim.model.agents.crosser import COLUMNS as CROSSER_COLUMNS
from sim.model.agents.crosser import PLANES as CROSSER_PLANES
from sim.model.agents.roster import CDF, Roster
from sim.model.agents.sums import add, result
from sim.model.compiled import generator, kernel
from sim.model.crossing import DETECTED, DONE, MET, STAGE, conditions, cross, handle
from sim.model.draws import poisson
from sim.model.incidents import IncidentType, append

SMUGGLING_DELIVERED, SMUGGLING_SEIZED = (
    int(IncidentType.SMUGGLING_DELIVERED),
    int(IncidentType.SMUGGLING_SEIZED),
)

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel


GATE, THROUGH_GATE, ACROSS_GREEN = range(CROSSER_PLANES, CROSSER_PLANES + 3)
"""A network's planes in its roster's ``sectors``, after a crosser's: 1.0 where a sector
of its reach holds a gate, and there its learned success through the gate and across
the green border."""
PLANES = CROSSER_PLANES + 3
NETWORK, STEP, SHIPMENT, SHIPMENTS, VIA = range(5)
"""``_send``'s cursor: the network, its step, the shipment, how many it sends, and
whether the shipment goes through a gate."""
DECIDE, DRAW, ROUTE, SEARCH, RECORD = range(5)
"""A network's steps in ``_send`` (where it goes on after Python acted): deciding how
many shipments, drawing them, and each shipment's route, search and record."""
CUSTOMS, FULL, ROOM = 10, 11, 12
"""What ``_send`` hands back besides ``cross``'s: a search at a staffed customs post,
a full incident log, more shipments than its buffers hold."""


class SmugglingNetwork(BorderCrosser):
    """An arms-smuggling network based on one side, supplying groups across the line.

    Rule: each day send a Poisson number of shipments (more while the groups it
    supplies are short of arms) along sectors chosen as a ``BorderCrosser``; at
    a sector with a gate, a shipment hides in trade through the gate (and faces
    the target side's customs post there) or crosses the green border (and
    faces patrols), chosen by a logistic rule on what it learned of each route
    there. Seized shipments are lost (the target state sees them); delivered arms
    go to the groups across the line.

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
            CROSSER_COLUMNS,
            PLANES,
        )
        self.p = s
        self.gate: list[bool] = model.border.gate[self.reach].tolist()
        sectors = self._roster.sectors[self._row]
        sectors[GATE] = self.gate
        sectors[THROUGH_GATE] = sectors[ACROSS_GREEN] = s.initial_success
        if self._row == 0:
            _buffers(self._roster, 8)
        self.clients = []  # set by the model once the groups exist

    @property
    def route(self) -> dict[int, list[float]]:
        sectors = self._roster.sectors[self._row]
        return {
            i: [sectors.item(THROUGH_GATE, i), sectors.item(ACROSS_GREEN, i)]
            for i, gate in enumerate(self.gate)
            if gate
        }

    @property
    def clients(self) -> list[ArmedGroup]:
        return self._clients

    @clients.setter
    def clients(self, groups: list[ArmedGroup]) -> None:
        self._clients = groups
        self._roster.link(self._row, [g._row for g in groups])


def _buffers(roster: Roster, k: int) -> None:
    """Room in the networks' ``roster`` for a day's ``k`` shipments of a network: their
    uniform draws (``draws``), reach indices (``picks``) and whether each was seized
    (``seized``)."""
    roster.draws, roster.picks, roster.seized = np.zeros(5 * k), np.zeros(k, int), np.zeros(k)


def smuggle(networks: list[SmugglingNetwork], groups: list[ArmedGroup]) -> None:
    """The networks' day, in the order they were created: each decides how many
    shipments to send and sends them (the rule is in ``SmugglingNetwork``'s docstring).
    One kernel call decides and sends for the networks in turn (a delivery changes what
    the next one's clients need); it hands a shipment back to Python only for what
    others do (``sim.model.crossing.handle``, a staffed customs post) and then goes on
    where it stopped."""
    if not networks:
        return
    first = networks[0]
    roster, s, model = first._roster, first.p, first.model
    group_state = groups[0]._roster.state if groups else np.zeros((0, ARMS + 1))
    cursor, c = roster.cursor, roster.work
    if not _count(roster.handles, roster.state, roster.links, group_state, s.arms_target,
                  s.shipments_per_day, cursor):  # fmt: skip
        return  # no shipments today: the short call
    log, customs, (a, b) = model.log, model.customs, model.governments
    while code := _send(
        roster.handles, roster.state, roster.sectors, roster.links, group_state,
        s.arms_target, s.shipments_per_day, s.arms_per_shipment, cursor, roster.draws,
        roster.picks, roster.seized, c, model.day, model.series.arms_delivered,
        customs.inspectors(0), customs.inspectors(1), log.arrays, a._seen, b._seen,
        conditions(model),
    ):  # fmt: skip
        if code == ROOM:
            _buffers(roster, int(cursor[SHIPMENTS]))
            continue
        if code == FULL:
            log.grow()
            continue
        network, m, k = roster.members[cursor[NETWORK]], cursor[SHIPMENT], cursor[SHIPMENTS]
        sector = network.sectors[roster.picks[m]]
        if code == CUSTOMS:
            c[DETECTED] = customs.seizes(network.target, sector, roster.draws.item(4 * k + m))
        else:
            handle(model, code, network.target, sector, c)


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
    cursor: np.ndarray,
    u: np.ndarray,
    index: np.ndarray,
    seized: np.ndarray,
    c: np.ndarray,
    day: int,
    arms_delivered: np.ndarray,
    inspectors_a: int,
    inspectors_b: int,
    log: tuple,
    seen_a: np.ndarray,
    seen_b: np.ndarray,
    met: tuple,
) -> int:
    """The networks' day from where ``cursor`` stands until done (``DONE``, the cursor
    back at the start) or Python must act (what it hands back). A network's ``k``
    shipments take the first ``5 * k`` uniform draws ``u`` (per shipment: sector, route,
    alert, patrol detection, customs), their reach indices ``index`` (chosen by the
    first ``k``) and whether each was seized (1.0) or not. ``c``: the shipment's crossing record.
    ``met`` is ``cross``'s conditions.

    Each network decides how many shipments it sends (``_count``). Each goes through a
    gate (``_via_gate``; there a staffed post's customs may seize it: Python's
    ``Customs.seizes``) or across the green border (``cross``); it is logged, and a
    seized one seen by the target state. The network then learns from its shipments and
    shares the arms that got through among its clients by what each lacks
    (``arms_delivered`` today)."""
    while cursor[STEP] != DECIDE or _count(
        handles, state, clients, groups, arms_target, per_day, cursor
    ):
        j = cursor[NETWORK]
        s, target, start = state[j], int(state[j, TARGET]), int(state[j, START])
        g = generator(handles[j])
        k = cursor[SHIPMENTS]
        if cursor[STEP] == DRAW:
            if k > index.size:
                return ROOM
            for m in range(5 * k):
                u[m] = g.random()
            refresh_cdf(sectors[j], s)
            cdf = sectors[j, CDF]
            for m in range(k):
                index[m] = pick(cdf, u[m])
            cursor[SHIPMENT], cursor[STEP] = 0, ROUTE
        seen = seen_b if target else seen_a
        while cursor[SHIPMENT] < k:
            m = cursor[SHIPMENT]
            i = index[m]
            if cursor[STEP] == ROUTE:
                c[:] = 0.0
                cursor[VIA] = _via_gate(sectors[j], s[TEMPERATURE], i, u[k + m])
                if cursor[VIA]:
                    c[STAGE], c[MET] = 2.0, np.nan  # no search by patrols
                    cursor[STEP] = RECORD
                    if (inspectors_b if target else inspectors_a) > 0:
                        return CUSTOMS
                else:
                    cursor[STEP] = SEARCH
            if cursor[STEP] == SEARCH:
                code = cross(c, target, start + i, u[2 * k + m], u[3 * k + m], met)
                if code != DONE:
                    return code
                cursor[STEP] = RECORD
            lost, via = c[DETECTED] != 0.0, cursor[VIA] != 0
            kind = SMUGGLING_SEIZED if lost else SMUGGLING_DELIVERED
            if not append(
                log, day, start + i, target, kind,
                int(s[ACTOR]), lost, 0, c[MET], 0, via,
            ):  # fmt: skip
                return FULL
            if sectors[j, GATE, i]:
                r = THROUGH_GATE if via else ACROSS_GREEN
                sectors[j, r, i] += s[LEARNING_RATE] * ((0.0 if lost else 1.0) - sectors[j, r, i])
            if lost:
                seen[start + i] += 1.0  # the target government sees it (Government.observe)
            seized[m] = c[DETECTED]
            cursor[SHIPMENT], cursor[STEP] = m + 1, ROUTE
        arms_delivered[day] += _deliver(
            sectors[j], s, clients[j], groups, index[:k], seized[:k], arms_target,
            arms_per_shipment,
        )  # fmt: skip
        cursor[NETWORK], cursor[STEP] = j + 1, DECIDE
    return DONE


@kernel
def _count(
    handles: np.ndarray,
    state: np.ndarray,
    clients: np.ndarray,
    groups: np.ndarray,
    arms_target: float,
    per_day: float,
    cursor: np.ndarray,
) -> bool:
    """How many shipments the networks from ``cursor[NETWORK]`` on send, until one sends
    any (True: the cursor holds it, and their number, to draw) or none does (False: the
    cursor back at the start). A network's ``RATE`` is ``per_day`` times its clients'
    shortfall of arms against their target (as a share of it: at most 1); the number of
    shipments is Poisson, of that mean."""
    while cursor[NETWORK] < handles.shape[0]:
        j = cursor[NETWORK]
        need, count = _shortfall(clients[j], groups, arms_target)
        full = arms_target * count
        state[j, RATE] = per_day * min(1.0, need / full) if full > 0 else 0.0
        cursor[SHIPMENTS] = poisson(generator(handles[j]), state[j, RATE])
        if cursor[SHIPMENTS]:
            cursor[STEP] = DRAW
            return True
        cursor[NETWORK] += 1
    cursor[:] = 0
    return False


@kernel
def _via_gate(sectors: np.ndarray, temperature: float, i: int, u: float) -> bool:
    """Whether a shipment at the ``i``-th sector of a network's reach hides in trade
    through the gate there (none: the green border), by a logistic rule on what it
    learned of each route, from the uniform ``u``."""
    if not sectors[GATE, i]:
        return False
    odds = math.exp((sectors[ACROSS_GREEN, i] - sectors[THROUGH_GATE, i]) / temperature)
    return u * (1.0 + odds) < 1.0


@kernel
def _deliver(
    sectors: np.ndarray,
    state: np.ndarray,
    clients: np.ndarray,
    groups: np.ndarray,
    index: np.ndarray,
    seized: np.ndarray,
    arms_target: float,
    arms_per_shipment: float,
) -> float:
    """A network learns from its day's shipments (to the reach sectors ``index``:
    ``seized`` or not) and shares the arms that got through among its clients by what
    each lacks. Returns the arms delivered."""
    learn(sectors, state, index, seized)
    delivered = (index.size - int(seized.sum())) * arms_per_shipment
    need = _shortfall(clients, groups, arms_target)[0]
    if delivered and need > 0:
        for c in clients:
            if c < 0:
                break
            groups[c, ARMS] += delivered * _short(arms_target, groups[c, ARMS]) / need
    return delivered


@kernel
def _shortfall(clients: np.ndarray, groups: np.ndarray, arms_target: float) -> tuple[float, int]:
    """What a network's clients (rows of the groups' ``state``; -1 ends them) lack of
    ``arms_target``, summed as Python's ``sum()`` of floats does, and how many they are."""
    total, c, count = 0.0, 0.0, 0
    while count < clients.size and clients[count] >= 0:
        total, c = add(total, c, _short(arms_target, groups[clients[count], ARMS]))
        count += 1
    return result(total, c), count


@kernel
def _short(arms_target: float, arms: float) -> float:
    """A group's need of arms: what it lacks of the target, if anything."""
    short = arms_target - arms
    return short if short > 0.0 else 0.0
