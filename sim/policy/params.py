"""Settings of ``python -m sim.policy``: the structured config its YAML files extend.

Kept apart from :mod:`sim.policy` so that :mod:`sim.config.compose` can register the
schema with the others without importing the search machinery.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sim.config.schema import bounded, choice

ALGORITHMS = ("nsga2", "eps_nsga2", "nsga3", "pymoo_nsga3")
BACKENDS = ("processes", "ray", "dask")
STATISTICS = ("mean", "share_positive")
SENSES = ("min", "max")


@dataclass
class LeverParams:
    """One lever the search sets: a model parameter (dotted key) over ``[low, high]``
    (whole numbers for an integer parameter), or over ``choices`` (a measure's ``start``:
    ``phase1``, ``phase2``, ``phase3`` or a day; ``enabled``: true/false)."""

    name: str = ""
    low: float | None = None
    high: float | None = None
    choices: list[Any] | None = None


@dataclass
class ObjectiveParams:
    """What a policy is judged on: ``statistic`` of the runs column ``column`` over the
    worlds (``mean``; ``share_positive``: the share of worlds where it is above 0, e.g. the
    probability of a relapse from ``relapses``). A ``phase<k>_day`` column counts a world
    that never reached the phase as reaching it on the horizon's last day (censored: the
    mean is then a lower bound). ``epsilon`` is the resolution the search tells policies
    apart by (the epsilon-box archive's box size, in the column's units)."""

    name: str = ""
    column: str = ""
    statistic: str = choice("mean", STATISTICS)
    sense: str = choice("min", SENSES)
    epsilon: float = bounded(0.01, 1e-12, 1e12)


@dataclass
class ConstraintParams:
    """A policy is feasible only when ``statistic`` of ``column`` over the worlds is at
    most ``max`` (e.g. the mean roadmap spend within a budget, k$)."""

    column: str = ""
    statistic: str = choice("mean", STATISTICS)
    max: float = 0.0


@dataclass
class UncertaintyParams:
    """A deep uncertainty: a model parameter the calibration does not pin, drawn over
    ``[low, high]`` once per world (Latin hypercube)."""

    name: str = ""
    low: float = 0.0
    high: float = 0.0


@dataclass
class WorldsParams:
    """The uncertain worlds every policy is evaluated in (:mod:`sim.policy.worlds`):
    ``count`` worlds, world ``i`` with replication ``i``'s seed of ``seed``, its posterior
    draw (when ``overrides`` choose a calibration) and a Latin-hypercube point of
    ``uncertainties``."""

    count: int = bounded(20, 2, 100_000)
    uncertainties: list[UncertaintyParams] = field(default_factory=list)


@dataclass
class SearchParams:
    """The evolutionary search (:mod:`sim.policy.search`): pymoo's NSGA-III
    (``pymoo_nsga3``, the default: the best of the four at one budget,
    ``experiments/policy_algorithms.py``), or platypus's NSGA-II, epsilon-NSGA-II or
    NSGA-III."""

    algorithm: str = choice("pymoo_nsga3", ALGORITHMS)
    population: int = bounded(36, 4, 10_000)
    generations: int = bounded(10, 1, 100_000)
    divisions: int = bounded(3, 1, 100)
    """NSGA-III's reference-point divisions per objective (its population is the number of
    reference points, rounded up to a multiple of 4 by platypus)."""
    seed: int | None = bounded(None, 0, 2**63 - 1)
    """The algorithm's own random seed (none: the settings' ``seed``, which also draws the
    worlds): vary it to compare searches in the same worlds."""


@dataclass
class RobustnessParams:
    """How the robustness of the Pareto set and the named scenarios is scored
    (:mod:`sim.policy.robustness`): ``thresholds`` (objective name -> the value a world
    must do at least as well as) define satisficing; ``hurwicz`` weighs the best case
    against the worst."""

    thresholds: dict[str, float] = field(default_factory=dict)
    hurwicz: float = bounded(0.5, 0.0, 1.0)


@dataclass
class PolicySettings:
    """A policy search: the base ``scenario`` and fixed ``overrides`` (groups such as
    ``geography`` and ``calibration`` too) that every policy shares, the ``levers`` it sets,
    the ``objectives`` and ``constraints`` it is judged on, the ``worlds`` and the
    ``search``; the ``named`` scenarios are scored on the same worlds beside the policies
    found."""

    scenario: str = "roadmap"
    overrides: dict[str, Any] = field(default_factory=dict)
    named: list[str] = field(
        default_factory=lambda: ["roadmap", "roadmap_scheduled", "all_at_once"]
    )
    days: int = bounded(1095, 1, 100_000)
    seed: int = bounded(0, 0, 2**63 - 1)
    workers: int = bounded(2, 1, 1024)
    backend: str = choice("processes", BACKENDS)
    address: str | None = None
    levers: list[LeverParams] = field(default_factory=list)
    objectives: list[ObjectiveParams] = field(default_factory=list)
    constraints: list[ConstraintParams] = field(default_factory=list)
    worlds: WorldsParams = field(default_factory=WorldsParams)
    search: SearchParams = field(default_factory=SearchParams)
    robustness: RobustnessParams = field(default_factory=RobustnessParams)
    figures: bool = True
