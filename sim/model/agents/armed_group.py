"""Armed groups: they plan cross-border attacks where they have learned attempts succeed;
spoilers among them also answer, and strike at, what threatens their base."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.model.agents.crosser import (
    ACTOR,
    BEST,
    FRESH,
    RATE,
    START,
    TARGET,
    BorderCrosser,
    fresh_cdf,
    learn,
    pick,
)
from sim.model.agents.crosser import COLUMNS as CROSSER_COLUMNS
from sim.model.agents.crosser import PLANES as CROSSER_PLANES
from sim.model.agents.roster import PULL, Column, Plane
from sim.model.agents.sums import python_sum
from sim.model.communities import exposed
from sim.model.compiled import generator, kernel
from sim.model.incidents import IncidentType, append
from sim.model.search import CROSSING, DETECTED, DONE, MET, conditions, cross, handle

ATTACK, INTERDICTION = int(IncidentType.ATTACK), int(IncidentType.INTERDICTION)

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel

FIGHTERS, ARMS, URGE, MENACE, STAGING, URGE_DECAY, SPOILER = range(
    CROSSER_COLUMNS, CROSSER_COLUMNS + 7
)
"""A group's columns in its roster's ``state``, after a crosser's."""
COLUMNS = CROSSER_COLUMNS + 7
THREAT, HOME_STRIKE = range(CROSSER_PLANES, CROSSER_PLANES + 2)
"""A group's planes in its roster's ``sectors``, after a crosser's: its perceived threat,
and 1.0 where a project in its recruitment cell is all it saw there (it strikes it)."""
PLANES = CROSSER_PLANES + 2
(
    ATTEMPT_RATE, REFERENCE, RESPONSE, DETERRENCE, PER_ATTEMPT, LOSSES_INTERDICTED,
    JUMP_SUCCESS, COUNTERSTRIKE, LOSSES_STRUCK, JUMP_STRUCK, HARM, CAMP_CROWD,
) = range(12)  # fmt: skip
"""The groups' ``_rule``: attempt rate, reference fighters, threat response, deterrence
exponent, arms per attempt, mean losses when interdicted, urge jump after a success, the
attacked state's chance to strike back, mean losses when struck, urge jump when struck,
the chance an exposed person is harmed, the people a full camp exposes."""
PERCEIVE, JOINT_INTERDICTION, ATTACKED = 10, 11, 12
"""What ``_decide`` hands back besides ``cross``'s: a spoiler that reviews the threats
to its base first, an interdiction where joint units patrol, an attack that got through."""
DECIDE, PERCEIVED, SEARCH = range(3)
"""A group's steps in ``_decide`` (where it goes on after Python acted)."""
SIDE, SECTOR, INDEX, CASUALTIES = range(2, 6)
"""The attempt in ``_decide``'s cursor, after the position and step."""


