"""Typed settings of ``python -m sim.forecast``: the schema of ``conf/forecast.yaml``.

Registered in Hydra's ConfigStore as ``base_forecast`` here, beside the schema, so the
forecast command needs nothing of the other commands' registrations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hydra.core.config_store import ConfigStore

from sim.config.schema import bounded

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
"""Quantiles of each forecast in the table (the 50% and 90% central bands, the median)."""
INTERVAL_ALPHA = 0.1
"""The interval score is of the central 90% interval."""


@dataclass
class ForecastSettings:
    """Rolling-origin forecasts of recorded events and fatalities by governorate.

    ``data`` is a GED-format CSV (a bare name: the shipped ``data/``) covering ``days``
    days from ``start``: its months (of 30.4375 days) are the targets. ``model`` are the
    overrides of ``python -m sim`` that make the forecasting model (as a calibration's);
    ``units`` the administrative units (GED's ``adm_1``) forecast. Origins are months
    ``first_origin``, ``first_origin + origin_step``, ... while a month is left to score:
    each fits on the months before it and forecasts the next ``horizon`` months (fewer
    where the data end). Each forecast is ``draws`` samples: one model run each, with a
    particle of the ``posterior`` table (a path or a name in ``data/``; empty: the
    model's own parameter values) drawn by weight, and its own seed from ``seed``.
    """

    name: str = "ucdp_tr_sy"
    data: str = "ucdp_ged191_tr_sy_border25km_2016_2017.csv"
    start: str = "2016-01-01"
    days: int = bounded(731, 61, 100000)
    model: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    first_origin: int = bounded(6, 2, 10000)
    origin_step: int = bounded(3, 1, 10000)
    horizon: int = bounded(3, 1, 120)
    draws: int = bounded(1000, 2, 100000)
    posterior: str = "ucdp_tr_sy_posterior.parquet"
    seed: int = bounded(20160101, 0, 2**32 - 1)


ConfigStore.instance().store(name="base_forecast", node=ForecastSettings)
