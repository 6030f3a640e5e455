"""One crossing of the line: what it meets on its way, and what it leaves others to do.

A crosser (a smuggler's shipment, an armed group's attempt, people crossing on their
own) meets, in turn: early-warning sensors in the sector, which may raise an alert and
bring a free unit first (:mod:`sim.model.agents.sensors`); the search effort of today's
plan there (:mod:`sim.model.search`), which detects it with
:func:`sim.model.detection.detection_chance`; missed, the home side may see it leave
(:func:`sim.model.agents.intelligence.seen_leaving`); detected where joint units of both
sides patrol, they may have made the stop (:func:`sim.model.agents.joint_posts.joint_stop`).
``cross`` runs that path inside a crosser's kernel and hands back to Python (``handle``)
only for what other actors own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.agents.intelligence import NOT_SEEN, seen_leaving
from sim.model.agents.joint_posts import joint_stop
from sim.model.compiled import kernel
from sim.model.detection import detection_chance
from sim.model.measures import Measure
from sim.model.search import EFFORT, JOINT_UNITS, JOINT_VALUE, UNITS

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel


STAGE, MET, DETECTED, DRAWS = 0, 1, 2, 3
"""A crossing's record for ``cross`` (``CROSSING`` floats): the stage it reached (0: at
the sensors, 1: at the search, 2: done), the effort it met, whether it was detected, and
from ``DRAWS`` the three uniforms of a joint units' stop."""
CROSSING = DRAWS + 3
_SHARING = int(Measure.INTEL_SHARING)
DONE, ALERT, SEEN_AT_ONCE, SEEN_SHARED, JOINT_STOP = range(5)
"""What ``cross`` hands back: done, or what Python does before it goes on (``handle``)."""


def attempt(
    model: RoadmapModel, side: int, sector: int, alert_u: float, detect_u: float
) -> tuple[bool, float]:
    """One crossing into ``side`` at ``sector`` from Python: (detected, effort it met).
    ``alert_u`` decides whether sensors there raise an alert first (and a unit comes),
    ``detect_u`` whether the effort it meets detects it (a crosser's kernel calls
    ``cross`` itself)."""
    c = np.zeros(CROSSING)
    while code := cross(c, side, sector, alert_u, detect_u, conditions(model)):
        handle(model, code, side, sector, c)
    return bool(c[DETECTED]), float(c[MET])


def conditions(model: RoadmapModel) -> tuple:
    """What a crossing meets today, as ``cross`` takes it (its ``met``), one tuple that the
    crossers' kernels pass on: read anew after Python ran (trust and sharing may have
    moved)."""
    search, patrol, a, b = model.search, model.params.patrol, *model.governments
    return (
        search._counts, search.row, search._paired, search.terrain,
        model.sensors.covered,
        model.intel._port.handle, model.joint_posts._port.handle,
        patrol.sweep_rate, patrol.unit_effort, patrol.other_side_share,
        model.params.sensors.alert_chance, search.quality,
        model.measures.effect[_SHARING], a.trust, b.trust,
    )  # fmt: skip


def handle(model: RoadmapModel, code: int, side: int, sector: int, c: np.ndarray) -> None:
    """What a crossing into ``side`` at ``sector`` handed back (``code``) from ``cross``:
    an alert, a report of it, a stop by joint units."""
    if code == ALERT:
        model.sensors.warn(side, sector)
    elif code == JOINT_STOP:
        model.joint_posts.stopped(side, sector, *c[DRAWS:CROSSING].tolist())
    else:
        model.intel.passed(side, sector, code == SEEN_AT_ONCE)


@kernel
def cross(
    c: np.ndarray,
    side: int,
    sector: int,
    alert_u: float,
    detect_u: float,
    met: tuple,
) -> int:
    """One crossing into ``side`` at ``sector``, from the stage ``c`` holds on (the rule
    is in the module docstring), until it is ``DONE`` or Python must act: sensors there
    raise an alert (``alert_u`` under ``alert_chance``); ``detect_u`` under the chance
    of the effort it meets detects it; missed, the home side may see it leave
    (``seen_leaving``, on the ``intel`` stream; ``trust_*``: the governments'); detected
    where joint units of both sides patrol, they may have made the stop
    (``joint_stop``, on the ``joint_posts`` stream). Returns what Python must do first."""
    counts, row, paired, terrain, covered, intel, joint_posts = met[:7]
    sweep_rate, unit_effort, other_side, alert_chance, quality, sharing = met[7:13]
    trust_a, trust_b = met[13:]
    if c[STAGE] == 0.0:
        c[STAGE] = 1.0
        if covered[sector] and alert_u < alert_chance:
            return ALERT
    if c[STAGE] == 1.0:
        c[STAGE] = 2.0
        effort = counts[EFFORT, row, side, sector]
        detected = detect_u < detection_chance(effort, sweep_rate)
        c[MET], c[DETECTED] = effort, detected
        if not detected:
            trust = trust_b if side == 0 else trust_a  # the home government's
            seen = seen_leaving(
                intel, counts[UNITS, row], counts[JOINT_UNITS, row], terrain, side, sector,
                quality, unit_effort, sweep_rate, sharing, trust,
            )  # fmt: skip
            return DONE if seen == NOT_SEEN else SEEN_AT_ONCE + seen - 1
        if paired[sector]:
            joint = _joint_effort(counts, row, terrain, side, sector, other_side, unit_effort)
            if joint_stop(joint_posts, effort, joint, c[DRAWS:]):
                return JOINT_STOP
    return DONE


@kernel
def _joint_effort(
    counts: np.ndarray,
    row: int,
    terrain: np.ndarray,
    side: int,
    sector: int,
    other_side: float,
    unit_effort: float,
) -> float:
    """The part of the effort at ``(side, sector)`` on the plan's ``row`` that joint
    contingents make."""
    value = counts[JOINT_VALUE, row, 0, sector] + counts[JOINT_VALUE, row, 1, sector]
    share = 0.5 * (1.0 + other_side) * unit_effort
    return terrain[side, sector] * share * value