class ArmedGroup(BorderCrosser):
    """A non-state armed group based on one side, striking across the line.

    Rule (every group): each day, if it has arms, attempt an attack with
    probability ``attempt_rate * (fighters / reference) * (1 + urge + threat_response *
    menace) * best_expected_success ** deterrence_exponent`` at the sector it
    staged for (chosen as a ``BorderCrosser``, where it has learned attempts
    succeed, when its previous attempt went); if detected the attempt is
    interdicted (fighters lost), otherwise it is an attack with heavy-tailed
    casualties. Success and being struck raise ``urge``, which decays with a
    half-life: violence excites more violence. ``menace`` is 0 for a group that
    is not a spoiler.

    Rule (spoilers): every ``threat_review_days`` a spoiler looks at the sectors of
    its reach for the assets that erode its base: a joint post (both sides' joint units hold the
    sector: its crossings are watched by both), a ceasefire-monitor team (its
    attacks are seen and attributed: it loses cover), customs inspectors at a
    gate (they cut the smuggling route that arms it; counted as the share of the
    gate's traffic they search) and an economic project in its recruitment cell
    (its home side of the sector: less hardship, fewer recruits). Each counts 1.
    Its perceived ``threat`` in a sector moves toward what it sees there with a
    memory of ``threat_memory_days``, so it rises as assets arrive and decays
    after they leave; ``menace`` is its mean over the reach. The spoiler steps up
    attempts with ``menace`` (above), and targets the assets: a sector's pull is
    ``exp((learned success + target_value * threat) / temperature)``.
    It strikes across the line, where joint posts, gates and monitors stand on
    both sides; where a project in its own recruitment cell is the only asset
    it sees in the sector, it strikes the project there, on its home side,
    meeting that side's forces. The roadmap's phase number plays no part.

    Attributes (besides ``BorderCrosser``'s; ``rate`` is today's attempt probability):
        fighters, arms: strength and arms stock (one attempt uses ``arms_per_attempt``).
        urge: self-exciting revenge/momentum term.
        spoiler: whether it perceives and answers threats to its base.
        threat: per sector of its reach, its perceived threat there (spoilers; zeros).
        menace: mean perceived threat over its reach.
        staging: index into ``sectors`` of its next attempt (what informants may hear of).
    """

    def __init__(self, model: RoadmapModel, home: int, centre: int, spoiler: bool) -> None:
        a = model.params.armed_groups
        super().__init__(
            model,
            home,
            centre,
            a.reach_sectors,
            a.initial_success,
            a.choice_temperature,
            a.learning_rate,
            "armed_group",
            COLUMNS,
            PLANES,
        )
        self.p = a
        state = self._roster.state[self._row]
        state[FIGHTERS] = a.initial_fighters
        state[ARMS] = a.initial_arms
        state[URGE_DECAY] = 0.5 ** (1.0 / a.urge_half_life)
        state[SPOILER] = spoiler
        self.spoiler = spoiler
        self._threat_step = -math.expm1(-a.threat_review_days / a.threat_memory_days)
        self._gates = model.border.gate[self.reach].copy()
        g, c = model.params.governments, model.params.communities
        self._rule = np.array(
            [
                a.attempt_rate,
                a.reference_fighters,
                a.threat_response,
                a.deterrence_exponent,
                a.arms_per_attempt,
                a.losses_interdicted,
                a.urge_jump_success,
                g.counterstrike,
                a.losses_counterstrike,
                a.urge_jump_struck,
                min(1.0, c.harm_share * a.casualty_scale),
                model.params.corridors.camp_crowd,
            ]
        )
        self.staging = self.choose(self.stream.random())

    fighters = Column(FIGHTERS, int, settable=True)
    arms = Column(ARMS, settable=True)
    urge = Column(URGE, settable=True)
    threat = Plane(THREAT)
    menace = Column(MENACE)
    staging = Column(STAGING, int, settable=True)

    def _perceive(self) -> None:
        """Move its perceived threat toward today's assets; refresh its targeting. The one
        place that reads other actors' assets."""
        model, roster, row = self.model, self._roster, self._row
        _review(
            roster.sectors[row], roster.state[row], model.monitors.present, self._gates,
            model.customs.inspected_share(), np.array(model.search.joint_posts, dtype=np.int64),
            model.communities.project[self.home], self.reach.start, self._threat_step,
            self.p.target_value,
        )  # fmt: skip

    def ready(self) -> bool:
        """Preparing attacks: willing, and armed for one."""
        return self.rate > 0 and self.arms >= self.p.arms_per_attempt


def strength(groups: list[ArmedGroup]) -> tuple[int, float]:
    """All groups' fighters and arms (the daily series), read from their roster at once:
    the same sums, in the same order, as over their attributes."""
    if not groups:
        return 0, 0.0
    state = groups[0]._roster.state
    return int(sum(state[:, FIGHTERS].tolist())), sum(state[:, ARMS].tolist())


def strike(groups: list[ArmedGroup]) -> None:
    """The groups' day, in the order given (the model's shuffle): each maybe attempts an
    attack (the rule is in ``ArmedGroup``'s docstring). One kernel call decides for the
    groups in turn and carries out their attempts; it hands back to Python a spoiler to
    perceive, what a crossing leaves others to do (``sim.model.search.handle``), a joint
    interdiction (trust) and an attack's answer (the government's, and what it does to
    communities, mediator and roadmap), and then goes on where it stopped (an attempt
    changes what the next group meets)."""
    if not groups:
        return
    first = groups[0]
    roster, model = first._roster, first.model
    order = tuple([g._row for g in groups])  # a tuple reaches a kernel faster than an array
    perceive = model.day % first.p.threat_review_days == 0
    log, search, corridors, (a, b) = (
        model.log,
        model.search,
        model.communities.corridors,
        model.governments,
    )
    cursor, work = roster.cursor, roster.work
    while True:
        if log.effort.size - log.size[0] < len(order):
            log.grow()  # room for an entry per group: the kernel never finds it full
        code = _decide(
            roster.handles, roster.state, roster.sectors, first._rule, order, perceive, cursor,
            work, model.day, log.table, log.effort, log.size, log.border_per_day, a._seen,
            b._seen, search.joint, model.communities.crowd, corridors.zones, corridors.capacity,
            *conditions(model),
        )  # fmt: skip
        if code == DONE:
            return
        side, sector = int(cursor[SIDE]), int(cursor[SECTOR])
        if code == PERCEIVE:
            groups[cursor[0]]._perceive()
        elif code == JOINT_INTERDICTION:
            model.on_joint_interdiction()
        elif code == ATTACKED:
            casualties = int(cursor[CASUALTIES])
            model.governments[side].respond_to_attack(sector, casualties)
            model.report_casualties(side, sector, casualties)
        else:
            handle(model, code, side, sector, work)


