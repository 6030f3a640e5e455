"""History matching before ABC-SMC (emulators, waves, the restricted prior, resuming) and the
simulation-based calibration of the fitting method."""

import pickle
import shutil

import numpy as np
import pandas as pd
import pytest
from test_calibration import TWIN_MODEL, UNITS, twin_problem

from sim.calibrate import waves as waves_module
from sim.calibrate.command import calibrate
from sim.calibrate.emulator import fit_wave
from sim.calibrate.params import CalibrateSettings, PriorParams
from sim.calibrate.sbc import run_sbc, sbc_figure, uniformity
from sim.calibrate.waves import (
    Matched,
    NoPlausibleSpace,
    Restricted,
    Space,
    _ruling_out,
    history_match,
)
from sim.runs.files import save_figure
from tests.conftest import config

TRUTH = {"armed_groups.attempt_rate": 0.3, "communities.crowd_spread": 1.8}
FAR = {"armed_groups.attempt_rate": 0.03, "communities.crowd_spread": 0.6}


def toy_runs(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A stochastic toy model: mean sin(3 x0) + x1, standard deviation 0.05 + 0.3 x1."""
    sd = 0.05 + 0.3 * x[:, 1]
    return np.sin(3 * x[:, 0]) + x[:, 1] + sd * rng.standard_normal(len(x))


def test_the_emulators_follow_the_mean_and_the_spread_that_varies_with_the_parameters():
    rng = np.random.default_rng(1)
    x = rng.random((120, 2))
    runs = np.stack([toy_runs(x, rng) for _ in range(4)], axis=1)[:, :, None]
    wave = fit_wave(["toy"], x, runs, [1.0], 0.0, seed=7)
    test = rng.random((4000, 2))
    mean, em_var, ensemble = wave.emulators[0].predict(test)
    # fresh runs fall within three predicted standard deviations, as a normal would
    z = (toy_runs(test, rng) - mean) / np.sqrt(em_var + ensemble)
    assert np.mean(np.abs(z) <= 3) >= 0.99 and 0.92 <= np.mean(np.abs(z) <= 2) <= 0.98
    # the run-to-run spread is the parameters', not one noise level for all (x1 = 0.9
    # spreads 0.32 / 0.08 = 4 times as far as x1 = 0.1), and unbiased
    ends = np.array([[0.5, 0.1], [0.5, 0.9]])
    low, high = np.sqrt(wave.emulators[0].predict(ends)[2])
    assert 3.0 < high / low < 5.3
    truth_sd = 0.05 + 0.3 * test[:, 1]
    assert 0.9 < np.median(np.sqrt(ensemble) / truth_sd) < 1.1


def test_a_prior_ruled_out_whole_is_reported_with_the_statistics_that_rule_it_out():
    rng = np.random.default_rng(4)
    x = rng.random((60, 2))
    runs = np.stack([toy_runs(x, rng) for _ in range(3)], axis=1)
    both = np.stack([runs, runs], axis=2)  # two statistics: one the data put out of reach
    wave = fit_wave(["reachable", "unreachable"], x, both, [1.0, 50.0], 0.1, seed=2)
    space = Space(("a", "b"), np.zeros(2), np.ones(2))
    matched = Matched(space, [wave], 3.0, [0.0], 180)
    error = NoPlausibleSpace(matched, _ruling_out(matched, rng.random((2000, 2))))
    assert "(share of the prior each statistic rules out: unreachable 100%, reachable" in str(error)


@pytest.fixture(scope="module")
def matched_fit(tmp_path_factory):
    """A twin fit with two waves before two generations of ABC-SMC."""
    out = tmp_path_factory.mktemp("matched")
    problem = twin_problem(
        TRUTH, days=365, population=8, generations=2, min_acceptance=0.0,
        waves=2, wave_points=30, wave_replications=3, wave_keep=1.0,
    )  # fmt: skip
    receipt = calibrate(problem, out)
    return problem, out, receipt


def unit(matched, values):
    s = matched.space
    return s.unit(np.array([[values[name] for name in s.names]]))


def test_the_waves_keep_the_truth_and_rule_out_parameters_far_from_it(matched_fit, tmp_path):
    problem, out, receipt = matched_fit
    matched = history_match(problem, out)  # read back from its waves' files
    shares = receipt["history_matching"]["share_left"]
    assert len(shares) == 2 and shares == sorted(shares, reverse=True) and shares[-1] < 0.7
    assert matched.plausible(unit(matched, TRUTH))[0]
    assert not matched.plausible(unit(matched, FAR))[0]
    posterior = pd.read_parquet(out / "posterior.parquet")
    inside = matched.plausible(matched.space.unit(posterior[list(matched.space.names)].to_numpy()))
    assert inside.all()  # ABC-SMC drew only where the waves left room
    assert (
        receipt["simulations"]
        == receipt["history_matching"]["simulations"]
        + sum(pd.read_parquet(out / "generations.parquet")["simulations"])
        + 8
    )  # + the prior's calibration sample


def test_the_restricted_prior_has_no_density_where_the_waves_ruled_out(matched_fit):
    problem, out, _ = matched_fit
    prior = Restricted(history_match(problem, out))
    assert prior.pdf(FAR) == 0.0 and prior.pdf(TRUTH) > 0.0
    np.random.seed(5)  # noqa: NPY002 (pyabc draws from numpy's global stream)
    draws = [prior.rvs() for _ in range(20)]
    assert all(prior.pdf(d) > 0 for d in draws)
    copy = pickle.loads(pickle.dumps(prior))  # as the parallel samplers send it
    assert copy.pdf(TRUTH) == prior.pdf(TRUTH) and copy.pdf(FAR) == 0.0


def test_on_dask_the_restricted_prior_travels_as_a_name_and_each_worker_fetches_it_once(
    matched_fit,
):
    """pyabc's Dask sampler pickles the prior into every task: published, it weighs bytes,
    not the emulators' megabytes, and a worker resolves it to the same density."""
    from distributed import Client, LocalCluster

    from sim.calibrate import waves

    problem, out, _ = matched_fit
    prior = Restricted(history_match(problem, out))
    whole = len(pickle.dumps(prior))
    cluster = LocalCluster(n_workers=1, processes=False, dashboard_address=None)
    with cluster, Client(cluster) as client:
        prior.publish(client)
        assert len(pickle.dumps(prior)) < 1000 < whole
        waves._MATCHED.clear()  # as in a worker process that has not fetched it yet
        remote = client.submit(lambda p: (p.pdf(TRUTH), p.pdf(FAR)), prior).result()
        assert list(waves._MATCHED) == [prior.published]  # fetched once, kept
    assert remote == (prior.pdf(TRUTH), 0.0)


def test_a_fit_resumed_after_its_waves_reuses_their_runs_and_draws_the_same_posterior(
    matched_fit, tmp_path, monkeypatch
):
    problem, out, _ = matched_fit
    shutil.copytree(out / "waves", tmp_path / "waves")
    shutil.copy(out / "calibration.json", tmp_path / "calibration.json")
    ran = []
    original = waves_module._point
    monkeypatch.setattr(waves_module, "_point", lambda job: ran.append(job) or original(job))
    calibrate(problem, tmp_path)
    assert ran == []  # no wave ran again
    for name in ("posterior", "generations"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / f"{name}.parquet"),
            pd.read_parquet(out / f"{name}.parquet"),
            check_exact=True,
        )


