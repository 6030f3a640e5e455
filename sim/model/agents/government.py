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

from sim.model.agents.muster import MOVED, PLACED, SPARE, muster, patrol_strength
from sim.model.agents.patrol import PatrolForce, PatrolUnit, settle
from sim.model.agents.patrol_plan import JOINT, POST, POSTED, RANK
from sim.model.agents.training import instructors
from sim.model.compiled import allocating_kernel, array_sum, kernel
from sim.model.measures import Measure

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel


def apportion(totals: list[int] | np.ndarray, share: np.ndarray) -> np.ndarray:
    """Split each of ``totals`` whole units by ``share`` (non-negative; one for all, or a
    row per total): one row of counts per total.

    Largest remainder: each row gets the floor of its exact share, and the
    units left go to the sectors with the largest remainders (ties to the
    lower index), so the split is deterministic.
    """
    share = np.asarray(share, dtype=float)
    return _apportion(np.asarray(totals, dtype=np.int64), share.reshape(-1, share.shape[-1]))


@allocating_kernel
def _apportion(totals: np.ndarray, share: np.ndarray) -> np.ndarray:
    """``apportion`` of ``totals`` by the rows of ``share`` (one row: the same for all)."""
    counts = np.zeros((totals.size, share.shape[1]), dtype=np.int64)
    for row in range(totals.size):
        weights = share[min(row, share.shape[0] - 1)]
        whole = array_sum(weights)
        left = totals[row]
        rest = np.empty(weights.size)  # minus each sector's remainder: largest first
        for s in range(weights.size):
            exact = totals[row] * weights[s] / whole
            counts[row, s] = np.int64(exact)  # the floor: exact shares are non-negative
            left -= counts[row, s]
            rest[s] = counts[row, s] - exact
        order = np.argsort(rest, kind="mergesort")  # stable: ties to the lower index
        for s in order[:left]:
            counts[row, s] += 1
    return counts


THREAT, SEEN, PICTURE, SPREAD = 0, 1, 2, 3  # rows of a government's ``_state``


@allocating_kernel
def _review(state: np.ndarray, decay: float) -> None:
    """Fold the hostile events seen since the last review into the decayed threat and
    write its shares into the picture (even while nothing was ever seen): rows of
    ``state``."""
    threat, seen, picture = state[THREAT], state[SEEN], state[PICTURE]
    for s in range(threat.size):
        threat[s] = threat[s] * decay + seen[s]
        seen[s] = 0.0
    total = array_sum(threat)
    for s in range(threat.size):
        picture[s] = threat[s] / total if total > 0 else 1.0 / threat.size


@allocating_kernel
def _wanted(
    national: int,
    joint: int,
    spread: np.ndarray,
    focus: float,
    picture: np.ndarray,
    other: np.ndarray,
) -> np.ndarray:
    """Units wanted at each post: ``national`` units apportioned by ``spread + focus *
    picture``, then (with any) ``joint`` contingents by the same of both pictures' mean;
    national posts ``0..n-1``, then joint posts."""
    n = picture.size
    share = np.empty((2 if joint else 1, n))
    for s in range(n):
        share[0, s] = spread[s] + focus * picture[s]
        if joint:
            share[1, s] = spread[s] + focus * (0.5 * (picture[s] + other[s]))
    return _apportion(np.array([national, joint], dtype=np.int64), share).ravel()


@kernel
def _move(
    wanted: np.ndarray,
    held: np.ndarray,
    posts: np.ndarray,
    spare: np.ndarray,
    n_spare: int,
    ints: np.ndarray,
    flags: np.ndarray,
    cycle: np.ndarray,
    c: int,
    placed: np.ndarray,
    moved: np.ndarray,
) -> tuple[int, int, int]:
    """Move as few units as possible so that post ``p`` holds ``wanted[p]`` units (the
    ``held[p]`` first of ``posts[p]``): the posts holding too many give up their last
    posted units to the stack of spare units (``spare[:n_spare]``), lowest post first;
    then the posts holding too few take spare units from the top of the stack, lowest
    post first. Posts ``0..n-1`` are national, ``n..2n-1`` joint. The force's arrays
    (``ints``, ``flags``: :mod:`sim.model.agents.patrol_plan`) take the postings, and its
    units their duty cycles (``settle``). Writes into ``moved``, in order, the units
    posted away from the sector of their Mesa cell (``placed``, then updated).

    Returns the spare units left, how many units ``moved`` holds and the joint
    contingents (-1: nothing changed)."""
    n = wanted.size // 2
    changed = False
    for p in range(wanted.size):
        while held[p] > wanted[p]:
            held[p] -= 1
            spare[n_spare] = posts[p, held[p]]
            n_spare += 1
            changed = True
    count = 0
    for p in range(wanted.size):
        while held[p] < wanted[p]:
            n_spare -= 1
            unit = spare[n_spare]
            ints[POST, unit], ints[RANK, unit] = p % n, held[p]
            flags[JOINT, unit], flags[POSTED, unit] = p >= n, True
            posts[p, held[p]] = unit
            held[p] += 1
            changed = True
            if placed[unit] != p % n:
                placed[unit] = p % n
                moved[count] = unit
                count += 1
    if not changed:
        return n_spare, 0, -1
    return n_spare, count, settle(spare[:n_spare], ints, flags, cycle, c)