@kernel
def _decide(
    handles: np.ndarray,
    state: np.ndarray,
    sectors: np.ndarray,
    rule: np.ndarray,
    order: tuple[int, ...],
    perceive: bool,
    cursor: np.ndarray,
    work: np.ndarray,
    day: int,
    table: np.ndarray,
    effort: np.ndarray,
    size: np.ndarray,
    border_per_day: np.ndarray,
    seen_a: np.ndarray,
    seen_b: np.ndarray,
    joint_layer: np.ndarray,
    crowd: np.ndarray,
    zones: np.ndarray,
    capacity: float,
    counts: np.ndarray,
    row: int,
    paired: np.ndarray,
    terrain: np.ndarray,
    covered: np.ndarray,
    intel: np.ndarray,
    joint_posts: np.ndarray,
    sweep_rate: float,
    unit_effort: float,
    other_side: float,
    alert_chance: float,
    quality: float,
    sharing: float,
    trust_a: float,
    trust_b: float,
) -> int:
    """The groups' day, from where ``cursor`` stands (position in ``order``, step; the
    attempt's side, sector, reach index, and an attack's casualties) until done
    (``DONE``, the cursor back at the start) or Python must act (what it hands back).
    ``work``: the attempt's crossing record, then its two uniforms. The arguments from ``counts`` on
    are ``cross``'s conditions; ``rule``: see ``ArmedGroup._rule``.

    Each group's urge decays (before a spoiler perceives, on a review day); today's
    attempt probability is its ``RATE``; it attempts if armed and a draw falls under
    it, striking where it staged (at home where ``HOME_STRIKE``, otherwise across the
    line) and staging anew; two uniforms decide the sensors' alert and the
    detection (``cross``). Then ``_interdicted`` or ``_attacked``; it learns whether it
    got through."""
    c, drawn = work[:CROSSING], work[CROSSING:]
    while cursor[0] < len(order):
        r = order[cursor[0]]
        s = state[r]
        if cursor[1] != SEARCH:
            if cursor[1] == DECIDE:
                s[URGE] *= s[URGE_DECAY]
                if perceive and s[SPOILER]:
                    cursor[1] = PERCEIVED
                    return PERCEIVE
            deterrence = s[BEST] ** rule[DETERRENCE]
            motive = 1.0 + s[URGE] + rule[RESPONSE] * s[MENACE]
            s[RATE] = min(
                rule[ATTEMPT_RATE] * s[FIGHTERS] / rule[REFERENCE] * motive * deterrence, 1.0
            )
            g = generator(handles[r])
            if s[ARMS] < rule[PER_ATTEMPT] or g.random() >= s[RATE]:
                cursor[0], cursor[1] = cursor[0] + 1, DECIDE
                continue
            i = int(s[STAGING])  # it strikes where it staged, and stages anew
            s[STAGING] = pick(fresh_cdf(sectors[r], s), g.random())
            s[ARMS] -= rule[PER_ATTEMPT]
            drawn[0] = g.random()
            drawn[1] = g.random()
            home_strike = sectors[r, HOME_STRIKE, i] != 0.0
            cursor[SIDE] = 1 - int(s[TARGET]) if home_strike else int(s[TARGET])
            cursor[SECTOR], cursor[INDEX], cursor[1] = int(s[START]) + i, i, SEARCH
            c[:] = 0.0
        side, sector = cursor[SIDE], cursor[SECTOR]
        code = cross(
            c, side, sector, drawn[0], drawn[1], counts, row, paired, terrain, covered, intel,
            joint_posts, sweep_rate, unit_effort, other_side, alert_chance, quality, sharing,
            trust_a, trust_b,
        )  # fmt: skip
        if code != DONE:
            return code
        seen = seen_b if side else seen_a
        g = generator(handles[r])
        detected = c[DETECTED] != 0.0
        if detected:
            code = _interdicted(
                g, s, rule, day, side, sector, c[MET], table, effort, size, border_per_day,
                seen, joint_layer,
            )  # fmt: skip
        else:
            cursor[CASUALTIES] = _attacked(
                g, s, rule, day, side, sector, c[MET], table, effort, size, border_per_day,
                crowd, zones, capacity,
            )  # fmt: skip
            code = ATTACKED
        learn(sectors[r], s, np.full(1, cursor[INDEX]), np.full(1, 0.0 if detected else 1.0))
        cursor[0], cursor[1] = cursor[0] + 1, DECIDE
        if code != DONE:
            return code
    cursor[:] = 0
    return DONE


