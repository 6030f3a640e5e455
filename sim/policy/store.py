"""A search's evaluations on disk: one Parquet part per batch, read back on resume.

``evaluations.parquet/`` holds one row per policy and world (the runs table's columns
with the policy's key, source and lever values). A batch (a generation's new policies,
or the named scenarios) is written atomically when it has run, so a killed search loses
at most the batch it was running. A part that cannot be read, or that another search or
package version wrote, is moved aside (to a hidden name readers skip) and its policies
run again; nothing is deleted.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from sim import __version__
from sim.explore.tasks import writing
from sim.runs.files import atomic_path
from sim.runs.runner import runs_frame

log = logging.getLogger(__name__)

EVALUATIONS = "evaluations.parquet"


def part_path(out: Path, batch: str) -> Path:
    return out / EVALUATIONS / f"part-{batch}.parquet"


def write_batch(out: Path, batch: str, rows: list[dict], search_id: str) -> None:
    """A batch's rows as its part, atomically (``NotWritten`` on a full disk, nothing left)."""
    path = part_path(out, batch)
    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
    frame = runs_frame(rows).assign(search_id=search_id, version=__version__)
    with writing(path), atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)


def read_batches(out: Path, search_id: str) -> pd.DataFrame:
    """Every intact part of this search, as one table (empty if none)."""
    frames = []
    for path in sorted((out / EVALUATIONS).glob("part-*.parquet")):
        problem = _problem(path, search_id)
        if problem is None:
            frames.append(pq.read_table(path).to_pandas())
            continue
        aside = path.with_name(f".stray-{path.name}")
        os.replace(path, aside)
        log.warning("%s/%s: %s; moved aside to %s", EVALUATIONS, path.name, problem, aside.name)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _problem(path: Path, search_id: str) -> str | None:
    try:
        frame = pq.read_table(path, columns=["search_id", "version", "policy", "world"])
    except Exception as e:  # truncated or not Parquet: pyarrow raises several kinds
        text = str(e).strip().splitlines()
        return f"unreadable ({text[0] if text else type(e).__name__})"
    table = frame.to_pandas()
    if not (table["search_id"] == search_id).all():
        return "belongs to another search"
    if not (table["version"] == __version__).all():
        return "was written by another version of the package"
    if table.duplicated(["policy", "world"]).any():
        return "holds duplicated rows"
    return None
