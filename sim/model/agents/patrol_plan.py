"""How a side's patrol units plan their days until the next redeployment: the kernels of
``PatrolForce.plan`` (:mod:`sim.model.agents.patrol`, where the rule is stated).

A force keeps its units' state as a few arrays, so that a plan is one kernel call:
``ints`` rows ``POST, RANK, STATE`` (each unit's post sector, its place among the units
at its post, its duty state), ``flags`` rows ``JOINT, POSTED, WAS_JOINT`` (a contingent
at the last plan) and ``reals`` rows ``TRAINED, SKILL, VALUE, TOGETHER`` (its joint
training, skill, search value and days of joint service); a plan is ``paths``
(rows ``ROUTE, WHERE``, each ``(days, units)``) and ``duty`` (rows ``OFF, BUSY``).
"""

from __future__ import annotations

import numpy as np

from sim.model.agents.training import contingent_value
from sim.model.compiled import allocating_kernel, generator

POST, RANK, STATE = 0, 1, 2
JOINT, POSTED, WAS_JOINT = 0, 1, 2
TRAINED, SKILL, VALUE, TOGETHER = 0, 1, 2, 3
ROUTE, WHERE = 0, 1
OFF, BUSY = 0, 1


@allocating_kernel
def plan(
    stream: np.ndarray,
    ints: np.ndarray,
    flags: np.ndarray,
    reals: np.ndarray,
    instructors: bool,
    course: np.ndarray,
    rests: np.ndarray,
    after: np.ndarray,
    zones: np.ndarray,
    weights: np.ndarray,
    own: np.ndarray,
    other: np.ndarray,
    any_joint: bool,
    was_any: bool,
    elapsed: int,
    values: np.ndarray,
    follow: bool,
    partner_ints: np.ndarray,
    partner_flags: np.ndarray,
    partner_paths: np.ndarray,
    paths: np.ndarray,
    duty: np.ndarray,
) -> None:
    """A plan, written into ``paths`` and ``duty``, each ``(2, days, units)``.

    First the contingents' days of joint service (``elapsed`` days since the last plan)
    and, with any, their search value (``contingent_value`` by ``values``).

    Off duty: the rest days of each unit's duty state (``rests``; then advanced past the
    plan by ``after``), instructors without a post, and course days. Route: each unit
    draws, day by day (all units' draws of a day in order, from its force's ``stream``),
    a sector of its zone with weight ``terrain + pursuit * picture`` (``weights``) of the
    zone's sectors, its own government's ``own`` picture, or both pictures' mean for
    joint units; with ``follow``, side B's joint contingents then take their partners'
    routes. Where: the route on duty days, ``n`` (no sector) off duty. Busy: off duty.
    """
    n, days, k = own.size, paths.shape[1], ints.shape[1]
    if any_joint or was_any:
        joint, was, together = flags[JOINT], flags[WAS_JOINT], reals[TOGETHER]
        for i in range(k):
            together[i] = together[i] + elapsed if joint[i] and was[i] else 0.0
            was[i] = joint[i]
    if any_joint:
        contingent_value(reals[SKILL], values, reals[VALUE])
    state, posted = ints[STATE], flags[POSTED]
    for i in range(k):
        for d in range(days):
            off = rests[state[i], d] or (instructors and not posted[i]) or course[d, i]
            duty[OFF, d, i] = duty[BUSY, d, i] = off
        state[i] = after[state[i]]
    route = paths[ROUTE]
    _route(stream, zones, weights, ints[POST], flags[JOINT], own, other, any_joint, route)
    if follow:
        _follow(route, n, ints, flags[JOINT], partner_ints, partner_flags[JOINT], partner_paths)
    for d in range(days):
        for i in range(k):
            paths[WHERE, d, i] = n if duty[OFF, d, i] else route[d, i]


@allocating_kernel
def _route(
    stream: np.ndarray,
    zones: np.ndarray,
    weights: np.ndarray,
    post: np.ndarray,
    joint: np.ndarray,
    own: np.ndarray,
    other: np.ndarray,
    any_joint: bool,
    route: np.ndarray,
) -> None:
    """Write into ``route``, ``(days, units)``, the sector each unit would patrol each day
    if on duty: inverse CDF of its zone's weights (its post's column of the tables, joint
    units' after national units'), one uniform per unit and day."""
    g = generator(stream)
    days, k = route.shape
    n, last = own.size, zones.shape[0] - 1
    terrain, pursuit = weights[0], weights[1]
    picture = np.empty(2 * n)  # own sectors', then joint zones' (both pictures' mean)
    picture[:n] = own
    if any_joint:
        for s in range(n):
            picture[n + s] = 0.5 * (own[s] + other[s])
    cdf = np.empty((k, max(last, 1)))  # where each sector's share of the zone ends
    for i in range(k):
        col, total = post[i] + n * joint[i], 0.0
        for j in range(last + 1):
            weight = picture[zones[j, col]] * pursuit[j, col]
            weight += terrain[j, col]
            total += weight
            if j < last:
                cdf[i, j] = total
        for j in range(last):
            cdf[i, j] /= total
    for d in range(days):
        for i in range(k):
            u = g.random()
            sector = post[i] - last // 2  # its zone's first sector
            for j in range(last):
                if u >= cdf[i, j]:
                    sector += 1
            route[d, i] = sector


@allocating_kernel
def _follow(
    route: np.ndarray,
    n: int,
    ints: np.ndarray,
    joint: np.ndarray,
    partner_ints: np.ndarray,
    partner_joint: np.ndarray,
    partner_paths: np.ndarray,
) -> None:
    """Side B's contingents take the route of side A's contingent of the same rank at the
    same joint post: the two make one joint unit."""
    size = max(joint.size, partner_joint.size)
    partner = np.full(n * size, -1)
    for i in range(partner_joint.size):
        if partner_joint[i]:
            partner[partner_ints[POST, i] * size + partner_ints[RANK, i]] = i
    for i in range(joint.size):
        if joint[i]:
            m = partner[ints[POST, i] * size + ints[RANK, i]]
            if m >= 0:
                route[:, i] = partner_paths[ROUTE, :, m]
