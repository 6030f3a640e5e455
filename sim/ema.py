"""The EMA Workbench adaptor: the model as an EMA ``Model`` on the fast Python API.

Example::

    from ema_workbench import MultiprocessingEvaluator
    from sim.ema import model
    m = model(uncertainties={"armed_groups.attempt_rate": (0.06, 0.24)},
              levers={"measures.joint_patrols.intensity": (0.0, 1.0)},
              outcomes=["attacks_per_month", "state_incidents_per_month", "spend_roadmap"])
    with MultiprocessingEvaluator(m, n_processes=2) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=100, policies=4)

Each experiment runs ``replications`` paired replications (the same seeds for
every experiment: common random numbers) and returns their mean per outcome:
any numeric column of ``runs.parquet``, by default the five headline metrics
(:data:`sim.analysis.labels.HEADLINE_METRICS`); add ``spend_roadmap`` to weigh
an effect against its cost.

An integer parameter on ``[low, high]`` is an EMA ``RealParameter`` on
``[low - 0.5, high + 0.5]`` that the experiment rounds to the nearest whole
number (each integer equally likely). EMA keeps an ``IntegerParameter``'s
column as ``int64``, and with pandas 3 its PRIM then fails on the first box
limit that falls between two integers (``Invalid value '8.5' for dtype
'int64'``); on the real scale a PRIM limit of 8.5 reads "8 or less".
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sim.analysis.labels import HEADLINE_METRICS
from sim.api import run
from sim.config.overrides import configure
from sim.config.params import ConfigError
from sim.explore.designs import factors


@dataclass(frozen=True)
class Experiment:
    """One EMA experiment: parameters by dotted key in, mean outcomes out (picklable)."""

    scenario: str
    days: int
    replications: int
    seed: int
    outcomes: tuple[str, ...]
    integers: tuple[tuple[str, int, int], ...] = ()
    """Integer parameters as ``(key, low, high)``: their real draw is rounded."""

    def __call__(self, **values: Any) -> dict[str, float]:
        for key, low, high in self.integers:
            values[key] = min(max(math.floor(values[key] + 0.5), low), high)
        runs = run(self.scenario, values, self.replications, self.days, self.seed).runs
        return {name: float(runs[name].mean()) for name in self.outcomes}


def model(
    uncertainties: Mapping[str, tuple[float, float]],
    levers: Mapping[str, tuple[float, float]] | None = None,
    outcomes: Sequence[str] = HEADLINE_METRICS,
    scenario: str = "roadmap",
    days: int = 1095,
    replications: int = 5,
    seed: int = 0,
    name: str = "border_roadmap",
):
    """An ``ema_workbench.Model`` over dotted parameter keys (ranges checked against
    the declared bounds; outcomes checked against the runs table's columns)."""
    with warnings.catch_warnings():  # its parallel evaluator this package does not use
        warnings.filterwarnings("ignore", "ipyparallel not installed", UserWarning)
        from ema_workbench import Model, RealParameter, ScalarOutcome

    for key, ranges in (("uncertainties", uncertainties), ("levers", levers or {})):
        if not isinstance(ranges, Mapping):
            raise ConfigError(f"{key}={ranges!r}: a mapping {{dotted key: (low, high)}}")
    levers = dict(levers or {})
    outcomes = [outcomes] if isinstance(outcomes, str) else list(outcomes)
    configure(scenario, days=days, replications=replications, seed=seed)  # the settings, checked
    both = sorted(uncertainties.keys() & levers.keys())
    if both:
        raise ConfigError(f"{both[0]}: both an uncertainty and a lever; make it one of them")
    if not outcomes:
        raise ConfigError("outcomes=[]: name at least one column of runs")
    probe = run(scenario, replications=1, days=2).runs.columns
    missing = [o for o in outcomes if o not in probe]
    if missing:
        raise ConfigError(f"outcomes {missing}: not columns of runs (one of {', '.join(probe)})")

    chosen = [
        f
        for ranges in (uncertainties, levers)
        if ranges
        for f in factors({k: list(v) for k, v in ranges.items()}, scenario)
    ]
    integers = tuple((f.key, int(f.low), int(f.high)) for f in chosen if f.integer)
    real = {
        f.key: RealParameter(f.key, f.low - 0.5, f.high + 0.5)
        if f.integer
        else RealParameter(f.key, f.low, f.high)
        for f in chosen
    }
    experiment = Experiment(scenario, days, replications, seed, tuple(outcomes), integers)
    ema = Model(name, function=experiment)
    ema.uncertainties = [real[k] for k in uncertainties]
    ema.levers = [real[k] for k in levers]
    ema.outcomes = [ScalarOutcome(o) for o in outcomes]
    return ema