@allocating_kernel
def _deploy(
    own: np.ndarray,
    other: np.ndarray,
    review: int,
    decay: float,
    focus: float,
    n_joint: int,
    teams: int,
    proficiency: float,
    per_team: int,
    ints: np.ndarray,
    flags: np.ndarray,
    skill: np.ndarray,
    cycle: np.ndarray,
    c: int,
    posts: np.ndarray,
    held: np.ndarray,
    stack: np.ndarray,
    n_spare: int,
) -> tuple[int, int, int]:
    """``Government.redeploy`` up to the units' plans: review the threat pictures due
    (``review``: bit 0 its own, bit 1 the other's, ``state`` rows), detail instructors
    (``instructors``, up to ``teams``) out of the ``n_joint`` contingents wanted, and
    move the units (``_move``; the force's arrays ``ints``, ``flags``, ``skill``; the
    posts' ``posts`` and ``held``; ``stack`` rows ``SPARE, PLACED, MOVED``). Returns
    what ``_move`` does."""
    if review & 1:
        _review(own, decay)
    if review & 2:
        _review(other, decay)
    units = ints.shape[1]
    trainers = instructors(teams, n_joint, flags[JOINT], skill, proficiency, per_team)
    n_joint = min(n_joint, units - trainers)
    national = units - n_joint - trainers
    wanted = _wanted(national, n_joint, own[SPREAD], focus, own[PICTURE], other[PICTURE])
    return _move(
        wanted, held, posts, stack[SPARE], n_spare, ints, flags, cycle, c, stack[PLACED],
        stack[MOVED],
    )  # fmt: skip


