"""A calibration problem, checked whole before anything runs: settings, model, observed data.

:func:`prepare` is where every setting of ``python -m sim.calibrate`` that can be
wrong is refused with a :class:`~sim.config.params.ConfigError` naming it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.events import Events, event_statistics
from sim.analysis.ged import load_data, observed_events
from sim.calibrate.params import CalibrateSettings
from sim.calibrate.simulator import Simulator, check_prior
from sim.config.compose import load_config
from sim.config.params import Config, ConfigError
from sim.runs.runner import model_params


@dataclass(frozen=True)
class Problem:
    """A validated calibration: settings, the model, the observed events and their statistics."""

    settings: CalibrateSettings
    model: Config
    observed: Events
    statistics: dict[str, float]

    def simulator(self) -> Simulator:
        s = self.settings
        return Simulator(model_params(self.model), s.days, s.units, s.tail_min, s.parameters)


def prepare(settings: CalibrateSettings) -> Problem:
    """Check everything the fit needs before anything runs; ConfigError names what is wrong."""
    if not settings.parameters:
        raise ConfigError("parameters: at least one parameter to calibrate is required")
    if not settings.units:
        raise ConfigError("units: at least one administrative unit is required")
    _refuse_repeats("parameters", [p.name for p in settings.parameters], "prior")
    _refuse_repeats("units", settings.units, "share statistic")
    model = load_config(settings.model)
    for prior in settings.parameters:
        check_prior(model, prior.name, prior.low, prior.high, prior.reason)
        if prior.log and prior.low <= 0:
            raise ConfigError(f"{prior.name}: a prior of scale=log needs low > 0, not {prior.low}")
    try:
        start = pd.Timestamp(settings.start)
    except ValueError:
        raise ConfigError(f"start={settings.start}: not a date (YYYY-MM-DD)") from None
    events = load_data(settings.data, settings.units)
    last = events["date_start"].max()
    if start + pd.Timedelta(days=settings.days - 1) > last + pd.Timedelta(days=31):
        raise ConfigError(
            f"days={settings.days}: the data end on {last.date()}, "
            f"{settings.days} days from {settings.start} go beyond them"
        )
    obs = model.observation
    observed = observed_events(events, settings.start, settings.days, obs.ged_types, obs.min_deaths)
    stats = event_statistics(observed, settings.units, settings.tail_min)
    bad = [k for k, v in stats.items() if not np.isfinite(v)]
    if bad:
        raise ConfigError(f"data={settings.data}: statistic {bad[0]} cannot be computed from it")
    if settings.sampler == "dask" and settings.dask_address:
        from sim.calibrate.sampler import check_dask  # imports pyabc and Dask

        check_dask(settings.dask_address)
    return Problem(settings, model, observed, stats)


def _refuse_repeats(key: str, names: list[str], what: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ConfigError(f"{key}: {name!r} is listed twice; each gets one {what}")
        seen.add(name)
