"""``python -m sim``: run a scenario's replications from the Hydra config.

The whole command line (every job of a multirun, and the ``compare``
settings) is checked by :mod:`sim.config.precheck` before Hydra creates an output
directory, so a bad key or value ends with one line on stderr naming it and
what is allowed, exit code 2, and nothing written.

A job's directory says how far it got: ``job.json`` reads ``running`` from
the start and is replaced by ``done``, ``failed`` or ``interrupted`` (Ctrl-C) at the
end, so a killed run is never mistaken for a finished one. A job returns the mean of
``compare.metric`` over its replications, which Hydra sweepers such as Optuna
optimise.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from pathlib import Path

import hydra
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from hydra.core.utils import JobReturn
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim import end_piped_output, output_closed
from sim.analysis.headline_plots import SERIES_COLUMNS, incidents_figure
from sim.config.compose import command_line, config_dir, parse, to_config
from sim.config.params import Config, ConfigError
from sim.config.precheck import CommandLine, Plan, checked_main, plan, split_command_line
from sim.report.command import REPORT, write_report
from sim.runs.draws import final_generation, world_draws
from sim.runs.files import save_figure
from sim.runs.jobs import check_done, file_manifest, read_receipt, write_receipt
from sim.runs.lock import check_destination, creation_error, keyed, refuse
from sim.runs.pool import end_with, keep_pool
from sim.runs.progress import Progress
from sim.runs.runner import (
    Busy,
    locked,
    model_params,
    replication_seeds,
    run_replications,
    simulate,
)
from sim.runs.sweep import (
    aggregate,
    job_dirs,
    progress_line,
    start_progress,
    sweep_total,
    swept_columns,
    variant_names,
)
from sim.runs.terminal import format_table, summary_table


def run_scenario(config: Config, out_dir: Path, overrides: list[str]) -> pd.DataFrame:
    """Run, write tables and the incidents figure, print the summary. Returns the runs table."""
    bar = Progress(f"{out_dir.name} replications", config.replications)
    runs = run_replications(config, out_dir, overrides, progress=lambda done, _: bar.update(done))
    if config.output.figures:
        ts = pd.read_parquet(
            out_dir / "timeseries.parquet",
            columns=SERIES_COLUMNS,
        )
        save_figure(
            incidents_figure(ts, config.scenario_name, moves=config.moves),
            out_dir / "figures" / "incidents.png",
        )
    name, reps, days = config.scenario_name, config.replications, config.days
    print(f"{name}: {reps} replications x {days} days -> {out_dir}")
    print(format_table(summary_table(runs)))
    return runs


@hydra.main(config_path=str(config_dir()), config_name="config", version_base="1.3")
def hydra_entry(cfg: DictConfig) -> float:
    """The Hydra job: typed config in, tables and figures out in Hydra's output directory.

    In a multirun a job never raises: it records how it ended in its receipt so
    that the other jobs go on and the aggregation can name it. Returns the mean
    of ``compare.metric`` (NaN if the job failed).
    """
    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir)
    multirun = hc.mode == RunMode.MULTIRUN
    if "joblib" in str(OmegaConf.select(hc, "launcher._target_") or "").lower():
        end_with_launcher()
    # a multirun job's own overrides repeat its results alone; a single run keeps its Hydra settings
    args = list(hc.overrides.task) if multirun else [*hc.overrides.hydra, *hc.overrides.task]
    command = command_line("sim", args)
    try:
        config = to_config(cfg)
        with locked(out):
            return _job(config, out, list(hc.overrides.task), multirun, command)
    except (ConfigError, Busy, OSError) as e:
        if output_closed(e):  # (Hydra would print a traceback)
            end_piped_output()
        is_os = isinstance(e, OSError)
        message = _os_error(e, out) if is_os else str(e)
        if not multirun:
            _fail(message, 1 if is_os else 2)
        print(f"{out.name} FAILED: {message}", file=sys.stderr)
        reason = "could not write results" if is_os else "invalid config"
        _try_receipt(out, "failed", None, error=f"{reason}: {message}", command=command)
        return math.nan


_watching: int | None = None


def end_with_launcher() -> None:
    """In a joblib launcher's worker, end with the process that launched the sweep: a
    SIGKILLed ``python -m sim -m ...`` otherwise leaves its workers running jobs."""
    global _watching
    if _watching != os.getppid() and os.getppid() != 1:
        _watching = os.getppid()
        end_with(_watching)


def _job(config: Config, out: Path, overrides: list[str], multirun: bool, command: str) -> float:
    """Run (or reuse) one job; its receipt says how it ended. A single run also gets its report."""
    metric = config.compare.metric
    if multirun:
        verdict = check_done(out, config)
        if verdict is None:
            files = read_receipt(out)["files"]
            write_receipt(out, "skipped", config, command=command, files=files)
            print(f"{out.name}: intact results of this config, code and seed exist; skipped")
            return float(pd.read_parquet(out / "runs.parquet", columns=[metric])[metric].mean())
        if verdict:
            print(f"{out.name}: {verdict}; running it again", file=sys.stderr)
    write_receipt(out, "running", config, command=command)
    started = time.perf_counter()
    try:
        runs = run_scenario(config, out, overrides)
        files = file_manifest(out, config)  # (hashes the tables: a while for large ones)
    except KeyboardInterrupt:  # Ctrl-C: the same command runs it again
        _try_receipt(out, "interrupted", config, command=command)
        raise
    except OSError as e:
        if output_closed(e):  # stdout, not the results:
            raise  # 'running' stays, to be run again
        _try_receipt(
            out, "failed", config, error="could not write results (disk full?)", command=command
        )
        raise
    except Exception as e:
        if not multirun:
            raise
        _try_receipt(out, "failed", config, error=f"{type(e).__name__}: {e}", command=command)
        print(f"{out.name} FAILED: {type(e).__name__}: {e}", file=sys.stderr)
        return math.nan
    seconds = round(time.perf_counter() - started, 3)
    write_receipt(out, "done", config, seconds=seconds, command=command, files=files)
    if not multirun:
        try:
            print(f"report: {write_report(out)}")
        except OSError as e:  # the tables are whole, but the run did not finish as asked
            if output_closed(e):
                raise
            error = "could not write report.html (disk full?)"
            _try_receipt(out, "failed", config, error=error, command=command, files=files)
            raise
    return float(runs[metric].mean())


def _try_receipt(out: Path, status: str, config: Config | None, **extra) -> None:
    with contextlib.suppress(OSError):  # the disk refuses even this; 'running' stays, truthfully
        write_receipt(out, status, config, **extra)


def _os_error(e: OSError, out: Path) -> str:
    """One line naming the file, or the run's directory when the writer did not say which
    file (pyarrow's errors name none)."""
    return f"{e.filename or out}: {e.strerror or e}" if e.strerror else f"{out}: {e}"


def _fail(message: str, code: int) -> None:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(code)


_sweep_lock = None


class SweepCallback(Callback):
    """Lock, progress and aggregation of a multirun (only the jobs of this sweep's expansion)."""

    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        global _sweep_lock
        text = str(config.hydra.sweep.dir)
        if not text.strip():
            refuse("hydra.sweep.dir='': an empty path (the working directory); name a directory")
        sweep_dir = Path(text)
        try:
            check_destination(sweep_dir, "multirun")
        except ConfigError as e:
            refuse(keyed("hydra.sweep.dir", text, Path(os.path.abspath(sweep_dir)), str(e)))
        _sweep_lock = locked(sweep_dir)
        try:
            _sweep_lock.__enter__()
        except Busy as e:
            refuse(str(e))
        except OSError as e:
            refuse(creation_error(sweep_dir, e))
        start_progress(sweep_dir, sweep_total(config))
        keep_pool(True)  # jobs run in this process (basic launcher) share the workers

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs) -> None:
        hc = HydraConfig.get()
        if hc.mode == RunMode.MULTIRUN:
            line = progress_line(Path(hc.sweep.dir), Path(hc.runtime.output_dir))
            if line:
                print(line, flush=True)

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        keep_pool(False)
        sweep_dir = Path(config.hydra.sweep.dir)
        compare = config.compare
        if not compare.aggregate:
            return
        jobs = job_dirs(sweep_dir)
        overrides = [*config.hydra.overrides.hydra, *config.hydra.overrides.task]
        try:
            failed = aggregate(
                [sweep_dir],
                sweep_dir / "sweep",
                compare.metric,
                compare.baseline,
                tuple(compare.heatmaps),
                only=jobs,
                command=command_line("sim", overrides, multirun=True),
                threshold=compare.threshold,
                finish=lambda staging: write_report(staging, shown=sweep_dir / "sweep"),
            )
            print(f"report: {sweep_dir / 'sweep' / REPORT}")
        except (FileNotFoundError, ValueError, OSError) as e:
            _fail(str(e), 1)
        if failed:
            sys.exit(f"{len(failed)} job(s) did not finish: {', '.join(failed)}")


