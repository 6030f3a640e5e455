"""Calibrated parameters: priors, applying a parameter set, the ABC simulator, posterior draws.

A calibration fits a declared set of uncertain parameters (dotted names such as
``armed_groups.attempt_rate``) to event data (:mod:`sim.calibrate` runs it). This
module holds what does not need the ABC library:

- :func:`check_prior`: a prior is uniform over the parameter's declared range
  or a narrower one, and a narrower one must say why;
- :func:`apply_parameters`: a parameter set on a copy of the typed parameters;
- :class:`Simulator`: one simulation of the recorded events' summary statistics
  for a parameter set (what ABC calls the model);
- :func:`replication_draws`: with ``calibration=<name>``, replication ``i``
  draws one particle of the shipped posterior by its weight, from its own seed,
  so the same replication gets the same draw in every scenario.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from sim.eventstats import Events, event_statistics, recorded_events
from sim.ged import data_path
from sim.model import RoadmapModel
from sim.params import Config, ConfigError, ModelParams, validate
from sim.tables import collect

DRAW_STREAM = 11
"""Spawn key of the stream a replication draws its particle from (its model has the others)."""
FIXED = -1
"""The draw id of a replication that runs with the config's own parameter values."""


@dataclass(frozen=True)
class Draw:
    """One replication's parameter set: a posterior particle (``id``) and its values."""

    id: int = FIXED
    values: Mapping[str, float] = field(default_factory=dict)

    def apply(self, params: ModelParams) -> ModelParams:
        return apply_parameters(params, self.values) if self.values else params


def _field(params: Any, name: str) -> tuple[Any, dataclasses.Field]:
    """The dataclass holding ``name`` (dotted) and the field itself, or ConfigError."""
    *path, last = name.split(".")
    obj = params
    for part in path:
        obj = getattr(obj, part, None)
    fields = {f.name: f for f in dataclasses.fields(obj)} if dataclasses.is_dataclass(obj) else {}
    if last not in fields or dataclasses.is_dataclass(getattr(obj, last)):
        raise ConfigError(
            f"{name}: no such model parameter (list them with: python -m sim --cfg job)"
        )
    return obj, fields[last]


def check_prior(params: ModelParams, name: str, low: float, high: float, reason: str) -> None:
    """A uniform prior on ``[low, high]`` lies in the declared range; a narrower one says why."""
    obj, f = _field(params, name)
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


def apply_parameters(params: ModelParams, values: Mapping[str, float]) -> ModelParams:
    """A validated copy of ``params`` with each dotted parameter set (whole-number fields
    rounded), through the same assignment as the Python API's overrides."""
    from sim.overrides import assign  # imports Hydra's parser: only where parameters vary

    params = copy.deepcopy(params)
    for name, value in values.items():
        obj, f = _field(params, name)
        assign(params, name, round(value) if isinstance(getattr(obj, f.name), int) else value)
    return validate(params)


class Simulator:
    """The summary statistics of one simulated series of recorded events (ABC's model).

    The run's seed is drawn from numpy's global generator, which pyabc seeds
    (and reseeds in each worker process); every random draw of the run itself
    comes from streams spawned from that seed.
    """

    def __init__(
        self, params: ModelParams, days: int, units: Sequence[str], tail_min: float
    ) -> None:
        self.params = params
        self.days = days
        self.units = tuple(units)
        self.tail_min = tail_min

    def events(self, values: Mapping[str, float], seed: int) -> Events:
        """The recorded events of one run with the parameter values ``values``."""
        model = RoadmapModel(apply_parameters(self.params, values), self.days, seed)
        return recorded_events(collect(model.run()).arrow["incidents"], self.days)

    def statistics(self, values: Mapping[str, float], seed: int) -> dict[str, float]:
        return event_statistics(self.events(values, seed), self.units, self.tail_min)

    def __call__(self, parameter: Mapping[str, float]) -> dict[str, float]:
        seed = int(np.random.randint(0, 2**62))  # noqa: NPY002 (pyabc's seeded global stream)
        return self.statistics(dict(parameter), seed)


@cache
def _posterior(path: str) -> pd.DataFrame:
    table = pd.read_parquet(path)
    return table[table["generation"] == table["generation"].max()].reset_index(drop=True)


def final_generation(path: str) -> pd.DataFrame:
    """The last generation of a posterior table (one row per particle)."""
    try:
        return _posterior(str(data_path(path)))
    except (FileNotFoundError, OSError) as e:
        raise ConfigError(f"calibration.posterior={path}: cannot read ({e})") from None


def parameter_columns(posterior: pd.DataFrame) -> list[str]:
    """The parameter columns of a posterior table (dotted names)."""
    return [c for c in posterior.columns if "." in c]


def replication_draws(config: Config, seeds: Sequence[int]) -> list[Draw]:
    """Each replication's draw: fixed parameters, or a posterior particle chosen by weight.

    The choice comes from the replication's own seed (a stream the model does
    not use), so replication ``i`` draws the same particle in every scenario.
    """
    if config.calibration.name == "none":
        return [Draw() for _ in seeds]
    posterior = final_generation(config.calibration.posterior)
    names = parameter_columns(posterior)
    weights = posterior["weight"].to_numpy(dtype=float)
    weights = weights / weights.sum()
    draws = []
    for seed in seeds:
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DRAW_STREAM,)))
        row = int(rng.choice(len(posterior), p=weights))
        values = {n: float(posterior.at[row, n]) for n in names}
        draws.append(Draw(int(posterior.at[row, "particle"]), values))
    return draws
