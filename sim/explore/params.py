"""Settings of ``python -m sim.explore``: the structured config its YAML files extend.

Kept apart from :mod:`sim.explore` so that :mod:`sim.config.compose` can register the
schema with the others without importing the design machinery.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sim.analysis.labels import HEADLINE_METRICS
from sim.config.schema import bounded, choice

DESIGNS = ("lhs", "sobol", "halton", "saltelli", "morris", "factorial")
BACKENDS = ("processes", "ray")


@dataclass
class FailureParams:
    """When a run counts as a failure of the roadmap (for PRIM)."""

    outcome: str = "final_monthly_incidents"
    above: float = bounded(10.0)
    relapse: bool = True


@dataclass
class DesignParams:
    """The design, where it runs and what is analysed (see :mod:`sim.explore`).

    ``points`` is also checked against the design's minimum and :data:`MAX_RUNS
    <sim.explore.designs.MAX_RUNS>` before the design is built
    (:func:`sim.explore.designs.check_size`); ``address`` is a Ray cluster's
    (``host:port``, ``ray://host:port``, ``auto``, ``local``), tried before anything
    is written (:func:`sim.runs.backends.check_address`).
    """

    design: str = choice("lhs", DESIGNS)
    points: int = bounded(64, 1, 10_000_000)
    factors: dict[str, Any] = field(default_factory=dict)
    backend: str = choice("processes", BACKENDS)
    address: str | None = None
    chunk_points: int | None = bounded(None, 1, 1_000_000)
    outcomes: list[str] = field(default_factory=lambda: list(HEADLINE_METRICS))
    """Columns of runs analysed; by default the five headline metrics, side by side."""
    second_order: bool = False
    prim: bool = True
    failure: FailureParams = field(default_factory=FailureParams)
    figures: bool = True


@dataclass
class ExploreConfig:
    """A design run: the scenario (and the one it is compared with), fixed overrides,
    replications per point, horizon, seed, processes."""

    scenario: str = "roadmap"
    versus: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    replications: int = bounded(5, 1, 1_000_000)
    days: int = bounded(1095, 1, 100_000)
    seed: int = bounded(0, 0, 2**63 - 1)
    workers: int = bounded(2, 1, 1024)
    explore: DesignParams = field(default_factory=DesignParams)
