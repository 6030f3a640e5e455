"""A calibration's priors and its simulator (what ABC calls the model).

A calibration fits a declared set of uncertain parameters (dotted names such as
``armed_groups.attempt_rate``) to event data (:mod:`sim.calibrate` runs it). This
module holds what does not need the ABC library:

- :func:`check_prior`: a prior is uniform over the parameter's declared range
  or a narrower one, and a narrower one must say why;
- :class:`Simulator`: one simulation of the recorded events' summary statistics
  for a parameter set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from sim.analysis.events import Events, event_statistics, recorded_events
from sim.calibrate.params import PriorParams
from sim.config.params import ConfigError, ModelParams
from sim.model.model import RoadmapModel
from sim.runs.draws import apply_parameters, parameter_field
from sim.runs.tables import collect


def check_prior(params: ModelParams, name: str, low: float, high: float, reason: str) -> None:
    """A uniform prior on ``[low, high]`` lies in the declared range; a narrower one says why."""
    obj, f = parameter_field(params, name)
    if not isinstance(getattr(obj, f.name), int | float) or isinstance(getattr(obj, f.name), bool):
        raise ConfigError(f"{name}: not a number, cannot be calibrated")
    lo, hi = f.metadata.get("range", (None, None))
    if not low < high:
        raise ConfigError(f"{name}: prior [{low}, {high}] is empty; low must be below high")
    if (lo is not None and low < lo) or (hi is not None and high > hi):
        raise ConfigError(f"{name}: prior [{low}, {high}] outside the declared range [{lo}, {hi}]")
    if (lo is None or low > lo or hi is None or high < hi) and not reason.strip():
        raise ConfigError(
            f"{name}: prior [{low}, {high}] is narrower than the declared range "
            f"[{lo}, {hi}]; give its reason"
        )


class Simulator:
    """The summary statistics of one simulated series of recorded events (ABC's model).

    The run's seed is drawn from numpy's global generator, which pyabc seeds
    (and reseeds in each worker process); every random draw of the run itself
    comes from streams spawned from that seed.
    """

    def __init__(
        self,
        params: ModelParams,
        days: int,
        units: Sequence[str],
        tail_min: float,
        priors: Sequence[PriorParams] = (),
    ) -> None:
        self.params = params
        self.days = days
        self.units = tuple(units)
        self.tail_min = tail_min
        self.priors = {p.name: p for p in priors}

    def events(self, values: Mapping[str, float], seed: int) -> Events:
        """The recorded events of one run with the parameter values ``values``."""
        model = RoadmapModel(apply_parameters(self.params, values), self.days, seed)
        return recorded_events(collect(model.run()).arrow["incidents"], self.days)

    def statistics(self, values: Mapping[str, float], seed: int) -> dict[str, float]:
        return event_statistics(self.events(values, seed), self.units, self.tail_min)

    def fit_statistics(self, point: Mapping[str, float], seed: int) -> dict[str, float]:
        """:meth:`statistics` at a point of the fit's coordinates (a log-scale prior's
        parameter is its base-10 logarithm there: :class:`PriorParams`)."""
        values = {k: float(self.priors[k].to_model(x)) if k in self.priors else float(x)
                  for k, x in point.items()}  # fmt: skip
        return self.statistics(values, seed)

    def __call__(self, parameter: Mapping[str, float]) -> dict[str, float]:
        seed = int(np.random.randint(0, 2**62))  # noqa: NPY002 (pyabc's seeded global stream)
        return self.fit_statistics(dict(parameter), seed)