@kernel
def _interdicted(
    g: np.random.Generator,
    s: np.ndarray,
    rule: np.ndarray,
    day: int,
    side: int,
    sector: int,
    met: float,
    table: np.ndarray,
    effort: np.ndarray,
    size: np.ndarray,
    border_per_day: np.ndarray,
    seen: np.ndarray,
    joint_layer: np.ndarray,
) -> int:
    """A group's attempt was interdicted: it loses fighters (Poisson); the entry in the
    log; the state it crossed into sees it (``Government.observe``). Returns
    ``JOINT_INTERDICTION`` where joint units patrol the sector (trust: Python's), or
    ``DONE``."""
    lost = min(s[FIGHTERS], float(g.poisson(rule[LOSSES_INTERDICTED])))
    s[FIGHTERS] -= lost
    append(
        table, effort, size, border_per_day, day, sector, side, INTERDICTION, int(s[ACTOR]),
        True, 0, met, int(lost), False,
    )  # fmt: skip
    seen[sector] += 1.0
    joint = joint_layer[0, sector] + joint_layer[1, sector]
    return JOINT_INTERDICTION if joint > 0 else DONE


@kernel
def _attacked(
    g: np.random.Generator,
    s: np.ndarray,
    rule: np.ndarray,
    day: int,
    side: int,
    sector: int,
    met: float,
    table: np.ndarray,
    effort: np.ndarray,
    size: np.ndarray,
    border_per_day: np.ndarray,
    crowd: np.ndarray,
    zones: np.ndarray,
    capacity: float,
) -> int:
    """A group's attack got through: its victims (``exposed`` people, each harmed with
    chance ``HARM``), the entry in the log, its urge jumps; the attacked state may hit
    back at the group itself (losses, and more urge). Returns the casualties (the
    attacked government's answer and its effects are Python's)."""
    people = exposed(crowd, zones, capacity, rule[CAMP_CROWD], side, sector, g.random())
    casualties = g.binomial(people, rule[HARM])
    append(
        table, effort, size, border_per_day, day, sector, side, ATTACK, int(s[ACTOR]),
        False, casualties, met, 0, False,
    )  # fmt: skip
    s[URGE] += rule[JUMP_SUCCESS]
    if g.random() < rule[COUNTERSTRIKE]:
        s[FIGHTERS] -= min(s[FIGHTERS], float(g.poisson(rule[LOSSES_STRUCK])))
        s[URGE] += rule[JUMP_STRUCK]
    return casualties


@kernel
def _review(
    sectors: np.ndarray,
    state: np.ndarray,
    monitors: np.ndarray,
    gates: np.ndarray,
    watch: float,
    joint_posts: np.ndarray,
    project: np.ndarray,
    start: int,
    step: float,
    target_value: float,
) -> None:
    """A spoiler's review of the assets over its reach (sectors from ``start``): at the
    line a monitor team, a gate's customs (the share ``watch`` of traffic searched) and a
    joint post count 1 each; a ``project`` in its recruitment cell counts 1. Its threat
    moves toward what it sees by ``step``; ``MENACE`` is the threat's mean, ``PULL`` the
    threat times ``target_value``, ``HOME_STRIKE`` where a project is all it saw. Nothing
    changes while it sees nothing and feels no menace."""
    width = sectors.shape[1]
    line = np.empty(width)
    for s in range(width):
        line[s] = (1.0 if monitors[start + s] else 0.0) + (watch if gates[s] else 0.0)
    for sector in joint_posts:
        if start <= sector < start + width:
            line[sector - start] += 1.0
    cell = project[start : start + width]
    if state[MENACE] == 0.0 and not np.any(line != 0.0) and not np.any(cell):
        return
    threat = sectors[THREAT]
    for s in range(width):
        seen = line[s] + (1.0 if cell[s] else 0.0)
        threat[s] = threat[s] + (seen - threat[s]) * step
        sectors[PULL, s] = target_value * threat[s]
        sectors[HOME_STRIKE, s] = 1.0 if cell[s] and line[s] == 0.0 else 0.0
    state[MENACE] = python_sum(threat, width) / width
    state[FRESH] = 0.0
