"""``python -m sim.explore``: run an experimental design over model parameters and analyse it.

A design (``explore.design``: lhs, sobol, halton, saltelli, morris, factorial)
of ``explore.points`` over ``explore.factors`` (dotted key -> [low, high];
null takes the declared range) is run in chunks of points on worker processes
or on Ray, every point with the same ``replications`` seeds (common random
numbers). Each finished chunk is written at once as a part of
``runs.parquet/``; run the same command in the same output directory
(``hydra.run.dir=...``) and finished chunks are kept, so a killed design
resumes. Settings and named explorations are in ``conf/explore/``. When all
chunks are in, the analysis writes ``sensitivity.parquet`` (Sobol or Morris
indices), PRIM's ``prim_trajectory.parquet`` and ``prim_box.parquet`` (when
runs fail), ``robustness.parquet`` (with ``versus``) and their figures, then
``explore.json`` and the HTML report ``report.html``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass
from pathlib import Path

import hydra
import numpy as np
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from sim import __version__
from sim.config import command_line, compose_checked, config_dir, to_settings
from sim.designs import Factor, factors, sample
from sim.explore_analysis import analyse
from sim.explore_params import ExploreConfig
from sim.files import write_atomic
from sim.overrides import configure, flatten
from sim.params import ConfigError
from sim.pool import shutdown_pool, worker_pool
from sim.precheck import CommandLine, checked_main, split_command_line
from sim.report import write_report
from sim.runner import config_id, model_params, replication_seeds, simulate

log = logging.getLogger(__name__)
RECEIPT = "explore.json"


@dataclass(frozen=True)
class Task:
    """Points ``first ..`` of a design for every scenario, replications under the same seeds."""

    index: int
    points: tuple[tuple[int, dict], ...]
    scenarios: tuple[str, ...]
    overrides: dict
    days: int
    seeds: tuple[int, ...]


def run_task(task: Task) -> list[dict]:
    """Summary rows of a chunk: one per point, scenario and replication."""
    rows = []
    for point, values in task.points:
        for scenario in task.scenarios:
            cfg = configure(scenario, task.overrides | values, days=task.days)
            params = model_params(cfg)
            ids = {"point": point, "scenario": scenario, "config_id": config_id(cfg)}
            for rep, seed in enumerate(task.seeds):
                summary = simulate(params, task.days, seed).summary
                rows.append({**ids, "replication": rep, "seed": seed, **values, **summary})
    return rows


def prepare(cfg: ExploreConfig) -> tuple[list[Factor], pd.DataFrame, list[Task]]:
    """Validate everything and build the design and its tasks (raises ConfigError)."""
    ex = cfg.explore
    for scenario in (cfg.scenario, cfg.versus):
        if scenario is not None:
            configure(scenario, cfg.overrides, days=cfg.days)
    factor_list = factors(flatten(ex.factors), cfg.scenario)
    probe = simulate(model_params(configure(cfg.scenario, cfg.overrides, days=2)), 2, 0).summary
    for name in [*ex.outcomes, ex.failure.outcome]:
        if name not in probe:
            raise ConfigError(
                f"explore outcome {name}: not a column of runs (one of {', '.join(probe)})"
            )
    design = sample(ex.design, factor_list, ex.points, cfg.seed)
    seeds = tuple(replication_seeds(cfg.seed, cfg.replications))
    scenarios = (cfg.scenario,) if cfg.versus is None else (cfg.scenario, cfg.versus)
    records = [
        (i, {k: v.item() if isinstance(v, np.generic) else v for k, v in row.items()})
        for i, row in enumerate(design.to_dict("records"))
    ]
    step = ex.chunk_points or chunk_points(len(records))
    tasks = [
        Task(
            j // step, tuple(records[j : j + step]), scenarios, dict(cfg.overrides), cfg.days, seeds
        )
        for j in range(0, len(records), step)
    ]
    return factor_list, design, tasks


CHUNKS = 100
"""Chunks a design is cut into unless ``explore.chunk_points`` says otherwise."""


def chunk_points(points: int) -> int:
    """Points per chunk by default: about :data:`CHUNKS` chunks whatever the design's size.

    Many chunks keep every worker busy to the end (the last chunk to finish is
    short, so a second process nearly halves the time) and make resuming lose
    little; a part file per chunk costs a few milliseconds. The size does not
    depend on ``workers``, so a killed design resumes on any number of them.
    """
    return max(1, -(-points // CHUNKS))


def design_id(cfg: ExploreConfig, design: pd.DataFrame) -> str:
    """Hash of what determines every row: design points, settings and package version."""
    settings = OmegaConf.to_container(OmegaConf.structured(cfg))
    for key in ("workers",):
        settings.pop(key)
    for key in ("backend", "address", "figures", "outcomes", "second_order", "prim", "failure"):
        settings["explore"].pop(key)
    blob = json.dumps([settings, design.to_numpy().tolist(), __version__], default=str)
    return hashlib.sha1(blob.encode()).hexdigest()[:12]


def execute(cfg: ExploreConfig, tasks: list[Task], out: Path, ident: str) -> None:
    """Run the tasks not yet written, each chunk's rows into its own Parquet part."""
    parts = out / "runs.parquet"
    parts.mkdir(parents=True, exist_ok=True)
    todo = [t for t in tasks if not (parts / f"part-{t.index:05d}.parquet").exists()]
    if len(todo) < len(tasks):
        log.info("resuming: %d of %d chunks done already", len(tasks) - len(todo), len(tasks))
    progress = Progress(len(tasks), len(tasks) - len(todo))
    try:
        for index, rows in _backend(cfg, todo):
            frame = pd.DataFrame(rows).assign(design_id=ident, version=__version__)
            tmp = parts / f".part-{index:05d}.tmp"
            frame.to_parquet(tmp, index=False)
            os.replace(tmp, parts / f"part-{index:05d}.parquet")
            progress.advance()
    finally:
        shutdown_pool()  # no idle worker processes outlive the design


