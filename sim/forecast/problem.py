"""A forecast problem, checked whole before anything runs: settings, model, data, origins.

:func:`prepare` refuses every setting that can be wrong with a
:class:`~sim.config.params.ConfigError` naming it and what is allowed, so a bad command
ends in one line before anything is written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from sim.analysis.events import Events
from sim.analysis.ged import load_data, observed_events
from sim.config.compose import load_config
from sim.config.params import Config, ConfigError
from sim.forecast.params import ForecastSettings
from sim.model.incidents import DAYS_PER_MONTH
from sim.runs.draws import final_generation, parameter_columns, parameter_field

QUANTITIES = ("events", "fatalities")
"""What is forecast per governorate and month: recorded events and their deaths (GED's best)."""


@dataclass(frozen=True)
class Problem:
    """Validated settings, the model's config, the GED events and the observed targets."""

    settings: ForecastSettings
    model: Config
    events: pd.DataFrame
    observed: dict[str, np.ndarray]  # quantity -> (units, months)
    origins: tuple[int, ...]
    posterior: pd.DataFrame | None

    @property
    def months(self) -> int:
        return self.observed["events"].shape[1]

    def ahead(self, origin: int) -> int:
        """Months forecast from ``origin``: the horizon, or fewer where the data end."""
        return min(self.settings.horizon, self.months - origin)


def month_day(month: int) -> int:
    """The first whole day of ``month`` (months of 30.4375 days from day 0)."""
    return math.ceil(month * DAYS_PER_MONTH)


def monthly_table(events: Events, units: list[str], months: int) -> dict[str, np.ndarray]:
    """Events and their deaths per unit (rows) and month (columns)."""
    month = (np.asarray(events.day) // DAYS_PER_MONTH).astype(np.int64)
    counts = np.zeros((len(units), months), dtype=np.int64)
    deaths = np.zeros((len(units), months), dtype=np.int64)
    where = {u: i for i, u in enumerate(units)}
    row = np.array([where.get(u, -1) for u in events.unit], dtype=np.int64)
    keep = (row >= 0) & (month < months)
    np.add.at(counts, (row[keep], month[keep]), 1)
    np.add.at(deaths, (row[keep], month[keep]), np.asarray(events.deaths)[keep])
    return {"events": counts, "fatalities": deaths}


def prepare(settings: ForecastSettings) -> Problem:
    """Check everything the forecasts need; ConfigError names what is wrong."""
    s = settings
    if not s.units:
        raise ConfigError("units: at least one administrative unit (adm_1) is required")
    if len(set(s.units)) < len(s.units):
        raise ConfigError("units: a unit is listed twice; list each once")
    model = load_config(s.model)
    if not model.background.governorates:
        raise ConfigError(
            f"model=[{', '.join(s.model)}]: the model has no background violence to refit "
            "(geography=stylised has none); forecast a geography that has, such as "
            "geography=tr_sy"
        )
    try:
        start = pd.Timestamp(date.fromisoformat(s.start))
    except ValueError:
        raise ConfigError(f"start={s.start}: not a date (YYYY-MM-DD)") from None
    events = load_data(s.data, s.units)
    first, last = events["date_start"].min(), events["date_start"].max()
    if start < first - pd.Timedelta(days=31):
        raise ConfigError(
            f"start={s.start}: the data begin on {first.date()}; a window before them "
            "would be fitted on months the data do not cover"
        )
    if start + pd.Timedelta(days=s.days - 1) > last + pd.Timedelta(days=31):
        raise ConfigError(
            f"days={s.days}: the data run from {first.date()} to {last.date()}; {s.days} days "
            f"from start={s.start} go beyond them"
        )
    months = int(s.days // DAYS_PER_MONTH)
    if s.first_origin >= months:
        raise ConfigError(
            f"first_origin={s.first_origin}: leaves no month to score; the {s.days} days from "
            f"{s.start} hold {months} months, so it must be below {months}"
        )
    obs = model.observation
    observed = observed_events(events, s.start, s.days, obs.ged_types, obs.min_deaths)
    table = monthly_table(observed, list(s.units), months)
    origins = tuple(range(s.first_origin, months, s.origin_step))
    return Problem(s, model, events, table, origins, load_posterior(s.posterior, model))


def load_posterior(name: str, model: Config) -> pd.DataFrame | None:
    """The posterior's last generation (None: no posterior, the model's own values)."""
    if not name.strip():
        return None
    try:
        posterior = final_generation(name)
    except ConfigError as e:
        raise ConfigError(str(e).replace("calibration.posterior=", "posterior=", 1)) from None
    for column in parameter_columns(posterior):
        try:
            parameter_field(model, column)
        except ConfigError:
            raise ConfigError(
                f"posterior={name}: its parameter {column} is no parameter of this model"
            ) from None
    return posterior
