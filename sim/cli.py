"""``python -m sim``: run a scenario's replications from the Hydra config.

Overrides are checked before Hydra creates an output directory, so a bad key
or value ends with one line on stderr naming it and what is allowed, exit code
2, and nothing written.
"""

from __future__ import annotations

import sys
from pathlib import Path

import hydra
import pandas as pd
from hydra import compose, initialize_config_dir
from hydra.core.hydra_config import HydraConfig
from hydra.errors import ConfigCompositionException, MissingConfigException
from omegaconf import DictConfig
from omegaconf.errors import OmegaConfBaseException

from sim.config import config_dir, to_config
from sim.params import Config, ConfigError
from sim.plots import incidents_figure
from sim.report import format_table, save_figure, summary_table
from sim.runner import run_replications

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


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def explain(error: Exception) -> str:
    """One line saying which override is wrong and what is allowed."""
    if isinstance(error, MissingConfigException) and error.missing_cfg_file:
        group, _, name = error.missing_cfg_file.rpartition("/")
        options = ", ".join(o for o in error.options or [] if not o.startswith("base_"))
        return f"{group}={name}: no such {group}; allowed: {options}"
    cause = error.__cause__
    head = _first_line(error).removeprefix("Error merging override ")
    if head.startswith("Could not override"):
        key = head.split("'")[1]
        return f"{key}: no such parameter (list them with: python -m sim --cfg job)"
    return f"{head}: {_first_line(cause)}" if cause else head


def check_overrides(overrides: list[str]) -> Config:
    """Compose the config as Hydra will and validate it; raise ConfigError on any problem."""
    own = [o for o in overrides if not o.lstrip("+~").startswith(("hydra.", "hydra/"))]
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        try:
            cfg = compose("config", overrides=own)
        except (MissingConfigException, ConfigCompositionException, OmegaConfBaseException) as e:
            raise ConfigError(explain(e)) from None
        except ValueError as e:  # malformed override syntax
            raise ConfigError(_first_line(e)) from None
    try:
        return to_config(cfg)
    except OmegaConfBaseException as e:
        raise ConfigError(_first_line(e)) from None


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
    """The Hydra job: typed config in, tables and figures out in Hydra's output directory."""
    try:
        config = to_config(cfg)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    hc = HydraConfig.get()
    run_scenario(config, Path(hc.runtime.output_dir), list(hc.overrides.task))


def main() -> None:
    """Console entry point."""
    args = sys.argv[1:]
    single = not any(a in ("-m", "--multirun") or a.split("=")[0] in HYDRA_FLAGS for a in args)
    if single:
        try:
            check_overrides([a for a in args if not a.startswith("-")])
        except ConfigError as e:
            print(f"error: {e}", file=sys.stderr)
            sys.exit(2)
    hydra_entry()