def _backend(cfg: ExploreConfig, tasks: list[Task]):
    """(chunk index, rows) as chunks finish, on processes or Ray."""
    if cfg.explore.backend == "ray":
        yield from _ray(cfg, tasks)
        return
    pool = worker_pool(cfg.workers)
    if pool is None:
        for task in tasks:
            yield task.index, run_task(task)
        return
    queue, running = iter(tasks), {}
    for task in queue:
        running[pool.submit(run_task, task)] = task.index
        if len(running) >= 2 * cfg.workers:
            break
    while running:
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in done:
            yield running.pop(future), future.result()
            for task in queue:
                running[pool.submit(run_task, task)] = task.index
                break


def _ray(cfg: ExploreConfig, tasks: list[Task]):
    import ray

    if not ray.is_initialized():
        local = cfg.explore.address is None
        ray.init(
            address=cfg.explore.address,
            num_cpus=cfg.workers if local else None,
            include_dashboard=False,
            log_to_driver=False,
        )
    remote = ray.remote(run_task)
    pending = {remote.remote(task): task.index for task in tasks}
    while pending:
        done, _ = ray.wait(list(pending), num_returns=1)
        for ref in done:
            yield pending.pop(ref), ray.get(ref)


class Progress:
    """Chunks done with elapsed time and time left: a bar on a terminal, lines in the log."""

    def __init__(self, total: int, done: int) -> None:
        self.total, self.done, self.start, self.first = total, done, time.perf_counter(), done

    def advance(self) -> None:
        self.done += 1
        elapsed = time.perf_counter() - self.start
        left = elapsed / (self.done - self.first) * (self.total - self.done)
        text = f"chunks {self.done}/{self.total} ({elapsed:.0f} s elapsed, {left:.0f} s left)"
        log.info(text)
        if sys.stderr.isatty():
            width = 30
            bar = "#" * round(width * self.done / self.total)
            end = "\n" if self.done == self.total else ""
            print(f"\r[{bar:<{width}}] {text}", end=end, file=sys.stderr, flush=True)


def explore(cfg: ExploreConfig, out: Path, command: str | None = None) -> None:
    """Validate, write the design, run what is missing, analyse, report.

    ``explore.json`` records the design's id, the command that ran it, the
    package version and when it finished; ``report.html`` is its HTML report.
    """
    factor_list, design, tasks = prepare(cfg)
    ident = design_id(cfg, design)
    out.mkdir(parents=True, exist_ok=True)
    design_path = out / "design.parquet"
    if design_path.exists() and pd.read_parquet(design_path)["design_id"].iloc[0] != ident:
        raise ConfigError(f"{out}: holds another design; choose a new hydra.run.dir")
    design.rename_axis("point").reset_index().assign(design_id=ident).to_parquet(
        design_path, index=False
    )
    execute(cfg, tasks, out, ident)
    runs = pd.read_parquet(out / "runs.parquet")
    analyse(cfg, factor_list, design, runs, out)
    receipt = {"design_id": ident, "command": command, "version": __version__}
    write_atomic(out / RECEIPT, json.dumps(receipt | {"finished": time.time()}, indent=1))
    log.info("report: %s", write_report(out))


@hydra.main(config_path=str(config_dir() / "explore"), config_name="explore", version_base="1.3")
def hydra_entry(dcfg: DictConfig) -> None:
    cfg = OmegaConf.to_object(dcfg)
    hc = HydraConfig.get()
    command = command_line("sim.explore", [*hc.overrides.hydra, *hc.overrides.task])
    explore(cfg, Path(hc.runtime.output_dir), command)


def check(line: CommandLine) -> None:
    """Compose, range-check and prepare as the app will, before Hydra creates any directory."""
    dcfg = compose_checked(line.config_name, line.overrides, config_dir() / "explore")
    prepare(to_settings(dcfg, ExploreConfig))


def main() -> None:
    """Console entry point: check the settings (one line, exit 2) before Hydra writes anything."""
    line = split_command_line(sys.argv[1:], "explore")
    checked_main(hydra_entry, check, line, ExploreConfig)


if __name__ == "__main__":
    # Run the importable module, not this __main__ copy: worker processes unpickle
    # tasks by module name and never import the parent's __main__.
    from sim.explore import main as _main

    _main()
