"""``python -m sim.explore``: run an experimental design over model parameters and analyse it.

A design (``explore.design``: lhs, sobol, halton, saltelli, morris, factorial)
of ``explore.points`` over ``explore.factors`` (dotted key -> [low, high];
null takes the declared range) is run in chunks of points on worker processes
or on Ray, every point with the same ``replications`` seeds (common random
numbers). Each finished chunk is written at once as a part of
``runs.parquet/``; run the same command in the same output directory
(``hydra.run.dir=...``) and finished chunks are kept, so a killed design
resumes. A part is kept only when it holds exactly its chunk's rows (points,
scenarios, replications, seeds, factor values, config and design identity); an
unreadable, duplicated or foreign part is run again, and files that are not a
part of this design are moved aside. The run directory is locked while a
design runs, and a directory holding another design is refused before Hydra
writes into it. A design too small to analyse or too large to run (runs and
memory), a factor given as one number, or a Ray address where no cluster
answers is refused in one line before anything is written; a file that cannot
be written (a full disk) stops the design in one line, leaving no partial file,
and the same command resumes it. Settings and named explorations are in
``conf/explore/``. When all
chunks are in, the analysis writes ``sensitivity.parquet`` (Sobol or Morris
indices), PRIM's ``prim_trajectory.parquet`` and ``prim_box.parquet`` (when
runs fail), ``robustness.parquet`` (with ``versus``) and their figures, then
``explore.json`` and the HTML report ``report.html``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

import hydra
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from sim import __version__
from sim.config.compose import command_line, compose_checked, config_dir, to_settings
from sim.config.overrides import configure, flatten
from sim.config.params import ConfigError
from sim.config.precheck import CommandLine, accept_mappings, checked_main, split_command_line
from sim.explore.analysis import analyse
from sim.explore.chunks import execute
from sim.explore.designs import Factor, check_size, factors, sample, size_advice
from sim.explore.params import ExploreConfig
from sim.explore.tasks import RUNS, NotWritten, Task, read_runs, writing
from sim.report.command import write_report
from sim.runs.backends import check_address
from sim.runs.files import atomic_path, read_json, write_atomic
from sim.runs.lock import RunDirLock, holds_another, refuse
from sim.runs.runner import Busy, locked, model_params, replication_seeds, simulate

log = logging.getLogger(__name__)
RECEIPT = "explore.json"
DESIGN = "design.parquet"


def prepare(cfg: ExploreConfig) -> tuple[list[Factor], pd.DataFrame, list[Task]]:
    """Validate everything and build the design and its tasks (raises ConfigError)."""
    ex = cfg.explore
    configure(cfg.scenario, cfg.overrides, days=cfg.days)
    if cfg.versus is not None:
        if cfg.versus == cfg.scenario:
            raise ConfigError(
                f"versus={cfg.versus}: the same as scenario; compare with another scenario "
                "or leave versus=null"
            )
        try:
            configure(cfg.versus, cfg.overrides, days=cfg.days)
        except ConfigError as e:  # configure names its argument 'scenario'; the user wrote versus
            text = str(e)
            if text.startswith(f"scenario={cfg.versus}:"):
                raise ConfigError("versus=" + text.removeprefix("scenario=")) from None
            raise
    factor_list, design = make_design(cfg)
    check_address(ex.backend, ex.address, "explore.address")
    probe = simulate(model_params(configure(cfg.scenario, cfg.overrides, days=2)), 2, 0).summary
    for key, name in [
        *(("explore.outcomes", o) for o in ex.outcomes),
        ("explore.failure.outcome", ex.failure.outcome),
    ]:
        if name not in probe:
            raise ConfigError(f"{key}: {name} is not a column of runs (one of {', '.join(probe)})")
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


def make_design(cfg: ExploreConfig) -> tuple[list[Factor], pd.DataFrame]:
    """The factors and the design's points (raises ConfigError)."""
    ex = cfg.explore
    if ex.second_order and ex.design != "saltelli":
        raise ConfigError(
            f"explore.second_order=true: second-order indices come from a Saltelli design "
            f"(explore.design=saltelli), not from explore.design={ex.design}"
        )
    factor_list = factors(flatten(ex.factors), cfg.scenario)
    fixed = flatten(cfg.overrides)
    for f in factor_list:
        if f.key in fixed:
            raise ConfigError(
                f"explore.factors.{f.key}: also fixed in overrides ({f.key}={fixed[f.key]}); "
                "a factor is set by the design: give it as one or the other"
            )
    per_point = (1 if cfg.versus is None else 2) * cfg.replications
    k, second = len(factor_list), ex.second_order
    check_size(ex.design, k, ex.points, per_point, second)  # before building it
    return factor_list, sample(ex.design, factor_list, ex.points, cfg.seed, second)


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


def _determining(cfg: ExploreConfig) -> dict:
    """The settings that, with the design's points, determine every row."""
    settings = OmegaConf.to_container(OmegaConf.structured(cfg))
    for key in ("workers",):
        settings.pop(key)
    for key in ("backend", "address", "figures", "outcomes", "second_order", "prim", "failure"):
        settings["explore"].pop(key)
    return settings


def design_id(cfg: ExploreConfig, design: pd.DataFrame) -> str:
    """Hash of what determines every row: design points, settings and package version."""
    blob = json.dumps([_determining(cfg), design.to_numpy().tolist(), __version__], default=str)
    return hashlib.sha1(blob.encode()).hexdigest()[:12]


SETTINGS_KEY = b"sim.explore.settings"
"""Where ``design.parquet``'s metadata keeps the settings that made it, so that a
directory holding another design can say what differs."""


