"""Typed settings of ``python -m sim.calibrate`` (the model's own parameters are in sim.params).

The schema of ``conf/calibrate.yaml``; ``conf/effort/`` selects how much
simulation the fit spends (``shipped``: the published posterior; ``quick``: a
smoke test). Fields with a range carry it as in :mod:`sim.params`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.schema import bounded, choice

SAMPLERS = ("local", "dask", "single")
PPC_LEVEL = 0.9
"""Posterior predictive intervals are central 90% intervals."""


@dataclass
class PriorParams:
    """A uniform prior on one model parameter (a dotted name, as on the command line).

    ``low``/``high`` lie in the parameter's declared range; if narrower,
    ``reason`` says why.
    """

    name: str = ""
    low: float = 0.0
    high: float = 1.0
    reason: str = ""


@dataclass
class CalibrateSettings:
    """An ABC-SMC fit of the model's recorded events to GED-format event data.

    ``model`` are overrides of ``python -m sim`` that make the model compared
    with the data (scenario, geography, observation); ``data`` is a GED CSV (a
    bare name: the shipped ``data/``); the data's events of the observation's
    ``ged_types`` from ``start`` over ``days`` days are compared with as many
    simulated days. ``units`` are the administrative units whose shares of the
    events are statistics; ``tail_min`` the deaths above which the tail exponent
    is fitted. The fit stops after ``generations`` populations, when the
    acceptance rate falls below ``min_acceptance`` or after ``max_minutes``.
    Samplers: ``local`` (``workers`` processes), ``dask`` (a cluster at
    ``dask_address``, or a local one of ``workers`` processes), ``single`` (this
    process; exactly reproducible from ``seed``).
    """

    name: str = "ucdp_tr_sy"
    data: str = "ucdp_ged191_tr_sy_border25km_2016_2017.csv"
    start: str = "2016-01-01"
    days: int = bounded(731, 30, 100000)
    model: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    tail_min: int = bounded(6, 1, 100000)
    parameters: list[PriorParams] = field(default_factory=list)
    population: int = bounded(200, 2, 1000000)
    generations: int = bounded(8, 1, 1000)
    min_acceptance: float = bounded(0.01, 0.0, 1.0)
    max_minutes: float = bounded(25.0, 0.1, 100000.0)
    sampler: str = choice("local", SAMPLERS)
    workers: int = bounded(2, 1, 1024)
    dask_address: str = ""
    seed: int = bounded(20160101, 0, 2**32 - 1)
    ppc_draws: int = bounded(100, 2, 100000)
