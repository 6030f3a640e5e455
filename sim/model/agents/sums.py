"""Python's own ``sum`` of floats, for kernels that replace a Python rule which used it.

Since Python 3.12 the built-in ``sum`` adds floats with Neumaier's compensated
summation, not as a running sum, so a kernel's plain loop can differ from it in
the last bit. ``python_sum`` reproduces CPython's algorithm: the compensation is
carried beside the running total and added once at the end (when non-zero and
finite).
"""

from __future__ import annotations

import math

import numpy as np

from sim.model.compiled import kernel


@kernel
def python_sum(a: np.ndarray, n: int) -> float:
    """``sum(a[:n].tolist())`` for float64 ``a``, bit for bit (Python 3.12+)."""
    total, c = 0.0, 0.0
    for i in range(n):
        total, c = add(total, c, a[i])
    return result(total, c)


@kernel
def add(total: float, c: float, x: float) -> tuple[float, float]:
    """One step of ``sum``: ``x`` added to the running ``total``, what the addition lost
    added to the compensation ``c`` (start both at 0.0; :func:`result` ends)."""
    t = total + x
    if abs(total) >= abs(x):
        c += (total - t) + x
    else:
        c += (x - t) + total
    return t, c


@kernel
def result(total: float, c: float) -> float:
    """The sum after the last :func:`add`: the compensation added once, when non-zero and
    finite."""
    if c != 0.0 and math.isfinite(c):
        total += c
    return total
