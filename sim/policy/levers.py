"""The levers a policy search sets, and how a search's decision vector becomes a policy.

Every lever is searched as a real number in [0, 1] (one variation operator for all of
them, every lever on one scale): a numeric lever maps it linearly onto its range
(rounded for an integer parameter), a lever of ``choices`` onto equal slices of [0, 1]
in the order given (so ``phase1, phase2, phase3`` keep their order for the crossover). A
policy is the mapping of lever keys to values; its ``key`` names it in every table.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sim.config.overrides import configure
from sim.config.params import ConfigError
from sim.explore.designs import factors
from sim.policy.params import LeverParams, PolicySettings


@dataclass(frozen=True)
class Lever:
    """One lever: a numeric range (``low``..``high``, ``integer``) or ``choices``."""

    key: str
    low: float = 0.0
    high: float = 1.0
    integer: bool = False
    choices: tuple[Any, ...] = ()

    def value(self, u: float) -> Any:
        """The lever's value at ``u`` in [0, 1]."""
        u = min(max(float(u), 0.0), 1.0)
        if self.choices:
            return self.choices[min(int(u * len(self.choices)), len(self.choices) - 1)]
        x = self.low + u * (self.high - self.low)
        return int(round(x)) if self.integer else x


def levers(cfg: PolicySettings) -> list[Lever]:
    """The settings' levers, each checked against the model (ConfigError names it)."""
    if not cfg.levers:
        raise ConfigError(
            "levers: name at least one, e.g. levers=[{name: measures.drones.intensity}] "
            "(a numeric parameter over its declared range) or "
            "[{name: measures.drones.start, choices: [phase1, phase2, phase3]}]"
        )
    keys = [lever.name for lever in cfg.levers]
    for i, key in enumerate(keys):
        where = f"levers[{i}].name={key}"
        if not key:
            raise ConfigError(f"levers[{i}].name: empty; a dotted model parameter")
        if key in keys[:i]:
            raise ConfigError(f"{where}: listed twice; one entry a lever")
        if key in cfg.overrides:
            raise ConfigError(f"{where}: also fixed in overrides; a lever is set by the search")
    return [_lever(cfg, i, lever) for i, lever in enumerate(cfg.levers)]


def _lever(cfg: PolicySettings, i: int, lever: LeverParams) -> Lever:
    if lever.choices is None:
        bounds = None if lever.low is None and lever.high is None else [lever.low, lever.high]
        (factor,) = factors({lever.name: bounds}, cfg.scenario, where=f"levers[{i}]")
        return Lever(lever.name, factor.low, factor.high, factor.integer)
    if lever.low is not None or lever.high is not None:
        raise ConfigError(f"levers[{i}].name={lever.name}: give either low/high or choices")
    if len(lever.choices) < 2:
        raise ConfigError(
            f"levers[{i}].choices={lever.choices}: at least two values to choose between"
        )
    for value in lever.choices:
        try:
            configure(cfg.scenario, {**cfg.overrides, lever.name: value}, days=cfg.days)
        except ConfigError as e:
            raise ConfigError(f"levers[{i}].choices: {e}") from None
    return Lever(lever.name, choices=tuple(lever.choices))


def decode(lever_list: Sequence[Lever], vector: Sequence[float]) -> dict[str, Any]:
    """The policy (lever key -> value) a decision vector in [0, 1]^k stands for."""
    return {lever.key: lever.value(u) for lever, u in zip(lever_list, vector, strict=True)}


def policy_key(values: Mapping[str, Any]) -> str:
    """A short name that is the same for the same lever values (two decision vectors that
    round to one policy are evaluated once)."""
    blob = json.dumps(sorted(values.items()), default=str)
    return hashlib.sha1(blob.encode()).hexdigest()[:10]
