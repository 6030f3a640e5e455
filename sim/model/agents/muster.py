"""A government raises patrol units or stands them down during a run.

A state's strength (``patrol.units_per_side`` and its ``patrol.extra_units``, which moves
may change) is taken up at
its next redeployment, before the units are posted: a unit cannot be raised, or leave,
between two postings. Raised units are new Mesa agents that join the spare units and are
posted like any other; the units raised last stand down first, leaving their posts (the
units after them at a post close up) or the spare units, and the model. What a unit costs
follows from the force's roster (``PatrolForce.settled``), so a larger force pays for
every unit it keeps, posted or not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.agents.patrol import PatrolUnit, resized
from sim.model.agents.patrol_plan import JOINT, POST, POSTED, RANK
from sim.model.compiled import kernel

if TYPE_CHECKING:
    from sim.config.actors import PatrolParams
    from sim.model.agents.government import Government

SPARE, PLACED, MOVED = 0, 1, 2
"""Rows of a government's ``_stack``: units without a post, a stack (the last one goes
first); the sector of each unit's cell; scratch: units a move placed anew."""


def patrol_strength(patrol: PatrolParams, side: int) -> int:
    """A state's patrol units: ``units_per_side`` and its ``extra_units``."""
    return patrol.units_per_side + patrol.extra_units[side]


def muster(gov: Government, strength: int) -> None:
    """Bring ``gov``'s force to ``strength`` units (the rule is in the module docstring)."""
    units, force = gov.units, gov.patrols
    k = len(units)
    if strength < k:
        gov._n_spare = _stand_down(
            strength, force._ints, force._flags, gov._posts, gov._held, gov._stack[SPARE],
            gov._n_spare, gov.model.border.n,
        )  # fmt: skip
        for unit in units[strength:]:
            unit.remove()
        del units[strength:]
    else:
        units.extend(PatrolUnit(gov.model, gov.side, i) for i in range(k, strength))
    force.resize(strength)
    keep = min(k, strength)
    gov._stack = resized(gov._stack, strength, -1)  # a new unit is in no cell yet (PLACED)
    gov._stack[SPARE, gov._n_spare : gov._n_spare + strength - keep] = np.arange(keep, strength)
    gov._n_spare += strength - keep
    gov._posts = resized(gov._posts, strength, 0)
    force.settled(int(force.joint.sum()), gov._n_spare)  # the bill follows the roster


@kernel
def _stand_down(
    strength: int,
    ints: np.ndarray,
    flags: np.ndarray,
    posts: np.ndarray,
    held: np.ndarray,
    spare: np.ndarray,
    n_spare: int,
    n: int,
) -> int:
    """Units ``strength`` and after leave: a posted one its post (``posts``' row ``POST``,
    or ``n + POST`` for a joint contingent, ``held`` of them; the units after it at the
    post move up a rank), a spare one the stack (``spare[:n_spare]``, order kept).
    Returns the spare units left."""
    for i in range(strength, ints.shape[1]):
        if not flags[POSTED, i]:
            continue
        p = ints[POST, i] + n * flags[JOINT, i]
        for r in range(ints[RANK, i], held[p] - 1):
            unit = posts[p, r + 1]
            posts[p, r] = unit
            ints[RANK, unit] = r
        held[p] -= 1
    kept = 0
    for j in range(n_spare):
        if spare[j] < strength:
            spare[kept] = spare[j]
            kept += 1
    return kept
