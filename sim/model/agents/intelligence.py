"""Intelligence: what each state learns of crossers' moves, from whom, and how late.

No omniscience: a government knows what its own collection produced — its
detections and sensor alerts (``Government.observe``), its patrols' sightings of
crossers leaving its side, the reports of informants in its communities — and
what the other state passes on.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

from sim.model.detection import detection_probability
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

    def crossing(self, side: int, sector: int) -> None:
        """A crossing into ``side`` at ``sector`` got past the search: did the home side see it?"""
        model = self.model
        search, home = model.search, 1 - side
        sharing = model.measures.effect[Measure.INTEL_SHARING]
        joint = search.joint_units[search.row, home, sector]
        if sharing == 0 and joint == 0:
            return
        units = search.units[search.row, home, sector] + search.quality * joint
        effort = search.terrain[home, sector] * model.params.patrol.unit_effort * units
        u_seen, u_shared = self.stream.random(2).tolist()
        if u_seen >= detection_probability(float(effort), model.params.patrol.sweep_rate):
            return
        if joint > 0 and u_shared < model.governments[home].trust:
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
