"""``python -m sim.policy``: search policies over many objectives across uncertain worlds.

The levers (``levers``: measures' starts, intensities and ramps, the gates' thresholds,
any model parameter) are searched by a many-objective evolutionary algorithm
(:mod:`sim.policy.search`); every policy it proposes runs once in each of the same
worlds (:mod:`sim.policy.worlds`: posterior draws, deep uncertainties and seeds drawn
once), and so do the ``named`` scenarios. Outputs in the run directory:

- ``worlds.parquet``: the worlds (``calibration.worlds`` of ``python -m sim`` reads it);
- ``evaluations.parquet/``: every run, one row per policy and world;
- ``pareto.parquet``: one row per policy of the epsilon-Pareto set of everything run and
  per named scenario: lever values and objectives;
- ``generations.parquet``: hypervolume and epsilon progress per generation;
- ``robustness.parquet`` (policy x objective x metric) and ``rank_flips.parquet``
  (:mod:`sim.policy.robustness`);
- ``conf/policy/<policy>.yaml``: each policy of the set as a Hydra config, which
  ``python -m sim --config-dir <dir>/conf +policy=<policy>`` runs in the same worlds;
- figures and ``policy.json`` (the search's id, the command, the version).

Run the same command in the same directory (``hydra.run.dir=...``) and a killed search
resumes: the batches written are read back and the search replays to where it stopped.
Bad settings are refused in one line before anything is written.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import logging
import sys
import time
from pathlib import Path

import hydra
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from sim import __version__
from sim.config.compose import command_line, compose_checked, config_dir, to_settings
from sim.config.overrides import configure, flatten
from sim.config.params import ConfigError
from sim.config.precheck import CommandLine, accept_mappings, checked_main, split_command_line
from sim.explore.tasks import NotWritten, writing
from sim.policy.evaluate import Job, job_worlds
from sim.policy.export import export_policies, named_values
from sim.policy.front import generations_table, pareto_table
from sim.policy.levers import Lever, levers
from sim.policy.params import PolicySettings
from sim.policy.robustness import paired, rank_flips, robustness
from sim.policy.search import Evaluations, run_search
from sim.policy.vulnerability import vulnerability
from sim.policy.worlds import make_worlds
from sim.report.command import write_report
from sim.runs.backends import check_address, close_clients
from sim.runs.files import atomic_path, read_json, write_atomic
from sim.runs.lock import RunDirLock, holds_another, refuse
from sim.runs.runner import Busy, locked, model_params, simulate

log = logging.getLogger(__name__)
RECEIPT = "policy.json"
WORLDS = "worlds.parquet"


def prepare(cfg: PolicySettings) -> tuple[list[Lever], pd.DataFrame]:
    """Validate every setting; the levers and the worlds (raises ConfigError)."""
    configure(cfg.scenario, cfg.overrides, days=cfg.days)
    check_address(cfg.backend, cfg.address, "address", clusters=("ray", "dask"))
    lever_list = levers(cfg)
    for i, name in enumerate(cfg.named):
        try:
            configure(name, cfg.overrides, days=cfg.days)
        except ConfigError as e:
            raise ConfigError(f"named[{i}]: {e}") from None
    if not cfg.objectives:
        raise ConfigError("objectives: name at least two (a many-objective search)")
    probe = simulate(model_params(configure(cfg.scenario, cfg.overrides, days=2)), 2, 0).summary
    names = [o.name for o in cfg.objectives]
    for where, column in [
        *((f"objectives[{i}].column", o.column) for i, o in enumerate(cfg.objectives)),
        *((f"constraints[{i}].column", c.column) for i, c in enumerate(cfg.constraints)),
    ]:
        if column not in probe or isinstance(probe[column], str):
            raise ConfigError(
                f"{where}={column}: not a numeric column of runs (one of {', '.join(probe)})"
            )
    for i, name in enumerate(names):
        if not name or name in names[:i]:
            raise ConfigError(f"objectives[{i}].name={name!r}: each objective needs its own name")
    for name in cfg.robustness.thresholds:
        if name not in names:
            raise ConfigError(
                f"robustness.thresholds.{name}: no such objective; one of {', '.join(names)}"
            )
    return lever_list, make_worlds(cfg)


def _determining(settings: dict) -> dict:
    """Of a search's settings (as the receipt keeps them), what determines every run and
    the search's path. Not ``search.generations``: a search's first generations do not
    depend on how many follow, so the same command with more generations continues a
    finished search."""
    settings = copy.deepcopy(settings)
    for key in ("workers", "backend", "address", "figures", "robustness"):
        settings.pop(key, None)
    settings.get("search", {}).pop("generations", None)
    return settings


def search_id(cfg: PolicySettings) -> str:
    """Hash of what determines every run and the search's path: settings and version."""
    settings = _determining(OmegaConf.to_container(OmegaConf.structured(cfg)))
    blob = json.dumps([settings, __version__], default=str, sort_keys=True)
    return hashlib.sha1(blob.encode()).hexdigest()[:12]


