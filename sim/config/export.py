"""A run's settings as a Hydra config file: what the policy search and the explorer's
games export, so that ``python -m sim --config-dir DIR/conf +<group>=<name>`` runs them.

The file chooses the base scenario and any groups in its defaults list and writes every
other override as the config holds it (a list element by its whole list, a list of
moves as mappings), then the run's own settings (name, days, seed, replications).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import yaml

from sim.config.overrides import GROUPS, IN_DEFAULTS, configure, lookup


def hydra_config(scenario: str, overrides: Mapping[str, Any], settings: Mapping[str, Any]) -> str:
    """The YAML text of a ``# @package _global_`` config: ``scenario`` with ``overrides``
    (checked: ConfigError names a bad one), then ``settings`` (dotted keys allowed)."""
    config = configure(scenario, overrides, days=settings.get("days", 1095))
    defaults: list[Any] = [{"override /scenario": scenario}]
    body: dict[str, Any] = {}
    for name, value in overrides.items():
        group = name.lstrip("+")
        if group in GROUPS and isinstance(value, str):
            defaults.append({f"{'override ' if group in IN_DEFAULTS else ''}/{group}": value})
            continue
        parts = name.split(".")
        cut = next((i for i, p in enumerate(parts) if p.isdigit()), len(parts))
        path = parts[:cut]  # a list element is set by writing its whole list
        _set(body, path, plain(lookup(config, ".".join(path))))
    defaults.append("_self_")
    for key, value in settings.items():
        _set(body, key.split("."), plain(value))
    text = yaml.safe_dump({"defaults": defaults, **body}, sort_keys=False)
    return f"# @package _global_\n{text}"


def _set(tree: dict, path: list[str], value: Any) -> None:
    for part in path[:-1]:
        tree = tree.setdefault(part, {})
    tree[path[-1]] = value


def plain(value: Any) -> Any:
    """A YAML-safe value: numpy scalars as Python's, dataclasses as mappings."""
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value.item() if hasattr(value, "item") else value
