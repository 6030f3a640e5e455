"""Running replications: seeds, parallel processes, and tables streamed to disk.

Replication ``i`` of any scenario runs with ``replication_seeds(seed, n)[i]``,
spawned from the base seed with :class:`numpy.random.SeedSequence`; child ``i``
does not depend on ``n`` or on the number of processes, so scenarios are paired
replication by replication (common random numbers) and results are identical
however the work is spread.

Each worker process runs a chunk of replications and streams their per-day,
per-incident and per-transition rows itself into one Parquet part file per
table (``timeseries.parquet/part-00003.parquet``; read the directory as one
table). The parent only gathers the one-row summaries, so its memory does not
grow with the number of runs. Everything is written under temporary names and
renamed into place only when the whole job succeeded: a directory never holds a
half-written table.
"""

from __future__ import annotations

import dataclasses
import fcntl
import gc
import hashlib
import json
import math
import os
import shutil
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim import __version__
from sim.config.params import Config, ModelParams
from sim.model.model import RoadmapModel
from sim.runs.draws import Draw, replication_draws
from sim.runs.pool import pool_kept, shutdown_pool, stop_pool_now, worker_pool
from sim.runs.tables import RunTables, collect

PART_TABLES = ("timeseries", "incidents", "transitions")
MAX_CHUNK = 25
"""Replications per task at most: big enough to amortise process overhead,
small enough to balance the load."""
RUN_SETTINGS = ("replications", "workers", "output", "compare", "description")
"""Config fields that do not change any single replication's numbers."""


class Busy(RuntimeError):
    """Another run or sweep holds the directory."""


_held: dict[Path, int] = {}  # directory -> nesting depth of this process's lock on it


