"""Calibration: priors, identical-twin recovery, resuming, Dask, bad settings, calibrated runs."""

import contextlib
import errno
import json
import os
import pickle
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyabc
import pytest
import yaml
from conftest import locked_elsewhere

import sim
import sim.analysis.ged as ged_module
from sim.analysis.events import event_statistics
from sim.calibrate.command import calibrate
from sim.calibrate.convergence import SETTLED_RUNS, generation_table, settled
from sim.calibrate.history import HistoryError, finished_generations
from sim.calibrate.params import CalibrateSettings, PriorParams
from sim.calibrate.plots import ppc_statistics_figure, weighted_quantiles
from sim.calibrate.problem import Problem, prepare
from sim.calibrate.resume import check_resumable, fingerprint, read_state
from sim.calibrate.sampler import check_dask
from sim.calibrate.simulator import Simulator, check_prior
from sim.calibrate.transition import DefensiveTransition
from sim.config.compose import compose_checked, config_dir, to_settings
from sim.config.params import ConfigError
from sim.report.command import main as report_main
from sim.report.command import write_report
from sim.runs.draws import apply_parameters, replication_draws
from sim.runs.runner import (
    Busy,
    locked,
    model_params,
    replication_seeds,
    run_replications,
    simulate,
)
from tests.conftest import config

UNITS = [
    "Latakia Governorate",
    "Idlib Governorate",
    "Aleppo Governorate",
    "Ar Raqqah Governorate",
    "Al Hasakah Governorate",
]
PRIORS = [
    PriorParams("armed_groups.attempt_rate", 0.02, 0.5, "test: a narrow box"),
    PriorParams("communities.crowd_spread", 0.5, 3.0, "test: a narrow box"),
]


TWIN_MODEL = [
    "scenario=baseline",
    "geography=tr_sy",
    "observation.types=[attack,clash]",
    "background.governorates=[]",
]
"""Attacks and clashes only: their victims have the tail that crowd_spread shapes
(interdictions' Poisson losses would blur it). Without the background violence, which
these types do not record: its hardship would only add noise to the actors' signal."""


def twin_problem(truth, days=365, units=UNITS[-1:], **settings):
    """Observed data simulated by the model itself at known parameter values."""
    s = CalibrateSettings(
        days=days,
        model=TWIN_MODEL,
        units=units,
        **(
            {"parameters": PRIORS, "sampler": "single", "workers": 1, "ppc_draws": 4, "seed": 3}
            | settings
        ),  # fmt: skip
    )
    model = config(*s.model)
    simulator = Simulator(model_params(model), days, units, s.tail_min)
    observed = simulator.events(truth, seed=99)
    return Problem(s, model, observed, event_statistics(observed, units, s.tail_min))


def test_identical_twin_recovers_the_parameters_that_made_the_data(tmp_path):
    truth = {"armed_groups.attempt_rate": 0.3, "communities.crowd_spread": 1.8}
    # Two years of one governorate's events: one year holds too few large events to
    # pin the tail (its posterior then centres on that year's chance estimate).
    problem = twin_problem(
        truth, days=730, population=40, generations=4, min_acceptance=0.0, tail_min=3
    )
    receipt = calibrate(problem, tmp_path)
    posterior = pd.read_parquet(tmp_path / "posterior.parquet")
    final = posterior[posterior["generation"] == receipt["generations"] - 1]
    assert receipt["generations"] == 4 and len(final) == 40
    for prior in PRIORS:
        lo, hi = weighted_quantiles(final[prior.name], final["weight"], [0.05, 0.95])
        assert lo <= truth[prior.name] <= hi, prior.name
        assert hi - lo < 0.65 * (prior.high - prior.low), prior.name  # it learned something
    for name in ("posterior_marginals", "ppc_monthly", "ppc_statistics", "convergence"):
        assert (tmp_path / "figures" / f"{name}.png").stat().st_size > 20_000
    gens = pd.read_parquet(tmp_path / "generations.parquet")
    assert gens["generation"].tolist() == [0, 1, 2, 3] and gens["shift"].iloc[1:].notna().all()
    assert receipt["stopped"] == "generations"
    assert (
        receipt["simulations"] == gens["simulations"].sum() + 40
    )  # + the prior's calibration sample
    ppc = pd.read_parquet(tmp_path / "ppc_statistics.parquet")
    assert set(ppc["statistic"]) == set(problem.statistics)


def test_dask_sampler_on_a_local_cluster_of_two_workers(tmp_path):
    truth = {"armed_groups.attempt_rate": 0.3, "communities.crowd_spread": 1.8}
    problem = twin_problem(
        truth, days=120, population=6, generations=2, sampler="dask", workers=2, min_acceptance=0.0
    )
    receipt = calibrate(problem, tmp_path)
    assert receipt["generations"] == 2 and receipt["settings"]["sampler"] == "dask"
    assert len(pd.read_parquet(tmp_path / "posterior.parquet")) == 12


