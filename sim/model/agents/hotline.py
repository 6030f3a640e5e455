"""The hotline between the two commands (measure ``hotline``): shared schedules and a duty desk."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.model.compiled import Port, allocating_kernel, generator
from sim.model.measures import Measure

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel

FIRST_SHIFT_HOUR = 8.0
"""The first shift staffed starts at 08:00: office hours are covered first, the night last."""


class Hotline:
    """A channel between the commands, the patrol schedules shared over it, and its desk.

    Schedules: in each sector, each national unit patrols in one of ``slots``
    daily time slots. Side A's units pick slots at random; each of side B's units
    knows A's schedule with chance ``level`` and then takes the slot A uses least
    (else a random one). Units of the two sides meet only within a slot, so
    shared schedules cut chance encounters where free slots exist, and not where
    patrols are too dense to keep apart.

    Desk: at each redeployment the roster puts ``round(operators * level)`` duty
    officers on the desk until the next one, assigned in turn to the day's
    ``shifts`` (the first from 08:00, then the evening, then the night), and the
    two states pay them (half each). A commander calls after an encounter or an
    attack, at the incident's time of day; the call is answered by the officer
    on shift who is free first, and occupies him ``handling_minutes`` (a call
    that finds no officer free within ``window_hours`` is given up). Once it is
    answered the other command gets the word to its units (an exponential time
    of mean ``relay_hours``). The call defuses the incident only if the word is
    there within ``window_hours`` of the call. So what the hotline buys depends
    on whether someone is on duty when incidents happen and how many happen at
    once, not on the measure's level as such.

    Attributes:
        shift_start: the shift start hour of each officer on the roster.
        answered: calls answered so far; through: calls that defused in time.
    """

    def __init__(self, model: RoadmapModel) -> None:
        self.model = model
        self.p = model.params.hotline
        self.stream = model.spawn_rng()
        self._port = Port(self.stream)
        # calls draw apart: schedules keep their draws
        self.calls = model.register_stream(self.stream.spawn(1)[0])
        self.shift_start: list[float] = []
        self._busy: list[list[tuple[float, float]]] = []  # per officer: (from, to) hours
        self.answered = 0
        self.through = 0

    def overlap(self, units: np.ndarray) -> np.ndarray:
        """Per sector, pairs of units of the two sides out in the same slot, times ``slots``.

        ``units`` is ``(2, n)`` whole unit counts; with random slots the expected
        value is ``units[0] * units[1]``, the encounter exposure without schedules.
        """
        shared = self.model.measures.effect[Measure.HOTLINE]
        return _overlap(self._port.handle, units, self.p.slots, float(shared))

    def roster(self) -> None:
        """Put officers on the desk until the next redeployment, from the measure's level."""
        model, p = self.model, self.p
        staff = round(p.operators * model.measures.effect[Measure.HOTLINE])
        length = 24.0 / p.shifts
        self.shift_start = [
            (FIRST_SHIFT_HOUR + (j % p.shifts) * length) % 24.0 for j in range(staff)
        ]
        self._busy = [[] for _ in range(staff)]
        if staff:
            price = model.params.costs.hotline_operator_per_day
            model.budget.book(
                None, "hotline", model.params.patrol.redeploy_days, staff * price, staff
            )

    def call(self, at: float | None = None) -> bool:
        """Whether a call about an incident today (``at`` hours after midnight; None: at a
        time of day drawn uniformly) gets the word to the units in time to defuse it."""
        p = self.p
        u_time, u_relay = self.calls.random(2).tolist()  # always two: paired runs stay paired
        made = 24.0 * self.model.day + (24.0 * u_time if at is None else at)
        answered = self._answer(made)
        if answered is None:
            return False
        self.answered += 1
        relay = -p.relay_hours * math.log1p(-u_relay)
        if answered - made + relay > p.window_hours:
            return False
        self.through += 1
        return True

    def _answer(self, made: float) -> float | None:
        """When the first officer on shift and free takes a call made at hour ``made`` (None:
        nobody within the window); he is then busy for the handling time."""
        handling, give_up = self.p.handling_minutes / 60.0, made + self.p.window_hours
        length = 24.0 / self.p.shifts
        best, who = math.inf, -1
        for j, start in enumerate(self.shift_start):
            t, busy = made, self._busy[j]
            while t <= give_up and t < best:
                off = (t - start) % 24.0
                if off >= length:  # off duty: wait for his shift
                    t += 24.0 - off
                    continue
                ends = [b for a, b in busy if a < t + handling and t < b]
                if not ends:
                    best, who = t, j
                    break
                t = max(ends)  # busy with another call: free when it is done
        if who < 0:
            return None
        self._busy[who].append((best, best + handling))
        return best


@allocating_kernel
def _overlap(stream: np.ndarray, units: np.ndarray, k: int, shared: float) -> np.ndarray:
    """``Hotline.overlap``: side A's units (sector by sector) take random slots; each of
    B's takes the slot A uses least in its sector (ties broken at random) if it knows A's
    schedule (chance ``shared``), else a random one. One uniform draw per choice, drawn
    in this order: A's slots, B's own slots, whether B knows, the tie-breaks."""
    n = units.shape[1]
    na, nb = 0, 0
    for sector in range(n):
        na += units[0, sector]
        nb += units[1, sector]
    g = generator(stream)
    u = np.empty(na + 2 * nb + n * k)
    for i in range(u.size):
        u[i] = g.random()
    slot_a = np.zeros((n, k), dtype=np.int64)
    slot_b = np.zeros((n, k), dtype=np.int64)
    i = 0
    for sector in range(n):
        for _ in range(units[0, sector]):
            slot_a[sector, int(u[i] * k)] += 1
            i += 1
    ties = na + 2 * nb
    least = np.empty(n, dtype=np.int64)
    for sector in range(n):
        best, least[sector] = np.inf, 0
        for slot in range(k):
            value = slot_a[sector, slot] + 0.5 * u[ties + sector * k + slot]
            if value < best:
                best, least[sector] = value, slot
    i = 0
    for sector in range(n):
        for _ in range(units[1, sector]):
            own = int(u[na + i] * k)
            slot_b[sector, least[sector] if u[na + nb + i] < shared else own] += 1
            i += 1
    out = np.zeros(n, dtype=np.int64)
    for sector in range(n):
        for slot in range(k):
            out[sector] += slot_a[sector, slot] * slot_b[sector, slot]
        out[sector] *= k
    return out
