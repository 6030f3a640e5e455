"""``python -m sim.calibrate``: fit uncertain parameters to event data with ABC-SMC (pyabc).

The model named by the settings' ``model`` overrides (by default the ``tr_sy``
no-agreement baseline) is run over as many days as the data cover; each run's
recorded events (:mod:`sim.observation`) are summarised exactly like the data's
(:mod:`sim.eventstats`), and pyabc's ABC-SMC keeps the parameter sets whose
statistics come close to the observed ones, under an adaptively scaled
Euclidean distance (each statistic divided by its median absolute deviation in
the last generation). A simulation whose statistic cannot be computed (no
deadly tail, constant months) is rejected.

Everything goes to Hydra's output directory: pyabc's history ``abc.db``
(SQLite), ``posterior.parquet`` (one row per particle of every generation),
the posterior predictive check (``ppc_monthly.parquet``,
``ppc_statistics.parquet``), ``figures/`` and ``calibration.json``. Running the
same settings into the same directory (``hydra.run.dir=...``) resumes after the
last finished generation. Bad settings end with one line, exit code 2, and
nothing written.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import hydra
import numpy as np
import pandas as pd
import pyabc
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim import __version__
from sim.calibrate_params import PPC_LEVEL, CalibrateSettings
from sim.calibration import Simulator, check_prior
from sim.calibration_plots import marginals_figure, ppc_monthly_figure, ppc_statistics_figure
from sim.config import command_line, compose_checked, config_dir, load_config, to_settings
from sim.eventstats import Events, event_statistics, monthly_counts, tail_fit
from sim.files import save_figure, write_atomic
from sim.ged import GedFormatError, data_path, load_ged, observed_events
from sim.params import Config, ConfigError
from sim.precheck import CommandLine, checked_main, split_command_line
from sim.report import write_report
from sim.runner import model_params, replication_seeds

DB_NAME = "abc.db"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Problem:
    """A validated calibration: settings, the model, the observed events and their statistics."""

    settings: CalibrateSettings
    model: Config
    observed: Events
    statistics: dict[str, float]

    def simulator(self) -> Simulator:
        s = self.settings
        return Simulator(model_params(self.model), s.days, s.units, s.tail_min)


def prepare(settings: CalibrateSettings) -> Problem:
    """Check everything the fit needs before anything runs; ConfigError names what is wrong."""
    if not settings.parameters:
        raise ConfigError("parameters: at least one parameter to calibrate is required")
    if not settings.units:
        raise ConfigError("units: at least one administrative unit is required")
    model = load_config(settings.model)
    for prior in settings.parameters:
        check_prior(model, prior.name, prior.low, prior.high, prior.reason)
    try:
        start = pd.Timestamp(settings.start)
    except ValueError:
        raise ConfigError(f"start={settings.start}: not a date (YYYY-MM-DD)") from None
    try:
        events = load_ged(data_path(settings.data))
    except GedFormatError as e:
        raise ConfigError(f"data={settings.data}: {e}") from None
    last = events["date_start"].max()
    if start + pd.Timedelta(days=settings.days - 1) > last + pd.Timedelta(days=31):
        raise ConfigError(
            f"days={settings.days}: the data end on {last.date()}, "
            f"{settings.days} days from {settings.start} go beyond them"
        )
    observed = observed_events(events, settings.start, settings.days, model.observation.ged_types)
    stats = event_statistics(observed, settings.units, settings.tail_min)
    bad = [k for k, v in stats.items() if not np.isfinite(v)]
    if bad:
        raise ConfigError(f"data={settings.data}: statistic {bad[0]} cannot be computed from it")
    return Problem(settings, model, observed, stats)


def fingerprint(settings: CalibrateSettings) -> str:
    """Hash of the settings that determine the fit (not how it is spread or how long it may run)."""
    data = dataclasses.asdict(settings)
    for key in ("sampler", "workers", "dask_address", "max_minutes"):
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


def run_abc(problem: Problem, out_dir: Path):
    """Run (or resume) ABC-SMC into ``out_dir/abc.db``; return pyabc's History."""
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
        if done < s.generations:
            history = abc.run(
                max_nr_populations=s.generations - done,
                min_acceptance_rate=s.min_acceptance,
                max_walltime=timedelta(minutes=s.max_minutes),
            )
    finally:
        if client is not None:
            client.close()
    return history


def posterior_table(history, names: list[str]) -> pd.DataFrame:
    """One row per particle of every generation: generation, particle, weight, parameters."""
    frames = []
    for t in range(history.max_t + 1):
        params, weights = history.get_distribution(m=0, t=t)
        frame = params[names].reset_index(drop=True)
        frame.insert(0, "weight", np.asarray(weights, dtype=float))
        frame.insert(0, "particle", np.arange(len(frame)))
        frame.insert(0, "generation", t)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _ppc_run(job: tuple[Simulator, dict, int]) -> tuple[dict[str, float], np.ndarray]:
    simulator, values, seed = job
    events = simulator.events(values, seed)
    stats = event_statistics(events, simulator.units, simulator.tail_min)
    return stats, monthly_counts(events)


