"""A design's tasks, and their parts on disk.

A task is a chunk of design points run under every scenario with the same
seeds; it writes its summary rows to its own part of ``runs.parquet/``. A
resume keeps a part only when it holds exactly its task's rows
(:func:`part_problem`): a copied, truncated or foreign part is run again. A
part that cannot be written (a full disk) raises :class:`NotWritten` and leaves
nothing behind, so running the same design again resumes from the parts written.
"""

from __future__ import annotations

import errno
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from sim import __version__
from sim.config.overrides import configure
from sim.runs.files import atomic_path
from sim.runs.runner import config_id, model_params, runs_frame, simulate

log = logging.getLogger("sim.explore")

RUNS = "runs.parquet"
KEYS = ["point", "scenario", "replication"]


@dataclass(frozen=True)
class Task:
    """Points ``first ..`` of a design for every scenario, replications under the same seeds."""

    index: int
    points: tuple[tuple[int, dict], ...]
    scenarios: tuple[str, ...]
    overrides: dict
    days: int
    seeds: tuple[int, ...]


def point_config(task: Task, scenario: str, values: dict):
    """The validated config of one design point of ``task`` under ``scenario``."""
    return configure(scenario, task.overrides | values, days=task.days)


def run_task(task: Task) -> list[dict]:
    """Summary rows of a chunk: one per point, scenario and replication."""
    rows = []
    for point, values in task.points:
        for scenario in task.scenarios:
            cfg = point_config(task, scenario, values)
            params = model_params(cfg)
            ids = {"point": point, "scenario": scenario, "config_id": config_id(cfg)}
            for rep, seed in enumerate(task.seeds):
                summary = simulate(params, task.days, seed).summary
                rows.append({**ids, "replication": rep, "seed": seed, **values, **summary})
    return rows


class NotWritten(Exception):
    """A file of the design could not be written (a full disk, a quota, a read-only
    directory); nothing half-written is left, and the files written before are kept."""


WRITE_ERRORS = {
    errno.ENOSPC,
    errno.EDQUOT,
    errno.EFBIG,
    errno.EROFS,
    errno.EACCES,
    errno.EPERM,
    errno.EIO,
}
"""The errors that say a file cannot be written, as opposed to a bug."""


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Turn a write error (:data:`WRITE_ERRORS`) in the block into a one-line
    :class:`NotWritten` naming ``path``; wrap it around the atomic write so that
    the temporary file is gone first."""
    try:
        yield
    except OSError as e:
        if e.errno not in WRITE_ERRORS:
            raise
        raise NotWritten(f"{path}: cannot be written ({os.strerror(e.errno)})") from e


def part_name(index: int) -> str:
    return f"part-{index:05d}.parquet"


def write_part(parts: Path, index: int, rows: list[dict], ident: str) -> None:
    """Write a chunk's rows as its part, atomically, with the runner's schema
    (:func:`~sim.runs.runner.runs_frame`), so that every part of every design
    has the same column types and readers such as polars can scan them as one.
    Raises :class:`NotWritten` if it cannot be written (nothing is left behind)."""
    frame = runs_frame(rows).assign(design_id=ident, version=__version__)
    path = parts / part_name(index)
    with writing(path), atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)


def expected_rows(task: Task) -> pd.DataFrame:
    """The identifying columns of the rows ``task`` writes (point, scenario, replication,
    seed, config_id and the factor values), in the order it writes them."""
    rows = []
    for point, values in task.points:
        for scenario in task.scenarios:
            ident = config_id(point_config(task, scenario, values))
            for rep, seed in enumerate(task.seeds):
                rows.append(
                    {
                        "point": point,
                        "scenario": scenario,
                        "replication": rep,
                        "seed": seed,
                        "config_id": ident,
                        **values,
                    }
                )
    return pd.DataFrame(rows)


def part_problem(path: Path, task: Task, ident: str) -> str | None:
    """Why the part at ``path`` is not exactly ``task``'s rows of design ``ident`` (None: it is)."""
    try:
        frame = pq.read_table(path).to_pandas()
    except Exception as e:  # truncated or not Parquet: pyarrow raises several kinds
        reason = _first_line(e).replace(f"Could not open Parquet input source '{path}': ", "")
        return f"unreadable ({reason})"
    names = list(task.points[0][1]) if task.points else []
    needed = [*KEYS, "seed", "config_id", *names, "design_id", "version"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        return f"lacks the column(s) {', '.join(missing)}"
    if not (frame["design_id"] == ident).all():
        return "belongs to another design"
    if not (frame["version"] == __version__).all():
        return "was written by another version of the package"
    if frame.duplicated(KEYS).any():
        return "holds duplicated rows"
    want = expected_rows(task)
    got = frame[list(want.columns)]
    points = sorted(set(got["point"].tolist()))
    chunk = sorted(set(want["point"].tolist()))
    if points != chunk:
        return f"holds points {_span(points)}, not the chunk's {_span(chunk)}"
    merged = want.merge(got, on=KEYS, how="outer", suffixes=("", "_part"), indicator=True)
    if len(merged) != len(want) or (merged["_merge"] != "both").any():
        return (
            f"holds other scenarios or replications ({len(got)} rows, not the chunk's {len(want)})"
        )
    for column in want.columns.difference(KEYS):
        if (merged[column] != merged[f"{column}_part"]).any():
            what = "model code or settings" if column == "config_id" else f"{column} values"
            return f"was made with other {what} than this design's"
    return None


def _span(points: list[int]) -> str:
    if not points:
        return "none"
    if points == list(range(points[0], points[-1] + 1)):
        return str(points[0]) if len(points) == 1 else f"{points[0]}..{points[-1]}"
    return ", ".join(map(str, points[:5])) + (", ..." if len(points) > 5 else "")


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def set_aside_strays(parts: Path, tasks: list[Task]) -> None:
    """Move files that are not a part of these tasks out of the table (to hidden names).

    Readers of ``runs.parquet/`` skip names starting with a dot, so a stray
    part (a copy, another design's chunk) is neither read nor lost.
    """
    expected = {part_name(t.index) for t in tasks}
    for entry in sorted(parts.iterdir()):
        if entry.name.startswith((".", "_")) or entry.name in expected:
            continue
        aside = parts / f".stray-{entry.name}"
        n = 1
        while aside.exists():
            n += 1
            aside = parts / f".stray{n}-{entry.name}"
        os.replace(entry, aside)
        log.warning(
            "%s/%s: not a part of this design; moved aside to %s", RUNS, entry.name, aside.name
        )


def read_runs(out: Path, tasks: list[Task]) -> pd.DataFrame:
    """The runs table of exactly these tasks' parts (each checked by :func:`execute`)."""
    paths = [str(out / RUNS / part_name(t.index)) for t in tasks]
    runs = pads.dataset(paths, format="parquet").to_table().to_pandas()
    expected = sum(len(t.points) * len(t.scenarios) * len(t.seeds) for t in tasks)
    if len(runs) != expected or runs.duplicated(KEYS).any():
        raise RuntimeError(f"{out / RUNS}: {len(runs)} rows, not the design's {expected}")
    return runs
