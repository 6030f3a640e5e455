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
    if n == 0:
        return 0.0
    total, c = 0.0 + a[0], 0.0  # the start value, 0, plus the first
    for i in range(1, n):
        x = a[i]
        t = total + x
        if abs(total) >= abs(x):
            c += (total - t) + x
        else:
            c += (x - t) + total
        total = t
    if c != 0.0 and math.isfinite(c):
        total += c
    return total