def check_directory(out: Path, ident: str, cfg: PolicySettings) -> None:
    """Refuse a directory that holds another search, naming the settings that differ
    (reads only, writes nothing)."""
    receipt: dict = {}
    try:
        receipt = read_json(out / RECEIPT)
        held = receipt["search_id"]
    except Exception:  # no receipt yet (or not ours): the worlds table is the witness
        try:
            held = pd.read_parquet(out / WORLDS, columns=["search_id"])["search_id"].iloc[0]
        except Exception:
            held = None
    if held is not None and held != ident:
        raise holds_another(out, "search", _flat_settings(receipt), _flat_settings(cfg))


def _flat_settings(source: dict | PolicySettings) -> dict | None:
    """What determines a search (dotted keys, and the version), from a receipt or settings
    (None: a receipt without them)."""
    if isinstance(source, PolicySettings):
        source = {"settings": OmegaConf.to_container(OmegaConf.structured(source))}
        source["version"] = __version__
    if not isinstance(source, dict) or not isinstance(source.get("settings"), dict):
        return None
    try:
        return flatten(_determining(source["settings"])) | {"version": source.get("version")}
    except (AttributeError, TypeError, ConfigError):  # a receipt not ours: nothing to name
        return None


def policy_search(cfg: PolicySettings, out: Path, command: str | None = None) -> None:
    """Validate, draw the worlds, run the named scenarios and the search, analyse, write."""
    lever_list, worlds = prepare(cfg)
    ident = search_id(cfg)
    check_directory(out, ident, cfg)
    receipt = {
        "search_id": ident,
        "command": command,
        "version": __version__,
        "settings": OmegaConf.to_container(OmegaConf.structured(cfg)),
    }
    with locked(out):
        check_directory(out, ident, cfg)
        _receipt(out, receipt | {"status": "running"})
        try:
            pareto, evaluated = _search(cfg, lever_list, worlds, out, ident)
        except KeyboardInterrupt:  # Ctrl-C: its evaluations so far stay, to be resumed
            with contextlib.suppress(OSError, NotWritten):
                _receipt(out, receipt | {"status": "interrupted"})
            raise
        _receipt(out, receipt | {"status": "done", "finished": time.time()})
        with writing(out / "report.html"):
            log.info("report: %s", write_report(out))
    front = pareto[pareto["source"] == "search"]
    print(f"{len(front)} policies on the front, {evaluated} run in {len(worlds)} worlds -> {out}")


