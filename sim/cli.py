"""``python -m sim``: run a scenario's replications from the Hydra config.

Overrides are checked before Hydra creates an output directory, so a bad key
or value ends with one line on stderr naming it and what is allowed, exit code
2, and nothing written.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import hydra
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from hydra.core.utils import JobReturn
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig

from sim.config import config_dir, load_config, to_config
from sim.params import Config, ConfigError
from sim.plots import incidents_figure
from sim.report import format_table, save_figure, summary_table
from sim.runner import keep_pool, run_replications
from sim.sweep import (
    aggregate,
    already_done,
    count_jobs,
    find_results,
    progress_line,
    start_progress,
    write_receipt,
)

HYDRA_FLAGS = (
    "--help",
    "-h",
    "--hydra-help",
    "--cfg",
    "-c",
    "--info",
    "-i",
    "--shell-completion",
    "-sc",
)


def run_scenario(config: Config, out_dir: Path, overrides: list[str]) -> pd.DataFrame:
    """Run, write tables and the incidents figure, print the summary. Returns the runs table."""
    runs = run_replications(config, out_dir, overrides, progress=_progress)
    if config.output.figures:
        ts = pd.read_parquet(
            out_dir / "timeseries.parquet",
            columns=["scenario", "replication", "day", "month", "phase", "border_incidents"],
        )
        save_figure(
            incidents_figure(ts, config.scenario_name), out_dir / "figures" / "incidents.png"
        )
    name, reps, days = config.scenario_name, config.replications, config.days
    print(f"{name}: {reps} replications x {days} days -> {out_dir}")
    print(format_table(summary_table(runs)))
    return runs


def _progress(done: int, total: int) -> None:
    if sys.stderr.isatty():
        print(
            f"\r  replications {done}/{total}", end="\n" if done == total else "", file=sys.stderr
        )


@hydra.main(config_path=str(config_dir()), config_name="config", version_base="1.3")
def hydra_entry(cfg: DictConfig) -> None:
    """The Hydra job: typed config in, tables and figures out in Hydra's output directory.

    In a multirun a job never raises: it records how it ended in its receipt so
    that the other jobs go on and the aggregation can name it.
    """
    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir)
    multirun = hc.mode == RunMode.MULTIRUN
    try:
        config = to_config(cfg)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        if not multirun:
            sys.exit(2)
        write_receipt(out, "failed", None, error=f"invalid config: {e}")
        return
    if multirun and already_done(out, config):
        write_receipt(out, "skipped", config)
        print(f"{out.name}: results for this config, seed and version exist; skipped")
        return
    started = time.perf_counter()
    try:
        run_scenario(config, out, list(hc.overrides.task))
    except Exception as e:
        if not multirun:
            raise
        write_receipt(out, "failed", config, error=f"{type(e).__name__}: {e}")
        print(f"{out.name} FAILED: {type(e).__name__}: {e}", file=sys.stderr)
        return
    write_receipt(out, "done", config, seconds=round(time.perf_counter() - started, 3))


class SweepCallback(Callback):
    """Progress during a multirun, and aggregation of all jobs when it ends."""

    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        total = count_jobs(list(config.hydra.overrides.task))
        start_progress(Path(config.hydra.sweep.dir), total)
        keep_pool(True)  # jobs run in this process (basic launcher) share the workers

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs) -> None:
        hc = HydraConfig.get()
        if hc.mode == RunMode.MULTIRUN:
            line = progress_line(Path(hc.sweep.dir))
            if line:
                print(line, flush=True)

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        keep_pool(False)
        sweep_dir = Path(config.hydra.sweep.dir)
        compare = config.compare
        try:
            aggregate(
                [sweep_dir],
                sweep_dir / "sweep",
                compare.metric,
                compare.baseline,
                tuple(compare.heatmaps),
            )
        except (FileNotFoundError, ValueError) as e:
            print(f"error: {e}", file=sys.stderr)
            sys.exit(1)
        failed = find_results([sweep_dir]).failed
        if failed:
            sys.exit(f"{len(failed)} job(s) failed: {', '.join(failed)}")


def main() -> None:
    """Console entry point."""
    args = sys.argv[1:]
    single = not any(a in ("-m", "--multirun") or a.split("=")[0] in HYDRA_FLAGS for a in args)
    if single:
        try:
            load_config([a for a in args if not a.startswith("-")])
        except ConfigError as e:
            print(f"error: {e}", file=sys.stderr)
            sys.exit(2)
    hydra_entry()