@contextmanager
def locked(directory: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``directory`` itself (re-entrant within a process).

    A second run or sweep into the same directory raises :class:`Busy` at once
    instead of interleaving its files with ours. The kernel drops the lock when
    the holder dies, so a killed run never leaves the directory locked; the lock
    is on the directory, not on a file in it, so deleting files cannot lift it.
    """
    directory = directory.resolve()
    if directory in _held:
        _held[directory] += 1
        try:
            yield
        finally:
            _held[directory] -= 1
        return
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise Busy(
            f"{directory}: another run or sweep is writing there; "
            "wait for it or use another directory"
        ) from None
    _held[directory] = 1
    try:
        yield
    finally:
        del _held[directory]
        os.close(fd)


def replication_seeds(base_seed: int, n: int) -> list[int]:
    """Integer seed of each replication (the i-th is the same for every n)."""
    children = np.random.SeedSequence(base_seed).spawn(n)
    return [int(child.generate_state(1, np.uint64)[0] >> np.uint64(1)) for child in children]


def model_params(config: Config) -> ModelParams:
    """The part of a config the model reads."""
    return ModelParams(**{f.name: getattr(config, f.name) for f in dataclasses.fields(ModelParams)})


@cache
def code_fingerprint() -> str:
    """Hash of the ``sim`` package's source and of ``conf/``: results of other code never match."""
    digest = hashlib.sha1(__version__.encode())
    package = Path(__file__).resolve().parents[1]
    conf = package / "conf" if (package / "conf").is_dir() else package.parent / "conf"
    files = sorted(package.rglob("*.py")) + sorted(conf.rglob("*.yaml"))
    for path in files:
        digest.update(str(path.relative_to(package.parent)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def config_id(config: Config) -> str:
    """Short hash of everything that determines a replication's numbers (bar its seed).

    It covers the code (:func:`code_fingerprint`), so a changed model never
    passes for the results of the old one.
    """
    data = dataclasses.asdict(config)
    for key in RUN_SETTINGS:
        data.pop(key)
    data.pop("seed")
    blob = json.dumps([data, __version__, code_fingerprint()], sort_keys=True, default=str)
    return hashlib.sha1(blob.encode()).hexdigest()[:12]


def simulate(params: ModelParams, days: int, seed: int) -> RunTables:
    """One replication."""
    _freeze_heap()
    return collect(RoadmapModel(params, days, seed).run())


@cache
def _freeze_heap() -> None:
    """Once per process, before its first run: leave what is alive now (modules, configs,
    compiled kernels: some 270,000 objects) out of the cyclic garbage collector's full
    passes. Each such pass cost about 140 ms of CPU, one every few runs, more than half
    of what a run itself costs; the runs' own garbage is collected as before."""
    gc.collect()
    gc.freeze()


@dataclass(frozen=True)
class Chunk:
    """Replications ``first .. first + len(seeds) - 1`` of one job, written to part ``index``."""

    index: int
    first: int
    seeds: tuple[int, ...]
    params: ModelParams
    draws: tuple[Draw, ...]
    days: int
    ids: dict
    staging: Path
    tables: tuple[str, ...]


def run_chunk(chunk: Chunk) -> list[dict]:
    """Run a chunk, stream its tables into part files, return its summary rows."""
    writers = {
        name: PartWriter(chunk.staging / f"{name}.parquet" / f"part-{chunk.index:05d}.parquet")
        for name in chunk.tables
    }
    job_ids = {k: chunk.ids[k] for k in ("config_id", "version", "overrides")}
    rows = []
    try:
        for rep, (seed, draw) in enumerate(zip(chunk.seeds, chunk.draws, strict=True), chunk.first):
            tables = simulate(draw.apply(chunk.params), chunk.days, seed)
            ids = {"scenario": chunk.ids["scenario"], "replication": rep, "seed": seed}
            ids["draw"] = draw.id
            ids |= job_ids
            rows.append({**ids, **tables.summary})
            for name, writer in writers.items():
                writer.write(tables.arrow[name], ids)
    finally:
        for writer in writers.values():
            writer.close()
    return rows


def with_ids(table: pa.Table, ids: dict) -> pa.Table:
    """The table with the identity columns in front, one value each."""
    columns = [pa.repeat(value, len(table)) for value in ids.values()]
    return pa.Table.from_arrays([*columns, *table.columns], names=[*ids, *table.column_names])


def id_columns(ids: list[dict], lengths: list[int]) -> list[pa.Array]:
    """The identity columns of several runs' tables stacked, built once for all of them.

    Run ``i`` contributes ``lengths[i]`` rows of the values ``ids[i]``: the same
    columns, values and types as stacking :func:`with_ids` of each run, at the cost
    of one Arrow array per column instead of one per column and run. A value shared
    by every run (the scenario, config hash, version, overrides) is repeated once;
    one that varies (replication, seed, draw) is taken from the runs' values.
    """
    total = sum(lengths)
    run_of_row: np.ndarray | None = None
    columns = []
    for key in ids[0]:
        values = [run[key] for run in ids]
        first = values[0]
        if all(type(v) is type(first) and v == first for v in values):
            columns.append(pa.repeat(first, total))
            continue
        if run_of_row is None:
            run_of_row = np.repeat(np.arange(len(ids)), lengths)
        kind = pa.scalar(first).type  # as pa.repeat types a value
        columns.append(pa.array(values, kind).take(run_of_row))
    return columns


def chunks_of(n: int, workers: int) -> list[range]:
    """Split n replications into tasks of shrinking size (guided scheduling).

    Each task takes a ``1 / (2 * workers)`` share of what is left (at most
    MAX_CHUNK): early tasks are big enough to amortise their overhead, and the
    last ones are single runs, so no worker idles long while another finishes.
    """
    chunks, start = [], 0
    while start < n:
        size = max(1, min(MAX_CHUNK, math.ceil((n - start) / (2 * workers))))
        chunks.append(range(start, min(n, start + size)))
        start += size
    return chunks


def iterate_chunks(chunks: list[Chunk], workers: int) -> Iterator[list[dict]]:
    """Summary rows chunk by chunk, in order, with at most ``2 * workers`` chunks in flight.

    On any failure (or when the caller stops early) the pool is shut down
    before the error propagates, so that no task still writes into a staging
    directory that the caller is about to remove. Unless kept (see
    :func:`sim.runs.pool.keep_pool`), the pool is also stopped when all chunks are done.
    """
    pool = worker_pool(workers)
    if pool is None:
        yield from map(run_chunk, chunks)
        return
    pending: deque[Future] = deque()
    queue = iter(chunks)
    try:
        for chunk in queue:
            pending.append(pool.submit(run_chunk, chunk))
            if len(pending) >= 2 * workers:
                break
        while pending:
            rows = pending.popleft().result()
            for chunk in queue:
                pending.append(pool.submit(run_chunk, chunk))
                break
            yield rows
    except KeyboardInterrupt:  # stop now, also a worker the pool had not set to work yet
        stop_pool_now()  # (waiting for it, the exit waited forever)
        raise
    except BaseException:
        shutdown_pool()
        raise
    if not pool_kept():
        shutdown_pool()


class PartWriter:
    """Streams runs' tables into one Parquet file, a row group per ``ROW_GROUP_ROWS`` rows.

    Tables are buffered until a row group is full (or the file closes): a row
    group per run would cost more in Parquet's per-group work than the run's
    data. Each run's identity columns (see :func:`with_ids`) are put in front of
    its rows when the buffer is flushed, for the whole buffer at once. Only
    string columns are dictionary-encoded; numbers rarely repeat.
    """

    ROW_GROUP_ROWS = 250_000

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer: pq.ParquetWriter | None = None
        self._buffer: list[tuple[pa.Table, dict]] = []
        self._rows = 0

    def write(self, table: pa.Table, ids: dict | None = None) -> None:
        """Add one run's table, with its identity columns ``ids`` (none: as it is)."""
        self._buffer.append((table, ids or {}))
        self._rows += len(table)
        if self._rows >= self.ROW_GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._buffer:
            return
        tables = [table for table, _ in self._buffer]
        ids = [run_ids for _, run_ids in self._buffer]
        self._buffer, self._rows = [], 0
        table = pa.concat_tables(tables)
        if ids[0]:
            names = list(ids[0])
            if any(list(run) != names for run in ids):
                raise ValueError("every run of a part has the same identity columns")
            columns = id_columns(ids, [len(t) for t in tables])
            table = pa.Table.from_arrays(
                [*columns, *table.columns], names=[*names, *table.column_names]
            )
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            strings = [f.name for f in table.schema if pa.types.is_string(f.type)]
            self._writer = pq.ParquetWriter(self.path, table.schema, use_dictionary=strings)
        self._writer.write_table(table.cast(self._writer.schema))

    def close(self) -> None:
        self._flush()
        if self._writer is not None:
            self._writer.close()


def remove(path: Path) -> None:
    """Delete a table written as a file or as a directory of parts, if there (a
    symbolic link is removed, not what it points to)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def runs_frame(rows: list[dict]) -> pd.DataFrame:
    """The runs table from summary rows, with one schema in every job.

    ``phase*_day`` columns are float (NaN when never reached) even when every
    run reached the phase, so parts of different jobs always concatenate.
    """
    runs = pd.DataFrame(rows)
    return runs.astype({c: "float64" for c in runs if c.endswith("_day")})


def run_replications(
    config: Config,
    out_dir: Path,
    overrides: list[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Run every replication of ``config`` and write the tables into ``out_dir``.

    Every row of every table names its scenario, replication, seed, parameter
    draw (``-1``: the config's own values; see :mod:`sim.runs.draws`), config
    hash, package version and the overrides that made it. Returns the runs
    table (one row per replication). Holds the directory's lock (:func:`locked`)
    throughout; raises :class:`Busy` if another run holds it.
    """
    out_dir = out_dir.resolve()  # workers may live on in another working directory
    with locked(out_dir):
        return _run_locked(config, out_dir, overrides, progress)


def _run_locked(
    config: Config,
    out_dir: Path,
    overrides: list[str] | None,
    progress: Callable[[int, int], None] | None,
) -> pd.DataFrame:
    for stale in out_dir.glob(".staging*"):  # left by a killed run: we hold the lock
        shutil.rmtree(stale, ignore_errors=True)
    staging = out_dir / f".staging-{uuid.uuid4().hex[:8]}"
    seeds = replication_seeds(config.seed, config.replications)
    ids = {
        "scenario": config.scenario_name,
        "config_id": config_id(config),
        "version": __version__,
        "overrides": " ".join(overrides or []),
    }
    tables = tuple(t for t in PART_TABLES if t != "incidents" or config.output.incidents)
    params = model_params(config)
    draws = replication_draws(config, seeds)
    chunks = [
        Chunk(
            i,
            r.start,
            tuple(seeds[r.start : r.stop]),
            params,
            tuple(draws[r.start : r.stop]),
            config.days,
            ids,
            staging,
            tables,
        )
        for i, r in enumerate(chunks_of(len(seeds), config.workers))
    ]
    rows: list[dict] = []
    try:
        for chunk_rows in iterate_chunks(chunks, config.workers):
            rows += chunk_rows
            if progress:
                progress(len(rows), len(seeds))
        runs = runs_frame(rows)
        runs.to_parquet(staging / "runs.parquet", index=False)
        for name in ("runs", *PART_TABLES):  # earlier results go, whatever their layout
            remove(out_dir / f"{name}.parquet")
        for name in (*tables, "runs"):  # runs.parquet last: it marks a finished job
            os.replace(staging / f"{name}.parquet", out_dir / f"{name}.parquet")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return runs
