"""Each replication's parameters: the config's own, or a draw from a shipped posterior.

With ``calibration=<name>``, replication ``i`` draws one particle of the
posterior by its weight, from its own seed, so the same replication gets the
same draw in every scenario (:func:`replication_draws`); :func:`apply_parameters`
sets a parameter set on a copy of the typed parameters, the same way for a draw,
a calibration's particle and the Python API's overrides.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.analysis.ged import data_path
from sim.config.params import Config, ConfigError, ModelParams, validate

DRAW_STREAM = 11
"""Spawn key of the stream a replication draws its particle from (its model has the others)."""
FIXED = -1
"""The draw id of a replication that runs with the config's own parameter values."""


@dataclass(frozen=True)
class Draw:
    """One replication's parameter set: a posterior particle (``id``) and its values."""

    id: int = FIXED
    values: Mapping[str, float] = field(default_factory=dict)

    def apply(self, params: ModelParams) -> ModelParams:
        return apply_parameters(params, self.values) if self.values else params


def parameter_field(params: Any, name: str) -> tuple[Any, dataclasses.Field]:
    """The dataclass holding ``name`` (dotted) and the field itself, or ConfigError."""
    *path, last = name.split(".")
    obj = params
    for part in path:
        obj = getattr(obj, part, None)
    fields = {f.name: f for f in dataclasses.fields(obj)} if dataclasses.is_dataclass(obj) else {}
    if last not in fields or dataclasses.is_dataclass(getattr(obj, last)):
        raise ConfigError(
            f"{name}: no such model parameter (list them with: python -m sim --cfg job)"
        )
    return obj, fields[last]


def apply_parameters(params: ModelParams, values: Mapping[str, float]) -> ModelParams:
    """A validated copy of ``params`` with each dotted parameter set (whole-number fields
    rounded), through the same assignment as the Python API's overrides."""
    from sim.config.overrides import assign  # imports Hydra's parser: only where parameters vary

    params = copy.deepcopy(params)
    for name, value in values.items():
        obj, f = parameter_field(params, name)
        assign(params, name, round(value) if isinstance(getattr(obj, f.name), int) else value)
    return validate(params)


MAX_POSTERIOR_BYTES = 512 * 2**20
"""A posterior table larger than this is refused before it is read."""
POSTERIOR_COLUMNS = ("generation", "particle", "weight")


@cache
def _posterior(path: str) -> pd.DataFrame:
    table = pd.read_parquet(path)
    missing = [c for c in POSTERIOR_COLUMNS if c not in table.columns]
    if missing or not parameter_columns(table):
        raise ValueError(
            f"not a posterior table (it needs columns {', '.join(POSTERIOR_COLUMNS)} and "
            "one per parameter, as python -m sim.calibrate writes)"
        )
    last = table[table["generation"] == table["generation"].max()].reset_index(drop=True)
    weights = last["weight"].to_numpy(dtype=float)
    if not (np.isfinite(weights).all() and (weights >= 0).all() and weights.sum() > 0):
        raise ValueError("its last generation's weights are not non-negative numbers")
    return last


def final_generation(path: str) -> pd.DataFrame:
    """The last generation of a posterior table (one row per particle), or a ConfigError
    naming the file: missing, not a regular file (``/dev/zero``), too large, not Parquet
    or not a posterior."""
    return _read_checked(f"calibration.posterior={path}", path, _posterior)


def _read_checked(where: str, path: str, read) -> pd.DataFrame:
    """``read(file)`` of a Parquet table given by path or by name in ``data/``, or a
    one-line ConfigError beginning with ``where``: missing, not a regular file, larger
    than :data:`MAX_POSTERIOR_BYTES`, unreadable or not what ``read`` expects."""
    file = data_path(path)
    if not file.exists():
        raise ConfigError(f"{where}: no such file (a Parquet file, or a name in data/)")
    if not file.is_file():
        raise ConfigError(f"{where}: not a regular file (a Parquet file, or a name in data/)")
    if file.stat().st_size > MAX_POSTERIOR_BYTES:
        raise ConfigError(f"{where}: larger than {MAX_POSTERIOR_BYTES // 2**20} MB")
    try:
        return read(str(file))
    except (OSError, ValueError, pa.ArrowException) as e:
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ConfigError(f"{where}: cannot be read ({reason})") from None


