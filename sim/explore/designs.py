"""Experimental designs over model parameters: which points of the parameter space to run.

Space-filling designs come from :mod:`scipy.stats.qmc` (Latin hypercube, Sobol,
Halton), the designs that sensitivity indices need from SALib (Saltelli's
extension of Sobol sequences for Sobol indices, Morris trajectories for
elementary effects), and a full factorial grid. Every design is a DataFrame,
one row per point, one column per factor (dotted parameter key), in the
factors' own units. Integer parameters are rounded to whole numbers.

A design's size is checked before it is built (:func:`check_size`): it must be
large enough to analyse (:func:`minimum_points`, with the reason for each
design), at most :data:`MAX_RUNS` runs, and fit in the memory available.
"""

from __future__ import annotations

import contextlib
import math
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import qmc

from sim.config.overrides import parameters
from sim.config.params import ConfigError
from sim.explore.params import DESIGNS

MORRIS_LEVELS = 4
"""Grid levels of Morris trajectories (SALib's default)."""
MIN_POINTS = {"lhs": 2, "sobol": 2, "halton": 2, "saltelli": 8, "morris": 2}
"""The smallest ``explore.points`` each design can be analysed with (factorial: ``2**k``)."""
WHY_MINIMUM = {
    "lhs": "a single point varies no factor, so PRIM has nothing to split and the "
    "robustness correlations are undefined",
    "saltelli": "the Sobol indices and their bootstrap intervals are estimated from the N base "
    "samples, and with fewer (the Sobol' sequence wants a power of two) the intervals are "
    "degenerate: zero width for N=1, all of [0, 1] for N=3",
    "morris": "sigma, the spread of each factor's elementary effects (one per trajectory), "
    "is undefined for a single trajectory",
    "factorial": "two levels of every factor",
}
WHY_MINIMUM["sobol"] = WHY_MINIMUM["halton"] = WHY_MINIMUM["lhs"]
UNITS = {"saltelli": "base samples (N)", "morris": "trajectories"}
MAX_RUNS = 2_000_000
"""The most runs (design points x scenarios x replications) a design may have. The
analysis holds all their summaries in memory at once (about 1.5 kB a run), and at the
default horizon (about a second a run) two million runs take some 25 core-days."""
POINT_BYTES, FACTOR_BYTES, RUN_BYTES = 600, 200, 1500
"""Memory (bytes, rough upper bounds) a design point takes while it is built and
queued, and each of its factors; and each run's row when the runs are analysed."""


@dataclass(frozen=True)
class Factor:
    """One uncertain parameter and the range a design covers."""

    key: str
    low: float
    high: float
    integer: bool


def factors(
    ranges: Mapping[str, Sequence[float] | None],
    scenario: str = "roadmap",
    where: str = "explore.factors",
) -> list[Factor]:
    """Factors from ``{dotted key: [low, high]}``; a missing range is the declared one.

    Raises ConfigError naming the key (as the setting ``where`` holds it) when it is not
    a numeric parameter, the range is not two numbers with low < high, or it leaves the
    declared bounds.
    """
    table = parameters(scenario).set_index("key")
    result = []
    for key, bounds in ranges.items():
        if key not in table.index:
            raise ConfigError(f"{where}.{key}: not a numeric parameter (see sim.parameters())")
        row = table.loc[key]
        if bounds is None:
            bounds = (row["low"], row["high"])
        if (
            not isinstance(bounds, list | tuple)
            or len(bounds) != 2
            or not all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds)
        ):
            text = f"[{','.join(map(str, bounds))}]" if isinstance(bounds, list | tuple) else bounds
            raise ConfigError(
                f"{where}.{key}={text}: needs a range [low, high] of two numbers "
                f"within {row['low']} to {row['high']} (or null for all of it)"
            )
        low, high = (float(b) for b in bounds)
        if not math.isfinite(low) or not math.isfinite(high) or low >= high:
            raise ConfigError(f"{where}.{key}={[low, high]}: needs finite low < high")
        if low < row["low"] or high > row["high"]:
            raise ConfigError(
                f"{where}.{key}={[low, high]}: outside the declared range "
                f"{row['low']} to {row['high']}"
            )
        result.append(Factor(key, low, high, row["type"] == "int"))
    if not result:
        raise ConfigError(
            f"{where}: name at least one factor, e.g. +{where}.patrol.sweep_rate=[0.2,1.0]"
        )
    return result


