"""Finding a folder's finished jobs: the runs they hold, and why each other job is left out."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from sim.runs.files import read_json
from sim.runs.jobs import RECEIPT, manifest_problem, read_receipt, table_rows, why_unfinished

AGGREGATE_MARK = "aggregate.json"
PROGRESS = ".progress.json"
"""A multirun directory's record of its last sweep: how many jobs it has, when it began."""
RUN_COLUMNS = ("scenario", "config_id", "seed", "overrides")
"""Columns every runs table has; a job whose runs.parquet lacks one is left out."""


@dataclass
class Collected:
    """What a set of result directories holds."""

    runs: pd.DataFrame
    timeseries_files: list[Path]
    failed: dict[str, str] = field(default_factory=dict)
    skipped: int = 0
    jobs: list[Path] = field(default_factory=list)
    """The finished jobs' directories; ``runs["job"]`` indexes this list."""
    leftovers: dict[str, str] = field(default_factory=dict)
    """Jobs of an earlier, larger sweep in a multirun directory that its last sweep did
    not run again (left out: they answer another question), and why."""
    unfinished: set[str] = field(default_factory=set)
    """The jobs among ``failed`` that were stopped midway (killed, Ctrl-C) or still run:
    the command that started them runs them again."""


def _is_job(d: Path) -> bool:
    return any((d / name).exists() for name in ("runs.parquet", RECEIPT, ".hydra"))


def _result_dirs(roots: list[Path]) -> list[Path]:
    """Job directories at or below the roots, leaving out earlier aggregations."""
    found = set()
    for root in roots:
        if not root.is_dir():
            raise FileNotFoundError(f"{root}: no such directory")
        aggregated = [m.parent for m in root.rglob(AGGREGATE_MARK)]
        for d in [root, *root.rglob("*")]:
            derived = any(d == a or a in d.parents for a in aggregated)
            if d.is_dir() and not derived and _is_job(d):
                found.add(d)
    return sorted(found)


def grid_order(path: Path) -> list:
    """Sort key putting ``job2`` before ``job10`` (Hydra's job numbers, not string order)."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(path))]


def find_results(roots: list[Path], only: list[Path] | None = None) -> Collected:
    """Read every finished job's runs table; list the jobs that did not finish.

    ``only`` restricts a sweep to its own jobs. A job counts only if its
    receipt (when it has one) says it finished and its tables are readable.
    """
    frames, ts_files, failed, skipped, jobs, unfinished = [], [], {}, 0, [], set()
    dirs = only if only is not None else _result_dirs(roots)
    leftovers = _leftovers(dirs)
    dirs = [d for d in dirs if d.name not in leftovers]
    for job in sorted(dirs, key=grid_order):
        data = read_receipt(job)
        status = data.get("status", "done" if not (job / RECEIPT).exists() else "unreadable")
        n_ts = table_rows(job / "timeseries.parquet")
        changed = manifest_problem(job, data["files"]) if "files" in data else None
        try:
            finished = status in ("done", "skipped") and changed is None
            runs = pd.read_parquet(job / "runs.parquet") if finished else None
        except (OSError, pa.ArrowException):
            runs = None
        foreign = runs is not None and not set(RUN_COLUMNS) <= set(runs.columns)
        if foreign:
            changed, runs = f"runs.parquet is not a runs table (no {', '.join(RUN_COLUMNS)})", None
        expected = len(runs) * data["days"] if runs is not None and "days" in data else n_ts
        if runs is not None and n_ts == expected:
            frames.append(runs.assign(job=len(frames)))
            jobs.append(job)
            if n_ts is not None:
                ts_files.append(job / "timeseries.parquet")
            skipped += status == "skipped"
        elif data.get("error") or changed:
            failed[job.name] = data.get("error") or changed
        elif status in ("running", "interrupted"):
            failed[job.name] = (
                f"status {status}: {why_unfinished(status)}; the command that started it "
                "runs it again"
            )
            unfinished.add(job.name)
        else:
            failed[job.name] = "no complete results (missing or unreadable tables)"
    runs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return Collected(runs, ts_files, failed, skipped, jobs, leftovers, unfinished)


def _leftovers(dirs: list[Path]) -> dict[str, str]:
    """The jobs among ``dirs`` beyond the last sweep of their multirun directory (a sweep of
    fewer jobs run there after a larger one leaves the larger one's last jobs behind)."""
    sizes: dict[Path, int | None] = {}  # each multirun's last sweep's jobs (read once)
    found = {}
    for d in dirs:
        number = re.fullmatch(r"job(\d+)", d.name)
        if number is None:
            continue
        if d.parent not in sizes:
            sizes[d.parent] = _sweep_size(d.parent)
        total = sizes[d.parent]
        if total is not None and int(number.group(1)) >= total:
            found[d.name] = (
                f"left over from an earlier, larger sweep in {d.parent} (its last sweep has "
                f"{total} job(s)); delete it or sweep into a new directory"
            )
    return found


def _sweep_size(sweep_dir: Path) -> int | None:
    """How many jobs the last sweep in ``sweep_dir`` has (None: no readable record; then
    every job counts, as before sweeps kept one)."""
    try:
        return int(read_json(sweep_dir / PROGRESS)["total"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
