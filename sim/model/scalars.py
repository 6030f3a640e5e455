"""Scalars for the arithmetic the model does on small arrays every day.

NumPy combines an array with a 0-d array faster than with a Python float, which
it converts anew on each call; on the few dozen cells of a daily update that
conversion is a good part of the cost. The numbers are the same.
"""

from __future__ import annotations

import numpy as np


def scalar(x: float) -> np.ndarray:
    """``x`` as a 0-d float array, to combine with arrays."""
    return np.array(x, dtype=float)


ONE, ZERO = scalar(1.0), scalar(0.0)