def _search(
    cfg: PolicySettings, lever_list: list[Lever], worlds: pd.DataFrame, out: Path, ident: str
) -> tuple[pd.DataFrame, int]:
    """Run the named scenarios and the search over ``worlds``, analyse, write the tables
    and figures: (the Pareto table, the policies evaluated)."""
    with writing(out / WORLDS), atomic_path(out / WORLDS) as tmp:
        worlds.assign(search_id=ident).to_parquet(tmp, index=False)
    ev = Evaluations(cfg, lever_list, job_worlds(worlds), out, ident)
    ev.load()
    try:
        ev.run("named", [_named_job(cfg, lever_list, name, ev.worlds) for name in cfg.named])
        trace = run_search(ev)
    finally:
        close_clients()  # no idle workers outlive the search
    pareto = pareto_table(ev, cfg.named)
    _write(out / "pareto.parquet", pareto)
    _write(out / "generations.parquet", generations_table(ev, trace))
    compared = {key: ev.runs[key] for key in pareto["policy"]}
    table = robustness(compared, cfg.objectives, cfg.robustness.thresholds, cfg.robustness.hurwicz)
    _write(out / "robustness.parquet", table)
    _write(out / "rank_flips.parquet", rank_flips(table))
    if len(cfg.named) > 1:
        pairs = paired(ev.runs, cfg.named[0], cfg.named[1:], cfg.objectives, worlds)
        _write(out / "named_pairs.parquet", pairs)
    thresholds = cfg.robustness.thresholds
    boxes = vulnerability(worlds, compared, cfg.objectives, thresholds)
    _write(out / "vulnerability.parquet", boxes)
    export_policies(cfg, pareto, out)
    if cfg.figures:
        from sim.policy.plots import draw_figures

        draw_figures(cfg, out, compared)
    return pareto, len(ev.runs)


def _named_job(cfg: PolicySettings, lever_list: list[Lever], name: str, worlds) -> Job:
    """A named scenario in the worlds; its lever columns hold the scenario's own values
    (setting them again changes nothing), so it can be placed among the policies."""
    values = named_values(configure(name, cfg.overrides, days=cfg.days), lever_list)
    return Job(name, "named", name, cfg.overrides, values, cfg.days, worlds)


def _receipt(out: Path, receipt: dict) -> None:
    """``policy.json``: the search's id, command, version, settings and status."""
    with writing(out / RECEIPT):
        write_atomic(out / RECEIPT, json.dumps(receipt, indent=1, default=str))


def _write(path: Path, table: pd.DataFrame) -> None:
    with writing(path), atomic_path(path) as tmp:
        table.to_parquet(tmp, index=False)


class PolicyRunDir(RunDirLock):
    """The run directory's lock, and a refusal of one holding another search, both before
    Hydra writes ``.hydra/`` there (registered in ``conf/policy/policy.yaml``)."""

    def __init__(self) -> None:
        super().__init__("policy")

    def check(self, out: Path, config: DictConfig) -> None:
        super().check(out, config)
        settings = self.settings(config, PolicySettings)
        check_directory(out, search_id(settings), settings)


@hydra.main(config_path=str(config_dir() / "policy"), config_name="policy", version_base="1.3")
def hydra_entry(dcfg: DictConfig) -> None:
    hc = HydraConfig.get()
    command = command_line("sim.policy", [*hc.overrides.hydra, *hc.overrides.task])
    try:
        policy_search(to_settings(dcfg, PolicySettings), Path(hc.runtime.output_dir), command)
    except (ConfigError, Busy) as e:
        refuse(str(e))
    except NotWritten as e:
        refuse(f"{e}; the batches run are kept: make room and run the same command to resume")


def check(line: CommandLine) -> None:
    """Compose, range-check and prepare as the app will, before Hydra creates any directory."""
    dcfg = compose_checked(line.config_name, line.overrides, config_dir() / "policy")
    prepare(to_settings(dcfg, PolicySettings))


def main() -> None:
    """Console entry point: check the settings (one line, exit 2) before Hydra writes anything."""
    line = split_command_line(sys.argv[1:], "policy")
    checking = accept_mappings(line, MAPPINGS, check)
    checked_main(hydra_entry, checking, line, PolicySettings, config_dir() / "policy", "sim.policy")


MAPPINGS = ("overrides", "robustness.thresholds")
"""Mapping settings, which Hydra lets a command line extend only with a ``+``."""
