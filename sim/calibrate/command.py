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
last finished generation. Bad settings end with one line, exit code 2, and
nothing written. The fit holds the directory's lock (:func:`sim.runs.runner.locked`)
from before Hydra writes ``.hydra/`` until it ends, so a second calibration
into a directory in use is refused in one line (exit code 2) and touches
nothing there.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import sys
import time
from datetime import datetime
from pathlib import Path

import hydra
import numpy as np
import pandas as pd
import pyabc
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim import __version__
from sim.analysis.events import tail_fit
from sim.calibrate.convergence import (
    SETTLED_RUNS,
    convergence_figure,
    generation_table,
    settled,
)
from sim.calibrate.params import CalibrateSettings
from sim.calibrate.plots import marginals_figure, ppc_monthly_figure, ppc_statistics_figure
from sim.calibrate.ppc import posterior_predictive
from sim.calibrate.problem import Problem, prepare
from sim.calibrate.transition import DefensiveTransition
from sim.config.compose import command_line, compose_checked, config_dir, to_settings
from sim.config.params import ConfigError
from sim.config.precheck import CommandLine, checked_main, split_command_line
from sim.report.command import write_report
from sim.runs.files import save_figure, write_atomic
from sim.runs.runner import Busy, locked

DB_NAME = "abc.db"
log = logging.getLogger(__name__)


def fingerprint(settings: CalibrateSettings) -> str:
    """Hash of the settings that determine the fit (not how it is spread or how long it may run)."""
    data = dataclasses.asdict(settings)
    for key in ("sampler", "workers", "dask_address", "max_minutes", "settled_shift"):
        data.pop(key)
    return hashlib.sha1(json.dumps([data, __version__], sort_keys=True).encode()).hexdigest()[:12]


class Distance(pyabc.AdaptivePNormDistance):
    """pyabc's adaptive Euclidean distance, infinite where a statistic is NaN (rejected)."""

    def __call__(self, x: dict, x_0: dict, t: int | None = None, par: dict | None = None) -> float:
        d = super().__call__(x, x_0, t, par)
        return float(d) if np.isfinite(d) else np.inf


def make_sampler(settings: CalibrateSettings):
    """pyabc's sampler (and the Dask client to close afterwards, if any)."""
    if settings.sampler == "single":
        return pyabc.SingleCoreSampler(), None
    if settings.sampler == "local":
        return pyabc.MulticoreEvalParallelSampler(n_procs=settings.workers), None
    from distributed import Client, LocalCluster

    if settings.dask_address:
        client = Client(settings.dask_address)
    else:
        cluster = LocalCluster(
            n_workers=settings.workers, threads_per_worker=1, dashboard_address=None
        )
        client = Client(cluster)
    return pyabc.sampler.DaskDistributedSampler(dask_client=client), client


def run_abc(problem: Problem, out_dir: Path) -> tuple[pyabc.storage.History, str]:
    """Run (or resume) ABC-SMC into ``out_dir/abc.db``; return pyabc's History and why it stopped.

    pyabc's own loop (``ABCSMC.run``), one generation at a time, with the
    settled-posterior rule of :mod:`sim.calibrate.convergence` checked after each.
    """
    for handler in list(logging.getLogger("ABC").handlers):  # its records reach Hydra's log
        logging.getLogger("ABC").removeHandler(handler)
    s = problem.settings
    prior = pyabc.Distribution(
        **{p.name: pyabc.RV("uniform", p.low, p.high - p.low) for p in s.parameters}
    )
    sampler, client = make_sampler(s)
    np.random.seed(s.seed)  # noqa: NPY002 (pyabc draws proposals from numpy's global stream)
    abc = pyabc.ABCSMC(
        problem.simulator(),
        prior,
        Distance(p=2),
        population_size=s.population,
        transitions=DefensiveTransition(s.parameters, s.kernel_scaling, s.prior_share),
        sampler=sampler,
    )
    db = f"sqlite:///{out_dir / DB_NAME}"
    try:
        if (out_dir / DB_NAME).exists():
            history = abc.load(db, 1)
            done = history.max_t + 1
            log.info("resuming after %d finished generation(s)", done)
        else:
            history = abc.new(db, problem.statistics)
            done = 0
        reason = "generations"
        if done < s.generations:
            reason = _generations(abc, problem, s.generations - done)
    finally:
        if client is not None:
            client.close()
    return abc.history, reason


