"""Experimental designs over model parameters: which points of the parameter space to run.

Space-filling designs come from :mod:`scipy.stats.qmc` (Latin hypercube, Sobol,
Halton), the designs that sensitivity indices need from SALib (Saltelli's
extension of Sobol sequences for Sobol indices, Morris trajectories for
elementary effects), and a full factorial grid. Every design is a DataFrame,
one row per point, one column per factor (dotted parameter key), in the
factors' own units. Integer parameters are rounded to whole numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import qmc

from sim.config.overrides import parameters
from sim.config.params import ConfigError
from sim.explore.params import DESIGNS

MORRIS_LEVELS = 4
"""Grid levels of Morris trajectories (SALib's default)."""


@dataclass(frozen=True)
class Factor:
    """One uncertain parameter and the range a design covers."""

    key: str
    low: float
    high: float
    integer: bool


def factors(
    ranges: Mapping[str, Sequence[float] | None], scenario: str = "roadmap"
) -> list[Factor]:
    """Factors from ``{dotted key: [low, high]}``; a missing range is the declared one.

    Raises ConfigError naming the key when it is not a numeric parameter, the
    range is not two numbers with low < high, or it leaves the declared bounds.
    """
    table = parameters(scenario).set_index("key")
    result = []
    for key, bounds in ranges.items():
        if key not in table.index:
            raise ConfigError(
                f"explore.factors.{key}: not a numeric parameter (see sim.parameters())"
            )
        row = table.loc[key]
        if bounds is None or len(bounds) == 0:
            bounds = (row["low"], row["high"])
        if len(bounds) != 2 or not all(isinstance(b, int | float) for b in bounds):
            raise ConfigError(f"explore.factors.{key}={list(bounds)}: needs [low, high]")
        low, high = (float(b) for b in bounds)
        if not math.isfinite(low) or not math.isfinite(high) or low >= high:
            raise ConfigError(f"explore.factors.{key}={[low, high]}: needs finite low < high")
        if low < row["low"] or high > row["high"]:
            raise ConfigError(
                f"explore.factors.{key}={[low, high]}: outside the declared range "
                f"{row['low']} to {row['high']}"
            )
        result.append(Factor(key, low, high, row["type"] == "int"))
    if not result:
        raise ConfigError(
            "explore.factors: name at least one factor, "
            "e.g. +explore.factors.patrol.sweep_rate=[0.2,1.0]"
        )
    return result


def problem(factor_list: Sequence[Factor]) -> dict:
    """The factors as a SALib problem definition."""
    return {
        "num_vars": len(factor_list),
        "names": [f.key for f in factor_list],
        "bounds": [[f.low, f.high] for f in factor_list],
    }


def sample(design: str, factor_list: Sequence[Factor], points: int, seed: int) -> pd.DataFrame:
    """The design's points. ``points`` is the design's size: for ``saltelli`` the
    base sample N (N * (2k + 2) points), for ``morris`` the trajectories (r * (k + 1)),
    for ``factorial`` the levels per factor are the largest that fit in ``points``."""
    k = len(factor_list)
    if design in ("lhs", "sobol", "halton"):
        engines = {"lhs": qmc.LatinHypercube, "sobol": qmc.Sobol, "halton": qmc.Halton}
        unit = engines[design](d=k, seed=seed).random(points)
    elif design == "saltelli":
        from SALib.sample import sobol as saltelli

        unit = saltelli.sample(_unit(k), points, calc_second_order=True, seed=seed)
    elif design == "morris":
        from SALib.sample import morris

        unit = morris.sample(_unit(k), points, num_levels=MORRIS_LEVELS, seed=seed)
    elif design == "factorial":
        levels = max(2, int(math.floor(points ** (1 / k) + 1e-9)))
        grid = np.meshgrid(*[np.linspace(0, 1, levels)] * k, indexing="ij")
        unit = np.column_stack([g.ravel() for g in grid])
    else:
        raise ConfigError(f"explore.design={design}: allowed values are {', '.join(DESIGNS)}")
    columns = {}
    for j, f in enumerate(factor_list):
        values = f.low + unit[:, j] * (f.high - f.low)
        columns[f.key] = np.round(values).astype(np.int64) if f.integer else values
    return pd.DataFrame(columns)


def _unit(k: int) -> dict:
    return {"num_vars": k, "names": [f"x{i}" for i in range(k)], "bounds": [[0.0, 1.0]] * k}
