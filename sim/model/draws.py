"""Poisson draws inside kernels that run without numba's runtime.

numba's ``Generator.poisson`` builds a list of constants for the log-gamma
function each call, which needs numba's runtime (NRT); a kernel without it
(:data:`sim.model.compiled.kernel`) draws through :func:`poisson` instead. It is
NumPy's algorithm (``random_poisson``: multiplication of uniforms below a mean
of 10, Hörmann's transformed rejection PTRS from 10 on), so it takes the same
uniforms from the same stream and returns the same counts as
``numpy.random.Generator.poisson``; ``tests/test_compiled.py`` holds it to that.

numba's own port truncates PTRS's candidate count toward zero where NumPy
rounds it down, so at means from 10 to about 20 it accepted, about once in 10^5
draws, a count NumPy rejects, and drew on out of step from then on. Kernels drew
that way from 2026-12-06 to 2026-12-08; now they draw NumPy's, as the model's
Python did before its kernels. The model's own means are below 10 or well above 20
at their defaults (the customs queues' arrivals, 80-120 a day).
"""

from __future__ import annotations

import math

import numpy as np

from sim.model.compiled import kernel

LOG_GAMMA_SERIES = (
    8.333333333333333e-02,
    -2.777777777777778e-03,
    7.936507936507937e-04,
    -5.952380952380952e-04,
    8.417508417508418e-04,
    -1.917526917526918e-03,
    6.410256410256410e-03,
    -2.955065359477124e-02,
    1.796443723688307e-01,
    -1.39243221690590e00,
)
"""Stirling series coefficients of NumPy's ``random_loggam``."""
LOG_2PI = 1.8378770664093453


@kernel
def poisson(g: np.random.Generator, lam: float) -> int:
    """A Poisson count of mean ``lam`` from ``g``, as ``g.poisson(lam)`` draws it."""
    if lam >= 10.0:
        return _transformed_rejection(g, lam)
    if lam == 0.0:
        return 0
    limit = math.exp(-lam)
    count, product = 0, 1.0
    while True:
        product *= g.random()
        if product > limit:  # (as NumPy tests it: a nan mean gives 0, not a loop)
            count += 1
        else:
            return count


@kernel
def _transformed_rejection(g: np.random.Generator, lam: float) -> int:
    """PTRS (Hörmann 1993) for a mean of 10 or more, as NumPy runs it."""
    slam, loglam = math.sqrt(lam), math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2)
    while True:
        u = g.random() - 0.5
        v = g.random()
        us = 0.5 - abs(u)
        k = int(math.floor((2 * a / us + b) * u + lam + 0.43))
        if us >= 0.07 and v <= vr:
            return k
        if k < 0 or (us < 0.013 and v > us):
            continue
        if math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b) <= (
            -lam + k * loglam - _log_gamma(k + 1.0)
        ):
            return k


@kernel
def _log_gamma(x: float) -> float:
    """NumPy's ``random_loggam``: log Γ(x) by its Stirling series, shifted up to 7."""
    if x == 1.0 or x == 2.0:
        return 0.0
    n = int(7 - x) if x < 7.0 else 0
    x0 = x + n
    x2 = (1.0 / x0) * (1.0 / x0)
    gl0 = LOG_GAMMA_SERIES[9]
    for k in range(8, -1, -1):
        gl0 *= x2
        gl0 += LOG_GAMMA_SERIES[k]
    gl = gl0 / x0 + 0.5 * LOG_2PI + (x0 - 0.5) * math.log(x0) - x0
    for _ in range(n):
        gl -= math.log(x0 - 1.0)
        x0 -= 1.0
    return gl