def run_metrics(config: Config) -> list[str]:
    """Numeric columns of the runs table, from a two-day run (no file written)."""
    summary = simulate(model_params(config), 2, 0).summary
    return ["replication", *(k for k, v in summary.items() if isinstance(v, int | float))]


def check_outcomes(config: Config) -> None:
    """Refuse ``compare`` outcomes that are not columns of the runs table (a single
    run returns the metric's mean to sweepers; a multirun also draws the heatmaps)."""
    compare = config.compare
    metrics = run_metrics(config)
    for key, names in (
        ("compare.metric", [compare.metric]),
        ("compare.heatmaps", compare.heatmaps),
    ):
        for name in names:
            if name not in metrics:
                raise ConfigError(f"{key}={name}: not an outcome; allowed: {', '.join(metrics)}")


def check_compare(p: Plan) -> None:
    """Refuse ``compare`` settings the aggregation could not honour, before any job runs."""
    compare = p.configs[0].compare
    check_outcomes(p.configs[0])
    if compare.baseline is not None:
        runs = pd.DataFrame(
            {
                "scenario": [c.scenario_name for c in p.configs],
                "overrides": [" ".join(j) for j in p.jobs],
            }
        )
        variants = list(dict.fromkeys(variant_names(runs, swept_columns(runs["overrides"]))))
        if compare.baseline not in variants:
            raise ConfigError(
                f"compare.baseline={compare.baseline}: not a variant of this sweep; "
                f"allowed: {', '.join(variants)}"
            )