def _generations(abc: pyabc.ABCSMC, problem: Problem, left: int) -> str:
    """Run up to ``left`` generations; the name of the criterion that stopped them.

    The time limit is a budget: no generation starts that would end after
    ``max_minutes`` if it took as long as the last one (acceptance rates only
    fall, so the next one usually takes longer).
    """
    s = problem.settings
    t = abc.initialize_components_before_run(
        minimum_epsilon=None,
        max_nr_populations=left,
        min_acceptance_rate=s.min_acceptance,
        max_total_nr_simulations=np.inf,
        max_walltime=None,
        min_eps_diff=0.0,
    )
    budget, started = 60.0 * s.max_minutes, time.perf_counter()
    try:
        while True:
            begun = time.perf_counter()
            ret = abc.run_generation(t=t)
            if not ret["successful"]:  # pyabc gave up: population / min_acceptance simulations
                return "acceptance"
            if s.settled_shift > 0 and _settled_now(abc.history, s):
                return "settled"
            if abc.check_terminate(t=t, acceptance_rate=ret["acceptance_rate"]):
                return "generations" if t >= abc.max_t else "acceptance"
            now = time.perf_counter()
            if now - started + (now - begun) > budget:
                return "time"
            t += 1
    finally:  # as pyabc's run does
        abc.history.done(end_time=datetime.now())
        abc.sampler.stop()


def _settled_now(history: pyabc.storage.History, s: CalibrateSettings) -> bool:
    """The settled rule on the last generations only (the ones whose shifts it reads)."""
    recent = posterior_table(history, [p.name for p in s.parameters], history.max_t - SETTLED_RUNS)
    return settled(
        generation_table(recent, s.parameters, history.get_all_populations()), s.settled_shift
    )


def posterior_table(history, names: list[str], first: int = 0) -> pd.DataFrame:
    """One row per particle of every generation from ``first``: generation, particle, weight,
    parameters."""
    frames = []
    for t in range(max(first, 0), history.max_t + 1):
        params, weights = history.get_distribution(m=0, t=t)
        frame = params[names].reset_index(drop=True)
        frame.insert(0, "weight", np.asarray(weights, dtype=float))
        frame.insert(0, "particle", np.arange(len(frame)))
        frame.insert(0, "generation", t)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def check_resumable(out_dir: Path, settings: CalibrateSettings) -> dict:
    """The receipt of an earlier fit in ``out_dir`` ({} if none); ConfigError if it differs."""
    path = out_dir / "calibration.json"
    previous = json.loads(path.read_text()) if path.exists() else {}
    if (out_dir / DB_NAME).exists() and previous.get("fingerprint") != fingerprint(settings):
        raise ConfigError(
            f"hydra.run.dir={out_dir}: holds a calibration with other settings; use a new directory"
        )
    return previous


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
    _write_json(receipt_path, receipt)
    started = time.perf_counter()
    history, stopped = run_abc(problem, out_dir)
    names = [p.name for p in s.parameters]
    posterior = posterior_table(history, names)
    posterior.to_parquet(out_dir / "posterior.parquet", index=False)
    populations = history.get_all_populations()
    generations = generation_table(posterior, s.parameters, populations)
    generations.to_parquet(out_dir / "generations.parquet", index=False)
    monthly, ppc = posterior_predictive(problem, posterior)
    monthly.to_parquet(out_dir / "ppc_monthly.parquet", index=False)
    ppc.to_parquet(out_dir / "ppc_statistics.parquet", index=False)
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
        "simulations": int(populations["samples"].sum()),
        "epsilons": [float(e) for e in populations["epsilon"] if np.isfinite(e)],
        "stopped": stopped,
        "settled": settled(generations, s.settled_shift),
        "last_shift": float(last["shift"]),
        "last_ess": round(float(last["ess"]), 1),
        "observed_events": len(problem.observed.day),
        "observed_tail": {"alpha": fit.alpha, "low": fit.low, "high": fit.high, "n": fit.n},
        "statistics_outside_ppi": ppc.loc[~ppc["inside"], "statistic"].tolist(),
    }
    _write_json(receipt_path, receipt)
    return receipt


def _write_json(path: Path, data: dict) -> None:
    write_atomic(path, json.dumps(data, indent=2, default=str))


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
    print(f"report: {write_report(out)}")


def check(line: CommandLine) -> None:
    """Everything the fit needs, that the run directory is not in use, and that a resumed
    one holds the same fit."""
    settings = to_settings(compose_checked(line.config_name, line.overrides), CalibrateSettings)
    prepare(settings)
    run_dir = [o.split("=", 1)[1] for o in line.overrides if o.startswith("hydra.run.dir=")]
    if run_dir:
        out = Path(run_dir[-1])
        if out.is_dir():  # probe without creating anything; RunDirLock then holds it
            try:
                with locked(out):
                    pass
            except Busy as e:
                raise ConfigError(str(e)) from None
        check_resumable(out, settings)


def main() -> None:
    """Console entry point: check the settings (one line, exit 2) before Hydra writes anything."""
    line = split_command_line(sys.argv[1:], "calibrate")
    checked_main(hydra_entry, check, line, CalibrateSettings)