def test_a_wave_runs_the_same_numbers_on_one_process_two_or_a_dask_cluster(matched_fit, tmp_path):
    from distributed import Client, LocalCluster

    problem, out, _ = matched_fit
    two = twin_problem(
        TRUTH, days=365, population=8, generations=2, min_acceptance=0.0,
        waves=1, wave_points=30, wave_replications=3, wave_keep=1.0, workers=2,
    )  # fmt: skip
    history_match(two, tmp_path / "two")
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)
    with cluster, Client(cluster) as client:
        history_match(two, tmp_path / "dask", client)
    for where in ("two", "dask"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / where / "waves" / "wave_0.parquet"),
            pd.read_parquet(out / "waves" / "wave_0.parquet"),
            check_exact=True,
        )


@pytest.mark.slow
def test_simulation_based_calibration_finds_known_parameters_and_resumes(tmp_path):
    """Twelve fits of data simulated from the prior, each ranked against its own truth (a
    rank against any other value would pile up at the ends); a second call finds every
    fit done. Twelve fits of two generations measure the method only roughly: here 8 of
    12 truths fall in the central 90% (10.8 expected), the misses at the prior's upper
    edge, where the posteriors of so short a fit are too narrow."""
    settings = CalibrateSettings(
        days=240, model=TWIN_MODEL, units=UNITS[-1:], population=16, generations=2,
        min_acceptance=0.0, sampler="single", workers=1, seed=3,
        parameters=[PriorParams("armed_groups.attempt_rate", 0.05, 0.5, "test: a narrow box")],
    )  # fmt: skip
    model = config(*settings.model)
    ranks = run_sbc(settings, model, fits=12, draws=20, out_dir=tmp_path, seed=4)
    summary = uniformity(ranks, bins=4).iloc[0]
    assert summary["fits"] == 12 and summary["coverage_90"] >= 0.6
    assert 0.3 <= summary["mean_rank"] <= 0.7
    assert (ranks["truth"].between(0.05, 0.5)).all() and ranks["truth"].nunique() == 12
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "sbc.parquet"), ranks)
    again = run_sbc(settings, model, fits=12, draws=20, out_dir=tmp_path, seed=4)
    pd.testing.assert_frame_equal(again, ranks)
    path = save_figure(sbc_figure(ranks, bins=4), tmp_path / "sbc.png")
    assert path.stat().st_size > 15_000
