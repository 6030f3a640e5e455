"""The Python API: run a scenario's replications from a script or a notebook.

``sim.run`` takes the same dotted keys as the command line and returns the
same tables, in memory (or written to ``out_dir`` as ``python -m sim`` writes
them). It composes no Hydra config per call (see :mod:`sim.overrides`), so it
is cheap enough to call once per design point from a sampler or an optimiser.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from sim import __version__
from sim.calibration import replication_draws
from sim.overrides import Overrides, canonical, configure
from sim.params import Config, ConfigError
from sim.run_lock import check_destination
from sim.runner import (
    PART_TABLES,
    config_id,
    locked,
    model_params,
    replication_seeds,
    run_replications,
    runs_frame,
    simulate,
    with_ids,
)


@dataclass
class Results:
    """The tables of one call of :func:`run` (schemas as in the Parquet files)."""

    runs: pd.DataFrame
    timeseries: pd.DataFrame
    incidents: pd.DataFrame
    transitions: pd.DataFrame
    config: Config
    out_dir: Path | None = None


def run(
    scenario: str = "roadmap",
    overrides: Overrides = None,
    replications: int = 20,
    days: int = 1095,
    seed: int = 0,
    workers: int = 1,
    out_dir: str | Path | None = None,
) -> Results:
    """Run ``replications`` paired replications of a scenario and return their tables.

    Args:
        scenario: a name from ``conf/scenario/``.
        overrides: ``{"patrol.units_per_side": 30, "geography": "tr_sy"}`` or
            ``["patrol.units_per_side=30", "+ablation=without_drones"]``: any
            parameter by dotted key, and the groups geography, ablation, gates.
        replications, days, seed: as on the command line; replication ``i``
            has seed ``replication_seeds(seed, replications)[i]``, so calls with
            the same seed are paired (common random numbers).
        workers: processes (1: in this process).
        out_dir: if given, the tables are also written there, as ``python -m
            sim`` writes them; otherwise nothing touches the disk when
            ``workers`` is 1.

    Raises:
        ConfigError: one line naming the bad key, its value and what is allowed
            (nothing is run or written).
    """
    config = configure(
        scenario, overrides, replications=replications, days=days, seed=seed, workers=workers
    )
    names = canonical(overrides, config)
    if out_dir is not None:
        out_dir = _output_dir(out_dir)
    if out_dir is None and workers == 1:
        return _in_memory(config, names)
    if out_dir is not None:
        return _read(config, out_dir, names)
    with tempfile.TemporaryDirectory(prefix="sim-run-") as tmp:
        results = _read(config, Path(tmp), names)
    results.out_dir = None
    return results


def _output_dir(out_dir: str | Path) -> Path:
    """``out_dir`` as a path, refused where ``python -m sim`` would refuse it (see
    :func:`sim.run_lock.check_destination`), when empty or when a file."""
    if not str(out_dir).strip():
        raise ConfigError("out_dir='': an empty path; name a directory for the tables")
    path = Path(out_dir)
    if path.exists() and not path.is_dir():
        raise ConfigError(f"out_dir={path}: exists and is not a directory")
    try:
        check_destination(path, "run")
    except ConfigError as e:
        raise ConfigError(f"out_dir={e}") from None
    return path


def _read(config: Config, out_dir: Path, names: list[str]) -> Results:
    with locked(out_dir):  # as python -m sim holds its directory (Busy if another does)
        runs = run_replications(config, out_dir, names)
    tables = {t: _read_table(out_dir / f"{t}.parquet") for t in PART_TABLES}
    return Results(runs, **tables, config=config, out_dir=out_dir)


def _read_table(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path) if path.exists() else pd.DataFrame()


def _in_memory(config: Config, names: list[str]) -> Results:
    """The runner's rows, built in this process without Parquet in between."""
    params = model_params(config)
    ids = {
        "scenario": config.scenario_name,
        "config_id": config_id(config),
        "version": __version__,
        "overrides": " ".join(names),
    }
    rows, parts = [], {t: [] for t in PART_TABLES}
    seeds = replication_seeds(config.seed, config.replications)
    for rep, (seed, draw) in enumerate(zip(seeds, replication_draws(config, seeds), strict=True)):
        tables = simulate(draw.apply(params), config.days, seed)
        run_ids = {"scenario": ids["scenario"], "replication": rep, "seed": seed, "draw": draw.id}
        run_ids |= ids
        rows.append({**run_ids, **tables.summary})
        for name in PART_TABLES:
            parts[name].append(with_ids(tables.arrow[name], run_ids))
    frames = {name: pa.concat_tables(parts[name]).to_pandas() for name in PART_TABLES}
    if not config.output.incidents:
        frames["incidents"] = pd.DataFrame()
    return Results(runs_frame(rows), **frames, config=config)