def design_points(design: str, k: int, points: int, second_order: bool = False) -> int:
    """How many points ``sample(design, ...)`` makes of ``points`` over ``k`` factors."""
    if design == "saltelli":
        return points * (2 * k + 2 if second_order else k + 2)
    if design == "morris":
        return points * (k + 1)
    if design == "factorial":
        return _levels(points, k) ** k
    return points


def _levels(points: int, k: int) -> int:
    """Levels per factor of a factorial design: the most that fit in ``points`` (at least 2)."""
    return max(2, int(math.floor(points ** (1 / k) + 1e-9)))


def minimum_points(design: str, k: int) -> int:
    """The smallest ``explore.points`` a ``design`` over ``k`` factors can be analysed with."""
    return 2**k if design == "factorial" else MIN_POINTS[design]


def check_minimum(design: str, k: int, points: int) -> None:
    """Raise ConfigError if ``design`` is not a design or ``points`` too few to analyse it."""
    if design not in DESIGNS:
        raise ConfigError(f"explore.design={design}: allowed values are {', '.join(DESIGNS)}")
    least = minimum_points(design, k)
    if points < least:
        over = f" over {_factors(k)}" if design == "factorial" else ""
        raise ConfigError(
            f"explore.points={points}: explore.design={design}{over} needs at least {least:,} "
            f"{UNITS.get(design, 'points')}: {WHY_MINIMUM[design]}"
        )


def _factors(k: int) -> str:
    return f"{k} factor{'s' if k > 1 else ''}"


def memory_needed(
    design: str, k: int, points: int, per_point: int, second_order: bool = False
) -> int:
    """Bytes (a rough upper bound) a design and its runs take in memory."""
    rows = design_points(design, k, points, second_order)
    return rows * (POINT_BYTES + FACTOR_BYTES * k + RUN_BYTES * per_point)


def available_memory() -> int | None:
    """Bytes of memory available to this process now: the system's available memory, or
    less under a control group's limit (a container's); None when unknown."""
    found = []
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        with contextlib.suppress(ValueError, OSError, AttributeError):
            found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    group = Path("/sys/fs/cgroup")
    try:  # cgroup v2: memory.max is "max" when unlimited
        limit = (group / "memory.max").read_text().strip()
        if limit != "max":
            found.append(int(limit) - int((group / "memory.current").read_text()))
    except (OSError, ValueError):
        pass
    return min(found) if found else None


