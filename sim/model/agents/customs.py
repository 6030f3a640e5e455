"""Customs posts at the gates: inspectors, the vehicles they search, queues, trade delay."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.model.agents.sums import python_sum
from sim.model.compiled import OwnViews, Port, allocating_kernel, generator
from sim.model.draws import poisson
from sim.model.measures import Measure

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel

_CUSTOMS = int(Measure.CUSTOMS_INSPECTIONS)


class Customs(OwnViews):
    """Each side's customs posts at its gates (measure ``customs_inspections``).

    Each side staffs a post at every gate for the traffic entering it; the post
    has ``round(inspectors * level)`` inspectors (the level of that side's
    part, if each side pays its own: :meth:`Measures.effect_of
    <sim.model.measures.Measures.effect_of>`), hired as the measure ramps and
    let go last-hired first. An inspector searches ``shift_hours /
    hours_per_inspection`` vehicles a day, and finds a shipment hidden in one
    with a skill that grows with days on the job, from ``find_novice`` toward
    ``find_expert``.

    Rule (a post's inspectors, each day): of the vehicles that arrive (Poisson,
    ``traffic_per_day``), pick ``search_share`` at random for a search; searched
    vehicles are taken in arrival order, as many as the inspectors can search
    today; the others wait in the queue; once the queue would hold more than
    ``max_wait_hours`` of searching, newly picked vehicles are waved through.
    A post without inspectors searches nothing. A shipment hidden in trade
    (``SmugglingNetwork``) is one of the day's vehicles: picked, queued (or
    waved through) and searched by one of the post's inspectors like any
    other, so smugglers learn that gates with inspectors do not get them through.

    Costs: a queue delays legitimate trade (the wait plus the search), and the
    mean delay per vehicle through a gate raises the hardship of the gate's
    communities, its sector on both sides, by ``delay_hardship`` per day of
    delay (``burden``). Each inspector costs its side ``costs.inspector_per_day``
    and is one person on duty.

    Attributes:
        gates: the gate sectors; posts are indexed ``side * len(gates) + i``.
        staff: per post, the hiring days of its inspectors.
        queue: vehicles waiting for a search at each post (end of the day).
        burden: per sector, hardship added to its cells (both sides) by today's trade delay.
    """

    def __init__(self, model: RoadmapModel) -> None:
        self.model = model
        self.p = p = model.params.customs
        self.stream = model.spawn_rng()
        self._port = Port(self.stream)
        self._gates = np.flatnonzero(model.border.gate)
        self.gates: list[int] = self._gates.tolist()
        self.post = {s: i for i, s in enumerate(self.gates)}  # gate sector -> post index
        m = len(self.gates)
        self.staff: list[list[int]] = [[] for _ in range(2 * m)]
        self.burden = np.zeros(model.border.n)
        self.searches_per_inspector = int(p.shift_hours / p.hours_per_inspection)
        self._hired = [0, 0]  # inspectors per post, by side
        self._effects: list[float] | None = None  # each side's level at the last staffing
        self._level = (0.0, 0.0)  # the measure's (level, intensity) at the last look
        self._on_duty = False
        # Per post (one int block, each attribute a view of its row): set when staffing
        # changes, searches a day, most vehicles it holds (searched today or queued),
        # whether anyone searches there (0/1); the vehicles queued; today's vehicles
        # picked, and taken in (not waved through).
        self._posts = np.zeros((6, 2 * m), np.int64)
        # The day's traffic: vehicles picked for a search and the others (a day's means),
        # hours a search takes, hardship per hour of delay.
        self._rates = np.array(
            [
                p.traffic_per_day * p.search_share,
                p.traffic_per_day * (1.0 - p.search_share),
                p.hours_per_inspection,
                p.delay_hardship / 24.0,
            ]
        )
        self._searched_share = 0.0
        self._delay_hours = 0.0
        self._view()

    def _view(self) -> None:
        self._capacity, self._room, self._staffed, self.queue, self._picked, self._taken = (
            self._posts
        )

    def inspected_share(self) -> float:
        """Share of today's gate traffic (all posts) that was searched."""
        return self._searched_share

    def trade_delay_hours(self) -> float:
        """Mean hours a vehicle was held at a gate today (queue and search; all posts)."""
        return self._delay_hours

    def inspectors(self, side: int) -> int:
        """Inspectors on duty at each of ``side``'s posts."""
        return self._hired[side]

    def step(self, day: int) -> None:
        """Staff the posts, run today's queues, book the delay and the wages."""
        measures = self.model.measures
        level = (measures.level[_CUSTOMS], measures.intensity[_CUSTOMS])
        if level != self._level:  # (a side's part changes only with the level; a move may
            self._level = level  # change the intensity)
            self._staff(day)
        if not self._on_duty:  # (nor anyone queued: a post without inspectors holds none)
            if self._delay_hours:
                self.burden[:] = 0.0
                self._searched_share = self._delay_hours = 0.0
            return
        self._searched_share, self._delay_hours = _queues(
            self._port.handle, self._rates, self._gates, self._posts, self.burden
        )

    def _staff(self, day: int) -> None:
        """Hire toward today's level or let the last hired go; their wages run from today."""
        model, effort, m = self.model, self.p.inspectors, len(self.gates)
        effects = [model.measures.effect_of(Measure.CUSTOMS_INSPECTIONS, side) for side in (0, 1)]
        if effects == self._effects:
            return  # the same level as at the last look: the same staff
        self._effects = effects
        changed = False
        for side, effect in enumerate(effects):
            wanted = round(effort * effect)
            have = self._hired[side]
            if wanted != have:
                for staff in self.staff[side * m : (side + 1) * m]:
                    del staff[wanted:]
                    staff += [day] * (wanted - len(staff))
                self._hired[side] = wanted
                changed = True
                more = (wanted - have) * m  # inspectors on duty from today to the horizon
                wage = model.params.costs.inspector_per_day * more
                model.budget.book(side, "inspectors", model.days, wage, personnel=more)
        if changed:
            staff = np.repeat(np.array(self._hired, np.int64), m)
            self._capacity[:] = staff * self.searches_per_inspector
            self._room[:] = (self._capacity * (1.0 + self.p.max_wait_hours / 24.0)).astype(np.int64)
            self._staffed[:] = staff > 0  # where nobody searches, none are picked
            self._on_duty = bool(self._staffed.any())
            self.queue[staff == 0] = 0

    def seizes(self, side: int, sector: int, u: float) -> bool:
        """Whether a shipment hidden in a vehicle entering ``side`` through the gate at
        ``sector`` is found (``u``: one uniform draw, spent on each step in turn)."""
        post = side * len(self.gates) + self.post[sector]
        staff = self.staff[post]
        if not staff:
            return False
        picked = self._picked[post]  # it was picked, and not waved through
        chance = self.p.search_share * (self._taken[post] / picked if picked else 1.0)
        if u >= chance:
            return False
        u = u / chance * len(staff)  # which inspector searches it
        hired = staff[int(u)]
        p = self.p
        skill = p.find_expert - (p.find_expert - p.find_novice) * math.exp(
            (hired - self.model.day) / p.skill_days
        )
        return u - int(u) < skill