OTHER_GROUPS = {"effort": "sim.calibrate", "explore": "sim.explore"}
"""Config groups of the other commands (they share ``conf/``), and whose they are. (A
policy search's ``policy`` group is also this command's: ``+policy=<id>`` runs a policy
it exported.)"""


def check(line: CommandLine) -> None:
    """Every job of the command line, and a multirun's ``compare`` settings; print warnings."""
    for o in parse(line.overrides):
        if o.key_or_group in OTHER_GROUPS:
            raise ConfigError(
                f"{o.input_line}: {o.key_or_group} is a config group of python -m "
                f"{OTHER_GROUPS[o.key_or_group]}, not of python -m sim"
            )
    p = plan(line)
    for posterior in {c.calibration.posterior for c in p.configs if c.calibration.name != "none"}:
        final_generation(posterior)  # readable, and a posterior, before anything is written
    for config in p.configs:
        if config.calibration.worlds:  # readable, and drawn for these seeds
            world_draws(config, replication_seeds(config.seed, config.replications))
    if line.multirun:
        check_compare(p)
    else:
        check_outcomes(p.configs[0])
    for warning in p.warnings:
        print(f"warning: {warning}", file=sys.stderr)


def main() -> None:
    """Console entry point: check everything, then hand over to Hydra."""
    checked_main(hydra_entry, check, split_command_line(sys.argv[1:]))