def check_size(
    design: str, k: int, points: int, per_point: int, second_order: bool = False
) -> None:
    """Refuse a design too small to analyse, or too large to run, before it is built.

    ``per_point`` is the runs per design point (scenarios x replications). The
    number of runs is computed, not sampled, so a refusal costs nothing; the
    limits are :data:`MAX_RUNS` and the memory available (:func:`memory_needed`).
    Raises ConfigError naming ``explore.points`` and the largest value that fits.
    """
    if design not in DESIGNS:
        raise ConfigError(f"explore.design={design}: allowed values are {', '.join(DESIGNS)}")
    available = available_memory()

    def too_large(p: int) -> str | None:
        """Why ``p`` points are too many (None: they fit)."""
        runs = design_points(design, k, p, second_order) * per_point
        if runs > MAX_RUNS:
            return f"more than the limit of {MAX_RUNS:,} runs"
        need = memory_needed(design, k, p, per_point, second_order)
        if available is not None and need > available:
            return (
                f"which need about {need / 1e9:.1f} GB of memory, more than the "
                f"{available / 1e9:.1f} GB available"
            )
        return None

    least = minimum_points(design, k)
    why = too_large(least)
    if why is not None:  # even the smallest design of these factors is too large
        runs = design_points(design, k, least, second_order) * per_point
        raise ConfigError(
            f"explore.points={points}: explore.design={design} over {_factors(k)} makes at "
            f"least {runs:,} runs ({per_point} per point), {why}; use fewer factors, fewer "
            "replications or another design"
        )
    check_minimum(design, k, points)
    why = too_large(points)
    if why is None:
        return
    low, high = least, points  # fits, does not fit
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if too_large(middle) is None else (low, middle)
    if design == "factorial":  # the largest grid that fits, not any number that makes it
        low = _levels(low, k) ** k
    rows = design_points(design, k, points, second_order)
    raise ConfigError(
        f"explore.points={points}: explore.design={design} over {_factors(k)} makes "
        f"{rows:,} points and {rows * per_point:,} runs ({per_point} per point), {why}; "
        f"at most explore.points={low} fits"
    )


def problem(factor_list: Sequence[Factor]) -> dict:
    """The factors as a SALib problem definition."""
    return {
        "num_vars": len(factor_list),
        "names": [f.key for f in factor_list],
        "bounds": [[f.low, f.high] for f in factor_list],
    }


def sample(
    design: str,
    factor_list: Sequence[Factor],
    points: int,
    seed: int,
    second_order: bool = False,
) -> pd.DataFrame:
    """The design's points. ``points`` is the design's size: for ``saltelli`` the
    base sample N (N * (k + 2) points: A, B and the k mixes of B's columns into A that
    first-order and total indices need; N * (2k + 2) with ``second_order``, which also
    mixes A's into B), for ``morris`` the trajectories (r * (k + 1)), for ``factorial``
    the levels per factor are the largest that fit in ``points``.
    Raises ConfigError if ``points`` is too few to analyse (:func:`check_minimum`)."""
    k = len(factor_list)
    check_minimum(design, k, points)
    if design in ("lhs", "sobol", "halton"):
        engines = {"lhs": qmc.LatinHypercube, "sobol": qmc.Sobol, "halton": qmc.Halton}
        unit = engines[design](d=k, seed=seed).random(points)
    elif design == "saltelli":
        from SALib.sample import sobol as saltelli

        with warnings.catch_warnings():  # said once, in plain words: size_advice
            warnings.filterwarnings("ignore", r"\s*(Convergence|The balance) prop", UserWarning)
            unit = saltelli.sample(_unit(k), points, calc_second_order=second_order, seed=seed)
    elif design == "morris":
        from SALib.sample import morris

        unit = morris.sample(_unit(k), points, num_levels=MORRIS_LEVELS, seed=seed)
    elif design == "factorial":
        levels = _levels(points, k)
        grid = np.meshgrid(*[np.linspace(0, 1, levels)] * k, indexing="ij")
        unit = np.column_stack([g.ravel() for g in grid])
    columns = {}
    for j, f in enumerate(factor_list):
        values = f.low + unit[:, j] * (f.high - f.low)
        columns[f.key] = np.round(values).astype(np.int64) if f.integer else values
    return pd.DataFrame(columns)


def size_advice(design: str, points: int) -> list[str]:
    """What a design's size, valid as it is, leaves to be desired (printed as warnings)."""
    if design != "saltelli" or points & (points - 1) == 0:
        return []
    low = 2 ** (points.bit_length() - 1)
    return [
        f"explore.points={points}: a Saltelli design's Sobol' sequence is balanced only "
        f"for N a power of two; {low} or {2 * low} would estimate the indices better"
    ]


def _unit(k: int) -> dict:
    return {"num_vars": k, "names": [f"x{i}" for i in range(k)], "bounds": [[0.0, 1.0]] * k}
