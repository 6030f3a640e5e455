"""Rolling-origin forecasts (python -m sim.forecast): the conditioning on the observed past,
the baselines, the scores' ranking, bad input, determinism and a small run end to end."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.background_fit import type_shares
from sim.analysis.hawkes import fit_hawkes
from sim.analysis.scores import crps
from sim.config.compose import compose_checked, load_config, to_settings
from sim.config.params import ConfigError, GovernorateProcess
from sim.config.precheck import split_command_line
from sim.forecast.baselines import METHODS, negative_binomial, no_change
from sim.forecast.command import check, forecast, run_forecasts
from sim.forecast.model import ConditionedModel, covariance, fit_window, transformed
from sim.forecast.params import ForecastSettings
from sim.forecast.problem import month_day, prepare
from sim.model.background import History, simulate_hawkes
from sim.report.command import write_report
from sim.runs.runner import model_params
from sim.runs.tables import collect

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["draws=3", "first_origin=21", "origin_step=2", "horizon=2"]
"""Two origins (months 21 and 23: the second has one month left), three draws each."""


def settings(*overrides: str) -> ForecastSettings:
    return to_settings(compose_checked("forecast", list(overrides)), ForecastSettings)


def mean_count(history: np.ndarray, reps: int = 4000, horizon: float = 30.0) -> float:
    rng = np.random.default_rng(5)
    return float(
        np.mean(
            [
                simulate_hawkes(rng, 0.2, 0.6, 0.5, horizon, history=history).size
                for _ in range(reps)
            ]
        )
    )


def test_history_raises_the_forecast_after_a_burst_and_not_after_a_quiet_spell():
    burst = -np.linspace(0.05, 2.0, 20)  # twenty events in the last two days
    quiet = -np.linspace(100.0, 120.0, 20)  # as many, long ago: their excitation has decayed
    none = mean_count(np.array([]))
    # each recent event leaves branching * exp(decay * t) direct offspring after 0, each of
    # which begets 1 / (1 - branching) events in all (nearly all within 30 days here)
    expected = 0.6 * np.exp(0.5 * burst).sum() / (1 - 0.6)
    assert mean_count(burst) - none == pytest.approx(expected, rel=0.1)
    assert mean_count(quiet) == pytest.approx(none, rel=0.03)


def test_history_of_the_model_replays_the_window_then_continues_it():
    rng = np.random.default_rng(1)
    g = GovernorateProcess("A", 0.0, 0.5, 1.0)  # no immigrants: only the history's offspring
    past = np.array([10.0, 49.5, 49.9])
    times = History(50, {"A": past}).continued(rng, g, 80)
    assert np.array_equal(times[:3], past) and (times[3:] >= 50).all()
    assert History(50, {"B": past}).continued(rng, g, 80).size == 0  # another governorate's


def test_window_fit_sees_only_the_window_and_keeps_its_events_as_history():
    problem = prepare(settings())
    names = list(problem.settings.units)
    fit = fit_window(problem.events, "2016-01-01", month_day(6), names, 1)
    for name in names:
        times = fit.history.times[name]
        assert fit.events[name] == len(times) and (times < month_day(6)).all()
    assert fit.history.origin == month_day(6)
    later = fit_window(problem.events, "2016-01-01", month_day(12), names, 1)
    assert sum(later.events.values()) > sum(fit.events.values())
    # Each governorate's events draw GED types from the window's shares, in every draw.
    shares = type_shares(problem.events, "2016-01-01", month_day(6))
    for g in [*fit.governorates, *fit.sample(np.random.default_rng(4))]:
        assert g.ged_type_shares == list(shares[g.name][0])
    assert shares["Latakia Governorate"][0] == (1.0, 0.0, 0.0)


def test_baselines_samples_have_the_windows_mean_and_spread():
    rng = np.random.default_rng(2)
    window = np.array([[2, 9, 4, 15, 1, 7], [3, 3, 3, 3, 3, 3], [0, 0, 0, 0, 0, 5]])
    nb = negative_binomial(window, 2, 200_000, rng)
    assert nb.shape == (3, 2, 200_000)
    np.testing.assert_allclose(nb.mean(axis=(1, 2)), window.mean(axis=1), rtol=0.02)
    assert nb[0].var() == pytest.approx(window[0].var(ddof=1), rel=0.05)  # over-dispersed
    assert nb[1].var() == pytest.approx(3.0, rel=0.05)  # not: Poisson of the mean
    last = no_change(window, 3, 200_000, rng)
    np.testing.assert_allclose(last.mean(axis=(1, 2)), window[:, -1], rtol=0.02)


def test_the_right_rate_scores_better_crps_than_a_wrong_one():
    rng = np.random.default_rng(3)
    window = rng.poisson(6.0, (40, 12))  # 40 units, a year of a known Poisson process
    observed = rng.poisson(6.0, (40, 3))
    fitted = negative_binomial(window, 3, 2000, rng)
    wrong = rng.poisson(12.0, (40, 3, 2000))
    assert crps(fitted, observed).mean() < crps(wrong, observed).mean() - 1.0


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            "data=/nonexistent/events.csv",
            "data=/nonexistent/events.csv: /nonexistent/events.csv: no such file",
        ),
        ("horizon=0", "horizon=0: out of range"),
        ("days=2000", "days=2000: the data run from 2016-01-01 to 2017-12-30"),
        ("first_origin=24", "first_origin=24: leaves no month to score"),
        ("start=2015-01-01", "start=2015-01-01: the data begin on 2016-01-01"),
        ("start=2016-02-30", "start=2016-02-30: not a date (YYYY-MM-DD)"),
        ("posterior=/nonexistent/p.parquet", "posterior=/nonexistent/p.parquet: no such file"),
        ("units=[Nowhere]", "units: 'Nowhere' is not an administrative unit"),
        ("model=['scenario=baseline']", "model=[scenario=baseline]: the model has no background"),
    ],
)
def test_bad_settings_are_refused_naming_the_key(bad, message):
    with pytest.raises(ConfigError, match="^" + re.escape(message)):
        check(split_command_line([bad], "forecast"))


def test_garbage_csv_is_refused(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("id,date_start\n1,not a date\n")
    with pytest.raises(ConfigError, match="missing column 'date_end'"):
        check(split_command_line([f"data={path}"], "forecast"))


def run_command(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """``python -m sim.forecast args`` of this tree, run from ``tmp_path``."""
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "sim.forecast", *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": path},
    )  # fmt: skip


def test_the_command_refuses_in_one_line_with_exit_2_and_writes_nothing(tmp_path):
    result = run_command(tmp_path, "horizon=0", f"hydra.run.dir={tmp_path / 'out'}")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: horizon=0"), result.stderr
    assert not list(tmp_path.iterdir())


def test_same_settings_and_seed_give_the_same_numbers():
    problem = prepare(settings(*SMALL))
    first, fits = run_forecasts(problem)
    again, _ = run_forecasts(problem)
    pd.testing.assert_frame_equal(first, again)
    other, _ = run_forecasts(prepare(settings(*SMALL, "seed=7")))
    assert not np.allclose(first["mean"], other["mean"])
    assert [f["origin"] for f in fits] == [21, 23]


def test_a_small_forecast_end_to_end(tmp_path):
    problem = prepare(settings(*SMALL))
    receipt = forecast(problem, tmp_path, "python -m sim.forecast " + " ".join(SMALL))
    rows = pd.read_parquet(tmp_path / "forecasts.parquet")
    units, months = len(problem.settings.units), 2 + 1  # origin 21: 2 months; 23: 1
    assert len(rows) == units * months * 2 * len(METHODS)
    events = rows[(rows["quantity"] == "events") & (rows["method"] == "model")]
    for row in events.itertuples():
        unit = problem.settings.units.index(row.unit)
        assert row.observed == problem.observed["events"][unit, row.month]
    assert (rows["q05"] <= rows["median"]).all() and (rows["median"] <= rows["q95"]).all()
    assert {"version", "seed", "data", "crps", "ignorance", "interval_score"} <= set(rows)
    scores = pd.read_parquet(tmp_path / "scores.parquet")
    assert set(scores["ahead"]) == {0, 1, 2}
    assert set(scores["method"]) == set(METHODS)
    assert receipt["origins"] == [21, 23]
    assert (tmp_path / "figures" / "forecast.png").stat().st_size > 10_000
    page = write_report(tmp_path).read_text()
    assert "Forecast report" in page and "What it does not show" in page
    assert "fitted on all of 2016-17" in page


def test_a_model_run_continues_its_background_history():
    """The model's background reads the history: a burst just before the origin brings
    events after it, the same events long before it almost none (no immigrants here)."""
    params = model_params(load_config(["scenario=baseline", "geography=tr_sy"]))
    name = params.background.governorates[0].name
    quiet_process = GovernorateProcess(name, 0.0, 0.8, 1.0)
    params.background = dataclasses.replace(
        params.background, governorates=[quiet_process], epochs=[]
    )  # a history continues one level (sim.forecast refits without epochs)

    def after_origin(times: np.ndarray) -> int:
        model = ConditionedModel(params, 60, 3, History(40, {name: times}))
        incidents = collect(model.run()).arrow["incidents"]
        kind = np.asarray(incidents["type"].to_pylist())
        day = incidents["day"].to_numpy()
        return int(((kind == "background") & (day >= 40)).sum())

    burst = np.linspace(38.0, 39.9, 30)
    assert after_origin(burst) > 5  # expected: 0.8 sum(e^(t - 40)) / (1 - 0.8), about 50
    assert after_origin(burst - 35.0) <= 2  # decayed: e^-35 of the excitation is left


def test_the_command_writes_its_tables_figure_and_report(tmp_path):
    out = tmp_path / "out"
    result = run_command(tmp_path, *SMALL, f"hydra.run.dir={out}")
    assert result.returncode == 0, result.stderr
    for name in ("forecasts.parquet", "scores.parquet", "forecast.json", "report.html"):
        assert (out / name).is_file(), name
    assert (out / "figures" / "forecast.png").is_file()
    assert (
        "negative_binomial" in result.stdout and f"report: {out / 'report.html'}" in result.stdout
    )


def test_background_draws_carry_the_fits_uncertainty_which_shrinks_with_data():
    """The normal approximation's spread covers the true parameters and narrows as the
    window grows (about as one over the square root of its length)."""
    truth = transformed(0.2, 0.5, 0.5)
    sds = []
    for days in (500.0, 4000.0):
        times = simulate_hawkes(np.random.default_rng(4), 0.2, 0.5, 0.5, days)
        fit = fit_hawkes(times, days)
        x = transformed(fit.baseline, fit.branching, fit.decay)
        sd = np.sqrt(np.diag(covariance(times, days, x)))
        assert (np.abs(x - truth) < 3.5 * sd).all()
        sds.append(sd)
    assert (sds[1] < 0.6 * sds[0]).all()  # 8 times the data: sqrt(8) = 2.8 times narrower


def test_the_forecasting_model_is_the_one_the_posterior_was_fitted_to():
    """The actors' parameters come from the calibration's posterior: the forecast runs them
    in the calibration's model and observes as it did (events without a death included)."""
    forecast_model = compose_checked("forecast", []).model
    assert list(forecast_model) == list(compose_checked("calibrate", []).model)
    assert load_config(list(forecast_model)).observation.min_deaths == 0


