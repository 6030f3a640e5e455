"""Joint units' stops: where both states' contingents patrol together, what rubs between them."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.model.compiled import Port, generator, kernel

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel


class JointPosts:
    """Where both states' joint contingents patrol together (measure ``joint_patrols``),
    and what rubs between them.

    Rule: a crossing detected in a sector where a joint unit (contingents of both
    sides) patrols that day was the joint unit's stop with a chance equal to its
    share of the effort the crossing met. Its two contingents must then agree
    how to handle the crosser (custody, whose law, how much force). Each follows
    the shared procedure of joint training with a chance equal to its skill;
    unless both do, each follows its own state's rules, which differ, and they
    dispute. A dispute comes to blows (a clash fired by one contingent, logged
    as one between the states' forces) with chance ``joint_dispute_escalation *
    exp(-days served together / joint_familiarity_days)``: strangers without
    shared training rub, contingents that trained and served together rarely
    do. No stop, no dispute. (What joint units share of what they see depends
    on trust: see ``Intelligence``.)

    Attributes:
        stops: crossers stopped by joint units; disputes: stops they disputed;
        clashes: disputes that came to blows.
    """

    def __init__(self, model: RoadmapModel) -> None:
        self.model = model
        self.stream = model.spawn_rng()
        self._port = Port(self.stream)
        self.stops = self.disputes = self.clashes = 0

    def stopped(
        self, side: int, sector: int, follow_a: float, follow_b: float, blows: float
    ) -> None:
        """Joint units made the stop of a crossing into ``side`` at ``sector`` (``joint_stop``
        drew it, and the uniforms of the rest): were they both there, and did they agree?"""
        model = self.model
        day = model.day
        a, b = (gov.patrols for gov in model.governments)
        here_a, here_b = a.at(day, sector), b.at(day, sector)
        if len(here_a) == 0 or len(here_b) == 0:
            return  # one contingent alone: nobody to disagree with
        self.stops += 1
        i, j = int(here_a[0]), int(here_b[0])
        if follow_a < a.skill[i] and follow_b < b.skill[j]:
            return  # both follow the procedure they trained in together
        self.disputes += 1
        p = model.params.patrol
        together = min(a.together[i], b.together[j]) + day - a.start
        if blows >= p.joint_dispute_escalation * math.exp(-together / p.joint_familiarity_days):
            return
        self.clashes += 1
        actor = int(self.stream.integers(2))
        model.forces.clash(sector, 1 - actor, actor_side=actor, rng=self.stream)


@kernel
def joint_stop(stream: np.ndarray, effort: float, joint_effort: float, draws: np.ndarray) -> bool:
    """Whether a crossing detected by ``effort``, of which ``joint_effort`` came from joint
    units, was the joint units' stop (``JointPosts``' rule): four uniforms, the first
    deciding it; the other three (each contingent's following the procedure, blows) go
    into ``draws`` for ``JointPosts.stopped``."""
    g = generator(stream)
    who = g.random()
    for k in range(3):
        draws[k] = g.random()
    return who * effort < joint_effort