@pytest.mark.slow
@pytest.mark.parametrize("sampler", ["local", "dask"])
def test_a_parallel_samplers_posterior_agrees_with_one_process_within_monte_carlo_error(
    tmp_path, sampler
):
    """The parallel samplers cannot be exactly reproducible (pyabc seeds their workers from
    the operating system, and which simulation is accepted first depends on which worker
    finishes first), so they are held to the single-process posterior statistically: each
    parameter's weighted mean within five standard errors (from the two populations'
    weighted variances and effective sample sizes)."""
    truth = {"armed_groups.attempt_rate": 0.3, "communities.crowd_spread": 1.8}
    fits = {}
    for name in ("single", sampler):
        problem = twin_problem(
            truth, days=365, population=60, generations=3, min_acceptance=0.0,
            sampler=name, workers=1 if name == "single" else 2,
        )  # fmt: skip
        calibrate(problem, tmp_path / name)
        posterior = pd.read_parquet(tmp_path / name / "posterior.parquet")
        fits[name] = posterior[posterior["generation"] == 2]
    for prior in PRIORS:
        means, errors = [], []
        for final in fits.values():
            w = final["weight"].to_numpy() / final["weight"].sum()
            x = final[prior.name].to_numpy()
            mean = float(w @ x)
            means.append(mean)
            errors.append(float(w @ (x - mean) ** 2) / (1.0 / float((w**2).sum())))
        z = abs(means[0] - means[1]) / np.sqrt(sum(errors))
        assert z < 5, (prior.name, means, z)


def test_the_generation_table_measures_how_far_the_posterior_moved():
    """Known quantiles: equal weights over 0..100 of a 0-200 prior, then shifted by 20."""
    prior = PriorParams("armed_groups.attempt_rate", 0.0, 200.0, "test")
    base = np.linspace(0.0, 100.0, 201)
    posterior = pd.concat(
        pd.DataFrame({"generation": g, "weight": 1.0, prior.name: base + move})
        for g, move in enumerate([0.0, 20.0, 22.0, 23.0])
    )
    pops = pd.DataFrame(
        {"t": [-1, 0, 1, 2, 3], "epsilon": np.inf, "samples": [50, 201, 402, 804, 804]}
    )
    table = generation_table(posterior, [prior], pops)
    assert table["shift"].iloc[0] != table["shift"].iloc[0]  # NaN: nothing to move from
    np.testing.assert_allclose(table["shift"].iloc[1:], [0.1, 0.01, 0.005])
    np.testing.assert_allclose(table[f"{prior.name} median"], [50, 70, 72, 73])
    np.testing.assert_allclose(table["acceptance_rate"], [1.0, 0.5, 0.25, 0.25])
    np.testing.assert_allclose(table["ess"], 201)
    assert settled(table, 0.02) and not settled(table, 0.008) and not settled(table, 0.0)
    assert not settled(table.iloc[:3], 0.02)  # one small move is not two


def test_a_fit_that_has_settled_stops_before_its_generations_run_out(tmp_path):
    truth = {"armed_groups.attempt_rate": 0.3, "communities.crowd_spread": 1.8}
    problem = twin_problem(
        truth, days=120, population=8, generations=10, min_acceptance=0.0, settled_shift=1.0
    )
    receipt = calibrate(problem, tmp_path)
    assert receipt["stopped"] == "settled" and receipt["settled"]
    assert receipt["generations"] == 1 + SETTLED_RUNS  # the first has no shift


def test_the_time_limit_is_a_budget_no_generation_starts_that_would_overrun_it(tmp_path):
    """A generation here takes seconds; ten would take far more than the 6 s budget."""
    truth = {"armed_groups.attempt_rate": 0.3, "communities.crowd_spread": 1.8}
    problem = twin_problem(
        truth, days=365, population=20, generations=10, min_acceptance=0.0, max_minutes=0.1
    )
    receipt = calibrate(problem, tmp_path)
    assert receipt["stopped"] == "time" and receipt["generations"] < 10


def test_the_proposal_mixes_the_prior_in_so_no_weight_exceeds_one_over_its_share():
    """A population bunched in one corner: far from it the kernel is ~0, the prior is not."""
    priors = [PriorParams("a", 0.0, 1.0, "test"), PriorParams("b", 0.0, 10.0, "test")]
    rng = np.random.default_rng(0)
    last = pd.DataFrame({"a": rng.uniform(0.0, 0.05, 200), "b": rng.uniform(0.0, 0.5, 200)})
    kernel = pyabc.MultivariateNormalTransition(scaling=2.0)
    mixed = DefensiveTransition(priors, scaling=2.0, prior_share=0.1)
    for t in (kernel, mixed):
        t.fit(last, np.full(200, 1 / 200))
    far = pd.DataFrame({"a": [0.9, 0.5], "b": [9.0, 5.0]})
    prior_density = 1 / (1.0 * 10.0)
    assert (kernel.pdf(far) < 1e-12).all()  # pyabc's kernel alone: weights of 1e12 and more
    np.testing.assert_allclose(mixed.pdf(far), 0.1 * prior_density, rtol=1e-6)
    np.testing.assert_allclose(
        mixed.pdf(last.iloc[:3]), 0.9 * kernel.pdf(last.iloc[:3]) + 0.1 * prior_density
    )
    assert mixed.pdf(pd.Series({"a": 1.5, "b": 1.0})) == 0.9 * kernel.pdf(
        pd.Series({"a": 1.5, "b": 1.0})
    )  # outside the prior: the kernel's share only
    np.random.seed(1)  # noqa: NPY002 (pyabc's global stream)
    draws = mixed.rvs(4000)
    from_prior = (draws["a"] > 0.3).mean()  # the kernel never reaches there
    assert 0.06 < from_prior < 0.09  # 0.1 of the draws, 0.7 of them above 0.3


