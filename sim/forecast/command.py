"""``python -m sim.forecast``: rolling-origin probabilistic forecasts of recorded events and
fatalities by governorate, scored against the observed months beside two baselines.

From each origin (:class:`~sim.forecast.params.ForecastSettings`) the model is refitted
on the months before it and forecasts the next months as ``draws`` samples
(:mod:`sim.forecast.model`), beside the no-change and negative binomial baselines
(:mod:`sim.forecast.baselines`); every forecast is scored with CRPS, ignorance on
ViEWS's bins and the 90% interval score (:mod:`sim.forecast.tables`). Everything goes to
Hydra's run directory: ``forecasts.parquet`` (one row per origin x month x governorate x
quantity x method), ``scores.parquet`` (mean scores per quantity x method x months
ahead), ``figures/forecast.png``, ``forecast.json`` (the settings, the window fits, the
command) and ``report.html``. The data can be any GED-format CSV, newer data included.
Bad settings end with one line, exit code 2, and nothing written; a write that fails
(a full disk) with one line and exit code 1.
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
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim import __version__
from sim.config.compose import command_line, compose_checked, config_dir, to_settings
from sim.config.params import ConfigError
from sim.config.precheck import CommandLine, checked_main, split_command_line
from sim.forecast.baselines import negative_binomial, no_change
from sim.forecast.model import model_samples
from sim.forecast.params import ForecastSettings
from sim.forecast.plots import forecast_figure
from sim.forecast.problem import Problem, prepare
from sim.forecast.tables import forecast_rows, score_table
from sim.report.command import write_report
from sim.runs.files import atomic_path, save_figure, write_json

BASELINE_STREAM = 17
"""Spawn key of the baselines' samples (with the origin's month)."""
RECEIPT = "forecast.json"


def forecast_origin(problem: Problem, origin: int) -> tuple[pd.DataFrame, dict]:
    """One origin's rows (every method) and its window's background fit."""
    s = problem.settings
    ahead = problem.ahead(origin)
    samples, fit = model_samples(problem, origin)
    rng = np.random.default_rng(np.random.SeedSequence(s.seed, spawn_key=(BASELINE_STREAM, origin)))
    samples |= {"no_change": {}, "negative_binomial": {}}
    for quantity, table in problem.observed.items():
        window = table[:, :origin]
        samples["no_change"][quantity] = no_change(window, ahead, s.draws, rng)
        samples["negative_binomial"][quantity] = negative_binomial(window, ahead, s.draws, rng)
    fitted = {
        "origin": origin,
        "background_events": fit.events,
        "governorates": [dataclasses.asdict(g) for g in fit.governorates],
        "deaths": dict(zip(("zero_share", "scale", "tail"), fit.deaths, strict=True)),
    }
    return forecast_rows(problem, origin, samples), fitted


def run_forecasts(problem: Problem) -> tuple[pd.DataFrame, list[dict]]:
    """Every origin's forecasts, and the windows' fits."""
    frames, fits = [], []
    for origin in problem.origins:
        rows, fitted = forecast_origin(problem, origin)
        frames.append(rows)
        fits.append(fitted)
    return pd.concat(frames, ignore_index=True), fits


def forecast(problem: Problem, out_dir: Path, command: str | None = None) -> dict:
    """Run, write the tables, the figure and the receipt; return the receipt.

    The receipt says ``running`` from the start until everything is written, so tables
    left by a run into the same directory that was killed midway are never taken for
    this run's (the report says the forecast did not finish)."""
    started = time.perf_counter()
    s = problem.settings
    receipt = {
        "name": s.name,
        "version": __version__,
        "settings": dataclasses.asdict(s),
        "command": command,
        "status": "running",
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    write_json(out_dir / RECEIPT, receipt)
    try:
        forecasts, fits = run_forecasts(problem)
        scores = score_table(forecasts)
        for name, frame in (("forecasts", forecasts), ("scores", scores)):
            with atomic_path(out_dir / f"{name}.parquet", ".parquet") as tmp:
                frame.to_parquet(tmp, index=False)
        figure = forecast_figure(forecasts, scores, problem)
        save_figure(figure, out_dir / "figures" / "forecast.png")
    except KeyboardInterrupt:  # Ctrl-C: said as such, not left 'running'
        with contextlib.suppress(OSError):
            write_json(out_dir / RECEIPT, receipt | {"status": "interrupted"})
        raise
    receipt |= {
        "status": "done",
        "seconds": round(time.perf_counter() - started, 1),
        "origins": list(problem.origins),
        "months": problem.months,
        "windows": fits,
    }
    write_json(out_dir / RECEIPT, receipt)
    return receipt


@hydra.main(config_path=str(config_dir()), config_name="forecast", version_base="1.3")
def hydra_entry(cfg: DictConfig) -> None:
    """The Hydra job: settings in, forecasts, scores, figure and report out."""
    hc = HydraConfig.get()
    out = Path(hc.runtime.output_dir)
    command = command_line("sim.forecast", [*hc.overrides.hydra, *hc.overrides.task])
    try:
        problem = prepare(to_settings(cfg, ForecastSettings))
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    try:
        receipt = forecast(problem, out, command)
        report = write_report(out)
    except OSError as e:  # a full disk, a read-only directory
        where = e.filename or out
        print(f"error: {where}: cannot be written ({e.strerror or e})", file=sys.stderr)
        sys.exit(1)
    scores = pd.read_parquet(out / "scores.parquet")
    overall = scores[scores["ahead"] == 0].drop(columns="ahead")
    print(f"{receipt['name']}: {len(receipt['origins'])} origins, {receipt['seconds']} s -> {out}")
    print(overall.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"report: {report}")


def check(line: CommandLine) -> None:
    """Everything the forecasts need, before Hydra writes anything."""
    prepare(to_settings(compose_checked(line.config_name, line.overrides), ForecastSettings))


def main() -> None:
    """Console entry point: check the settings (one line, exit 2) before Hydra writes anything."""
    logging.raiseExceptions = False
    os.environ.setdefault("HYDRA_FULL_ERROR", "1")
    line = split_command_line(sys.argv[1:], "forecast")
    checked_main(hydra_entry, check, line, ForecastSettings, program="sim.forecast")
