"""Sweeps: job bookkeeping (resume, progress, failures) and aggregation of finished jobs.

Every job directory ends with a ``job.json`` receipt: ``done`` (tables written),
``skipped`` (identical results already there) or ``failed`` (with the error).
A re-run of the same sweep into the same directory skips jobs whose receipt
says done for the same config, seeds and package version, and re-runs the rest.
``aggregate`` merges whatever finished into one table per kind plus figures,
and names the jobs that did not.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim import __version__
from sim.params import Config
from sim.plots import (
    comparison_figure,
    difference_figure,
    difference_table,
    heatmap_figure,
    outcomes_figure,
    phase_share_figure,
)
from sim.report import format_table, save_figure, summary_table
from sim.runner import RUN_SETTINGS, config_id

RECEIPT = "job.json"
AGGREGATE_MARK = "aggregate.json"
PROGRESS = ".progress.json"
IGNORED_OVERRIDES = (*RUN_SETTINGS, "seed")
TS_COLUMNS = ["scenario", "replication", "day", "month", "phase", "border_incidents", "variant"]


def identity(config: Config) -> dict:
    """What makes two jobs' results interchangeable."""
    return {
        "config_id": config_id(config),
        "seed": config.seed,
        "replications": config.replications,
        "days": config.days,
        "version": __version__,
    }


def write_receipt(job_dir: Path, status: str, config: Config | None, **extra) -> None:
    """Record how a job ended (atomically); ``config`` is None when it was invalid."""
    data = {"status": status, **(identity(config) if config is not None else {}), **extra}
    job_dir.mkdir(parents=True, exist_ok=True)
    tmp = job_dir / f".{RECEIPT}.tmp"
    tmp.write_text(json.dumps(data, indent=1, default=str))
    os.replace(tmp, job_dir / RECEIPT)


def already_done(job_dir: Path, config: Config) -> bool:
    """True when this directory holds finished results for exactly this config."""
    receipt = job_dir / RECEIPT
    if not receipt.is_file() or not (job_dir / "runs.parquet").is_file():
        return False
    data = json.loads(receipt.read_text())
    return data.get("status") in ("done", "skipped") and all(
        data.get(k) == v for k, v in identity(config).items()
    )


def count_jobs(task_overrides: list[str]) -> int:
    """Number of jobs a basic sweep over these overrides expands to."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    total = 1
    for override in OverridesParser.create().parse_overrides(task_overrides):
        if override.is_sweep_override():
            total *= len(list(override.sweep_string_iterator()))
    return total


def start_progress(sweep_dir: Path, total: int) -> None:
    sweep_dir.mkdir(parents=True, exist_ok=True)
    (sweep_dir / PROGRESS).write_text(json.dumps({"total": total, "start": time.time()}))


def progress_line(sweep_dir: Path) -> str | None:
    """``jobs 3/12, about 40 s left`` from the receipts written so far."""
    try:
        info = json.loads((sweep_dir / PROGRESS).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    done = len(list(sweep_dir.glob(f"*/{RECEIPT}")))
    total = max(info["total"], done)
    elapsed = time.time() - info["start"]
    left = elapsed / done * (total - done) if done else math.nan
    eta = f", about {left:.0f} s left" if done < total and math.isfinite(left) else ""
    return f"jobs {done}/{total} ({elapsed:.0f} s{eta})"


@dataclass
class Collected:
    """What a set of result directories holds."""

    runs: pd.DataFrame
    timeseries_files: list[Path]
    failed: dict[str, str] = field(default_factory=dict)
    skipped: int = 0


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


def swept_columns(overrides: pd.Series) -> pd.DataFrame:
    """One column per overridden key, numeric where the values are numbers."""
    parsed = [
        {k.lstrip("+~"): v for k, v in (o.split("=", 1) for o in str(text).split() if "=" in o)}
        for text in overrides
    ]
    frame = pd.DataFrame(parsed, index=overrides.index)
    drop = [c for c in frame.columns if c in IGNORED_OVERRIDES or c == "scenario"]
    frame = frame.drop(columns=drop)
    for col in frame.columns:
        frame[col] = _maybe_numeric(frame[col])
    return frame


def _maybe_numeric(col: pd.Series) -> pd.Series:
    converted = pd.to_numeric(col, errors="coerce")
    return converted if converted.notna().all() else col


def variant_names(runs: pd.DataFrame, swept: pd.DataFrame) -> pd.Series:
    """A label per configuration: the scenario plus the overrides that vary across runs."""
    varying = [c for c in swept if swept[c].astype(str).nunique() > 1]
    if not varying:
        return runs["scenario"].copy()
    extra = (
        swept[varying]
        .astype(str)
        .apply(lambda row: " ".join(f"{k}={v}" for k, v in row.items() if v != "nan"), axis=1)
    )
    return (runs["scenario"] + " " + extra).str.strip()


def find_results(roots: list[Path]) -> Collected:
    """Read every finished job's runs table; list the jobs that did not finish."""
    frames, ts_files, failed, skipped = [], [], {}, 0
    for job in _result_dirs(roots):
        receipt = job / RECEIPT
        data = json.loads(receipt.read_text()) if receipt.is_file() else {}
        if (job / "runs.parquet").is_file() and data.get("status", "done") != "failed":
            frames.append(pd.read_parquet(job / "runs.parquet"))
            if (job / "timeseries.parquet").exists():
                ts_files.append(job / "timeseries.parquet")
            skipped += data.get("status") == "skipped"
        else:
            failed[job.name] = data.get("error", "no results (killed or still running)")
    runs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return Collected(runs, ts_files, failed, skipped)