class Government(Agent):
    """A state's government: it patrols where it believes the threat is.

    Rule: every ``redeploy_days`` days, post a ``threat_focus`` share of its
    patrol units where its threat picture (recent hostile events its own
    collection saw, and intelligence reports it received) points and the rest
    evenly;
    sets its forces' rules of engagement from its tension (:meth:`orders`);
    after an attack on its side nobody explained (a monitor or the hotline), blame
    the other state with a chance that falls with trust, and if it blames,
    retaliate with a chance that rises with tension, unless a mediator is
    investigating there. After an
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
        g = self.g = model.params.governments
        self.side = side
        self.trust = max(g.initial_trust, g.trust_floor)
        self.tension = g.initial_tension
        self.stream = model.spawn_rng()
        n = model.border.n
        self.suspended_until = 0
        self.units: list[PatrolUnit] = []
        p = model.params.patrol
        self._state = np.zeros((4, n))  # rows THREAT, SEEN, PICTURE, SPREAD
        self._state[PICTURE] = 1.0 / n
        self._state[SPREAD] = (1 - p.threat_focus) * self.picture  # a share's even part
        self._threat_decay = math.exp(-p.redeploy_days / p.threat_memory_days)
        self._tension_keep = math.exp(-g.tension_decay)
        self._trust_keep = math.exp(-g.trust_erosion)

    # Views of its state, made on each access (a copy of the government keeps them views).
    threat = property(lambda self: self._state[THREAT], doc="Decayed hostile events seen.")
    picture = property(lambda self: self._state[PICTURE], doc="The threat picture's shares.")
    _seen = property(lambda self: self._state[SEEN], doc="Events seen since the last review.")

    @property
    def other(self) -> Government:
        return self.model.governments[1 - self.side]

    def observe(self, sector: int) -> None:
        """Add a hostile event seen in an own sector to the threat picture."""
        self._seen[sector] += 1.0

    def relax(self) -> None:
        """Daily drift, as exact exponential steps so any rates in range keep values in range.

        Tension decays toward ``tension_floor`` at ``tension_decay`` a day; trust
        erodes toward ``trust_floor`` at ``trust_erosion`` a day (memory fades).
        Nothing else moves them but events: incidents, grievances settled,
        arrangements kept or broken, deliveries seen (:meth:`shock`,
        :meth:`relieve`, :meth:`build_trust`).
        """
        g = self.g
        self.tension = g.tension_floor + (self.tension - g.tension_floor) * self._tension_keep
        self.trust = g.trust_floor + (self.trust - g.trust_floor) * self._trust_keep

    def shock(self, tension: float = 0.0, trust: float = 0.0) -> None:
        """An event raises tension (at most 1) and/or lowers trust (never below its floor)."""
        self.tension = min(1.0, self.tension + tension)
        self.trust = max(self.g.trust_floor, self.trust - trust)

    def relieve(self, tension: float) -> None:
        """A grievance settled takes back tension it still carries (never below the floor)."""
        floor = self.g.tension_floor
        self.tension = max(min(self.tension, floor), self.tension - tension)

    def orders(self) -> int:
        """Today's rules of engagement for its forces: 0 restrained, 1 standard, 2 permissive.

        The government sets them from its tension (``orders_tension``): what its
        local commanders then do under them is theirs to decide.
        """
        low, high = self.g.orders_tension
        return 0 if self.tension < low else 2 if self.tension >= high else 1

    def reconsider_cooperation(self) -> None:
        """After a serious incident, maybe suspend joint measures for a while."""
        g = self.g
        if self.stream.random() < g.suspension_chance * self.tension * (1.0 - self.trust) ** 2:
            self.suspended_until = self.model.day + g.suspension_days

    def cooperating(self) -> bool:
        """Whether it takes part in joint measures today."""
        g = self.g
        return self.model.day >= self.suspended_until and self.tension < g.cooperation_tension_limit

    def build_trust(self, amount: float) -> None:
        """A shared success builds trust (kept at most 1)."""
        self.trust = min(1.0, self.trust + amount)

    def station(self, units: list[PatrolUnit]) -> None:
        """Take command of ``units``; they have no post until first deployed."""
        n, k = self.model.border.n, len(units)
        self.units = units
        self.patrols = PatrolForce(self.model, self.side, units)
        self._stack = np.empty((3, k), dtype=np.int64)
        self._stack[SPARE] = np.arange(k)
        self._stack[PLACED] = -1
        self._n_spare = k  # the spare units on the stack
        self._posts = np.empty((2 * n, k), dtype=np.int64)  # each post's units, as posted
        self._held = np.zeros(2 * n, dtype=np.int64)
        space, side = self.model.space, self.side
        self._cells = [space[(sector, side)] for sector in range(n)]
        self._reviewed = -1  # the step of its last review of the threat picture

    def redeploy(self) -> None:
        """Post patrol units to match the threat picture; they plan their patrols.

        Both governments' threat pictures take in what was seen since their last
        review first (once a redeployment: the joint posts need both). Its
        contingents of joint units go to joint posts where both pictures point (the
        two commands post as many contingents, a share of the smaller force, and post
        them alike, so they pair up); the instructor
        teams joint training needs get no post. Moves as few units as possible;
        units left over have no post (instructors). A strength a move changed is taken
        up first (:mod:`sim.model.agents.muster`).
        """
        model, p, other = self.model, self.model.params.patrol, self.other
        if patrol_strength(p, self.side) != len(self.units):  # a move changed its strength
            muster(self, patrol_strength(p, self.side))
        steps, force, training = model.steps, self.patrols, model.training
        review = (self._reviewed != steps) | 2 * (other._reviewed != steps)
        self._reviewed = other._reviewed = steps
        fielded = min(len(self.units), len(other.units))  # contingents come in pairs
        n_joint = round(fielded * p.joint_share * model.measures.effect[Measure.JOINT_PATROLS])
        stack, t = self._stack, training.p
        self._n_spare, moved, joint = _deploy(
            self._state, other._state, review, self._threat_decay, p.threat_focus, n_joint,
            training.teams(), t.proficiency, t.trainees_per_trainer, force._ints, force._flags,
            force.skill, force._cycle, force._c, self._posts, self._held, stack, self._n_spare,
        )  # fmt: skip
        self._moved(moved, joint)
        force.plan()

    def _move_units(self, wanted: np.ndarray) -> None:
        """Move as few units as possible so that each post holds ``wanted`` units (the
        national posts of sectors ``0..n-1``, then the joint posts); units left over
        have no post (instructors)."""
        force, stack = self.patrols, self._stack
        self._n_spare, moved, joint = _move(
            wanted, self._held, self._posts, stack[SPARE], self._n_spare, force._ints,
            force._flags, force._cycle, force._c, stack[PLACED], stack[MOVED],
        )  # fmt: skip
        self._moved(moved, joint)

    def _moved(self, moved: int, joint: int) -> None:
        """A move placed ``moved`` units anew (``MOVED``), ``joint`` of the units now
        contingents (-1: nothing changed): their Mesa cells follow, and the force takes
        note."""
        if joint < 0:
            return
        cells, units, stack = self._cells, self.units, self._stack
        for i in stack[MOVED, :moved].tolist():
            units[i].cell = cells[stack[PLACED, i]]
        self.patrols.settled(joint, self._n_spare)

    def respond_to_attack(self, sector: int, casualties: int) -> None:
        """An attack got through on this side: tension rises; blame and maybe retaliate.

        The attack is explained, and nobody is blamed, if a monitor in the sector
        saw who did it, or else if the hotline call gets through in time and the
        other state explains. Otherwise the state blames the other with chance
        ``blame * (1 - trust)``; the blame is a grievance the commands' meetings
        or a mediator may settle. It strikes back with chance ``retaliation *
        tension``, unless a mediator holds a case in the sector: then it awaits
        the findings.
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
        model.dialogue.grievance(model.day, sector, self.side, 0.0, g.trust_loss_blame, False)
        if model.mediator is not None and model.mediator.handling(sector, model.day):
            return
        if strike_u < g.retaliation * self.tension:
            model.forces.clash(sector, 1 - self.side, actor_side=self.side, rng=self.stream)