@allocating_kernel
def _queues(
    stream_handle: np.ndarray,
    rates: np.ndarray,
    gates: np.ndarray,
    posts: np.ndarray,
    burden: np.ndarray,
) -> tuple[float, float]:
    """One day of every post's queue (the rule is in ``Customs``' docstring; ``rates``
    and ``posts``: the rows of ``Customs._rates`` and ``Customs._posts``): updates the
    queue, picked and taken rows and ``burden`` in place; returns (share of the traffic
    searched, mean hours a vehicle was held)."""
    picked_per_day, others_per_day, hours_per_inspection, per_hour = (
        rates[0],
        rates[1],
        rates[2],
        rates[3],
    )
    capacity, room, staffed, queue, picked, taken = (
        posts[0],
        posts[1],
        posts[2],
        posts[3],
        posts[4],
        posts[5],
    )
    g = generator(stream_handle)
    posts, m = queue.size, gates.size
    # Vehicles picked for a search, and the others: a Poisson stream thinned at random.
    arrivals = np.empty(posts, np.int64)
    for i in range(posts):
        arrivals[i] = poisson(g, picked_per_day)
    total, searched = 0, 0
    held = np.empty(posts)
    for i in range(posts):
        k, before = arrivals[i], queue[i]
        arrivals[i] += poisson(g, others_per_day)
        total += arrivals[i]
        picked[i] = k if staffed[i] else 0
        free = max(room[i] - before, 0)
        k = min(k, free) if staffed[i] else 0  # the rest are waved through
        done = min(before + k, capacity[i])
        after = before + k - done
        wait = 12.0 * (before + after) / capacity[i] if capacity[i] else 0.0  # mean queue, hours
        held[i] = k * (wait + hours_per_inspection)  # vehicle-hours
        taken[i] = k
        queue[i] = after
        searched += done
    if total == 0:
        total = 1
    for i in range(m):
        through = arrivals[i] + arrivals[m + i]  # both directions
        burden[gates[i]] = (held[i] + held[m + i]) * per_hour / through if through else 0.0
    return searched / total, python_sum(held, posts) / total
