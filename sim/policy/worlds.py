"""The uncertain worlds every policy is judged in, drawn once.

World ``i`` is replication ``i`` of ``python -m sim`` with the search's ``seed`` (its
seed, hence its chance), the posterior draw that replication makes when the settings'
``overrides`` choose a calibration (:func:`sim.runs.draws.replication_draws`), and a
point of a Latin hypercube over the deep uncertainties (hand-set constants no
calibration pins). Every policy, found or named, runs in the same worlds: common random
numbers and common parameter draws, so differences between policies are the policies'.
The table (``worlds.parquet``) is what ``calibration.worlds`` reads, so ``python -m sim``
reruns a policy in exactly these worlds.
"""

from __future__ import annotations

import pandas as pd

from sim.config.overrides import configure
from sim.config.params import ConfigError
from sim.explore.designs import factors, sample
from sim.policy.params import PolicySettings
from sim.runs.draws import replication_draws
from sim.runs.runner import replication_seeds


def make_worlds(cfg: PolicySettings) -> pd.DataFrame:
    """One row per world: ``world``, ``seed``, ``base_seed``, ``draw`` (the posterior
    particle, -1 without a calibration) and one column per parameter it sets."""
    w = cfg.worlds
    config = configure(cfg.scenario, cfg.overrides, days=cfg.days)
    seeds = replication_seeds(cfg.seed, w.count)
    draws = replication_draws(config, seeds)
    table = pd.DataFrame(
        {
            "world": range(w.count),
            "seed": seeds,
            "base_seed": cfg.seed,
            "draw": [d.id for d in draws],
        }
    )
    drawn = pd.DataFrame([dict(d.values) for d in draws], index=table.index)
    names = [u.name for u in w.uncertainties]
    levers = {lever.name for lever in cfg.levers}
    for i, name in enumerate(names):
        where = f"worlds.uncertainties[{i}].name={name}"
        if name in names[:i]:
            raise ConfigError(f"{where}: listed twice")
        if name in drawn.columns:
            raise ConfigError(f"{where}: drawn from the calibration's posterior already")
        if name in levers or name in cfg.overrides:
            raise ConfigError(f"{where}: also a lever or fixed in overrides; one role each")
    if names:
        ranges = {u.name: [u.low, u.high] for u in w.uncertainties}
        unit = sample(
            "lhs", factors(ranges, cfg.scenario, where="worlds.uncertainties"), w.count, cfg.seed
        )
        drawn = pd.concat([drawn, unit], axis=1)
    return pd.concat([table, drawn], axis=1)
