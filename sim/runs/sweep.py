"""Sweeps: progress and aggregation of a multirun's finished jobs.

Each job's receipt (``sim.runs.jobs``) says whether it finished and which files it
wrote. ``aggregate`` merges the jobs of the current sweep that finished, with
intact files, into one table per kind plus figures, and names the jobs that
did not; the merged tables and figures replace the previous ones all at once.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim import __version__
from sim.analysis.effect_plots import difference_figure, timing_figure, type_figure
from sim.analysis.headline import (
    headline_differences,
    headline_text,
    with_headline,
    with_series,
)
from sim.analysis.headline_plots import (
    MAX_LINES,
    SERIES_COLUMNS,
    headline_difference_figure,
    headline_figure,
    incidents_figure,
    spend_figure,
)
from sim.analysis.labels import variant_labels
from sim.analysis.paired import (
    difference_table,
    monthly_differences,
    other_horizons,
    timing_table,
    type_differences,
    unpaired_text,
)
from sim.analysis.plots import (
    comparison_figure,
    heatmap_figure,
    monthly_matrix,
    outcomes_figure,
    phase_share_figure,
)
from sim.runs.files import read_json, save_figure, write_atomic
from sim.runs.jobs import read_receipt
from sim.runs.pool import alive
from sim.runs.progress import eta
from sim.runs.results import AGGREGATE_MARK, PROGRESS, Collected, find_results
from sim.runs.runner import RUN_SETTINGS
from sim.runs.terminal import aggregation_text, summary_table

IGNORED_OVERRIDES = (*RUN_SETTINGS, "seed")
TS_COLUMNS = list(dict.fromkeys([*SERIES_COLUMNS, "seed", "variant"]))
"""The timeseries columns the figures read (the headline's daily series among them)."""


def sweep_total(config) -> int:
    """Jobs of a multirun: the Optuna-style trial count, or the size of the grid."""
    from sim.config.compose import parse

    trials = config.hydra.sweeper.get("n_trials")
    if trials is not None:
        return int(trials)
    params = config.hydra.sweeper.get("params") or {}
    overrides = parse([*(f"{k}={v}" for k, v in params.items()), *config.hydra.overrides.task])
    total = 1
    for o in overrides:
        if o.is_sweep_override():
            total *= len(list(o.sweep_string_iterator()))
    return total


def start_progress(sweep_dir: Path, total: int) -> None:
    sweep_dir.mkdir(parents=True, exist_ok=True)
    info = {"total": total, "start": time.time(), "pid": os.getpid()}
    write_atomic(sweep_dir / PROGRESS, json.dumps(info))


def job_dirs(sweep_dir: Path) -> list[Path]:
    """The job directories of the sweep now running there (not leftovers of a larger one)."""
    info = read_json(sweep_dir / PROGRESS)
    return [sweep_dir / f"job{i}" for i in range(info["total"])]


def progress_line(sweep_dir: Path, job_dir: Path) -> str | None:
    """``jobs 3/12 (20 s, about 40 s left)`` after a job that ran; None after a reused one.

    Only jobs this sweep has finished count, so an old directory's receipts do
    not inflate it, and a fully resumed sweep stays quiet until the summary.
    """
    try:
        info = read_json(sweep_dir / PROGRESS)
    except (OSError, ValueError):
        return None
    receipts = [read_receipt(d) for d in sweep_dir.glob("job*")]
    ended = [r for r in receipts if r.get("status") in ("done", "skipped", "failed")]
    done = sum(r.get("ended", 0) >= info["start"] for r in ended)
    if read_receipt(job_dir).get("status") == "skipped":
        return None
    total = max(info["total"], done)
    elapsed = time.time() - info["start"]
    return f"jobs {done}/{total} ({elapsed:.0f} s{eta(elapsed, done, total)})"


def swept_columns(overrides: pd.Series) -> pd.DataFrame:
    """One column per overridden key, numeric where the values are numbers."""
    parsed = [
        {k.lstrip("+~"): v for k, v in (o.split("=", 1) for o in shlex.split(text) if "=" in o)}
        for text in overrides.astype(str)
    ]
    frame = pd.DataFrame(parsed, index=overrides.index)
    drop = [c for c in frame.columns if c.split(".")[0] in IGNORED_OVERRIDES or c == "scenario"]
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


def _distinct(names: pd.Series, ids: pd.Series) -> pd.Series:
    """Names made unique per config: a name shared by several configs gets its config hash."""
    shared = ids.groupby(names).transform("nunique") > 1
    return names.where(~shared, names + " #" + ids.str[:6])


NOT_OUTCOMES = {"replication", "seed", "draw", "days", "job"}
"""Numeric columns of runs that name or set up a run, refused as ``--metric``."""


def aggregate(
    roots: list[Path],
    out: Path,
    metric: str = "border_incidents_per_month",
    baseline: str | None = None,
    heatmaps: tuple[str, ...] = ("border_incidents_per_month",),
    only: list[Path] | None = None,
    command: str | None = None,
    threshold: float = 0.0,
    finish: Callable[[Path], object] | None = None,
) -> dict[str, str]:
    """Merge the jobs under ``roots`` (or just ``only``) into ``out``; return the jobs left
    out (name: why), for the caller's exit code.

    ``aggregate.json`` records the sources, the command that made them and when.
    Everything is checked before anything is written, and built in a staging
    directory that then replaces ``out`` whole: a failure leaves the previous
    aggregation as it was, never half old and half new. ``out`` must be new,
    empty or an earlier aggregation.

    Variants are configurations (``config_id``): runs of different configs are
    never pooled, and runs of one config and seed found twice count once.
    ``threshold``: the monthly difference from the baseline a variant must stay
    below for good to count as a lasting improvement (default 0). ``finish`` is
    called with the staging directory before it replaces ``out`` (the report is
    written there, so that ``out`` never goes without one).
    """
    found = find_results(roots, only)
    if found.runs.empty:
        raise FileNotFoundError(f"no finished runs under {', '.join(map(str, roots))}")
    runs = with_headline(found.runs.drop_duplicates(["config_id", "seed"], ignore_index=True))
    runs["job_dir"] = runs["job"].map(lambda j: str(found.jobs[j]))  # ``job`` counts afresh
    numeric = [  # outcomes: not what names a run (its seed, replication, draw, horizon, job)
        c for c in runs if pd.api.types.is_numeric_dtype(runs[c]) and c not in NOT_OUTCOMES
    ]
    for flag, name in (("--metric", metric), *(("--heatmaps", h) for h in heatmaps)):
        if name not in numeric:
            raise ValueError(
                f"{flag} {name}: not an outcome (a numeric column of runs); "
                f"one of {', '.join(numeric)}"
            )
    swept = swept_columns(runs["overrides"])
    swept = swept.drop(columns=[c for c in swept if c in runs])
    runs = pd.concat([runs, swept], axis=1)
    runs["variant"] = _distinct(variant_names(runs, swept), runs["config_id"])
    variants = list(dict.fromkeys(runs["variant"]))
    if baseline is None:
        baseline = "baseline" if "baseline" in variants else variants[0]
    elif baseline not in variants:
        alike = [v for v in variants if v.startswith(f"{baseline} #")]
        if alike:  # a scenario run with different settings: one variant each
            raise ValueError(
                f"--baseline {baseline}: names {len(alike)} variants, runs of it with different "
                f"settings; name one: {', '.join(repr(v) for v in alike)}"
            )
        raise ValueError(f"--baseline {baseline}: not among {', '.join(variants)}")
    unpaired = other_horizons(runs, baseline)
    check_output(out, roots if only is None else only)
    _clear_leftovers(out)
    staging = out.with_name(f".{out.name}.staging-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        staging.mkdir(parents=True)
        mark = {
            "sources": [str(r) for r in roots],
            "command": command,
            "created": time.time(),
            "threshold": threshold,
            "version": __version__,
            "baseline": baseline,
            "unpaired": unpaired,
        }
        write_atomic(staging / AGGREGATE_MARK, json.dumps(mark))
        *built, headline = _build(
            staging, runs, swept, found, baseline, metric, heatmaps, threshold, set(unpaired)
        )
        if finish is not None:
            finish(staging)
        _replace_dir(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(aggregation_text(*built))
    if not headline.empty:
        print(f"\n{headline_text(headline, built[-1])}")
    if found.skipped:
        print(f"{found.skipped} job(s) reused existing results")
    for name, error in found.failed.items():
        print(f"{'unfinished' if name in found.unfinished else 'FAILED'} {name}: {error}")
    for name, why in found.leftovers.items():
        print(f"left out {name}: {why}")
    if unpaired:
        print(unpaired_text(unpaired, baseline, runs))
    print(f"aggregated {len(runs)} runs -> {out}")
    twice = len(found.runs) - len(runs)
    if twice:
        print(
            f"left out {twice} run(s) found twice: the same config and seed in more than one "
            "source (e.g. a single run repeated by a sweep); each counts once"
        )
    return found.failed


def check_output(out: Path, sources: list[Path]) -> None:
    """Refuse an ``out`` that would overwrite results: one holding anything but an
    earlier aggregation, or one of the sources or a directory above them."""
    out = out.resolve()
    if out == Path.cwd():
        raise ValueError(f"--out {out}: the working directory; name a directory for the results")
    for source in sources:
        source = source.resolve()
        if out == source or out in source.parents:
            raise ValueError(f"--out {out}: holds the results being compared; choose another")
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out}: exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not (out / AGGREGATE_MARK).exists():
        raise ValueError(
            f"--out {out}: holds other files (not an earlier comparison); "
            "choose a new or empty directory"
        )


def _clear_leftovers(out: Path) -> None:
    """Delete what a killed aggregation into ``out`` left beside it: its staging directory
    or the previous aggregation it was replacing (named with the process's id; those of a
    process still running are left alone)."""
    for path in out.parent.glob(f".{out.name}.*-*-*"):
        kind, pid, _ = path.name[len(out.name) + 2 :].split("-", 2)
        if kind in ("staging", "old") and pid.isdigit() and not alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _replace_dir(new: Path, out: Path) -> None:
    """Put ``new`` where ``out`` is, as two renames (the old one is deleted after)."""
    old = out.with_name(f".{out.name}.old-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    if out.exists():
        os.replace(out, old)
    os.replace(new, out)
    shutil.rmtree(old, ignore_errors=True)


def _build(
    out: Path,
    runs: pd.DataFrame,
    swept: pd.DataFrame,
    found: Collected,
    baseline: str,
    metric: str,
    heatmaps: tuple[str, ...],
    threshold: float = 0.0,
    unpaired: set[str] = frozenset(),
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, str], pd.DataFrame]:
    """Write the merged tables and the figures into ``out``; the summary table, the
    differences, the month each variant stays below ``threshold``, the labels and the
    headline's differences (with the change per M$ of roadmap spending). Variants in
    ``unpaired`` (another horizon than the baseline's) are left out of the differences."""
    per_config = runs.drop_duplicates("config_id")[["config_id", "variant", *swept.columns]]
    _write(runs, out / "runs.parquet")
    ts = _merge_timeseries(found.timeseries_files, out / "timeseries.parquet", per_config)
    figures = out / "figures"
    labels = variant_labels(list(runs["variant"]))
    by_variant = runs.assign(scenario=runs["variant"])
    ts_variant = ts.assign(scenario=ts["variant"])
    save_figure(headline_figure(by_variant, labels), figures / "headline.png")
    spend = spend_figure(by_variant, labels)
    if spend is not None:
        save_figure(spend, figures / "spend.png")
    if not monthly_matrix(ts_variant).empty:  # else no whole month to draw (days < 31)
        if runs["variant"].nunique() <= MAX_LINES:
            figure = incidents_figure(ts_variant, baseline=baseline, labels=labels)
            save_figure(figure, figures / "headline_by_month.png")
        figure = comparison_figure(ts_variant, baseline, labels)
        save_figure(figure, figures / "incidents_by_scenario.png")
    save_figure(outcomes_figure(by_variant, labels=labels), figures / "outcomes.png")
    save_figure(phase_share_figure(ts_variant, labels), figures / "phase_share.png")
    diffs = timing = headline = pd.DataFrame()
    paired, ts_paired = (t[~t["variant"].isin(unpaired)] for t in (by_variant, ts_variant))
    if paired["variant"].nunique() > 1:
        headline = headline_differences(paired, baseline)
        save_figure(
            headline_difference_figure(headline, labels), figures / "headline_difference.png"
        )
        _write(headline, out / "differences_headline.parquet")
        diffs = difference_table(paired, baseline, metric)
        save_figure(difference_figure(diffs, labels), figures / f"difference_{metric}.png")
        _write(diffs, out / "differences.parquet")
        monthly = monthly_differences(ts_paired, baseline)
        if not monthly.empty:
            timing = timing_table(monthly, threshold)
            figure = timing_figure(monthly, labels, timing, threshold)
            save_figure(figure, figures / "difference_by_month.png")
            _write(monthly, out / "differences_monthly.parquet")
        types = type_differences(paired, baseline)
        if not types.empty:
            save_figure(type_figure(types, labels), figures / "difference_by_type.png")
            _write(types, out / "differences_by_type.parquet")
    varying = [c for c in swept.columns if swept[c].astype(str).nunique() > 1]
    numeric = [c for c in varying if pd.api.types.is_numeric_dtype(swept[c])]
    if len(numeric) >= 2:
        by = ["scenario", *(c for c in varying if c not in numeric[:2])]
        for name in dict.fromkeys([*heatmaps, metric]):
            heat = heatmap_figure(runs, numeric[0], numeric[1], name, by=by)
            save_figure(heat, figures / f"heatmap_{name}.png")
    return summary_table(by_variant), diffs, timing, labels, headline


def _write(frame: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with the columns of ``schema``, in its order and types: a job written
    before a column existed gets it empty, a column the first job lacked is left out (so
    that runs saved by older versions can be compared with new ones)."""
    columns = [
        table[f.name].cast(f.type) if f.name in table.column_names else pa.nulls(len(table), f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


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
            writer.write_table(_conform(table, writer.schema))
            slim.append(with_series(part)[TS_COLUMNS])
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        if writer is not None:
            writer.close()
    if writer is not None:
        os.replace(tmp, path)
    return pd.concat(slim, ignore_index=True)