def test_a_prior_lies_in_the_declared_range_and_a_narrower_one_says_why():
    params = config()
    check_prior(params, "armed_groups.attempt_rate", 0.0, 1.0, "")  # the declared range
    check_prior(params, "armed_groups.attempt_rate", 0.1, 0.2, "a reason")
    for name, low, high, reason, message in [
        ("armed_groups.attempt_rate", 0.1, 0.2, "", "narrower than the declared range"),
        ("armed_groups.attempt_rate", 0.0, 1.5, "why", "outside the declared range"),
        ("armed_groups.nope", 0.0, 1.0, "why", "no such model parameter"),
        ("armed_groups", 0.0, 1.0, "why", "no such model parameter"),
        ("armed_groups.attempt_rate", 0.3, 0.3, "why", "is empty"),
    ]:
        with pytest.raises(ConfigError, match=message):
            check_prior(params, name, low, high, reason)


def test_applied_parameters_are_validated_and_whole_numbers_stay_whole():
    params = apply_parameters(
        config(), {"patrol.units_per_side": 40.6, "armed_groups.attempt_rate": 0.2}
    )
    assert params.patrol.units_per_side == 41 and params.armed_groups.attempt_rate == 0.2
    with pytest.raises(ConfigError, match="out of range"):
        apply_parameters(config(), {"armed_groups.attempt_rate": 2.0})


def posterior_file(tmp_path):
    table = pd.DataFrame(
        {
            "generation": [0, 1, 1, 1],
            "particle": [0, 0, 1, 2],
            "weight": [1.0, 0.2, 0.3, 0.5],
            "armed_groups.attempt_rate": [0.9, 0.05, 0.2, 0.4],
            "communities.crowd_spread": [4.5, 1.5, 2.0, 2.5],
        }
    )
    path = tmp_path / "posterior.parquet"
    table.to_parquet(path)
    return path, table


def test_calibrated_replications_draw_particles_paired_across_scenarios(tmp_path):
    path, table = posterior_file(tmp_path)
    cal = [
        "calibration=ucdp_tr_sy",
        f"calibration.posterior={path}",
        "geography=tr_sy",
        "days=90",
        "replications=6",
        "workers=1",
        "output.figures=false",
    ]
    runs = {}
    for scenario in ("baseline", "roadmap"):
        cfg = config(f"scenario={scenario}", *cal)
        runs[scenario] = run_replications(cfg, tmp_path / scenario)
        for name in ("timeseries", "incidents", "transitions"):
            part = pd.read_parquet(
                tmp_path / scenario / f"{name}.parquet", columns=["replication", "draw"]
            )
            mapping = runs[scenario].set_index("replication")["draw"]
            assert (part["draw"] == part["replication"].map(mapping)).all(), name
    assert (runs["baseline"]["draw"] == runs["roadmap"]["draw"]).all()
    assert runs["baseline"]["draw"].isin([0, 1, 2]).all()  # the last generation only
    assert runs["baseline"]["draw"].nunique() > 1
    cfg = config("scenario=baseline", *cal)
    final = table[table["generation"] == 1].set_index("particle")
    for row in runs["baseline"].itertuples():
        values = final.loc[row.draw, ["armed_groups.attempt_rate", "communities.crowd_spread"]]
        again = simulate(apply_parameters(model_params(cfg), values.to_dict()), cfg.days, row.seed)
        assert again.summary["border_incidents"] == row.border_incidents


def test_fixed_parameters_are_draw_minus_one_and_draws_do_not_depend_on_how_many(tmp_path):
    path, _ = posterior_file(tmp_path)
    cfg = config("calibration=ucdp_tr_sy", f"calibration.posterior={path}", "geography=tr_sy")
    few = [d.id for d in replication_draws(cfg, replication_seeds(cfg.seed, 5))]
    many = [d.id for d in replication_draws(cfg, replication_seeds(cfg.seed, 50))]
    assert few == many[:5]
    assert {d.id for d in replication_draws(config(), replication_seeds(1, 3))} == {-1}


def test_a_posterior_of_another_model_version_is_refused_naming_its_parameter(tmp_path):
    path, table = posterior_file(tmp_path)
    table.rename(columns={"communities.crowd_spread": "incidents.casualty_tail"}).to_parquet(path)
    cfg = config("calibration=ucdp_tr_sy", f"calibration.posterior={path}", "geography=tr_sy")
    with pytest.raises(ConfigError, match="parameter incidents.casualty_tail is no parameter"):
        replication_draws(cfg, replication_seeds(cfg.seed, 2))


