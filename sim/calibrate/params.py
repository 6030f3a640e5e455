"""Typed settings of ``python -m sim.calibrate`` (the model's own are in sim.config.params).

The schema of ``conf/calibrate.yaml``; ``conf/effort/`` selects how much
simulation the fit spends (``shipped``: the published posterior; ``quick``: a
smoke test). Fields with a range carry it as in :mod:`sim.config.params`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sim.config.schema import bounded, choice

SAMPLERS = ("local", "dask", "single")
SCALES = ("linear", "log")
PPC_LEVEL = 0.9
"""Posterior predictive intervals are central 90% intervals."""


@dataclass
class PriorParams:
    """A uniform prior on one model parameter (a dotted name, as on the command line).

    ``low``/``high`` lie in the parameter's declared range; if narrower,
    ``reason`` says why. ``scale: log`` makes the prior uniform in the value's base-10
    logarithm (``low`` > 0): for a rate that may lie anywhere over orders of magnitude,
    where a uniform prior would put nine tenths of its weight in the top decade. The fit
    works in :meth:`bounds`' coordinates throughout (proposals, history matching,
    convergence, the prior-edge check); tables and figures show the values.
    """

    name: str = ""
    low: float = 0.0
    high: float = 1.0
    reason: str = ""
    scale: str = choice("linear", SCALES)

    @property
    def log(self) -> bool:
        return self.scale == "log"

    @property
    def bounds(self) -> tuple[float, float]:
        """Where the prior is uniform: ``low``, ``high`` or their base-10 logarithms."""
        return (math.log10(self.low), math.log10(self.high)) if self.log else (self.low, self.high)

    def to_fit(self, value):
        """A value (or array) in the fit's coordinates."""
        return np.log10(value) if self.log else value

    def to_model(self, x):
        """The value at a point (or array) of the fit's coordinates."""
        return 10.0**x if self.log else x


@dataclass
class CalibrateSettings:
    """An ABC-SMC fit of the model's recorded events to GED-format event data.

    ``model`` are overrides of ``python -m sim`` that make the model compared
    with the data (scenario, geography, observation); ``data`` is a GED CSV (a
    bare name: the shipped ``data/``), a regular file of at most 64 MiB
    (:data:`sim.analysis.ged.MAX_GED_BYTES`); the data's events of the observation's
    ``ged_types`` (every code by default) with at least its ``min_deaths`` dead, from
    ``start`` over ``days`` days, are compared with as many simulated days. ``units``
    are the administrative units whose shares of the events are statistics;
    ``tail_min`` the deaths above which the tail exponent is fitted. The fit stops
    after ``generations`` populations, when the acceptance rate falls below
    ``min_acceptance``, before a generation that
    would end after ``max_minutes`` if it took as long as the last one, or once
    it has settled: the weighted 5%,
    50% and 95% quantiles of every parameter moved by less than
    ``settled_shift`` of its prior's width in each of the last two generations
    (:mod:`sim.calibrate.convergence`; 0 never stops early). Proposals
    perturb the last generation with pyabc's Gaussian kernel, its covariance
    times ``kernel_scaling``, or with probability ``prior_share`` come from the
    prior (:mod:`sim.calibrate.transition`).
    With ``waves`` > 0, history matching first rules out implausible parameters
    (:mod:`sim.calibrate.waves`): each wave runs ``wave_points`` parameter sets
    ``wave_replications`` times, fits emulators, and rules out where a statistic's
    implausibility exceeds ``cutoff`` given the model's ``discrepancy`` (its standard
    deviation as a share of each observed statistic); the waves stop once one keeps more
    than ``wave_keep`` of what the previous one left. ABC-SMC then samples only there.
    Samplers: ``local`` (``workers`` processes), ``dask`` (a cluster at
    ``dask_address``, whose scheduler must answer within 5 s, or a local one of
    ``workers`` processes), ``single`` (this process; exactly reproducible from
    ``seed``, also when resumed). ``local`` and ``dask`` are not reproducible:
    pyabc seeds their workers from the operating system, and which simulations
    are accepted depends on which worker finishes first.
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
    settled_shift: float = bounded(0.0, 0.0, 1.0)
    kernel_scaling: float = bounded(2.0, 0.01, 100.0)
    prior_share: float = bounded(0.1, 0.0, 0.99)
    waves: int = bounded(0, 0, 20)
    wave_points: int = bounded(200, 10, 100000)
    wave_replications: int = bounded(4, 2, 1000)
    wave_keep: float = bounded(0.8, 0.0, 1.0)
    cutoff: float = bounded(3.0, 0.5, 100.0)
    discrepancy: float = bounded(0.1, 0.0, 10.0)
    sampler: str = choice("local", SAMPLERS)
    workers: int = bounded(2, 1, 1024)
    dask_address: str = ""
    seed: int = bounded(20160101, 0, 2**32 - 1)
    ppc_draws: int = bounded(100, 2, 100000)
