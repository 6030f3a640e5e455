"""Military dialogue (measure ``military_dialogue``): the commands meet, settle incidents
and agree local arrangements that bind their forces.

Nothing here multiplies a rate. Tension and trust move because of what the
meetings settle and what the forces then do: a grievance settled takes back the
tension and trust its incident cost; an arrangement kept builds trust at its
review; one broken costs trust and raises tension on the side that saw it broken.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.model.measures import Measure

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel


@dataclass
class Grievance:
    """An incident one government holds against the other, waiting to be settled.

    ``tension`` and ``trust`` are what the incident cost the aggrieved side when
    it happened; ``evidence`` whether a monitor saw who did it.
    """

    day: int
    sector: int
    side: int
    tension: float
    trust: float
    evidence: bool


class MilitaryDialogue:
    """The two commands' meetings, the grievances they take up and the arrangements they agree.

    Rule: while the measure is active, the commands meet every
    ``dialogue.meeting_every_days / effect`` days (more often as it ramps up and
    with intensity). A meeting

    1. takes up to ``agenda_size`` grievances raised since they last met (the
       most costly first; those older than ``grievance_days`` have dropped off)
       and settles each with chance ``settle_with_evidence`` if a monitor saw
       who did it, else ``settle_without``: a settled grievance gives the
       aggrieved side back the tension it still carries from it (decayed since)
       and the trust it lost, and both sides gain ``trust_gain_settled``;
       unsettled ones wait for the next meeting;
    2. reviews the arrangements in force: each kept since the last review gives
       both sides ``trust_gain_kept``;
    3. agrees a hold-back arrangement in the sector of the agenda with the most
       incidents not yet covered, up to ``arrangements`` at a time: both sides'
       national units keep back from the line there (from their next
       redeployment: :class:`~sim.model.agents.forces.StateForces`), and their
       local commanders are bound not to fire.

    A local commander who fires in a bound sector breaks the arrangement
    (:meth:`breach`): it ends, and the other side loses ``trust_loss_broken``
    and gains ``tension_broken``. An arrangement nobody reviews (no meetings)
    lapses after ``arrangement_days``. The mediator brokers arrangements and
    settles its own cases through the same calls (:meth:`arrange`, :meth:`settle`).

    Attributes:
        bound: per sector, whether a hold-back arrangement is in force.
        meetings, settled, kept, broken: counts over the run.
    """

    def __init__(self, model: RoadmapModel) -> None:
        self.model = model
        self.p = model.params.dialogue
        self.stream = model.spawn_rng()
        n = model.border.n
        self.bound = np.zeros(n, dtype=bool)
        self.reviewed = np.zeros(n, dtype=np.int64)  # last review (or agreement) day per sector
        # No later than the earliest review of an arrangement in force (inf: none), so
        # that lapses are looked for only on days one may be due.
        self._oldest_review: float = math.inf
        self.grievances: list[Grievance] = []
        self.last_meeting: int | None = None
        self.meetings = self.settled = self.kept = self.broken = 0

    def grievance(
        self, day: int, sector: int, side: int, tension: float, trust: float, evidence: bool
    ) -> None:
        """Side ``side`` holds the incident at ``sector`` against the other state."""
        if tension > 0.0 or trust > 0.0:
            self.grievances.append(Grievance(day, sector, side, tension, trust, evidence))

    def step(self, day: int) -> None:
        """Meet if a meeting is due; let unreviewed arrangements lapse."""
        effect = self.model.measures.effect[Measure.MILITARY_DIALOGUE]
        if effect <= 0.0:
            self.last_meeting = None
        elif self.last_meeting is None:
            self.last_meeting = day  # the channel opens: the first meeting is one interval away
        elif day - self.last_meeting >= self.p.meeting_every_days / effect:
            self._meet(day)
            self.last_meeting = day
        if day - self._oldest_review > self.p.arrangement_days:
            lapsed = self.bound & (day - self.reviewed > self.p.arrangement_days)
            self.bound &= ~lapsed
            held = self.reviewed[self.bound]
            self._oldest_review = int(held.min()) if len(held) else math.inf

    def _meet(self, day: int) -> None:
        p, model = self.p, self.model
        model.budget.charge(None, "meetings", model.params.costs.meeting)
        self.meetings += 1
        recent = [g for g in self.grievances if day - g.day <= p.grievance_days]
        recent.sort(key=lambda g: -(g.tension + g.trust))
        agenda, waiting = recent[: p.agenda_size], recent[p.agenda_size :]
        unsettled = []
        for g, u in zip(agenda, self.stream.random(len(agenda)).tolist(), strict=True):
            if u < (p.settle_with_evidence if g.evidence else p.settle_without):
                self._give_back(day, g)
            else:
                unsettled.append(g)
        self.grievances = unsettled + waiting
        kept = int(np.add.reduce(self.bound))
        if kept:
            self.kept += kept
            for gov in model.governments:
                gov.build_trust(p.trust_gain_kept * kept)
            self.reviewed[self.bound] = day
            self._oldest_review = day
        if agenda:
            counts = np.bincount([g.sector for g in agenda], minlength=len(self.bound))
            counts[self.bound] = 0
            if counts.any():
                self.arrange(day, int(counts.argmax()))

    def arrange(self, day: int, sector: int) -> bool:
        """Agree a hold-back arrangement at ``sector`` if fewer than ``arrangements`` are
        in force; True if it was agreed (or already stood)."""
        if self.bound[sector]:
            self.reviewed[sector] = day
            return True
        if int(np.add.reduce(self.bound)) >= self.p.arrangements:
            return False
        self.bound[sector] = True
        self.reviewed[sector] = day
        self._oldest_review = min(self._oldest_review, day)
        return True

    def settle(self, day: int, sector: int, chance: float) -> int:
        """Settle each open grievance at ``sector`` with ``chance`` (a mediator's finding);
        returns how many were settled."""
        draws = iter(self.stream.random(len(self.grievances)).tolist())
        keep, done = [], 0
        for g in self.grievances:
            if g.sector == sector and next(draws) < chance:
                self._give_back(day, g)
                done += 1
            else:
                keep.append(g)
        self.grievances = keep
        return done

    def _give_back(self, day: int, g: Grievance) -> None:
        """A settled grievance: the aggrieved side gets back what the incident cost it."""
        model = self.model
        gov = model.governments[g.side]
        decay = math.exp(-model.params.governments.tension_decay * (day - g.day))
        gov.relieve(g.tension * decay)
        gov.build_trust(g.trust)
        for each in model.governments:
            each.build_trust(self.p.trust_gain_settled)
        self.settled += 1

    def breach(self, sector: int, side: int) -> None:
        """A commander of ``side`` fired in a bound sector: the arrangement is broken."""
        if not self.bound[sector]:
            return
        self.bound[sector] = False
        self.broken += 1
        self.model.governments[1 - side].shock(
            tension=self.p.tension_broken, trust=self.p.trust_loss_broken
        )
