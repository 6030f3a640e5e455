"""Job receipts: how a job ended, and which table files it wrote.

Every job directory holds a ``job.json`` receipt: ``running`` while it runs
(and forever if it was killed), then ``done`` (tables written), ``skipped``
(identical results already there), ``failed`` (with the error) or ``interrupted``
(Ctrl-C). A re-run of
the same sweep into the same directory skips a job only when its receipt says
done for the same config hash (which covers the code and ``conf/``), seeds,
replications, horizon and output settings, every table it should have is
there, readable and of the right length, and every table file is the one the
receipt lists (by size and SHA-1); anything else runs again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sim import __version__
from sim.config.params import Config
from sim.runs.files import read_json, write_atomic
from sim.runs.runner import config_id

RECEIPT = "job.json"


def identity(config: Config) -> dict:
    """What makes two jobs' results interchangeable."""
    return {
        "config_id": config_id(config),
        "seed": config.seed,
        "replications": config.replications,
        "days": config.days,
        "output": dataclasses.asdict(config.output),
        "version": __version__,
    }


def expected_tables(config: Config) -> dict[str, int]:
    """Each table a finished job has, with its row count where it is known in advance."""
    tables = {"runs": config.replications, "timeseries": config.replications * config.days}
    tables |= {"transitions": -1} | ({"incidents": -1} if config.output.incidents else {})
    return tables


def why_unfinished(status: object) -> str:
    """What a receipt's ``status`` says of work that did not finish, for a message."""
    return {"interrupted": "stopped by Ctrl-C", "running": "killed, crashed or still running"}.get(
        status, "killed, failed or still running"
    )


def not_finished(what: str, status: object, again: str) -> str:
    """One sentence, as a report's caveat or a warning, on ``what`` ("The forecast") whose
    receipt says it did not finish, or says it did while its tables are gone; ``again``:
    what to do."""
    if status == "done":
        return f"{what}'s receipt says it finished, but its tables are gone; {again}"
    return f"{what} did not finish (status {status}: {why_unfinished(status)}); {again}"


def write_receipt(job_dir: Path, status: str, config: Config | None, **extra) -> None:
    """Record how a job ended (atomically); ``config`` is None when it was invalid.

    On a failed write (a full disk) no half-written receipt is left behind.
    """
    data = {"status": status, **(identity(config) if config is not None else {}), **extra}
    data["ended"] = time.time()
    job_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(job_dir / RECEIPT, json.dumps(data, indent=1, default=str))


def read_receipt(job_dir: Path) -> dict:
    """A job's receipt, or ``{}`` when it is missing or unreadable."""
    try:
        data = read_json(job_dir / RECEIPT)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def file_manifest(job_dir: Path, config: Config) -> dict[str, list]:
    """Every file of the job's tables with its size and SHA-1, as written.

    The receipt keeps it, so that a resume or an aggregation notices a part
    that was since removed, added, copied from another job or damaged, even
    when its row count still looks right.
    """
    manifest = {}
    for name in expected_tables(config):
        path = job_dir / f"{name}.parquet"
        for file in sorted(path.glob("*.parquet")) if path.is_dir() else [path]:
            manifest[str(file.relative_to(job_dir))] = [file.stat().st_size, _sha1(file)]
    return manifest


def _sha1(path: Path) -> str:
    digest = hashlib.sha1()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def manifest_problem(job_dir: Path, manifest: object) -> str | None:
    """Why the job's table files are not the ones its receipt lists (None: they are)."""
    if not isinstance(manifest, dict) or not manifest:
        return "its job.json lists no table files"
    tables = {Path(name).parts[0] for name in manifest}
    found = set()
    for table in tables:
        path = job_dir / table
        files = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
        found |= {str(f.relative_to(job_dir)) for f in files if f.exists()}
    if found != manifest.keys():
        name = sorted(found ^ manifest.keys())[0]
        return f"{name} was {'added' if name in found else 'removed'} since it finished"
    for name, (size, digest) in sorted(manifest.items()):
        file = job_dir / name
        if file.stat().st_size != size or _sha1(file) != digest:
            return f"{name} changed since it finished"
    return None


def table_rows(path: Path) -> int | None:
    """Rows of a Parquet file or directory of parts, or None if it is missing or unreadable."""
    try:
        parts = sorted(path.glob("*.parquet")) if path.is_dir() else [path]
        return sum(pq.ParquetFile(p).metadata.num_rows for p in parts) if parts else None
    except (OSError, pa.ArrowException):
        return None


def check_done(job_dir: Path, config: Config) -> str | None:
    """None when ``job_dir`` holds finished, intact results of exactly this config; else why not.

    The reason is '' when there is nothing there yet (no receipt, no table).
    """
    data = read_receipt(job_dir)
    if not data:
        if (job_dir / RECEIPT).exists():
            return "its job.json is unreadable"
        tables = [job_dir / f"{name}.parquet" for name in expected_tables(config)]
        return "its job.json is missing" if any(p.exists() for p in tables) else ""
    if data.get("status") not in ("done", "skipped"):
        return f"it did not finish (status {data.get('status')})"
    want = identity(config)
    changed = [k for k, v in want.items() if data.get(k) != v]
    if changed:
        return f"its {', '.join(changed)} changed since the results there were made"
    for name, rows in expected_tables(config).items():
        found = table_rows(job_dir / f"{name}.parquet")
        if found is None or (rows >= 0 and found != rows):
            return f"its {name}.parquet is missing, unreadable or incomplete"
    return manifest_problem(job_dir, data.get("files"))
