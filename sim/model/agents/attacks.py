"""The armed groups' day: each may attempt an attack; what an attempt does when it is
interdicted and when it gets through (the rule is in ``ArmedGroup``'s docstring)."""

from __future__ import annotations

import numpy as np

from sim.model.agents.armed_group import (
    ARMS,
    ATTEMPT_RATE,
    CAMP_CROWD,
    COUNTERSTRIKE,
    DETERRENCE,
    FIGHTERS,
    HARM,
    HOME_STRIKE,
    JUMP_STRUCK,
    JUMP_SUCCESS,
    LOSSES_INTERDICTED,
    LOSSES_STRUCK,
    MENACE,
    PER_ATTEMPT,
    REFERENCE,
    RESPONSE,
    STAGING,
    URGE,
    URGE_DECAY,
    ArmedGroup,
)
from sim.model.agents.crosser import ACTOR, BEST, RATE, START, TARGET, learn, pick, refresh_cdf
from sim.model.agents.roster import CDF
from sim.model.communities import exposed
from sim.model.compiled import generator, kernel
from sim.model.crossing import CROSSING, DETECTED, DONE, MET, conditions, cross, handle
from sim.model.draws import poisson
from sim.model.incidents import IncidentType, append

ATTACK, INTERDICTION = int(IncidentType.ATTACK), int(IncidentType.INTERDICTION)
JOINT_INTERDICTION, ATTACKED = 10, 11
"""What ``_decide`` hands back besides ``cross``'s: an interdiction where joint units
patrol, an attack that got through."""
DECIDE, SEARCH = range(2)
"""A group's steps in ``_decide`` (where it goes on after Python acted)."""
SIDE, SECTOR, INDEX, CASUALTIES = range(2, 6)
"""The attempt in ``_decide``'s cursor, after the position and step."""


def strike(groups: list[ArmedGroup], order: tuple[int, ...]) -> None:
    """The groups' day, in the ``order`` given (their roster rows, in the model's shuffle):
    each maybe attempts an attack (the rule is in ``ArmedGroup``'s docstring). One kernel
    call decides for the groups in turn and carries out their attempts; it hands back to
    Python what a crossing leaves others to do (``sim.model.crossing.handle``), a joint
    interdiction (trust) and an attack's answer (the government's, and what it does to
    communities, mediator and roadmap), and then goes on where it stopped (an attempt
    changes what the next group meets). On a review day the spoilers perceive first: what
    one sees does not change during the groups' day, nor by another's review, and a
    review touches nothing else of theirs that their day reads."""
    if not groups:
        return
    first = groups[0]
    roster, model = first._roster, first.model
    if model.day % first.p.threat_review_days == 0:
        for group in groups:
            if group.spoiler:
                group._perceive()
    cursor, work, rule = roster.cursor, roster.work, first._rule
    if not _choose(roster.handles, roster.state, roster.sectors, rule, order, cursor, work):
        return  # nobody attempts today: the short call
    log, search, corridors, (a, b) = (
        model.log,
        model.search,
        model.communities.corridors,
        model.governments,
    )
    while True:
        if log.effort.size - log.size[0] < len(order):
            log.grow()  # room for an entry per group: the kernel never finds it full
        code = _decide(
            roster.handles, roster.state, roster.sectors, rule, order, cursor, work,
            model.day, log.arrays, a._seen,
            b._seen, search.joint, model.communities.crowd, corridors.zones, corridors.capacity,
            conditions(model),
        )  # fmt: skip
        if code == DONE:
            return
        side, sector = int(cursor[SIDE]), int(cursor[SECTOR])
        if code == JOINT_INTERDICTION:
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
    cursor: np.ndarray,
    work: np.ndarray,
    day: int,
    log: tuple,
    seen_a: np.ndarray,
    seen_b: np.ndarray,
    joint_layer: np.ndarray,
    crowd: np.ndarray,
    zones: np.ndarray,
    capacity: float,
    met: tuple,
) -> int:
    """The groups' day, from where ``cursor`` stands (position in ``order``, step; the
    attempt's side, sector, reach index, and an attack's casualties) until done
    (``DONE``, the cursor back at the start) or Python must act (what it hands back).
    ``work``: the attempt's crossing record, then its two uniforms. The arguments from
    ``met`` is ``cross``'s conditions; ``rule``: see ``ArmedGroup._rule``.

    Each group decides (``_choose``); an attempt's two uniforms decide the sensors'
    alert and the detection (``cross``); then ``_interdicted`` or ``_attacked``; it
    learns whether it got through."""
    c = work[:CROSSING]
    while cursor[1] != DECIDE or _choose(handles, state, sectors, rule, order, cursor, work):
        r = order[cursor[0]]
        s = state[r]
        side, sector = cursor[SIDE], cursor[SECTOR]
        code = cross(c, side, sector, work[CROSSING], work[CROSSING + 1], met)
        if code != DONE:
            return code
        seen = seen_b if side else seen_a
        g = generator(handles[r])
        detected = c[DETECTED] != 0.0
        if detected:
            code = _interdicted(
                g, s, rule, day, side, sector, c[MET], log,
                seen, joint_layer,
            )  # fmt: skip
        else:
            cursor[CASUALTIES] = _attacked(
                g, s, rule, day, side, sector, c[MET], log,
                crowd, zones, capacity,
            )  # fmt: skip
            code = ATTACKED
        learn(sectors[r], s, cursor[INDEX : INDEX + 1], c[DETECTED : DETECTED + 1])
        cursor[0], cursor[1] = cursor[0] + 1, DECIDE
        if code != DONE:
            return code
    return DONE


