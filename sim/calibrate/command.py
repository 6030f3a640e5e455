"""``python -m sim.calibrate``: fit uncertain parameters to event data with ABC-SMC (pyabc).

The model named by the settings' ``model`` overrides (by default the ``tr_sy``
no-agreement baseline) is run over as many days as the data cover; each run's
recorded events (:mod:`sim.model.observation`) are summarised exactly like the data's
(:mod:`sim.analysis.events`), and pyabc's ABC-SMC keeps the parameter sets whose
statistics come close to the observed ones, under an adaptively scaled
Euclidean distance (each statistic divided by its median absolute deviation in
the last generation). A simulation whose statistic cannot be computed (no
deadly tail, constant months) is rejected.

The fit runs generation by generation until one of its stopping rules holds
(generations, acceptance rate, time, or a settled posterior:
:mod:`sim.calibrate.convergence`); which one is recorded.

Everything goes to Hydra's output directory: pyabc's history ``abc.db``
(SQLite), ``posterior.parquet`` (one row per particle of every generation),
``generations.parquet`` (per generation: simulations, acceptance rate,
effective sample size, posterior quantiles and how far they moved), the
posterior predictive check (``ppc_monthly.parquet``,
``ppc_statistics.parquet``), ``figures/`` and ``calibration.json``. Running the
same settings into the same directory (``hydra.run.dir=...``) resumes after the
last finished generation, from what ``abc_state.json`` keeps beside ``abc.db``
(numpy's random state, the adaptive distance and epsilon): with the ``single``
sampler a resumed fit draws exactly the posterior of an uninterrupted one
(:func:`~sim.calibrate.smc.run_abc`). Bad settings, and a history that cannot be
read or resumed exactly, end with one line, exit code 2, and nothing written. A
write that fails (a full disk) ends with one line and exit code 1; every file is
written whole or not at all, and the same command then resumes. Ctrl-C ends with
one line, ``interrupted`` (exit code 130); worker processes leave it to this
one. The fit holds the directory's lock (:func:`sim.runs.runner.locked`) from
before Hydra writes ``.hydra/`` until it ends, so a second calibration into a
directory in use is refused in one line (exit code 2) and touches nothing there.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import sys
import time
from pathlib import Path

import hydra
import numpy as np
import pandas as pd
import sqlalchemy.exc
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim import __version__
from sim.analysis.events import tail_fit
from sim.calibrate.convergence import convergence_figure, generation_table, settled
from sim.calibrate.history import DB_NAME
from sim.calibrate.params import CalibrateSettings
from sim.calibrate.plots import marginals_figure, ppc_monthly_figure, ppc_statistics_figure
from sim.calibrate.ppc import posterior_predictive
from sim.calibrate.problem import Problem, prepare
from sim.calibrate.resume import check_resumable, fingerprint
from sim.calibrate.smc import posterior_table, run_abc
from sim.calibrate.waves import Matched, NoPlausibleSpace
from sim.config.compose import command_line, compose_checked, config_dir, to_settings
from sim.config.params import ConfigError
from sim.config.precheck import CommandLine, checked_main, split_command_line
from sim.report.command import write_report
from sim.runs.files import atomic_path, save_figure, write_json
from sim.runs.lock import RunDirLock, check_destination, keyed
from sim.runs.runner import Busy, locked


def calibrate(problem: Problem, out_dir: Path, command: str | None = None) -> dict:
    """Fit, write the posterior, the predictive check and the figures; return the receipt.

    The receipt ``calibration.json`` also records the command that ran the fit. The whole
    fit holds ``locked(out_dir)``: :class:`~sim.runs.runner.Busy` if another process holds it.
    """
    with locked(out_dir):
        return _calibrate(problem, out_dir, command)


def _calibrate(problem: Problem, out_dir: Path, command: str | None) -> dict:
    s = problem.settings
    previous = check_resumable(out_dir, s)
    receipt_path = out_dir / "calibration.json"
    receipt = {
        "name": s.name,
        "fingerprint": fingerprint(s),
        "version": __version__,
        "settings": dataclasses.asdict(s),
        "seconds": previous.get("seconds", 0.0),
        "status": "running",
        "command": command,
    }
    write_json(receipt_path, receipt)
    started = time.perf_counter()
    try:
        return _fit(problem, out_dir, receipt, started)
    except KeyboardInterrupt:
        _try_receipt(receipt_path, receipt | {"status": "interrupted"})
        raise
    except (OSError, sqlalchemy.exc.SQLAlchemyError) as e:
        _try_receipt(receipt_path, receipt | {"status": "failed", "error": write_error(out_dir, e)})
        raise
    except NoPlausibleSpace as e:
        _try_receipt(receipt_path, receipt | {"status": "no plausible space", "error": str(e)})
        raise


def _fit(problem: Problem, out_dir: Path, receipt: dict, started: float) -> dict:
    s = problem.settings
    history, stopped, matched = run_abc(problem, out_dir)
    posterior = posterior_table(history, s.parameters)
    _write_table(posterior, out_dir / "posterior.parquet")
    populations = history.get_all_populations()
    generations = generation_table(posterior, s.parameters, populations)
    _write_table(generations, out_dir / "generations.parquet")
    monthly, ppc = posterior_predictive(problem, posterior)
    _write_table(monthly, out_dir / "ppc_monthly.parquet")
    _write_table(ppc, out_dir / "ppc_statistics.parquet")
    figures = out_dir / "figures"
    save_figure(marginals_figure(posterior, s.parameters), figures / "posterior_marginals.png")
    save_figure(ppc_monthly_figure(monthly, s.start), figures / "ppc_monthly.png")
    save_figure(ppc_statistics_figure(ppc), figures / "ppc_statistics.png")
    save_figure(
        convergence_figure(generations, s.parameters, s.settled_shift),
        figures / "convergence.png",
    )
    fit = tail_fit(problem.observed, s.tail_min)
    last = generations.iloc[-1]
    receipt |= {
        "seconds": round(receipt["seconds"] + time.perf_counter() - started, 1),
        "status": "done",
        "generations": int(history.max_t + 1),
        "simulations": int(populations["samples"].sum()) + (matched.simulations if matched else 0),
        "history_matching": _waves_receipt(matched),
        "epsilons": [float(e) for e in populations["epsilon"] if np.isfinite(e)],
        "stopped": stopped,
        "settled": settled(generations, s.settled_shift),
        "last_shift": float(last["shift"]),
        "last_ess": round(float(last["ess"]), 1),
        "observed_events": len(problem.observed.day),
        "observed_tail": {"alpha": fit.alpha, "low": fit.low, "high": fit.high, "n": fit.n},
        "statistics_outside_ppi": ppc.loc[~ppc["inside"], "statistic"].tolist(),
    }
    write_json(out_dir / "calibration.json", receipt)
    return receipt


def _waves_receipt(matched: Matched | None) -> dict | None:
    """What the history matching waves cost and left (None: the fit had none)."""
    if matched is None:
        return None
    return {
        "waves": len(matched.shares),
        "simulations": matched.simulations,
        "share_left": [round(v, 6) for v in matched.shares],
        "cutoff": matched.cutoff,
    }


def _try_receipt(path: Path, receipt: dict) -> None:
    with contextlib.suppress(OSError):  # the disk refuses even this: 'running' stays, truthfully
        write_json(path, receipt)


def _write_table(frame: pd.DataFrame, path: Path) -> None:
    with atomic_path(path, ".parquet") as tmp:
        frame.to_parquet(tmp, index=False)


def write_error(out_dir: Path, error: BaseException) -> str:
    """One line for a write that failed (a full disk, a read-only directory, ...)."""
    if isinstance(error, sqlalchemy.exc.DBAPIError):
        reason = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else "failed"
        where = out_dir / DB_NAME
    elif isinstance(error, OSError):
        reason = error.strerror or str(error)
        where = Path(error.filename) if error.filename else out_dir
    else:
        reason, where = str(error).strip().splitlines()[0], out_dir
    return (
        f"{where}: cannot be written ({reason}); the finished generations are kept: "
        "run the same command again to resume"
    )


@hydra.main(config_path=str(config_dir()), config_name="calibrate", version_base="1.3")
def hydra_entry(cfg: DictConfig) -> None:
    """The Hydra job: settings in, posterior, predictive check and figures out."""
    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir)
    command = command_line("sim.calibrate", [*hc.overrides.hydra, *hc.overrides.task])
    try:
        receipt = calibrate(prepare(to_settings(cfg, CalibrateSettings)), out, command)
    except (ConfigError, Busy) as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    except (OSError, sqlalchemy.exc.SQLAlchemyError) as e:  # a full disk, a read-only directory
        print(f"error: {write_error(out, e)}", file=sys.stderr)
        sys.exit(1)
    except NoPlausibleSpace as e:  # a finding about the model and data, not bad input
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
    outside, s = receipt["statistics_outside_ppi"], receipt["settings"]
    print(
        f"{receipt['name']}: {receipt['generations']} generations, "
        f"{receipt['simulations']} simulations, {receipt['seconds']} s -> {out}"
    )
    print(
        f"stopped by: {receipt['stopped']}; "
        + ("settled" if receipt["settled"] else "not settled")
        + f" (last generation's largest quantile shift {receipt['last_shift']:.3f} of the prior"
        f" width, effective sample size {receipt['last_ess']} of {s['population']})"
    )
    print(
        "statistics outside the 90% posterior predictive interval: "
        + (", ".join(outside) or "none")
    )
    try:
        print(f"report: {write_report(out)}")
    except OSError as e:  # the fit and its tables are whole; only the page is missing
        reason = e.strerror or e
        print(f"error: {out / 'report.html'}: cannot be written ({reason})", file=sys.stderr)
        sys.exit(1)


class CalibrationDirLock(RunDirLock):
    """The run directory's lock (:class:`~sim.runs.lock.RunDirLock`), which also refuses a
    directory whose calibration this one cannot resume (:func:`check_resumable`) before
    Hydra writes there: the check of :func:`check` for a directory Hydra resolves
    (``hydra.run.dir=out/${name}``)."""

    def __init__(self) -> None:
        super().__init__(kind="calibration")

    def check(self, out: Path, config: DictConfig) -> None:
        super().check(out, config)
        if out.is_dir():
            with locked(out):  # held already, or Busy: no other fit is writing what it reads
                check_resumable(out, self.settings(config, CalibrateSettings))


def check(line: CommandLine) -> None:
    """Everything the fit needs, that the run directory is not in use, and that a resumed
    one holds the same fit."""
    settings = to_settings(compose_checked(line.config_name, line.overrides), CalibrateSettings)
    prepare(settings)
    run_dir = [o.split("=", 1)[1] for o in line.overrides if o.startswith("hydra.run.dir=")]
    if run_dir:
        out = Path(run_dir[-1])
        shown = Path(os.path.abspath(out))
        try:
            check_destination(out, "calibration")  # before anything looks at it (a long name)
        except ConfigError as e:
            raise ConfigError(keyed("hydra.run.dir", run_dir[-1], shown, str(e))) from None
        if out.is_dir():  # probe without creating anything; RunDirLock then holds it
            try:
                with locked(out):  # no other fit is writing what this one reads
                    check_resumable(out, settings)
            except Busy as e:
                raise ConfigError(keyed("hydra.run.dir", run_dir[-1], shown, str(e))) from None


def _hydra_app() -> None:
    """Hydra's app, its errors raised rather than printed as tracebacks: a full disk while
    Hydra writes ``.hydra/`` (before the fit starts) ends in one line too."""
    os.environ.setdefault("HYDRA_FULL_ERROR", "1")
    try:
        hydra_entry()
    except OSError as e:
        where = e.filename
        if not where:
            with contextlib.suppress(Exception):  # Hydra's config, if it got that far
                where = str(HydraConfig.get().run.dir)
        print(f"error: {where or 'output'}: cannot be written ({e.strerror or e})", file=sys.stderr)
        sys.exit(1)


def main() -> None:
    """Console entry point: check the settings (one line, exit 2) before Hydra writes anything."""
    logging.raiseExceptions = False  # a log file on a full disk: no traceback per record
    line = split_command_line(sys.argv[1:], "calibrate")
    checked_main(_hydra_app, check, line, CalibrateSettings, program="sim.calibrate")