def test_the_command_writes_nowhere_that_holds_other_results_nor_where_one_is_writing(
    tmp_path,
):
    from sim.runs.runner import locked

    other = tmp_path / "fit"
    other.mkdir()
    (other / "calibration.json").write_text("{}")
    result = run_command(tmp_path, *SMALL, f"hydra.run.dir={other}")
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: hydra.run.dir={other}: holds a calibration's " \
        "results; choose another directory"  # fmt: skip
    assert sorted(p.name for p in other.iterdir()) == ["calibration.json"]
    busy = tmp_path / "busy"
    with locked(busy):  # another forecast writing there
        result = run_command(tmp_path, *SMALL, f"hydra.run.dir={busy}")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert not (busy / ".hydra").exists() and not (busy / "forecast.json").exists()


def test_a_forecast_that_did_not_finish_is_reported_as_such_not_from_older_tables(tmp_path, capsys):
    """Killed after its receipt said ``running``: an earlier run's tables in the directory
    are not presented as this one's."""
    problem = prepare(settings(*SMALL))
    forecast(problem, tmp_path, "python -m sim.forecast")
    receipt = json.loads((tmp_path / "forecast.json").read_text())
    assert receipt["status"] == "done"
    (tmp_path / "forecast.json").write_text(json.dumps(receipt | {"status": "running"}))
    page = write_report(tmp_path).read_text()
    assert "The forecast did not finish (status running: killed, crashed or still running)" in page
    assert "Mean scores" not in page
    from sim.report.command import main as report

    report([str(tmp_path)])  # the command line says it too (it said nothing)
    said = capsys.readouterr()
    assert said.err == (
        f"warning: {tmp_path}: The forecast did not finish (status running: killed, crashed "
        "or still running); the same command runs it again\n"
    )
    assert said.out.strip().endswith("report.html")