@kernel
def _choose(
    handles: np.ndarray,
    state: np.ndarray,
    sectors: np.ndarray,
    rule: np.ndarray,
    order: tuple[int, ...],
    cursor: np.ndarray,
    work: np.ndarray,
) -> bool:
    """The groups' decisions from ``order[cursor[0]]`` on, until one attempts (True: the
    cursor holds its attempt, ``work`` a fresh crossing record and its two uniforms) or
    none does (False: the cursor back at the start). Each group's urge decays; today's
    attempt probability is its ``RATE``; it attempts if armed and a draw falls under
    it, striking where it staged (at home where ``HOME_STRIKE``, otherwise across the
    line) and staging anew."""
    while cursor[0] < len(order):
        r = order[cursor[0]]
        s = state[r]
        s[URGE] *= s[URGE_DECAY]
        deterrence = s[BEST] ** rule[DETERRENCE]
        motive = 1.0 + s[URGE] + rule[RESPONSE] * s[MENACE]
        s[RATE] = min(rule[ATTEMPT_RATE] * s[FIGHTERS] / rule[REFERENCE] * motive * deterrence, 1.0)
        g = generator(handles[r])
        if s[ARMS] < rule[PER_ATTEMPT] or g.random() >= s[RATE]:
            cursor[0] += 1
            continue
        i = int(s[STAGING])  # it strikes where it staged, and stages anew
        refresh_cdf(sectors[r], s)
        s[STAGING] = pick(sectors[r, CDF], g.random())
        s[ARMS] -= rule[PER_ATTEMPT]
        work[:] = 0.0
        work[CROSSING] = g.random()
        work[CROSSING + 1] = g.random()
        home_strike = sectors[r, HOME_STRIKE, i] != 0.0
        cursor[SIDE] = 1 - int(s[TARGET]) if home_strike else int(s[TARGET])
        cursor[SECTOR], cursor[INDEX], cursor[1] = int(s[START]) + i, i, SEARCH
        return True
    cursor[:] = 0
    return False


@kernel
def _interdicted(
    g: np.random.Generator,
    s: np.ndarray,
    rule: np.ndarray,
    day: int,
    side: int,
    sector: int,
    met: float,
    log: tuple,
    seen: np.ndarray,
    joint_layer: np.ndarray,
) -> int:
    """A group's attempt was interdicted: it loses fighters (Poisson); the entry in the
    log; the state it crossed into sees it (``Government.observe``). Returns
    ``JOINT_INTERDICTION`` where joint units patrol the sector (trust: Python's), or
    ``DONE``."""
    lost = min(s[FIGHTERS], float(poisson(g, rule[LOSSES_INTERDICTED])))
    s[FIGHTERS] -= lost
    append(
        log, day, sector, side, INTERDICTION, int(s[ACTOR]),
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
    log: tuple,
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
        log, day, sector, side, ATTACK, int(s[ACTOR]),
        False, casualties, met, 0, False,
    )  # fmt: skip
    s[URGE] += rule[JUMP_SUCCESS]
    if g.random() < rule[COUNTERSTRIKE]:
        s[FIGHTERS] -= min(s[FIGHTERS], float(poisson(g, rule[LOSSES_STRUCK])))
        s[URGE] += rule[JUMP_STRUCK]
    return casualties
