"""What happens between the two states' forces at the line: orders, local commanders, fire.

``StateForces`` holds the daily interactions of the two states' national units:
chance encounters at the line, and the decisions of the local commanders (one
per side and sector) to open fire, at an encounter or unprovoked. No chance
here is a function of tension alone: tension sets a government's orders
(:meth:`Government.orders <sim.model.agents.government.Government.orders>`),
and what happens depends on where units are, who commands them, what they
suffered lately, who watches and what the two commands agreed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.agents.hotline import Hotline
from sim.model.compiled import Port, generator, kernel
from sim.model.detection import detection_probability
from sim.model.incidents import IncidentType

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel


class StateForces:
    """Daily interactions of the two states' forces along the line.

    Rules:

    - *Who is at the line.* At each redeployment every national unit decides
      whether its patrols go up to the line (chance ``forward_share`` of its
      government's current orders), as far as the sector has positions facing
      the line (``line_posts`` per side: the others patrol in depth); in a
      sector under a hold-back arrangement
      (:class:`~sim.model.agents.dialogue.MilitaryDialogue`) none do.
    - *Encounters.* Forward units of the two sides out in a sector in the same
      time slot (shared schedules: :class:`~sim.model.agents.hotline.Hotline`)
      meet with chance ``1 - exp(-friction_rate * overlap)`` a day.
    - *Local commanders.* One per side and sector, with a fixed temper (Gamma,
      mean 1) and a grievance (times fired upon there, decaying). At an
      encounter each opens fire with chance ``open_fire[orders] * temper +
      grievance_response * grievance``; unprovoked, each with units in the
      sector fires across the line with chance ``violation_urge[orders] *
      temper + grievance_response * grievance`` a day. Before firing, a
      commander thinks twice where a monitor may see him (holds with chance
      ``monitors.caution`` times the chance of being seen) and, where an
      arrangement binds him, holds with chance ``discipline`` (else he breaks it).
    - *Consequences.* Fire at an encounter is a clash unless a hotline call gets
      through in time; fire across the line is a ceasefire violation, verified
      if a monitor saw it. Either is a grievance of the side fired upon, for the
      commands' meetings or a mediator to settle, and raises the grievance of
      its commander in that sector.
    """

    def __init__(self, model: RoadmapModel) -> None:
        self.model = model
        self.g = model.params.governments
        self.stream = model.spawn_rng()
        self._port = Port(self.stream)
        self.national = model.space.layer("patrol_effort")
        self.hotline = Hotline(model)
        n = model.border.n
        self.meet = np.zeros(n)
        shape = self.g.temper_shape
        self.temper = self.stream.gamma(shape, 1.0 / shape, size=(2, n))
        self.grievance = np.zeros((2, n))
        self._grievance_keep = 0.5 ** (1.0 / self.g.grievance_half_life)
        self._grievance_response = float(self.g.grievance_response)
        # Today's meeting sectors, and the sides and sectors whose commanders want to fire.
        self._sectors, self._sides = np.empty(2 * n, dtype=np.int64), np.empty(2 * n, np.int64)
        self.forward = np.zeros((2, n), dtype=np.int64)  # written anew at each redeployment

    def on_redeploy(self) -> None:
        """Units moved: each decides whether it goes up to the line under its orders."""
        model, g = self.model, self.g
        share, (a, b) = g.forward_share, model.governments
        _forward(
            self._port.handle,
            self.national,
            model.params.patrol.unit_effort,
            float(share[a.orders()]),
            float(share[b.orders()]),
            g.line_posts,
            model.dialogue.bound,
            self.forward,
        )
        self.meet = detection_probability(self.hotline.overlap(self.forward), g.friction_rate)

    def step(self, day: int) -> None:
        """Run today's encounters and unprovoked fire."""
        orders = [gov.orders() for gov in self.model.governments]
        g, sides, sectors = self.g, self._sides, self._sectors
        urge = float(g.violation_urge[orders[0]]), float(g.violation_urge[orders[1]])
        urges = (self.grievance, self._grievance_response, *urge, self.temper, self.national)
        meets, fire = _day(
            self._port.handle, self._grievance_keep, self.meet, *urges, sides, sectors
        )
        if meets:  # the encounters' draws come before the urges'
            self._encounters(orders, sectors[:meets].tolist())
            fire = _urges(self._port.handle, *urges, sides, sectors)
        if fire:
            self._violations(day, sides[:fire].tolist(), sectors[:fire].tolist())

    def _restrained(self, side: int, sector: int, u_watch: float, u_bound: float) -> bool:
        """Whether side ``side``'s commander at ``sector``, about to fire, holds:
        for fear of being seen, or bound by an arrangement (else he breaks it)."""
        model = self.model
        if u_watch < model.params.monitors.caution * model.monitors.chance_seen(sector):
            return True
        if model.dialogue.bound[sector]:
            if u_bound < self.g.discipline:
                return True
            model.dialogue.breach(sector, side)
        return False

    def _encounters(self, orders: list[int], meets: list[int]) -> None:
        """Forward units of the two sides met at ``meets``: each commander may open fire."""
        g = self.g
        for sector in meets:
            fire_u, watch_u, bound_u = self.stream.random((3, 2)).tolist()
            firing = [
                side
                for side in (0, 1)
                if fire_u[side]
                < g.open_fire[orders[side]] * self.temper[side, sector]
                + g.grievance_response * self.grievance[side, sector]
                and not self._restrained(side, sector, watch_u[side], bound_u[side])
            ]
            if not firing or self.hotline.call():
                continue
            first = firing[0] if len(firing) == 1 else int(self.stream.integers(2))
            self.clash(sector, 1 - first, actor_side=first, rng=self.stream)

    def clash(self, sector: int, side: int, actor_side: int, rng: np.random.Generator) -> None:
        """Forces of ``actor_side`` fire on the other state at ``sector``, on ``side``."""
        model = self.model
        g = self.g
        casualties = model.communities.victims(rng, side, sector, g.casualty_scale)
        model.log.add(
            model.day,
            sector,
            side,
            IncidentType.CLASH,
            model.state_actor(actor_side),
            True,
            casualties,
        )
        for gov in model.governments:
            gov.shock(tension=g.clash_shock, trust=g.trust_loss_clash)
            gov.reconsider_cooperation()
        victim = 1 - actor_side
        self.grievance[victim, sector] += 1.0
        model.dialogue.grievance(
            model.day, sector, victim, g.clash_shock, g.trust_loss_clash, False
        )
        model.report_casualties(side, sector, casualties)

    def _violations(self, day: int, sides: list[int], sectors: list[int]) -> None:
        """Commanders of ``sides`` at ``sectors`` want to fire across the line."""
        model, g = self.model, self.g
        monitors = model.monitors
        for side, sector in zip(sides, sectors, strict=True):
            watch_u, bound_u, look_u = self.stream.random(3).tolist()
            if self._restrained(side, sector, watch_u, bound_u):
                continue
            victim = 1 - side
            seen = monitors.sees(sector, look_u)
            model.log.add(
                day, sector, victim, IncidentType.CEASEFIRE_VIOLATION, model.state_actor(side), seen
            )
            monitors.report(sector)
            weight = model.params.monitors.verified_weight if seen else 1.0
            tension, trust = g.violation_shock * weight, g.trust_loss_violation * weight
            model.governments[victim].shock(tension=tension, trust=trust)
            self.grievance[victim, sector] += 1.0
            model.dialogue.grievance(day, sector, victim, tension, trust, seen)


@kernel
def _meetings(
    stream: np.ndarray, grievance: np.ndarray, keep: float, meet: np.ndarray, sectors: np.ndarray
) -> int:
    """The day begins: grievances fade (by ``keep``), and forward units of the two sides
    meet in each sector with chance ``meet``; writes the sectors where they met into
    ``sectors`` and returns how many."""
    for side in range(2):
        for sector in range(grievance.shape[1]):
            grievance[side, sector] *= keep
    g = generator(stream)
    count = 0
    for sector in range(meet.size):
        if g.random() < meet[sector]:
            sectors[count] = sector
            count += 1
    return count


@kernel
def _urges(
    stream: np.ndarray,
    grievance: np.ndarray,
    response: float,
    urge_a: float,
    urge_b: float,
    temper: np.ndarray,
    effort: np.ndarray,
    sides: np.ndarray,
    sectors: np.ndarray,
) -> int:
    """Each local commander (side by side, sector by sector) wants to fire across the line
    with chance ``grievance * response + urge * temper``, his side's urge under its orders;
    only one with units there (effort is whole units times a positive unit effort, so none
    there is no effort) can. Writes who into ``sides``, ``sectors``; returns how many."""
    g = generator(stream)
    count = 0
    for side in range(2):
        urge = urge_a if side == 0 else urge_b
        for sector in range(grievance.shape[1]):
            wants = g.random() < grievance[side, sector] * response + urge * temper[side, sector]
            if wants and effort[side, sector] > 0.0:
                sides[count] = side
                sectors[count] = sector
                count += 1
    return count


@kernel
def _day(
    stream: np.ndarray,
    keep: float,
    meet: np.ndarray,
    grievance: np.ndarray,
    response: float,
    urge_a: float,
    urge_b: float,
    temper: np.ndarray,
    effort: np.ndarray,
    sides: np.ndarray,
    sectors: np.ndarray,
) -> tuple[int, int]:
    """The day's draws up to the first decision that needs the model: meetings (their
    encounters come next, so a day with any stops there: no urges yet), else urges to fire.
    Returns (meetings, commanders who want to fire)."""
    meets = _meetings(stream, grievance, keep, meet, sectors)
    if meets:
        return meets, 0
    return 0, _urges(stream, grievance, response, urge_a, urge_b, temper, effort, sides, sectors)


@kernel
def _forward(
    stream: np.ndarray,
    national: np.ndarray,
    per_unit: float,
    share_a: float,
    share_b: float,
    line_posts: int,
    bound: np.ndarray,
    forward: np.ndarray,
) -> None:
    """Write into ``forward`` the forward units per side and sector, ``(2, n)``: each of
    the national units there (its ``national`` effort in whole units of ``per_unit``;
    none if that is not positive) goes up to the line with its side's chance (binomial
    draws from ``stream``, side A's sectors first), as far as ``line_posts`` allow; none
    where an arrangement binds."""
    g = generator(stream)
    for side in range(2):
        share = share_a if side == 0 else share_b
        for s in range(national.shape[1]):
            units = np.int64(np.rint(national[side, s] / per_unit)) if per_unit > 0 else 0
            forward[side, s] = min(g.binomial(units, share), line_posts)
            if bound[s]:
                forward[side, s] = 0
