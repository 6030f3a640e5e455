"""Policies as Hydra configs: each found policy runs with ``python -m sim`` as it is.

A policy's file (``conf/policy/<policy>.yaml`` in the search's directory) chooses the
search's base scenario and groups, sets the fixed overrides and the policy's lever
values, and points ``calibration.worlds`` at the search's worlds with the search's seed
and one replication per world, so that

    python -m sim --config-dir <search dir>/conf +policy=<policy>

repeats the policy's runs exactly: the same numbers, world by world.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.config.overrides import GROUPS, IN_DEFAULTS, configure, lookup
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
    overrides = {**cfg.overrides, **values}
    config = configure(cfg.scenario, overrides, days=cfg.days)
    defaults: list[Any] = [{"override /scenario": cfg.scenario}]
    body: dict[str, Any] = {}
    for name, value in overrides.items():
        group = name.lstrip("+")
        if group in GROUPS and isinstance(value, str):
            defaults.append({f"{'override ' if group in IN_DEFAULTS else ''}/{group}": value})
            continue
        parts = name.split(".")
        cut = next((i for i, p in enumerate(parts) if p.isdigit()), len(parts))
        path = parts[:cut]  # a list element is set by writing its whole list
        _set(body, path, _plain(lookup(config, ".".join(path))))
    defaults.append("_self_")
    body |= {
        "scenario_name": f"policy_{key}",
        "description": f"policy {key} of a policy search (python -m sim.policy)",
        "days": cfg.days,
        "seed": cfg.seed,
        "replications": cfg.worlds.count,
    }
    _set(body, ["calibration", "worlds"], str(worlds.resolve()))
    text = yaml.safe_dump({"defaults": defaults, **body}, sort_keys=False)
    return f"# @package _global_\n{text}"


def export_policies(cfg: PolicySettings, pareto: pd.DataFrame, out: Path) -> None:
    """Write every searched policy of the table as ``conf/policy/<policy>.yaml``."""
    folder = out / POLICY_DIR
    with writing(folder):
        folder.mkdir(parents=True, exist_ok=True)
    keys = [lever.name for lever in cfg.levers]
    for row in pareto[pareto["source"] == "search"].to_dict("records"):
        values = {k: _plain(row[k]) for k in keys}
        path = folder / f"{row['policy']}.yaml"
        with writing(path):
            write_atomic(path, policy_config(cfg, row["policy"], values, out / "worlds.parquet"))


def _set(tree: dict, path: list[str], value: Any) -> None:
    for part in path[:-1]:
        tree = tree.setdefault(part, {})
    tree[path[-1]] = value


def _plain(value: Any) -> Any:
    """A YAML-safe value: numpy scalars as Python's, dataclasses as mappings."""
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value.item() if hasattr(value, "item") else value
