"""Running replications: seeds, parallel processes, and tables streamed to disk.

Replication ``i`` of any scenario runs with ``replication_seeds(seed, n)[i]``,
spawned from the base seed with :class:`numpy.random.SeedSequence`; child ``i``
does not depend on ``n`` or on the number of processes, so scenarios are paired
replication by replication (common random numbers) and results are identical
however the work is spread.

Tables are written as they arrive (Parquet row groups) into temporary files
that are renamed into place only when the whole job succeeded, so a directory
never holds a half-written table.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import multiprocessing as mp
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim import __version__
from sim.model import RoadmapModel
from sim.params import Config, ModelParams
from sim.tables import RunTables, collect

TABLES = ("runs", "timeseries", "incidents", "transitions")
RUN_SETTINGS = ("replications", "workers", "output", "compare", "description")
"""Config fields that do not change any single replication's numbers."""


def replication_seeds(base_seed: int, n: int) -> list[int]:
    """Integer seed of each replication (the i-th is the same for every n)."""
    children = np.random.SeedSequence(base_seed).spawn(n)
    return [int(child.generate_state(1, np.uint64)[0] >> np.uint64(1)) for child in children]


def model_params(config: Config) -> ModelParams:
    """The part of a config the model reads."""
    return ModelParams(**{f.name: getattr(config, f.name) for f in dataclasses.fields(ModelParams)})


def config_id(config: Config) -> str:
    """Short hash of everything that determines a replication's numbers (bar its seed)."""
    data = dataclasses.asdict(config)
    for key in RUN_SETTINGS:
        data.pop(key)
    data.pop("seed")
    blob = json.dumps([data, __version__], sort_keys=True, default=str)
    return hashlib.sha1(blob.encode()).hexdigest()[:12]


def simulate(params: ModelParams, days: int, seed: int) -> RunTables:
    """One replication."""
    return collect(RoadmapModel(params, days, seed).run())


def _simulate_job(job: tuple[ModelParams, int, int]) -> RunTables:
    return simulate(*job)


def _executor(workers: int) -> Executor | None:
    if workers <= 1:
        return None
    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    ctx = mp.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["sim.runner"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx)


def iterate_results(jobs: list[tuple[ModelParams, int, int]], workers: int) -> Iterator[RunTables]:
    """Results in job order, with at most ``2 * workers`` jobs in flight (bounded memory)."""
    pool = _executor(workers)
    if pool is None:
        for job in jobs:
            yield _simulate_job(job)
        return
    with pool:
        pending: deque[Future] = deque()
        queue = iter(jobs)
        for job in queue:
            pending.append(pool.submit(_simulate_job, job))
            if len(pending) >= 2 * workers:
                break
        while pending:
            result = pending.popleft().result()
            for job in queue:
                pending.append(pool.submit(_simulate_job, job))
                break
            yield result


class TableWriter:
    """Streams one table into ``<name>.parquet`` via a temporary file, renamed on commit."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp = path.with_name(path.name + ".tmp")
        self._writer: pq.ParquetWriter | None = None

    def write(self, frame: pd.DataFrame) -> None:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.tmp, table.schema)
        self._writer.write_table(table.cast(self._writer.schema))

    def commit(self) -> None:
        if self._writer is not None:
            self._writer.close()
            os.replace(self.tmp, self.path)

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self.tmp.unlink(missing_ok=True)


def run_replications(
    config: Config,
    out_dir: Path,
    overrides: list[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Run every replication of ``config`` and write the tables into ``out_dir``.

    Every row of every table names its scenario, replication, seed, config
    hash, package version and the overrides that made it. Returns the runs
    table (one row per replication).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    params = model_params(config)
    seeds = replication_seeds(config.seed, config.replications)
    cid, changed = config_id(config), " ".join(overrides or [])
    writers = {name: TableWriter(out_dir / f"{name}.parquet") for name in TABLES}
    if not config.output.incidents:
        del writers["incidents"]
    per_run = [name for name in writers if name != "runs"]
    rows = []
    try:
        jobs = [(params, config.days, seed) for seed in seeds]
        results = iterate_results(jobs, config.workers)
        for rep, (seed, tables) in enumerate(zip(seeds, results, strict=True)):
            ids = {
                "scenario": config.scenario_name,
                "replication": rep,
                "seed": seed,
                "config_id": cid,
                "version": __version__,
                "overrides": changed,
            }
            rows.append({**ids, **tables.summary})
            for name in per_run:
                frame = getattr(tables, name)
                writers[name].write(frame.assign(**ids).loc[:, [*ids, *frame.columns]])
            if progress:
                progress(rep + 1, len(seeds))
        runs = pd.DataFrame(rows)
        writers["runs"].write(runs)
    except BaseException:
        for writer in writers.values():
            writer.abort()
        raise
    for writer in writers.values():
        writer.commit()
    return runs
