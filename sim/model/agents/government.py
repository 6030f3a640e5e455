"""The two governments: trust, tension, patrol deployment and the answer to attacks.

A government holds trust and tension toward the other state, deploys its
patrol units by its threat picture, and answers attacks on its side: it may
blame the other state and strike back across the line (through
:class:`sim.model.agents.forces.StateForces`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from sim.model.agents.patrol import PatrolForce, PatrolUnit
from sim.model.measures import Measure

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel


def apportion(totals: list[int], share: np.ndarray) -> np.ndarray:
    """Split each of ``totals`` whole units by ``share``: one row of counts per total.

    Largest remainder: each row gets the floor of its exact share, and the
    units left go to the sectors with the largest remainders (ties to the
    lower index), so the split is deterministic.
    """
    totals = np.array(totals)  # (array methods and ufuncs: cheaper than np.* wrappers here)
    exact = totals[:, None] * share / np.add.reduce(share)
    counts = np.floor(exact).astype(np.int64)
    rest = totals - np.add.reduce(counts, axis=1)
    order = (counts - exact).argsort(axis=1, kind="stable")
    rank = order.argsort(axis=1)  # each sector's place in its row's order
    return counts + (rank < rest[:, None])


class Government(Agent):
    """A state's government: it patrols where it believes the threat is.

    Rule: every ``redeploy_days`` days, post a ``threat_focus`` share of its
    patrol units where its threat picture (recent hostile events its own
    collection saw, and intelligence reports it received) points and the rest
    evenly;
    after an attack on its side nobody explained (a monitor or the hotline), blame
    the other state with a chance that falls with trust, and if it blames,
    retaliate with a chance that rises with tension and falls with mediation. After an
    attack or a clash, suspend joint measures for ``suspension_days`` with
    chance ``suspension_chance * tension * (1 - trust)**2``: without trust,
    cooperation does not survive incidents.

    Attributes:
        side: 0 or 1.
        trust: trust toward the other state, in ``[trust_floor, 1]`` (it starts at
            ``max(initial_trust, trust_floor)``).
        tension: readiness to escalate, 0-1.
        threat: decayed count of hostile events seen per own sector.
        picture: the threat picture as shares of sectors (what drones and sensors follow).
        patrols: its units' posts and daily positions.
        suspended_until: first day joint measures are no longer suspended by it.
    """

    def __init__(self, model: RoadmapModel, side: int) -> None:
        super().__init__(model)
        g = model.params.governments
        self.side = side
        self.trust = max(g.initial_trust, g.trust_floor)
        self.tension = g.initial_tension
        self.stream = model.spawn_rng()
        n = model.border.n
        self.threat = np.zeros(n)
        self._seen = np.zeros(n)
        self.suspended_until = 0
        self.units: list[PatrolUnit] = []
        self._even = np.full(n, 1.0 / n)
        self.picture = self._even.copy()
        p = model.params.patrol
        self._threat_decay = math.exp(-p.redeploy_days / p.threat_memory_days)

    @property
    def other(self) -> Government:
        return self.model.governments[1 - self.side]

    def observe(self, sector: int) -> None:
        """Add a hostile event seen in an own sector to the threat picture."""
        self._seen[sector] += 1.0

    def relax(self) -> None:
        """Daily drift, as exact exponential steps so any rates in range keep values in range.

        Tension decays toward ``tension_floor`` at daily rate ``tension_decay * (1 +
        dialogue_decay_gain * dialogue)``: ``T <- floor + (T - floor) * exp(-rate)``.
        Trust follows ``dT/dt = growth * (1 - T) - trust_erosion * (T - trust_floor)``
        (growth from dialogue, cultural and economic ties), solved over the day:
        it moves toward the equilibrium ``(growth + erosion * floor) / (growth +
        erosion)``, a convex combination of 1 and the floor, so it never leaves
        ``[trust_floor, 1]``.
        """
        g, e = self.model.params.governments, self.model.measures.effect
        rate = g.tension_decay * (1.0 + g.dialogue_decay_gain * e[Measure.MILITARY_DIALOGUE])
        self.tension = g.tension_floor + (self.tension - g.tension_floor) * math.exp(-rate)
        growth = (
            g.trust_gain_dialogue * e[Measure.MILITARY_DIALOGUE]
            + g.trust_gain_cultural * e[Measure.CULTURAL_PROGRAMS]
            + g.trust_gain_economic * e[Measure.ECONOMIC_PROJECTS]
        )
        pull = growth + g.trust_erosion
        if pull > 0:
            target = (growth + g.trust_erosion * g.trust_floor) / pull
            self.trust = target + (self.trust - target) * math.exp(-pull)

    def shock(self, tension: float = 0.0, trust: float = 0.0) -> None:
        """An event raises tension (at most 1) and/or lowers trust (never below its floor)."""
        self.tension = min(1.0, self.tension + tension)
        self.trust = max(self.model.params.governments.trust_floor, self.trust - trust)

    def reconsider_cooperation(self) -> None:
        """After a serious incident, maybe suspend joint measures for a while."""
        g = self.model.params.governments
        if self.stream.random() < g.suspension_chance * self.tension * (1.0 - self.trust) ** 2:
            self.suspended_until = self.model.day + g.suspension_days

    def cooperating(self) -> bool:
        """Whether it takes part in joint measures today."""
        g = self.model.params.governments
        return self.model.day >= self.suspended_until and self.tension < g.cooperation_tension_limit

    def build_trust(self, amount: float) -> None:
        """A shared success builds trust (kept at most 1)."""
        self.trust = min(1.0, self.trust + amount)

    def station(self, units: list[PatrolUnit]) -> None:
        """Take command of ``units``; they have no post until first deployed."""
        n = self.model.border.n
        self.units = units
        self.patrols = PatrolForce(self.model, self.side, units)
        self._unposted = list(units)
        self._posts: list[list[PatrolUnit]] = [[] for _ in range(2 * n)]
        self._held = np.zeros(2 * n, dtype=np.int64)

    def redeploy(self) -> None:
        """Post patrol units to match the threat picture; they plan their patrols."""
        model, p = self.model, self.model.params.patrol
        self.threat = self.threat * self._threat_decay + self._seen
        self._seen[:] = 0.0
        seen = self.threat.sum()
        self.picture = self.threat / seen if seen > 0 else self._even
        share = (1 - p.threat_focus) * self._even + p.threat_focus * self.picture
        n_joint = round(
            len(self.units) * p.joint_share * model.measures.effect[Measure.JOINT_PATROLS]
        )
        counts = apportion([len(self.units) - n_joint, n_joint], share)  # national, joint
        self._move_units(counts.ravel())
        self.patrols.plan()

    def _move_units(self, wanted: np.ndarray) -> None:
        """Move as few units as possible so that each post holds ``wanted`` units.

        Posts are the national posts of sectors ``0..n-1``, then the joint posts.
        """
        change = wanted - self._held
        posts = change.nonzero()[0].tolist()
        if not posts:
            return
        self._held = wanted
        change = change[posts].tolist()
        spare = self._unposted
        spare += [
            self._posts[p].pop()
            for p, c in zip(posts, change, strict=True)
            if c < 0
            for _ in range(-c)
        ]
        n = self.model.border.n
        for p, c in zip(posts, change, strict=True):
            for _ in range(c):
                unit = spare.pop()
                self.patrols.assign(unit, p % n, p >= n)
                self._posts[p].append(unit)

    def respond_to_attack(self, sector: int, casualties: int) -> None:
        """An attack got through on this side: tension rises; blame and maybe retaliate.

        The attack is explained, and nobody is blamed, if a monitor in the sector
        saw who did it, or else if the hotline call gets through in time and the
        other state explains. Otherwise the state blames the other with chance
        ``blame * (1 - trust)`` and may strike back at it.
        """
        model = self.model
        g = model.params.governments
        severe = model.params.incidents.severe_casualties
        self.shock(tension=g.attack_shock * (1.0 + casualties / severe))
        self.observe(sector)
        self.reconsider_cooperation()
        seen_u, blame_u, strike_u = self.stream.random(3).tolist()
        if model.monitors.sees(sector, seen_u) or blame_u >= g.blame * (1.0 - self.trust):
            return
        if model.forces.hotline.call():
            return
        self.shock(trust=g.trust_loss_blame)
        if strike_u < g.retaliation * self.tension * (1.0 - model.mediator_restraint()):
            model.forces.clash(sector, 1 - self.side, actor_side=self.side, rng=self.stream)
