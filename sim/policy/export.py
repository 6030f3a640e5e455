"""Policies as Hydra configs: each found policy runs with ``python -m sim`` as it is.

A policy's file (``conf/policy/<policy>.yaml`` in the search's directory) chooses the
search's base scenario and groups, sets the fixed overrides and the policy's lever
values, and points ``calibration.worlds`` at the search's worlds with the search's seed
and one replication per world, so that

    python -m sim --config-dir <search dir>/conf +policy=<policy>

repeats the policy's runs exactly: the same numbers, world by world.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.config.export import hydra_config, plain
from sim.config.overrides import lookup
from sim.config.params import Config
from sim.explore.tasks import writing
from sim.policy.levers import Lever
from sim.policy.params import PolicySettings
from sim.runs.files import write_atomic

POLICY_DIR = Path("conf") / "policy"


def named_values(config: Config, lever_list: Sequence[Lever]) -> dict[str, Any]:
    """The values a named scenario's config holds at the levers' keys."""
    return {lever.key: lookup(config, lever.key) for lever in lever_list}


def policy_config(cfg: PolicySettings, key: str, values: Mapping[str, Any], worlds: Path) -> str:
    """The YAML text of one policy's Hydra config (see the module docstring)."""
    settings = {
        "scenario_name": f"policy_{key}",
        "description": f"policy {key} of a policy search (python -m sim.policy)",
        "days": cfg.days,
        "seed": cfg.seed,
        "replications": cfg.worlds.count,
        "calibration.worlds": str(worlds.resolve()),
    }
    return hydra_config(cfg.scenario, {**cfg.overrides, **values}, settings)


def export_policies(cfg: PolicySettings, pareto: pd.DataFrame, out: Path) -> None:
    """Write every searched policy of the table as ``conf/policy/<policy>.yaml``."""
    folder = out / POLICY_DIR
    with writing(folder):
        folder.mkdir(parents=True, exist_ok=True)
    keys = [lever.name for lever in cfg.levers]
    for row in pareto[pareto["source"] == "search"].to_dict("records"):
        values = {k: plain(row[k]) for k in keys}
        path = folder / f"{row['policy']}.yaml"
        with writing(path):
            write_atomic(path, policy_config(cfg, row["policy"], values, out / "worlds.parquet"))