def test_calibration_for_another_geography_is_refused_in_one_line():
    with pytest.raises(ConfigError, match="fitted for geography=tr_sy, not geography=stylised"):
        config("calibration=ucdp_tr_sy")


def test_the_calibration_compares_all_recorded_violence_with_all_of_ged():
    """The shipped settings: the model records its actors' incidents and its background
    violence; the data side is every GED type, events without a death included (as the
    model's bloodless incidents can be: sim/model/observation.py)."""
    one = "parameters=[{name: armed_groups.attempt_rate, low: 0.02, high: 0.5, reason: test}]"
    problem = prepare(to_settings(compose_checked("calibrate", [one]), CalibrateSettings))
    obs = problem.model.observation
    assert obs.ged_types == [1, 2, 3] and "background" in obs.types
    assert problem.model.background.governorates
    assert obs.min_deaths == 0
    assert len(problem.observed.day) == 743  # 46 of them without a death
    assert problem.statistics["actor_monthly_mean"] == pytest.approx(26 / 24)
    assert problem.statistics["state_based_share"] == pytest.approx(313 / 743)
    assert problem.statistics["non_state_share"] == pytest.approx(398 / 743)


def test_the_calibrated_scenarios_observe_what_the_calibration_observed():
    settings = yaml.safe_load((config_dir() / "calibrate.yaml").read_text())
    fitted = config(*settings["model"])
    runs = config("calibration=ucdp_tr_sy", "geography=tr_sy")
    assert fitted.observation == runs.observation