def design_settings(cfg: ExploreConfig) -> dict[str, Any]:
    """What determines a design's rows, as dotted keys (with the package version and, for
    a Saltelli design, whether it mixes for second order)."""
    flat = flatten(_determining(cfg)) | {"version": __version__}
    if cfg.explore.design == "saltelli":
        flat["explore.second_order"] = cfg.explore.second_order
    return flat


def _held_settings(out: Path) -> dict | None:
    """The settings kept with the design ``out`` holds (None: not known, as for a
    design written before they were kept, or with only its runs left)."""
    try:
        return json.loads((pq.read_schema(out / DESIGN).metadata or {})[SETTINGS_KEY])
    except Exception:  # missing, truncated or not ours: nothing to compare with
        return None


def held_design(out: Path) -> str | None:
    """The id of the design ``out`` holds: its ``design.parquet``'s, else its receipt's,
    else its parts' when they all agree on one (None: none known)."""
    for read in (
        lambda: pd.read_parquet(out / DESIGN, columns=["design_id"])["design_id"].iloc[0],
        lambda: read_json(out / RECEIPT)["design_id"],
    ):
        try:
            return str(read())
        except Exception:  # missing, truncated or not ours: try the next witness
            continue
    ids = set()
    for path in sorted((out / RUNS).glob("part-*.parquet")):
        try:
            ids |= set(pq.read_table(path, columns=["design_id"]).column(0).to_pylist())
        except Exception:  # an unreadable part is no witness
            continue
    return ids.pop() if len(ids) == 1 else None


def check_directory(out: Path, ident: str, cfg: ExploreConfig) -> None:
    """Refuse a directory that holds another design, naming the settings that differ
    (reads only, writes nothing)."""
    held = held_design(out)
    if held is not None and held != ident:
        raise holds_another(out, "design", _held_settings(out), design_settings(cfg))


def explore(cfg: ExploreConfig, out: Path, command: str | None = None) -> None:
    """Validate, write the design, run what is missing, analyse, report.

    Holds the directory's lock throughout (:class:`sim.runs.runner.Busy` if another
    process holds it). A file that cannot be written (a full disk) raises
    :class:`~sim.explore.tasks.NotWritten`: every file is written atomically, so
    nothing half-written is left and the same command resumes from the chunks done.
    ``explore.json`` records the design's id, the command that ran it, the package
    version and when it finished; ``report.html`` is its HTML report.
    """
    factor_list, design, tasks = prepare(cfg)
    ident = design_id(cfg, design)
    check_directory(out, ident, cfg)  # before locked() creates the directory or its lock file
    with locked(out):
        check_directory(out, ident, cfg)
        with writing(out / DESIGN), atomic_path(out / DESIGN) as tmp:
            table = design.rename_axis("point").reset_index().assign(design_id=ident)
            arrow = pa.Table.from_pandas(table, preserve_index=False)
            settings = json.dumps(design_settings(cfg), default=str).encode()
            pq.write_table(
                arrow.replace_schema_metadata(arrow.schema.metadata | {SETTINGS_KEY: settings}), tmp
            )
        execute(cfg, tasks, out, ident)
        runs = read_runs(out, tasks)
        analyse(cfg, factor_list, design, runs, out)
        receipt = {"design_id": ident, "command": command, "version": __version__}
        with writing(out / RECEIPT):
            write_atomic(out / RECEIPT, json.dumps(receipt | {"finished": time.time()}, indent=1))
        with writing(out / "report.html"):
            log.info("report: %s", write_report(out))


class ExploreRunDir(RunDirLock):
    """The run directory's lock, and a refusal of one holding another design, both
    before Hydra writes ``.hydra/`` there (registered in ``conf/explore/explore.yaml``)."""

    def __init__(self) -> None:
        super().__init__("design")

    def check(self, out: Path, config: DictConfig) -> None:
        super().check(out, config)
        cfg = self.settings(config, ExploreConfig)
        check_directory(out, design_id(cfg, make_design(cfg)[1]), cfg)  # no probe run


@hydra.main(config_path=str(config_dir() / "explore"), config_name="explore", version_base="1.3")
def hydra_entry(dcfg: DictConfig) -> None:
    hc = HydraConfig.get()
    command = command_line("sim.explore", [*hc.overrides.hydra, *hc.overrides.task])
    try:
        explore(to_settings(dcfg, ExploreConfig), Path(hc.runtime.output_dir), command)
    except (ConfigError, Busy) as e:
        refuse(str(e))
    except NotWritten as e:
        refuse(f"{e}; the chunks done are kept: make room and run the same command to resume")


def check(line: CommandLine) -> None:
    """Compose, range-check and prepare as the app will, before Hydra creates any directory."""
    dcfg = compose_checked(line.config_name, line.overrides, config_dir() / "explore")
    cfg = to_settings(dcfg, ExploreConfig)
    prepare(cfg)
    for advice in size_advice(cfg.explore.design, cfg.explore.points):
        print(f"warning: {advice}", file=sys.stderr)


MAPPINGS = ("overrides", "explore.factors")
"""Mapping settings, which Hydra lets a command line extend only with a ``+``."""


def main() -> None:
    """Console entry point: check the settings (one line, exit 2) before Hydra writes anything."""
    line = split_command_line(sys.argv[1:], "explore")
    checking = accept_mappings(line, MAPPINGS, check)
    checked_main(
        hydra_entry, checking, line, ExploreConfig, config_dir() / "explore", "sim.explore"
    )