WORLD_COLUMNS = ("world", "seed", "base_seed", "draw")
"""The identifying columns of a worlds table (:mod:`sim.policy.worlds` writes it)."""


def _worlds(path: str) -> pd.DataFrame:
    table = pd.read_parquet(path)
    missing = [c for c in WORLD_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(
            f"not a worlds table (it needs columns {', '.join(WORLD_COLUMNS)} and one per "
            "parameter, as python -m sim.policy writes)"
        )
    if not (table["world"].to_numpy() == np.arange(len(table))).all():
        raise ValueError("its worlds are not numbered 0, 1, 2, ... in order")
    return table


def world_draws(config: Config, seeds: Sequence[int]) -> list[Draw]:
    """Replication ``i`` runs world ``i`` of the table ``calibration.worlds``: its
    parameter values (posterior draw and deep uncertainties) under its seed, so that a
    policy found by ``python -m sim.policy`` reruns in exactly the worlds it was judged
    in. A table with fewer worlds than replications, or drawn for another ``seed``, is
    refused in one line."""
    path = config.calibration.worlds
    where = f"calibration.worlds={path}"
    table = _read_checked(where, path, _worlds)
    if len(seeds) > len(table):
        raise ConfigError(
            f"{where}: holds {len(table)} worlds; set replications to at most {len(table)}"
        )
    drawn = table["seed"].to_numpy()[: len(seeds)]
    if not (drawn == np.asarray(seeds, dtype=drawn.dtype)).all():
        raise ConfigError(
            f"{where}: its worlds were drawn for seed={int(table['base_seed'].iloc[0])}, "
            f"not seed={config.seed}; set seed={int(table['base_seed'].iloc[0])}"
        )
    names = parameter_columns(table)
    for name in names:
        parameter_field(config, name)
    return [
        Draw(int(row["draw"]), {n: float(row[n]) for n in names})
        for row in table.iloc[: len(seeds)].to_dict("records")
    ]


def parameter_columns(posterior: pd.DataFrame) -> list[str]:
    """The parameter columns of a posterior table (dotted names)."""
    return [c for c in posterior.columns if "." in c]


def replication_draws(config: Config, seeds: Sequence[int]) -> list[Draw]:
    """Each replication's draw: fixed parameters, or a posterior particle chosen by weight.

    The choice comes from the replication's own seed (a stream the model does
    not use), so replication ``i`` draws the same particle in every scenario. With
    ``calibration.worlds``, replication ``i`` runs world ``i`` (:func:`world_draws`).
    """
    if config.calibration.worlds:
        return world_draws(config, seeds)
    if config.calibration.name == "none":
        return [Draw() for _ in seeds]
    posterior = final_generation(config.calibration.posterior)
    names = parameter_columns(posterior)
    for name in names:
        try:
            parameter_field(config, name)
        except ConfigError:
            raise ConfigError(
                f"calibration.posterior={config.calibration.posterior}: its parameter {name} "
                "is no parameter of this model (the posterior was fitted to another version "
                "of it): refit it with python -m sim.calibrate, or use calibration=none"
            ) from None
    weights = posterior["weight"].to_numpy(dtype=float)
    weights = weights / weights.sum()
    draws = []
    for seed in seeds:
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DRAW_STREAM,)))
        row = int(rng.choice(len(posterior), p=weights))
        values = {n: float(posterior.at[row, n]) for n in names}
        draws.append(Draw(int(posterior.at[row, "particle"]), values))
    return draws
