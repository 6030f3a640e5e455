"""``sim.read``: one table of every finished job under a directory, as one DataFrame.

A multirun keeps each job's tables in its own directory and merges only the runs
and the daily series into ``sweep/``; this reads any of the four tables of a run,
a multirun or a folder of results, with a ``job`` column naming where each row
came from. The jobs it reads are the ones an aggregation would take: finished,
and with their files as they were written (see :func:`sim.runs.results.find_results`).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from sim.config.params import ConfigError
from sim.runs.results import find_results

TABLES = ("runs", "timeseries", "incidents", "transitions")


def read(directory: str | Path, table: str = "runs") -> pd.DataFrame:
    """``table`` of every finished job at or below ``directory``, with a ``job`` column
    (the job's directory relative to ``directory``; ``.`` for a single run).

    Jobs that did not finish, or whose files changed since, are left out with a
    warning naming each; earlier aggregations (``sweep/``, comparisons) are not read
    again. Raises ConfigError for an unknown table or a directory without results.
    """
    if table not in TABLES:
        raise ConfigError(f"table={table!r}: one of {', '.join(TABLES)}")
    root = Path(directory)
    if not root.is_dir():
        raise ConfigError(f"{root}: no such directory")
    found = find_results([root])
    for name, why in {**found.failed, **found.leftovers}.items():
        warnings.warn(f"{name}: left out ({why})", UserWarning, stacklevel=2)
    if not found.jobs:
        raise ConfigError(f"{root}: no finished runs below it (a run or multirun directory)")
    frames = [
        pd.read_parquet(job / f"{table}.parquet").assign(job=job.relative_to(root).as_posix())
        for job in found.jobs
        if (job / f"{table}.parquet").exists()  # incidents are optional (output.incidents)
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
