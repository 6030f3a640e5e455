"""Intelligence: what each state learns of crossers' moves, from whom, and how late.

No omniscience: a government knows what its own collection produced — its
detections and sensor alerts (``Government.observe``), its patrols' sightings of
crossers leaving its side, the reports of informants in its communities — and
what the other state passes on.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

import numpy as np

from sim.model.compiled import Port, generator, kernel
from sim.model.detection import detection_chance, detection_probability
from sim.model.measures import Measure

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel


class Intelligence:
    """Reports on crossings, queued until they reach the government they concern.

    Rules:

    - A crossing into side ``t`` that its search missed may have been seen
      leaving by the home side's units patrolling that sector (Koopman on
      their effort there). Seen by home *joint* units, it reaches ``t`` at once
      with a chance equal to the home government's trust (the joint picture);
      otherwise it reaches ``t`` only through intelligence sharing, after a delay
      that falls from ``slow_delay_days`` to ``fast_delay_days`` as the
      real-time hub ramps.
    - Planned moves: an armed group able to attack stages its next attempt
      at a sector of its home side. Its government learns of a new staging
      from its units patrolling there (Koopman on their effort) or from
      informants in communities with cross-border ties (chance
      ``informant_rate * ties``), after ``informant_delay_days``; it reaches
      the target state only through intelligence sharing.
    - The two states pay the hub together (half each) for every day sharing
      runs, at any level: the link and the joint cell exist or they do not.
    - A report names a sector up to ``report_error_sectors`` off. When it
      arrives, the government adds it to its threat picture and sends up to
      ``tip_units`` free units within ``tip_reach`` there for ``tip_days`` (a
      tip-off): each leaves where it was.

    Attributes:
        crossers: the armed groups informants can watch.
        reports: reports delivered so far; tips: units sent on tip-offs.
    """

    def __init__(self, model: RoadmapModel) -> None:
        self.model = model
        self.p = model.params.intel
        self.stream = model.spawn_rng()
        self._port = Port(self.stream)
        self.ties = model.space.layer("ties")
        self.crossers: list = []
        self._queue: list[tuple[int, int, int, int]] = []  # (due day, order, side, sector)
        self._order = 0
        self._known: dict = {}  # each group's staging last reported
        self.reports = 0
        self.tips = 0

    def step(self, day: int) -> None:
        """Deliver today's reports; informants report preparations they hear of."""
        if self.model.measures.effect[Measure.INTEL_SHARING] > 0:
            costs = self.model.params.costs
            self.model.budget.charge(
                None, "intel", costs.intel_hub_per_day, costs.intel_hub_personnel
            )
            self._listen()
        queue = self._queue
        while queue and queue[0][0] <= day:
            _, _, side, sector = heapq.heappop(queue)
            self._deliver(side, sector)

    def passed(self, side: int, sector: int, at_once: bool) -> None:
        """A crossing into ``side`` at ``sector`` that got past the search was seen leaving
        (``seen_leaving``): a report to ``side`` at once, or through sharing."""
        if at_once:
            self._report(side, sector, 0)
        else:
            self._share(side, sector, 0)

    def _share(self, side: int, sector: int, delay: int) -> None:
        """Pass what the other state collected on a crossing into ``side``, if they share."""
        sharing = self.model.measures.effect[Measure.INTEL_SHARING]
        if sharing > 0:
            p = self.p
            hub = p.slow_delay_days - (p.slow_delay_days - p.fast_delay_days) * sharing
            self._report(side, sector, delay + round(hub))

    def _listen(self) -> None:
        model, p = self.model, self.p
        search, patrol = model.search, model.params.patrol
        for group in self.crossers:
            i = group.staging
            if not group.ready() or self._known.get(group) == i:
                continue
            home, sector = group.home, group.sectors[i]
            units = search.units[search.row, home, sector]
            units += search.quality * search.joint_units[search.row, home, sector]
            effort = float(search.terrain[home, sector] * patrol.unit_effort * units)
            unseen = (1.0 - detection_probability(effort, patrol.sweep_rate)) * (
                1.0 - p.informant_rate * self.ties[home, sector]
            )
            if self.stream.random() >= unseen:
                self._known[group] = i
                self._share(group.target, sector, p.informant_delay_days)

    def _report(self, side: int, sector: int, delay: int) -> None:
        e = self.p.report_error_sectors
        if e:
            sector = sector + int(self.stream.integers(-e, e + 1))
            sector = min(max(sector, 0), self.model.border.n - 1)
        self._order += 1
        heapq.heappush(self._queue, (self.model.day + delay, self._order, side, sector))

    def _deliver(self, side: int, sector: int) -> None:
        model, p = self.model, self.p
        self.reports += 1
        model.governments[side].observe(sector)
        self.tips += model.search.dispatch(side, sector, p.tip_reach, p.tip_days, p.tip_units)


NOT_SEEN, AT_ONCE, SHARED = 0, 1, 2
"""What ``seen_leaving`` finds."""


@kernel
def seen_leaving(
    stream: np.ndarray,
    units: np.ndarray,
    joint_units: np.ndarray,
    terrain: np.ndarray,
    side: int,
    sector: int,
    quality: float,
    unit_effort: float,
    sweep_rate: float,
    sharing: float,
    trust: float,
) -> int:
    """A crossing into ``side`` at ``sector`` got past the search: did the home side's
    units there (today's ``units``, ``joint_units`` of ``quality``) see it leave, and
    does it reach ``side`` ``AT_ONCE`` (seen by joint units, a draw under the home
    government's ``trust``) or if ``SHARED`` (``Intelligence.passed``)? Two uniforms of
    the intelligence ``stream``, unless nothing could come of it (no joint units and no
    sharing)."""
    home = 1 - side
    joint = joint_units[home, sector]
    if sharing == 0 and joint == 0:
        return NOT_SEEN
    effort = terrain[home, sector] * unit_effort * (units[home, sector] + quality * joint)
    g = generator(stream)
    u_seen = g.random()
    u_shared = g.random()
    if u_seen >= detection_chance(effort, sweep_rate):
        return NOT_SEEN
    return AT_ONCE if joint > 0 and u_shared < trust else SHARED
