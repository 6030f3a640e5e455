"""Random-search detection (Koopman): the one place where effort becomes a detection chance.

Koopman's random-search law: a searcher sweeping an area at random detects a
target with probability ``1 - exp(-k * effort)``. More effort always helps, with
diminishing returns; doubling patrols does not double detections.
"""

from __future__ import annotations

import math

import numpy as np

from sim.model.compiled import kernel


@kernel
def detection_chance(effort: float, sweep_rate: float) -> float:
    """Chance that an attempt meeting ``effort`` units of effective search is detected
    (a kernel's, and a single attempt's in Python: ``detection_probability``)."""
    return -math.expm1(-sweep_rate * effort)


def detection_probability(effort: float | np.ndarray, sweep_rate: float) -> float | np.ndarray:
    """Chance that an attempt meeting ``effort`` units of effective search is detected.

    A single attempt (a float) is computed with ``math`` (``detection_chance``'s rule,
    uncompiled): several times cheaper than a numpy call, and the same number.
    """
    if isinstance(effort, float):
        return detection_chance.py_func(effort, sweep_rate)
    return -np.expm1(-sweep_rate * np.asarray(effort, dtype=float))


def terrain_factor(roughness: np.ndarray, penalty: float) -> np.ndarray:
    """Share of nominal effort that is effective in terrain of the given roughness (0-1)."""
    return 1.0 - penalty * roughness