def posterior_predictive(
    problem: Problem, posterior: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate ``ppc_draws`` runs from the final posterior.

    Returns the monthly recorded events of every draw (and the observed
    months, ``draw = -1``) and, per statistic, the observed value against the
    central 90% posterior predictive interval.
    """
    s = problem.settings
    final = posterior[posterior["generation"] == posterior["generation"].max()]
    names = [p.name for p in s.parameters]
    rng = np.random.default_rng(s.seed)
    weights = final["weight"].to_numpy() / final["weight"].sum()
    rows = rng.choice(len(final), size=s.ppc_draws, p=weights)
    seeds = replication_seeds(s.seed, s.ppc_draws)
    simulator = problem.simulator()
    jobs = [
        (simulator, {n: float(final[n].iloc[r]) for n in names}, seed)
        for r, seed in zip(rows, seeds, strict=True)
    ]
    if s.workers > 1:
        context = multiprocessing.get_context("forkserver")  # no fork of a threaded process
        with ProcessPoolExecutor(s.workers, mp_context=context) as pool:
            results = list(pool.map(_ppc_run, jobs))
    else:
        results = list(map(_ppc_run, jobs))
    observed = monthly_counts(problem.observed)
    monthly = [
        pd.DataFrame(
            {
                "draw": -1,
                "particle": -1,
                "month": np.arange(len(observed)),
                "recorded_events": observed,
            }
        )
    ]
    for i, ((_, months), r) in enumerate(zip(results, rows, strict=True)):
        monthly.append(
            pd.DataFrame(
                {
                    "draw": i,
                    "particle": int(final["particle"].iloc[r]),
                    "month": np.arange(len(months)),
                    "recorded_events": months,
                }
            )
        )
    sims = pd.DataFrame([stats for stats, _ in results])
    lo, hi = (1 - PPC_LEVEL) / 2, (1 + PPC_LEVEL) / 2
    table = pd.DataFrame(
        {
            "statistic": list(problem.statistics),
            "observed": list(problem.statistics.values()),
            "median": [float(np.nanmedian(sims[k])) for k in problem.statistics],
            "low": [float(np.nanquantile(sims[k], lo)) for k in problem.statistics],
            "high": [float(np.nanquantile(sims[k], hi)) for k in problem.statistics],
            "computable": [float(np.isfinite(sims[k]).mean()) for k in problem.statistics],
        }
    )
    table["inside"] = (table["observed"] >= table["low"]) & (table["observed"] <= table["high"])
    return pd.concat(monthly, ignore_index=True), table


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

    The receipt ``calibration.json`` also records the command that ran the fit.
    """
    s = problem.settings
    out_dir.mkdir(parents=True, exist_ok=True)
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
    history = run_abc(problem, out_dir)
    names = [p.name for p in s.parameters]
    posterior = posterior_table(history, names)
    posterior.to_parquet(out_dir / "posterior.parquet", index=False)
    monthly, ppc = posterior_predictive(problem, posterior)
    monthly.to_parquet(out_dir / "ppc_monthly.parquet", index=False)
    ppc.to_parquet(out_dir / "ppc_statistics.parquet", index=False)
    figures = out_dir / "figures"
    save_figure(marginals_figure(posterior, s.parameters), figures / "posterior_marginals.png")
    save_figure(ppc_monthly_figure(monthly, s.start), figures / "ppc_monthly.png")
    save_figure(ppc_statistics_figure(ppc), figures / "ppc_statistics.png")
    fit = tail_fit(problem.observed, s.tail_min)
    populations = history.get_all_populations()
    receipt |= {
        "seconds": round(receipt["seconds"] + time.perf_counter() - started, 1),
        "status": "done",
        "generations": int(history.max_t + 1),
        "simulations": int(populations["samples"].sum()),
        "epsilons": [float(e) for e in populations["epsilon"] if np.isfinite(e)],
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
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    outside = receipt["statistics_outside_ppi"]
    print(
        f"{receipt['name']}: {receipt['generations']} generations, "
        f"{receipt['simulations']} simulations, {receipt['seconds']} s -> {out}"
    )
    print(
        "statistics outside the 90% posterior predictive interval: "
        + (", ".join(outside) or "none")
    )
    print(f"report: {write_report(out)}")


def check(line: CommandLine) -> None:
    """Everything the fit needs, and that a resumed run directory holds the same fit."""
    settings = to_settings(compose_checked(line.config_name, line.overrides), CalibrateSettings)
    prepare(settings)
    run_dir = [o.split("=", 1)[1] for o in line.overrides if o.startswith("hydra.run.dir=")]
    if run_dir:
        check_resumable(Path(run_dir[-1]), settings)


def main() -> None:
    """Console entry point: check the settings (one line, exit 2) before Hydra writes anything."""
    line = split_command_line(sys.argv[1:], "calibrate")
    checked_main(hydra_entry, check, line, CalibrateSettings)


if __name__ == "__main__":
    main()
