"""The Python API: run a scenario's replications from a script or a notebook.

``sim.run`` takes the same dotted keys as the command line and returns the
same tables, in memory (or written to ``out_dir`` as ``python -m sim`` writes
them). It composes no Hydra config per call (see :mod:`sim.config.overrides`), so it
is cheap enough to call once per design point from a sampler or an optimiser.
"""

from __future__ import annotations

import math
import os
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from sim import __version__
from sim.config.inert import inert_moves, inert_overrides
from sim.config.overrides import Overrides, canonical, configure
from sim.config.params import Config, ConfigError
from sim.runs.draws import replication_draws
from sim.runs.lock import check_destination, creation_error
from sim.runs.progress import Progress
from sim.runs.runner import (
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
from sim.runs.tables import SUMMARY_COLUMNS

PROGRESS_AFTER_SECONDS = 5.0
"""``progress=None``: a call that has run this long starts reporting its progress."""


@dataclass(repr=False)
class Results:
    """The tables of one call of :func:`run` (schemas as in the Parquet files)."""

    runs: pd.DataFrame
    timeseries: pd.DataFrame
    incidents: pd.DataFrame
    transitions: pd.DataFrame
    config: Config
    out_dir: Path | None = None

    def __repr__(self) -> str:
        """One line: what ran and how many rows each table holds (not the whole config)."""
        c = self.config
        sizes = ", ".join(
            f"{name}={len(getattr(self, name))} rows"
            for name in ("runs", "timeseries", "incidents", "transitions")
        )
        where = f", out_dir={str(self.out_dir)!r}" if self.out_dir else ""
        return (
            f"Results(scenario={c.scenario_name!r}, replications={c.replications}, "
            f"days={c.days}, seed={c.seed}: {sizes}{where})"
        )


def run(
    scenario: str = "roadmap",
    overrides: Overrides = None,
    replications: int = 20,
    days: int = 1095,
    seed: int = 0,
    workers: int = 1,
    out_dir: str | Path | None = None,
    progress: bool | None = None,
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
        progress: report replications done on stderr (a bar on a terminal, a
            line every 10 s elsewhere); None: only once the call has taken
            more than PROGRESS_AFTER_SECONDS, so the many short calls of a
            sampler stay silent; False: never.

    Raises:
        ConfigError: one line naming the bad key, its value and what is allowed
            (nothing is run or written).
    """
    config = configure(
        scenario, overrides, replications=replications, days=days, seed=seed, workers=workers
    )
    names = canonical(overrides, config)
    inert = inert_overrides(config, (n.split("=", 1)[0] for n in names)) + inert_moves(config)
    for line in inert:
        warnings.warn(line, UserWarning, stacklevel=2)
    if out_dir is not None:
        out_dir = _output_dir(out_dir)
    after = {True: 0.0, None: PROGRESS_AFTER_SECONDS, False: math.inf}[progress]
    bar = Progress(f"{config.scenario_name} replications", config.replications, after=after)
    if out_dir is None and workers == 1:
        return _in_memory(config, names, bar)
    if out_dir is not None:
        return _read(config, out_dir, names, bar)
    with tempfile.TemporaryDirectory(prefix="sim-run-") as tmp:
        results = _read(config, Path(tmp), names, bar)
    results.out_dir = None
    return results


def _output_dir(out_dir: str | Path) -> Path:
    """``out_dir`` as a path, refused where ``python -m sim`` would refuse it (see
    :func:`sim.runs.lock.check_destination`), when empty or when a file."""
    if not isinstance(out_dir, str | os.PathLike):
        raise ConfigError(f"out_dir={out_dir!r}: a directory path (str or Path)")
    if not str(out_dir).strip():
        raise ConfigError("out_dir='': an empty path; name a directory for the tables")
    path = Path(out_dir)
    try:
        check_destination(path, "run")
    except ConfigError as e:
        raise ConfigError(f"out_dir={e}") from None
    return path


def _read(config: Config, out_dir: Path, names: list[str], bar: Progress) -> Results:
    try:
        held = locked(out_dir)  # as python -m sim holds its directory (Busy if another does)
        held.__enter__()
    except OSError as e:
        raise ConfigError(f"out_dir={creation_error(out_dir, e)}") from None
    try:
        runs = run_replications(config, out_dir, names, lambda done, _: bar.update(done))
    finally:
        held.__exit__(None, None, None)
    tables = {t: _read_table(out_dir / f"{t}.parquet") for t in PART_TABLES}
    return Results(runs, **tables, config=config, out_dir=out_dir)


def _read_table(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path) if path.exists() else pd.DataFrame()


def _in_memory(config: Config, names: list[str], bar: Progress) -> Results:
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
        bar.update(rep + 1)
    frames = {name: pa.concat_tables(parts[name]).to_pandas() for name in PART_TABLES}
    if not config.output.incidents:
        frames["incidents"] = pd.DataFrame()
    return Results(runs_frame(rows), **frames, config=config)


def batch_design(
    design: pd.DataFrame,
    scenario: str = "roadmap",
    seeds: Sequence[int] = (0,),
    days: int = 1095,
    number_processes: int | None = 1,
) -> pd.DataFrame:
    """Every point of ``design`` (one column per dotted key) under every seed, run by
    ``mesa.batch_run`` on :class:`~sim.model.model.RoadmapModel`'s keyword form.

    Returns one row per point and seed: ``point`` (the design's row number),
    ``seed``, the design's columns and the end-of-run outcomes under the runs
    table's names. Every point is checked before anything runs (ConfigError).
    With ``number_processes`` other than 1, Mesa starts its workers with
    ``spawn``, which re-imports the calling script: call it under ``if __name__
    == "__main__":`` there.
    """
    import mesa

    from sim.model.model import REPORTERS, RoadmapModel

    points = [
        {k: v.item() if hasattr(v, "item") else v for k, v in row.items()}
        for row in design.to_dict("records")
    ]
    for point in points:
        configure(scenario, point, days=days)
    results = mesa.batch_run(
        RoadmapModel,
        parameters={"scenario": scenario, "days": days, "point": points},
        rng=[int(s) for s in seeds],
        number_processes=number_processes,
        data_collection_period=-1,
        max_steps=days,
        display_progress=False,
    )
    rows = []
    for r in results:  # Mesa numbers runs seed by seed, points in order within a seed
        outcomes = {k: r[f"{k}_total" if k in REPORTERS else k] for k in SUMMARY_COLUMNS}
        rows.append({"point": r["RunId"] % len(points), "seed": r["seed"], **r["point"]})
        rows[-1] |= outcomes
    table = runs_frame(rows)
    return table.sort_values(["point", "seed"], kind="stable").reset_index(drop=True)