def calibrate_cli(*args, cwd):
    return subprocess.Popen(
        [sys.executable, "-m", "sim.calibrate", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


QUICK = ["effort=quick", "sampler=single", "generations=3", "days=120"]
"""A small fit on the shipped data whose every statistic is finite (adaptive epsilons)."""


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """The posterior of ``sim.calibrate QUICK`` run in one go (the reference of a resumed one)."""
    out = tmp_path_factory.mktemp("uninterrupted") / "fit"
    result = subprocess.run(
        [sys.executable, "-m", "sim.calibrate", *QUICK, f"hydra.run.dir={out}"],
        cwd=out.parent,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return pd.read_parquet(out / "posterior.parquet")


@pytest.mark.slow
def test_a_killed_calibration_resumes_to_exactly_the_uninterrupted_posterior(
    tmp_path, uninterrupted
):
    out = tmp_path / "fit"
    args = [*QUICK, f"hydra.run.dir={out}"]
    proc = calibrate_cli(*args, cwd=tmp_path)
    deadline = time.time() + 300
    state = None
    while time.time() < deadline and not (state and state["t"] >= 1):
        time.sleep(0.1)
        with contextlib.suppress(HistoryError):  # not there yet
            state = read_state(out)
    proc.kill()  # generation 1 is running, or stored without the state of generation 2
    proc.wait()
    assert state and state["t"] >= 1, "no generation finished in time"
    assert finished_generations(out / "abc.db") < 3  # killed before the end
    result = subprocess.run(
        [sys.executable, "-m", "sim.calibrate", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"resuming after [12] finished generation\(s\)", result.stdout)
    posterior = pd.read_parquet(out / "posterior.parquet")
    pd.testing.assert_frame_equal(posterior, uninterrupted, check_exact=True)
    with sqlite3.connect(out / "abc.db") as con:
        assert con.execute("select count(*) from abc_smc").fetchone()[0] == 1  # one run, continued


def interrupt_at(monkeypatch, generation, when):
    """Ctrl-C in pyabc's loop at ``generation``: before it runs, or once it is stored."""
    original = pyabc.ABCSMC.run_generation

    def run_generation(self, t):
        if t == generation and when == "before":
            raise KeyboardInterrupt
        ret = original(self, t)
        if t == generation and when == "stored":
            raise KeyboardInterrupt
        return ret

    monkeypatch.setattr(pyabc.ABCSMC, "run_generation", run_generation)


RESUMED_TRUTH = {"armed_groups.attempt_rate": 0.3, "communities.crowd_spread": 1.8}


def resumable_problem():
    """Three generations with finite epsilons (days=60 leaves every epsilon infinite, and the
    adaptive distance would then play no part)."""
    return twin_problem(RESUMED_TRUTH, days=120, population=8, generations=3, min_acceptance=0.0)


@pytest.fixture(scope="module")
def twin_reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("twin_reference")
    calibrate(resumable_problem(), out)
    return out


@pytest.mark.parametrize("when", ["before", "stored"])
def test_a_fit_resumed_after_generation_one_draws_exactly_the_uninterrupted_posterior(
    tmp_path, monkeypatch, twin_reference, when
):
    """Interrupted before generation 1 ran, or after it was stored but before the state its
    successor needs was (that generation is then run again)."""
    interrupt_at(monkeypatch, 1, when)
    with pytest.raises(KeyboardInterrupt):
        calibrate(resumable_problem(), tmp_path)
    stored = 1 if when == "before" else 2
    assert finished_generations(tmp_path / "abc.db") == stored
    assert json.loads((tmp_path / "calibration.json").read_text())["status"] == "interrupted"
    monkeypatch.undo()
    calibrate(resumable_problem(), tmp_path)
    for name in ("posterior", "generations"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / f"{name}.parquet"),
            pd.read_parquet(twin_reference / f"{name}.parquet"),
            check_exact=True,
        )
    with (
        sqlite3.connect(tmp_path / "abc.db") as con,
        sqlite3.connect(twin_reference / "abc.db") as ref,
    ):
        query = "select t, epsilon, nr_samples from populations order by t"
        assert con.execute(query).fetchall() == ref.execute(query).fetchall()
        assert np.isfinite([e for t, e, _ in ref.execute(query) if t >= 0]).all()


def test_a_history_without_the_state_to_resume_it_exactly_is_refused(tmp_path, twin_reference):
    for name in ("abc.db", "calibration.json"):
        shutil.copy(twin_reference / name, tmp_path / name)
    settings = resumable_problem().settings
    with pytest.raises(ConfigError, match="no abc_state.json to resume them exactly"):
        check_resumable(tmp_path, settings)
    (tmp_path / "abc_state.json").write_bytes(b"not json")
    with pytest.raises(ConfigError, match="abc_state.json: not a readable resume state"):
        check_resumable(tmp_path, settings)


class Planted:
    """What a pickle can do when it is loaded: here, leave a file behind."""

    def __init__(self, mark):
        self.mark = mark

    def __reduce__(self):
        return (Path.touch, (self.mark,))


@pytest.mark.parametrize("plant", ["pickle", "fields", "fifo", "huge"])
def test_a_planted_resume_state_is_refused_and_never_runs_code(tmp_path, twin_reference, plant):
    """The state is read as plain JSON, field by field, from a regular file of bounded size."""
    for name in ("abc.db", "calibration.json", "abc_state.json"):
        shutil.copy(twin_reference / name, tmp_path / name)
    state = tmp_path / "abc_state.json"
    check_resumable(tmp_path, resumable_problem().settings)  # the real one resumes
    mark = tmp_path / "code_ran"
    if plant == "pickle":
        state.write_bytes(pickle.dumps({"format": 1, "t": 2, "numpy": Planted(mark)}))
    elif plant == "fields":
        real = json.loads(state.read_text())
        state.write_text(json.dumps(real | {"numpy": {**real["numpy"], "key": [1, 2]}}))
    elif plant == "fifo":
        state.unlink()
        os.mkfifo(state)  # no writer: a plain read would wait forever
    else:
        state.write_text(" " * (2**20 + 1))
    with pytest.raises(ConfigError, match=r"abc_state.json: not a (readable )?resume state"):
        check_resumable(tmp_path, resumable_problem().settings)
    assert not mark.exists()


def sqlite_file(path):
    """A real SQLite file of some size (not a pyabc history)."""
    with contextlib.closing(sqlite3.connect(path)) as con, con:
        con.execute("create table t (x blob)")
        con.executemany("insert into t values (?)", [(bytes(2000),)] * 200)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "other_sqlite"])
def test_a_damaged_history_is_refused_in_one_line(tmp_path, twin_reference, damage):
    shutil.copy(twin_reference / "calibration.json", tmp_path / "calibration.json")
    db = tmp_path / "abc.db"
    if damage == "garbage":
        db.write_bytes(b"garbage" * 1000)
    elif damage == "truncated":
        whole = (twin_reference / "abc.db").read_bytes()
        db.write_bytes(whole[: len(whole) // 2])
    elif damage == "empty":
        db.write_bytes(b"")
    else:
        sqlite_file(db)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(ConfigError, match=r"abc\.db: not a readable pyabc history \(") as e:
        check_resumable(tmp_path, resumable_problem().settings)
    assert "\n" not in str(e.value) and "move it away or use a new directory" in str(e.value)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


@pytest.mark.slow
@pytest.mark.parametrize("how", ["literal", "interpolated"])
def test_a_garbage_history_is_refused_by_the_command_before_anything_is_written(tmp_path, how):
    """By the check before Hydra starts (a literal directory) or by the lock callback before
    Hydra writes ``.hydra/`` (a directory Hydra resolves)."""
    out = tmp_path / "ucdp_tr_sy"
    out.mkdir()
    settings = to_settings(compose_checked("calibrate", QUICK), CalibrateSettings)
    receipt = {"fingerprint": fingerprint(settings), "settings": {}, "status": "running"}
    (out / "calibration.json").write_text(json.dumps(receipt))
    (out / "abc.db").write_bytes(b"SQLite format 3\x00" + bytes(100) + b"garbage" * 500)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    run_dir = out if how == "literal" else f"{tmp_path}/${{name}}"
    line = refused([*QUICK, f"hydra.run.dir={run_dir}"], cwd=tmp_path)
    assert f"{out}/abc.db: not a readable pyabc history" in line
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ucdp_tr_sy"]


@pytest.mark.slow
def test_a_full_disk_ends_in_one_line_leaves_no_half_written_file_and_resumes(
    tmp_path, uninterrupted
):
    """A 96 KiB tmpfs fills during the fit or its outputs; once it is larger, the same
    command finishes the fit exactly as an uninterrupted one."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (not root?)")
    try:
        out = disk / "fit"
        args = [sys.executable, "-m", "sim.calibrate", *QUICK, f"hydra.run.dir={out}"]
        full = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert full.returncode == 1, full.stderr
        assert "Traceback" not in full.stderr and "Logging error" not in full.stderr
        lines = full.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), full.stderr
        assert "No space left on device" in lines[0] or "disk is full" in lines[0]
        assert "run the same command again to resume" in lines[0]
        left = [p.name for p in out.rglob(".*") if p.name != ".hydra" and p.parent.name != ".hydra"]
        assert left == []  # no temporary files (atomic writes) and no SQLite journal
        assert not list(out.glob("*-journal"))
        subprocess.run(["mount", "-o", "remount,size=20m", str(disk)], check=True)
        again = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert again.returncode == 0, again.stderr
        posterior = pd.read_parquet(out / "posterior.parquet")
        pd.testing.assert_frame_equal(posterior, uninterrupted, check_exact=True)
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_a_table_the_disk_refuses_is_not_left_half_written(tmp_path, monkeypatch):
    """to_parquet writes part of posterior.parquet, then the disk is full: nothing of it stays,
    the receipt says why, and the same fit then completes."""
    truth = {"armed_groups.attempt_rate": 0.3, "communities.crowd_spread": 1.8}
    problem = twin_problem(truth, days=120, population=4, generations=1, min_acceptance=0.0)
    original = pd.DataFrame.to_parquet

    def full_disk(self, path, *args, **kwargs):
        if "posterior" in str(path):
            Path(path).write_bytes(b"PAR1 half")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return original(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full_disk)
    with pytest.raises(OSError, match="No space left on device"):
        calibrate(problem, tmp_path)
    assert not (tmp_path / "posterior.parquet").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    receipt = json.loads((tmp_path / "calibration.json").read_text())
    assert receipt["status"] == "failed" and "No space left on device" in receipt["error"]
    monkeypatch.undo()
    assert calibrate(problem, tmp_path)["status"] == "done"
    assert len(pd.read_parquet(tmp_path / "posterior.parquet")) == 4


@pytest.mark.slow
@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("population=1", "population=1: out of range"),
        ("sampler=gpu", "sampler=gpu: allowed values are local, dask, single"),
        ("effort=nope", "effort=nope: no such effort"),
        ("parameters=[{name: armed_groups.nope, low: 0, high: 1}]", "armed_groups.nope: no such"),
        ("parameters=[{name: armed_groups.attempt_rate, low: 0.1, high: 0.2}]", "give its reason"),
        (
            "parameters=[{name: armed_groups.attempt_rate, low: 0, high: 1, scale: log}]",
            "armed_groups.attempt_rate: a prior of scale=log needs low > 0, not 0.0",
        ),
        (
            "parameters=[{name: armed_groups.attempt_rate, low: 0.1, high: 1, scale: ln}]",
            "allowed values are linear, log",
        ),
        ("data=/nonexistent/events.csv", "no such file"),
        ("days=2000", "the data end on"),
        ("model=['geography=nope']", "geography=nope: no such geography"),
        ("model=[geography=nope]", "no viable alternative"),  # unquoted: Hydra's grammar
    ],
)
def test_bad_settings_one_line_exit_2_nothing_written(tmp_path, bad, message):
    result = subprocess.run(
        [sys.executable, "-m", "sim.calibrate", bad],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert not list(tmp_path.iterdir())


def test_a_log_scale_prior_is_fitted_in_the_log_and_the_model_gets_the_values(tmp_path):
    """pyabc, the waves and the transition see log10 of the rate (uniform there); the model
    and every table see the rate itself."""
    seen = []

    class Recording(Simulator):
        def statistics(self, values, seed):
            seen.append(values["armed_groups.attempt_rate"])
            return super().statistics(values, seed)

    prior = PriorParams("armed_groups.attempt_rate", 0.01, 0.5, "test", scale="log")
    assert prior.bounds == pytest.approx((-2.0, np.log10(0.5)))
    problem = twin_problem(
        {"armed_groups.attempt_rate": 0.05}, days=200, population=8, generations=2,
        min_acceptance=0.0, waves=1, wave_points=20, wave_replications=2, wave_keep=1.0,
        parameters=[prior],
    )  # fmt: skip
    sim = Recording(model_params(problem.model), 200, problem.settings.units, 6, [prior])
    sim.fit_statistics({"armed_groups.attempt_rate": -1.0}, seed=1)
    assert seen == [pytest.approx(0.1)]
    calibrate(problem, tmp_path)
    waves = pd.read_parquet(tmp_path / "waves" / "wave_0.parquet")["armed_groups.attempt_rate"]
    assert waves.between(-2.0, np.log10(0.5)).all()  # the design covers the log's box
    assert (waves < np.log10(0.5) - 1).any() and (waves > -1).any()  # both decades
    posterior = pd.read_parquet(tmp_path / "posterior.parquet")["armed_groups.attempt_rate"]
    assert posterior.between(0.01, 0.5).all()


def test_statistics_of_model_and_data_are_computed_by_the_same_function():
    truth = {"armed_groups.attempt_rate": 0.3, "communities.crowd_spread": 1.8}
    problem = twin_problem(truth, days=120)
    again = Simulator(model_params(problem.model), 120, problem.settings.units, 6).statistics(
        truth, seed=99
    )
    assert again.keys() == problem.statistics.keys()
    np.testing.assert_equal(list(again.values()), list(problem.statistics.values()))


def test_the_python_api_draws_the_same_particles_as_the_runner(tmp_path):
    path, _ = posterior_file(tmp_path)
    overrides = {
        "geography": "tr_sy",
        "calibration": "ucdp_tr_sy",
        "calibration.posterior": str(path),
    }
    memory = sim.run("baseline", overrides, replications=4, days=60)
    on_disk = sim.run("baseline", overrides, replications=4, days=60, out_dir=tmp_path / "out")
    assert memory.runs["draw"].tolist() == on_disk.runs["draw"].tolist()
    assert (memory.runs["border_incidents"] == on_disk.runs["border_incidents"]).all()
    assert set(memory.incidents["draw"]) <= set(memory.runs["draw"])


def refused(args, cwd, timeout=120):
    """Run ``python -m sim.calibrate args``; its one-line error (asserting exit 2, no traceback)."""
    result = subprocess.run(
        [sys.executable, "-m", "sim.calibrate", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            "parameters=[{name: patrol.sweep_rate, low: 0.1, high: 1, reason: x},"
            "{name: patrol.sweep_rate, low: 0.1, high: 1, reason: x}]",
            "parameters: 'patrol.sweep_rate' is listed twice",
        ),
        ("units=[Aleppo Governorate,Aleppo Governorate]", "'Aleppo Governorate' is listed twice"),
        ("data=", "data=: empty; expected a GED-format CSV file"),
        ("data=.", "is a directory; expected a GED-format CSV file"),
        (
            "units=[Nowhere]",
            "units: 'Nowhere' is not an administrative unit (adm_1) of data="
            "ucdp_ged191_tr_sy_border25km_2016_2017.csv; allowed: Al Hasakah Governorate, "
            "Aleppo Governorate, Ar Raqqah Governorate, Idlib Governorate, Latakia Governorate",
        ),
    ],
)
def test_repeated_names_empty_data_and_unknown_units_are_refused_before_the_fit(
    tmp_path, bad, message
):
    line = refused(["effort=quick", "sampler=single", bad], cwd=tmp_path)
    assert message in line
    assert not list(tmp_path.iterdir())


def test_an_override_that_does_not_parse_is_refused_naming_it():
    with pytest.raises(ConfigError, match=r"^model=\[days=-5\]: not a valid override \("):
        compose_checked("calibrate", ["model=[days=-5]"])
    with pytest.raises(ConfigError, match=r"^days: given twice \(days=60 and days=90\)"):
        compose_checked("calibrate", ["days=60", "days=90"])


def test_prepare_refuses_repeated_parameters_and_units_unknown_to_the_data():
    good = {"units": UNITS, "parameters": PRIORS}
    for settings, message in [
        ({"parameters": [*PRIORS, PRIORS[0]]}, "'armed_groups.attempt_rate' is listed twice"),
        ({"units": [*UNITS, "Nowhere"]}, "'Nowhere' is not an administrative unit"),
        ({"data": ""}, "data=: empty"),
    ]:
        with pytest.raises(ConfigError, match=message):
            prepare(CalibrateSettings(**(good | settings)))


@pytest.mark.slow
@pytest.mark.parametrize("how", ["literal", "interpolated"])
def test_a_calibration_into_a_directory_in_use_is_refused_and_touches_nothing(tmp_path, how):
    """Refused by the check before Hydra starts (a literal directory) or by the lock callback
    before Hydra writes ``.hydra/`` (a directory Hydra resolves)."""
    out = tmp_path / "ucdp_tr_sy"
    out.mkdir()
    (out / "calibration.json").write_text('{"status": "running"}')
    run_dir = out if how == "literal" else f"{tmp_path}/${{name}}"
    with locked(out):
        before = {p.name: p.read_bytes() for p in out.iterdir()}
        line = refused(["effort=quick", "sampler=single", f"hydra.run.dir={run_dir}"], tmp_path)
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert line.startswith("error: hydra.run.dir=")  # the setting that named it
    assert f"{out}: another run or sweep is writing there" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ucdp_tr_sy"]


def test_the_whole_fit_holds_the_lock_of_its_directory(tmp_path):
    truth = {"armed_groups.attempt_rate": 0.3, "communities.crowd_spread": 1.8}
    problem = twin_problem(truth, days=60)
    with locked_elsewhere(tmp_path), pytest.raises(Busy, match="another run or sweep"):
        calibrate(problem, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.slow
@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (["data=/dev/zero"], "data=/dev/zero: /dev/zero is not a regular file"),
        (
            ["sampler=dask", "dask_address=tcp://127.0.0.1:1"],
            "dask_address=tcp://127.0.0.1:1: no Dask scheduler answered within 5 s",
        ),
        (["sampler=dask", "dask_address=nowhere"], "dask_address=nowhere: not an address"),
    ],
)
def test_a_device_as_data_and_an_unreachable_scheduler_are_refused_before_anything_is_written(
    tmp_path, bad, message
):
    started = time.perf_counter()
    line = refused(["effort=quick", *bad], cwd=tmp_path)
    assert message in line
    assert not list(tmp_path.iterdir())
    assert time.perf_counter() - started < 120  # /dev/zero is not read


def test_data_beyond_the_size_limit_is_refused_unparsed(monkeypatch):
    monkeypatch.setattr(ged_module, "MAX_GED_BYTES", 50_000)  # the shipped file: 99 kB
    monkeypatch.setattr(ged_module.pd, "read_csv", lambda *a, **k: pytest.fail("parsed"))
    with pytest.raises(ConfigError, match=r"^data=\S+: \S+ is larger than 0.0477 MiB; expected"):
        prepare(CalibrateSettings(units=UNITS, parameters=PRIORS))


def test_a_running_dask_scheduler_passes_the_check():
    from distributed import LocalCluster

    with LocalCluster(n_workers=0, processes=False, protocol="tcp", dashboard_address=":0") as c:
        check_dask(c.scheduler_address)


@pytest.mark.slow
@pytest.mark.parametrize("sampler", ["local", "dask"])
def test_ctrl_c_of_a_fit_on_workers_prints_one_line_stops_them_and_can_resume(tmp_path, sampler):
    """Local processes or a local Dask cluster: no worker's traceback or log, exit 130."""
    import psutil

    out = tmp_path / "fit"
    # Long enough (8 generations of 40) that it cannot finish before the Ctrl-C arrives.
    args = ["effort=quick", f"sampler={sampler}", "workers=2", "days=120"]
    args += ["population=40", "generations=8"]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sim.calibrate",
            *args,
            f"hydra.run.dir={out}",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as in a terminal
    )
    deadline = time.time() + 300
    workers = []
    while time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
        workers = psutil.Process(proc.pid).children(recursive=True)
        if len(workers) >= 2 and (out / "abc_state.json").exists():  # sampling under way
            break
    assert len(workers) >= 2, "no workers started"
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C sends: the whole group
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert err == "interrupted\n"
    gone, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive
    assert json.loads((out / "calibration.json").read_text())["status"] == "interrupted"
    check_resumable(out, to_settings(compose_checked("calibrate", args), CalibrateSettings))


def test_a_statistic_no_predictive_draw_could_compute_still_gets_its_panel():
    ppc = pd.DataFrame(
        {
            "statistic": ["monthly_mean", "tail_alpha"],
            "observed": [3.0, 2.0],
            "median": [3.1, np.nan],
            "low": [2.0, np.nan],
            "high": [4.0, np.nan],
            "computable": [1.0, 0.0],
            "inside": [True, False],
        }
    )
    fig = ppc_statistics_figure(ppc)
    assert "no draw could compute it" in fig.axes[1].get_title()


def killed_receipt(folder, source):
    """What a fit killed during its generations leaves: the settings, status running."""
    receipt = json.loads((source / "calibration.json").read_text())
    keep = ("name", "fingerprint", "version", "settings", "seconds", "command")
    (folder / "calibration.json").write_text(
        json.dumps({k: receipt[k] for k in keep} | {"status": "running"})
    )


def test_the_report_of_a_killed_calibration_says_plainly_it_did_not_finish(
    tmp_path, twin_reference, capsys
):
    killed_receipt(tmp_path, twin_reference)
    shutil.copy(twin_reference / "abc.db", tmp_path / "abc.db")
    page = write_report(tmp_path).read_text()
    assert "None" not in page
    report_main([str(tmp_path)])
    assert capsys.readouterr().err == (
        f"warning: {tmp_path}: The fit did not finish: it was killed, or is still running. "
        "abc.db holds 3 finished generation(s); running the same command again resumes "
        "after them.\n"
    )
    assert "The fit did not finish: it was killed, or is still running" in page
    assert "abc.db holds 3 finished generation(s); running the same command again resumes" in page
    assert "population 8 (up to 3 generations): did not finish" in page
    (tmp_path / "abc.db").write_bytes(b"garbage" * 100)
    page = write_report(tmp_path).read_text()
    assert "Its history cannot be read" in page and "not a readable pyabc history" in page
    (tmp_path / "abc.db").unlink()
    assert "No generation was stored." in write_report(tmp_path).read_text()


@pytest.mark.slow
@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '{"status": "done"}', "\udcff"])
def test_a_garbage_receipt_alone_is_refused_by_the_report_in_one_line(tmp_path, text):
    (tmp_path / "calibration.json").write_bytes(text.encode("utf-8", "surrogateescape"))
    result = subprocess.run(
        [sys.executable, "-m", "sim.report", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "calibration.json: not a calibration's receipt" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calibration.json"]