def aggregate(
    roots: list[Path],
    out: Path,
    metric: str = "border_incidents_per_month",
    baseline: str | None = None,
    heatmaps: tuple[str, ...] = ("border_incidents_per_month",),
) -> pd.DataFrame:
    """Merge the jobs under ``roots`` into ``out`` (tables + figures); return the comparison."""
    found = find_results(roots)
    if found.runs.empty:
        raise FileNotFoundError(f"no finished runs under {', '.join(map(str, roots))}")
    runs = found.runs
    if metric not in runs or not pd.api.types.is_numeric_dtype(runs[metric]):
        numeric = [c for c in runs if pd.api.types.is_numeric_dtype(runs[c])]
        raise ValueError(
            f"--metric {metric}: not a numeric column of runs; one of {', '.join(numeric)}"
        )
    swept = swept_columns(runs["overrides"])
    swept = swept.drop(columns=[c for c in swept if c in runs])
    runs = pd.concat([runs, swept], axis=1)
    runs["variant"] = variant_names(runs, swept)
    per_config = runs.drop_duplicates("config_id")[["config_id", "variant", *swept.columns]]
    out.mkdir(parents=True, exist_ok=True)
    (out / AGGREGATE_MARK).write_text(json.dumps({"sources": [str(r) for r in roots]}))
    _write(runs, out / "runs.parquet")
    ts = _merge_timeseries(found.timeseries_files, out / "timeseries.parquet", per_config)
    variants = list(dict.fromkeys(runs["variant"]))
    if baseline is None:
        baseline = "baseline" if "baseline" in variants else variants[0]
    elif baseline not in variants:
        raise ValueError(f"--baseline {baseline}: not among {', '.join(variants)}")
    figures = out / "figures"
    by_variant = runs.assign(scenario=runs["variant"])
    ts_variant = ts.assign(scenario=ts["variant"])
    save_figure(comparison_figure(ts_variant, baseline), figures / "incidents_by_scenario.png")
    save_figure(outcomes_figure(by_variant), figures / "outcomes.png")
    save_figure(phase_share_figure(ts_variant), figures / "phase_share.png")
    diffs = difference_table(by_variant, baseline, metric) if len(variants) > 1 else pd.DataFrame()
    if not diffs.empty:
        save_figure(difference_figure(diffs), figures / f"difference_{metric}.png")
        _write(diffs, out / "differences.parquet")
    numeric = [
        c
        for c in swept.columns
        if pd.api.types.is_numeric_dtype(swept[c]) and swept[c].nunique() > 1
    ]
    if len(numeric) >= 2:
        for name in dict.fromkeys([*heatmaps, metric]):
            heat = heatmap_figure(runs, numeric[0], numeric[1], name)
            save_figure(heat, figures / f"heatmap_{name}.png")
    table = summary_table(by_variant)
    _report(table, diffs, found, out)
    return table


def _report(table: pd.DataFrame, diffs: pd.DataFrame, found: Collected, out: Path) -> None:
    print(format_table(table))
    if not diffs.empty:
        cols = ["scenario", "mean", "low", "high", "effect_size", "p_value"]
        print(f"\nPaired difference from {diffs['baseline'].iloc[0]} ({diffs['metric'].iloc[0]}):")
        print(diffs[cols].to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    if found.skipped:
        print(f"{found.skipped} job(s) reused existing results")
    for name, error in found.failed.items():
        print(f"FAILED {name}: {error}")
    print(f"aggregated {len(found.runs)} runs -> {out}")


def _write(frame: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def _merge_timeseries(files: list[Path], path: Path, swept: pd.DataFrame) -> pd.DataFrame:
    """Stream every job's time series into one file with the swept columns added.

    Returns only the columns the figures need, to keep memory flat.
    """
    tmp = path.with_name(path.name + ".tmp")
    writer = None
    slim = []
    try:
        for file in files:
            part = pd.read_parquet(file).merge(swept, on="config_id", how="left")
            table = pa.Table.from_pandas(part, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema)
            writer.write_table(table.cast(writer.schema))
            slim.append(part[TS_COLUMNS])
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        if writer is not None:
            writer.close()
    if writer is not None:
        os.replace(tmp, path)
    return pd.concat(slim, ignore_index=True)
