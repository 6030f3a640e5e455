"""Designs, sensitivity indices, PRIM, robustness, the explore command and the EMA adaptor."""

import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import files_of

from sim.analysis.stats import wilson
from sim.config.params import ConfigError
from sim.explore.designs import Factor, design_points, factors, sample
from sim.explore.discovery import prim, robustness
from sim.explore.sensitivity import convergence, morris, sobol

ISHIGAMI = [Factor(f"x{i}", -np.pi, np.pi, False) for i in range(3)]


def ishigami(x: np.ndarray) -> np.ndarray:
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_sobol_indices_of_ishigami_match_the_analytic_values():
    design = sample("saltelli", ISHIGAMI, 2048, seed=1, second_order=True)
    table = sobol(design, pd.DataFrame({"y": ishigami(design.to_numpy())}), ISHIGAMI, True)
    got = table.set_index(["index", "factor"])["value"]
    exact = {
        ("S1", "x0"): 0.314,
        ("S1", "x1"): 0.442,
        ("S1", "x2"): 0.0,
        ("ST", "x0"): 0.558,
        ("ST", "x1"): 0.442,
        ("ST", "x2"): 0.244,
    }
    for key, value in exact.items():
        assert got[key] == pytest.approx(value, abs=0.04), key
    s2 = table[table["index"] == "S2"].set_index(["factor", "other"])["value"]
    assert s2[("x0", "x2")] == pytest.approx(0.244, abs=0.08)
    assert (table["low"] <= table["value"]).all() and (table["value"] <= table["high"]).all()
    assert table["low"].min() >= 0 and table["high"].max() <= 1


def test_without_second_order_a_saltelli_design_is_k_plus_2_points_a_base_for_the_same_s1_st():
    """Second-order indices need the k mixes of A's columns into B as well: without them
    a design of N base samples is N(k + 2) points, not N(2k + 2), and its first-order and
    total indices, intervals included, are those of the larger design (but for SALib
    centring the outputs on the mean of all points, which the larger design shifts)."""
    outcome = lambda d: pd.DataFrame({"y": ishigami(d.to_numpy())})  # noqa: E731
    full = sample("saltelli", ISHIGAMI, 256, seed=3, second_order=True)
    first = sample("saltelli", ISHIGAMI, 256, seed=3)
    assert (len(full), len(first)) == (256 * 8, 256 * 5)
    assert (design_points("saltelli", 3, 256), design_points("saltelli", 3, 256, True)) == (
        256 * 5,
        256 * 8,
    )
    both = sobol(full, outcome(full), ISHIGAMI, True, seed=4)
    pd.testing.assert_frame_equal(
        sobol(first, outcome(first), ISHIGAMI, seed=4),
        both[both["index"] != "S2"].reset_index(drop=True),
        rtol=0,
        atol=1e-4,
    )
    assert set(both["index"]) == {"S1", "ST", "S2"}


def test_morris_ranks_the_ishigami_factors():
    design = sample("morris", ISHIGAMI, 100, seed=2)
    table = morris(design, pd.DataFrame({"y": ishigami(design.to_numpy())}), ISHIGAMI)
    mu = table[table["index"] == "mu_star"].set_index("factor")["value"]
    assert mu["x2"] < mu["x0"] and mu["x2"] < mu["x1"]


def test_prim_finds_a_planted_box():
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.uniform(0, 1, (2000, 4)), columns=list("abcd"))
    failed = ((x.a > 0.6) & (x.c < 0.3)).to_numpy()
    steps, box = prim(x, failed)
    limits = box.set_index("factor")
    assert set(limits.index) == {"a", "c"}
    assert limits.loc["a", "low"] == pytest.approx(0.6, abs=0.03)
    assert limits.loc["c", "high"] == pytest.approx(0.3, abs=0.03)
    assert steps["chosen"].sum() == 1 and box["density"].iloc[0] > 0.9


def test_robustness_counts_points_won_and_names_the_deciding_factor():
    rng = np.random.default_rng(1)
    rows = []
    for point, (a, b) in enumerate(rng.uniform(0, 1, (200, 2))):
        for rep in range(3):
            noise = rng.normal(0, 0.05)
            rows.append(
                {
                    "scenario": "first",
                    "point": point,
                    "replication": rep,
                    "a": a,
                    "b": b,
                    "y": 1 + noise,
                }
            )
            rows.append(
                {
                    "scenario": "second",
                    "point": point,
                    "replication": rep,
                    "a": a,
                    "b": b,
                    "y": 1 + noise + (a - 0.25),
                }
            )
    summary, table = robustness(pd.DataFrame(rows), ["a", "b"], "y", "first", "second")
    assert summary["low"] <= 0.25 <= summary["high"]
    assert table["factor"].iloc[0] == "a" and table["spearman"].iloc[0] > 0.9
    assert wilson(0, 10)[1] == 0 and wilson(10, 10)[2] == pytest.approx(1)


def test_designs_cover_the_ranges_and_round_integers():
    fs = factors({"patrol.sweep_rate": [0.2, 1.0], "patrol.redeploy_days": None})
    assert fs[1] == Factor("patrol.redeploy_days", 1, 365, True)
    for design in ("lhs", "sobol", "halton", "factorial"):
        points = sample(design, fs, 16, seed=0)
        assert len(points) == 16 and points["patrol.sweep_rate"].between(0.2, 1.0).all()
        assert points["patrol.redeploy_days"].dtype == np.int64
    with pytest.raises(
        ConfigError, match="patrol.sweep_rate=\\[0.2, 200.0\\]: outside the declared"
    ):
        factors({"patrol.sweep_rate": [0.2, 200]})
    with pytest.raises(ConfigError, match="explore.factors.patrol.nope: not a numeric parameter"):
        factors({"patrol.nope": [0, 1]})


FACTORS = (
    "+explore.factors.patrol.sweep_rate=[0.2,1.0]",
    "+explore.factors.armed_groups.attempt_rate=[0.06,0.24]",
    "+explore.factors.patrol.redeploy_days=null",
)


def _explore(tmp_path, *args):
    """Run `sim.explore` small; a key the test gives replaces the default (a key given
    twice is refused)."""
    given = {arg.split("=", 1)[0] for arg in args}
    defaults = [
        arg
        for arg in ("days=60", "replications=2", "workers=1", "explore.figures=false")
        if arg.split("=", 1)[0] not in given
    ]
    cmd = [
        sys.executable,
        "-m",
        "sim.explore",
        *defaults,
        f"hydra.run.dir={tmp_path}",
        *FACTORS,
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path.parent, timeout=600)


@pytest.mark.slow
def test_explore_runs_resumes_and_refuses_bad_input(tmp_path):
    out = tmp_path / "design"
    done = _explore(out, "explore.design=morris", "explore.points=3", "explore.chunk_points=2")
    assert done.returncode == 0, done.stderr
    runs = pd.read_parquet(out / "runs.parquet")
    design = pd.read_parquet(out / "design.parquet")
    assert len(runs) == 2 * len(design) == 2 * 3 * 4
    assert runs["patrol.redeploy_days"].between(1, 365).all()
    assert runs.groupby("point")["seed"].apply(tuple).nunique() == 1  # common random numbers
    table = pd.read_parquet(out / "sensitivity.parquet")
    assert set(table["index"]) == {"mu_star", "sigma"}
    parts = sorted((out / "runs.parquet").glob("part-*.parquet"))
    parts[-1].unlink()  # as if killed before the last chunk
    before = {p: p.stat().st_mtime_ns for p in parts[:-1]}
    again = _explore(out, "explore.design=morris", "explore.points=3", "explore.chunk_points=2")
    assert again.returncode == 0, again.stderr
    assert all(p.stat().st_mtime_ns == t for p, t in before.items())
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "runs.parquet")
        .sort_values(["point", "replication"])
        .reset_index(drop=True),
        runs.sort_values(["point", "replication"]).reset_index(drop=True),
    )
    bad = _explore(tmp_path / "bad", "explore.design=nope")
    assert bad.returncode == 2 and bad.stderr.strip().count("\n") == 0
    assert "explore.design=nope: allowed values are" in bad.stderr
    assert not (tmp_path / "bad").exists()


@pytest.mark.slow
def test_ema_model_with_both_evaluators_and_prim_on_its_results():
    from ema_workbench import MultiprocessingEvaluator, SequentialEvaluator

    from sim.ema import model

    m = model(
        {"armed_groups.attempt_rate": (0.02, 0.3), "patrol.redeploy_days": (3, 14)},
        outcomes=["border_incidents_per_month"],
        days=90,
        replications=2,
    )
    with SequentialEvaluator(m) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=40)
    with MultiprocessingEvaluator(m, n_processes=2) as evaluator:
        again, outcomes2 = evaluator.perform_experiments(scenarios=8)
    assert len(outcomes2["border_incidents_per_month"]) == 8
    y = outcomes["border_incidents_per_month"]
    x = experiments[["armed_groups.attempt_rate", "patrol.redeploy_days"]]
    _, box = prim(x, y > np.quantile(y, 0.7))
    assert "armed_groups.attempt_rate" in set(box["factor"])  # more attempts, more incidents
    # EMA's own PRIM on the experiments as EMA returns them, integer parameter included
    # (with an int64 column, pandas 3 refuses a box limit such as 8.5)
    from ema_workbench.analysis import prim as ema_prim

    assert experiments["patrol.redeploy_days"].dtype == np.float64
    assert set(experiments["patrol.redeploy_days"].round()) <= set(range(3, 15))
    for quantile in (0.5, 0.6, 0.7, 0.8, 0.9):
        for high in (True, False):
            cases = y > np.quantile(y, quantile) if high else y < np.quantile(y, 1 - quantile)
            ema_prim.Prim(x, cases).find_box()


@pytest.mark.slow
def test_same_design_same_numbers_on_one_process_two_processes_and_ray(tmp_path):
    import ray

    from sim.explore.chunks import execute
    from sim.explore.command import prepare
    from sim.explore.params import DesignParams, ExploreConfig

    tables = {}
    for name, workers, backend in (
        ("one", 1, "processes"),
        ("two", 2, "processes"),
        ("ray", 2, "ray"),
    ):
        explore = DesignParams(
            design="halton",
            points=6,
            chunk_points=2,
            backend=backend,
            factors={"patrol.sweep_rate": [0.2, 1.0], "patrol.redeploy_days": [3, 14]},
        )
        cfg = ExploreConfig(replications=2, days=40, workers=workers, explore=explore)
        _, _, tasks = prepare(cfg)
        execute(cfg, tasks, tmp_path / name, "test")
        runs = pd.read_parquet(tmp_path / name / "runs.parquet")
        tables[name] = runs.sort_values(["point", "replication"]).reset_index(drop=True)
    ray.shutdown()
    pd.testing.assert_frame_equal(tables["one"], tables["two"])
    pd.testing.assert_frame_equal(tables["one"], tables["ray"])


def test_a_design_is_cut_into_about_a_hundred_chunks_whatever_the_workers():
    from sim.explore.command import prepare
    from sim.explore.params import DesignParams, ExploreConfig

    factors_ = {"patrol.sweep_rate": [0.2, 1.0]}
    for points, size in ((40, 1), (250, 3), (1000, 10)):
        sizes = set()
        for workers in (1, 2, 16):
            explore = DesignParams(design="lhs", points=points, factors=factors_)
            _, design, tasks = prepare(ExploreConfig(days=5, workers=workers, explore=explore))
            assert sum(len(t.points) for t in tasks) == len(design) == points
            sizes.add(tuple(len(t.points) for t in tasks))
        assert sizes == {tuple([size] * (points // size) + [points % size] * (points % size > 0))}
    explore = DesignParams(design="lhs", points=250, factors=factors_, chunk_points=50)
    assert len(prepare(ExploreConfig(days=5, explore=explore))[2]) == 5


@pytest.mark.parametrize("name", ["sensitivity_baseline", "roadmap_failure"])
def test_named_explorations_are_valid(name):
    from sim.config.precheck import split_command_line
    from sim.explore.command import check

    check(split_command_line([f"+exploration={name}"], "explore"))


@pytest.mark.slow
def test_explore_command_runs_on_two_worker_processes(tmp_path):
    """Workers unpickle tasks by module name, so `python -m sim.explore` must not pickle
    them from its own __main__ copy."""
    out = tmp_path / "design"
    done = _explore(out, "workers=2", "explore.design=lhs", "explore.points=4")
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(pd.read_parquet(out / "runs.parquet")) == 2 * 4


SMALL = ("explore.design=lhs", "explore.points=4", "explore.chunk_points=1")
KEYS = ["point", "scenario", "replication"]


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """A finished tiny design (4 points, a part per point), never changed by the tests."""
    out = tmp_path_factory.mktemp("clean") / "design"
    done = _explore(out, *SMALL)
    assert done.returncode == 0, done.stderr[-2000:]
    return out


def _copy(clean: Path, tmp_path: Path) -> Path:
    out = tmp_path / "design"
    shutil.copytree(clean, out)
    return out


def _runs(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "runs.parquet").sort_values(KEYS).reset_index(drop=True)


def _part(out: Path, index: int) -> Path:
    return out / "runs.parquet" / f"part-{index:05d}.parquet"


@pytest.mark.slow
def test_a_duplicated_part_is_run_again(clean, tmp_path):
    out = _copy(clean, tmp_path)
    shutil.copy(_part(out, 0), _part(out, 1))
    again = _explore(out, *SMALL)
    assert again.returncode == 0, again.stderr[-2000:]
    said = again.stdout + again.stderr
    assert "part-00001.parquet: holds points 0, not the chunk's 1; running chunk 1 again" in said
    assert "resuming: 3 of 4 chunks done already" in said
    pd.testing.assert_frame_equal(_runs(out), _runs(clean))


@pytest.mark.slow
def test_a_truncated_part_is_run_again(clean, tmp_path):
    out = _copy(clean, tmp_path)
    os.truncate(_part(out, 0), 100)
    again = _explore(out, *SMALL)
    assert again.returncode == 0, again.stderr[-2000:]
    said = again.stdout + again.stderr
    assert "Traceback" not in said
    assert "part-00000.parquet: unreadable (" in said and "running chunk 0 again" in said
    pd.testing.assert_frame_equal(_runs(out), _runs(clean))
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "design.parquet"), pd.read_parquet(clean / "design.parquet")
    )


@pytest.mark.slow
def test_parts_of_another_design_are_neither_reused_nor_read(clean, tmp_path):
    out = _copy(clean, tmp_path)
    foreign = pd.read_parquet(_part(out, 2))  # as if copied from another design's directory
    foreign["patrol.sweep_rate"] += 0.01
    foreign["design_id"] = "0123456789ab"
    foreign.to_parquet(_part(out, 2), index=False)
    reseeded = pd.read_parquet(_part(out, 3)).assign(seed=lambda f: f["seed"] + 1)
    reseeded.to_parquet(_part(out, 3), index=False)  # right design id, wrong rows
    shutil.copy(_part(out, 0), _part(out, 7))  # a stray part beyond the design's chunks
    again = _explore(out, *SMALL)
    assert again.returncode == 0, again.stderr[-2000:]
    said = again.stdout + again.stderr
    assert "part-00002.parquet: belongs to another design; running chunk 2 again" in said
    assert "part-00003.parquet: was made with other seed values" in said
    assert "part-00007.parquet: not a part of this design; moved aside" in said
    pd.testing.assert_frame_equal(_runs(out), _runs(clean))


@pytest.mark.slow
def test_a_directory_holding_another_design_is_refused_in_one_line(clean, tmp_path):
    out = _copy(clean, tmp_path)
    before = files_of(out)
    refused = _explore(out, *SMALL, "replications=3")
    assert refused.returncode == 2, refused.stderr[-2000:]
    assert "Traceback" not in refused.stderr and refused.stderr.strip().count("\n") == 0
    assert refused.stderr.startswith("error: ") and refused.stderr.strip().endswith(
        ": holds another design (replications=2 there, 3 here); choose a new hydra.run.dir"
    )
    assert files_of(out) == before  # not even .hydra/ or the log
    (out / "design.parquet").write_bytes(b"not parquet")  # then its runs say it is another
    refused = _explore(out, *SMALL, "replications=3")
    assert refused.returncode == 2, refused.stderr[-2000:]
    assert refused.stderr.strip().endswith(": holds another design; choose a new hydra.run.dir")


@pytest.mark.slow
def test_a_locked_directory_is_refused_and_left_alone(clean, tmp_path):
    from sim.runs.runner import locked

    out = _copy(clean, tmp_path)
    before = files_of(out)
    with locked(out):  # another explore is running there
        refused = _explore(out, *SMALL)
    assert refused.returncode == 2, refused.stderr[-2000:]
    assert "Traceback" not in refused.stderr and refused.stderr.strip().count("\n") == 0
    assert "another run or sweep is writing there" in refused.stderr
    assert refused.stdout == ""
    assert files_of(out) == before  # .hydra/config.yaml of the running design included


def test_versus_is_named_when_it_is_not_a_scenario_to_compare_with():
    from sim.config.precheck import split_command_line
    from sim.explore.command import check

    base = ["+explore.factors.patrol.sweep_rate=[0.2,1.0]", "explore.points=4", "days=30"]
    with pytest.raises(ConfigError, match="^versus=nope: no such scenario; allowed: .*baseline"):
        check(split_command_line([*base, "versus=nope"], "explore"))
    with pytest.raises(ConfigError, match="^versus=roadmap: the same as scenario"):
        check(split_command_line([*base, "versus=roadmap"], "explore"))


def test_overrides_and_factors_are_accepted_without_a_plus():
    from sim.config.compose import compose_checked, config_dir, to_settings
    from sim.config.precheck import accept_mappings, split_command_line
    from sim.explore.command import MAPPINGS, check
    from sim.explore.params import ExploreConfig

    line = split_command_line(
        [
            "explore.factors.patrol.sweep_rate=[0.2,1.0]",
            "explore.points=4",
            "days=30",
            "overrides={armed_groups.attempt_rate: 0.1}",
        ],
        "explore",
    )
    checking = accept_mappings(line, MAPPINGS, check)
    assert line.args[::3] == [
        "++explore.factors.patrol.sweep_rate=[0.2,1.0]",
        "++overrides={armed_groups.attempt_rate: 0.1}",
    ]
    assert line.args == line.overrides  # Hydra gets the rewritten command line
    checking(line)
    cfg = to_settings(
        compose_checked("explore", line.overrides, config_dir() / "explore"), ExploreConfig
    )
    assert cfg.overrides == {"armed_groups.attempt_rate": 0.1}
    assert cfg.explore.factors == {"patrol": {"sweep_rate": [0.2, 1.0]}}


@pytest.mark.slow
def test_a_bad_overrides_value_is_named_as_typed(tmp_path):
    cmd = [sys.executable, "-m", "sim.explore", *FACTORS, "explore.points=4", "days=30"]
    for value, message in (
        ("overrides=null", "error: overrides=null: field 'overrides' is not Optional"),
        ("versus=nope", "error: versus=nope: no such scenario; allowed: "),
        (  # a model parameter set as if this were python -m sim
            "patrol.units_per_side=30",
            "error: patrol.units_per_side: no such setting of python -m sim.explore (list "
            "them with: python -m sim.explore --cfg job); the model's parameters go in "
            "overrides.patrol.units_per_side=...",
        ),
    ):
        done = subprocess.run(
            [*cmd, value, f"hydra.run.dir={tmp_path / 'out'}"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=120,
        )
        assert done.returncode == 2 and done.stderr.startswith(message), done.stderr[-2000:]
        assert done.stderr.strip().count("\n") == 0
    assert not (tmp_path / "out").exists()


def test_every_part_of_a_design_has_the_runner_schema(tmp_path):
    """A chunk in which every run reached phase 2 and one in which none did write the
    same column types, so polars' scan_parquet can read the parts as one table."""
    import pyarrow.parquet as pq

    from sim.explore.tasks import write_part

    rows = [
        [{"point": 0, "phase1_day": 5, "phase2_day": 300, "border_incidents": 9}],
        [{"point": 1, "phase1_day": 5, "phase2_day": None, "border_incidents": 7}],
    ]
    for index, chunk in enumerate(rows):
        write_part(tmp_path, index, chunk, "design")
    schemas = [pq.read_schema(p) for p in sorted(tmp_path.glob("part-*.parquet"))]
    assert len(schemas) == 2
    assert schemas[0].equals(schemas[1], check_metadata=False)
    assert str(schemas[0].field("phase2_day").type) == "double"


def test_two_sobol_analyses_of_the_same_runs_are_identical():
    """The bootstrap intervals repeat for the default seed 0 (SALib takes 0 as no seed)."""
    design = sample("saltelli", ISHIGAMI, 64, seed=1)
    outcomes = pd.DataFrame({"y": ishigami(design.to_numpy())})
    first = sobol(design, outcomes, ISHIGAMI, seed=0)
    second = sobol(design, outcomes, ISHIGAMI, seed=0)
    pd.testing.assert_frame_equal(first, second)


def test_prim_keeps_ema_logging_and_import_warnings_out_of_our_output():
    code = (
        "import logging, numpy as np, pandas as pd\n"
        "logging.basicConfig(level=logging.INFO)\n"
        "from sim.explore.discovery import prim\n"
        "x = pd.DataFrame(np.random.default_rng(1).random((200, 2)), columns=['a', 'b'])\n"
        "prim(x, (x['a'] > 0.5).to_numpy())\n"
        "assert logging.getLogger('EMA').level == logging.NOTSET\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "ipyparallel" not in done.stderr and "cases of interest" not in done.stderr


# ---- issue 23: bad input refused in one line, full disks, half-finished designs -------------

TWO = ["+explore.factors.patrol.sweep_rate=[0.2,1.0]", "days=30"]


def _check(*args: str) -> None:
    from sim.config.precheck import split_command_line
    from sim.explore.command import check

    check(split_command_line([*TWO, *args], "explore"))


def test_a_factor_value_that_is_not_a_range_is_refused_naming_the_factor():
    key = "explore.factors.measures.drones.intensity"
    for value in ("0.5", "abc", "[0.1,0.2,0.3]", "[true,false]", "[]"):
        with pytest.raises(ConfigError, match=rf"^{key}=.*: needs a range \[low, high\] of two"):
            _check(f"+{key}={value}")


def test_a_factor_or_setting_given_twice_is_refused():
    key = "explore.factors.patrol.sweep_rate"
    with pytest.raises(ConfigError, match=rf"^{key}: given twice"):
        _check(f"+{key}=[0.2,1.0]", f"+{key}=[0.3,1.0]")
    with pytest.raises(ConfigError, match=r"^explore.points: given twice"):
        _check("explore.points=8", "explore={points:16}")


def test_a_factor_also_fixed_in_overrides_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(
        ConfigError,
        match=r"^explore.factors.patrol.sweep_rate: also fixed in overrides "
        r"\(patrol.sweep_rate=0.5\); a factor is set by the design",
    ):
        _check("+overrides.patrol.sweep_rate=0.5")
    done = _explore(tmp_path / "both", "+overrides.patrol.sweep_rate=0.5")
    assert done.returncode == 2 and "also fixed in overrides" in done.stderr
    assert not (tmp_path / "both").exists()


def test_a_saltelli_size_off_a_power_of_two_is_one_plain_warning(capsys):
    with warnings.catch_warnings(record=True) as caught:  # SALib's and SciPy's: kept out
        warnings.simplefilter("always")
        _check("explore.design=saltelli", "explore.points=9")
    assert [str(w.message) for w in caught] == []
    err = capsys.readouterr().err
    assert err == (
        "warning: explore.points=9: a Saltelli design's Sobol' sequence is balanced only for N "
        "a power of two; 8 or 16 would estimate the indices better\n"
    )
    _check("explore.design=saltelli", "explore.points=16")
    assert capsys.readouterr().err == ""


def test_sobol_estimates_that_cannot_hold_are_reported_as_not_converged():
    """Ishigami with N=2048 converged (x2's true S1 is 0, x1's S1 equals its ST: their
    estimates may stray a little either way, within their intervals): no line. Estimates
    planted beyond their intervals (as a small base sample leaves them) are named."""
    large = sample("saltelli", ISHIGAMI, 2048, seed=1)
    table = sobol(large, pd.DataFrame({"y": ishigami(large.to_numpy())}), ISHIGAMI)
    assert convergence(table) == []

    def planted(**s1: float) -> pd.DataFrame:
        out = table.copy()
        for factor, estimate in s1.items():
            at = (out["index"] == "S1") & (out["factor"] == factor)
            out.loc[at, ["estimate", "half_width"]] = estimate, 0.05
        return out

    (line,) = convergence(planted(x2=-0.3))
    assert "The Sobol estimates have not converged: 1 of 6 S1 and ST estimates are below 0," in line
    assert "widened for the 10 checks made" in line
    assert line.endswith("raise it before reading a ranking.")
    (line,) = convergence(planted(x1=0.9))  # its ST is 0.44
    assert "S1 exceeds ST for 1 factor-outcome pair(s) (e.g. x1 on y: 0.9 against 0.4" in line
    (line,) = convergence(planted(x0=0.7, x1=0.7))  # S1 sum 1.4 (ST 0.56 and 0.44)
    assert "the first-order indices sum above 1 (y 1.4" in line
    assert convergence(planted(x2=-0.04)) == []  # within its interval of 0


def test_converged_sobol_estimates_of_many_null_factors_raise_no_alarm():
    """Ten factors, eight of them (nearly) without effect, noise in five outcomes, N=1024,
    four designs: checks of each index at 95% flag some null factor's negative S1 in half
    of them; widened for the number of checks, with a floor, they flag none."""
    ten = [Factor(f"x{i}", 0.0, 1.0, False) for i in range(10)]
    alarms = []
    for seed in range(4):
        design = sample("saltelli", ten, 1024, seed=seed)
        x = design.to_numpy()
        rng = np.random.default_rng(seed)
        signal = 3 * x[:, 0] + 2 * x[:, 1] + 0.01 * x[:, 2:].sum(axis=1)
        outcomes = {f"y{j}": signal + rng.normal(0.0, 0.5, len(x)) for j in range(5)}
        alarms += convergence(sobol(design, pd.DataFrame(outcomes), ten, seed=seed + 1))
    assert alarms == []


def test_a_design_too_large_is_refused_before_it_is_built(monkeypatch):
    import sim.explore.command as command
    import sim.explore.designs as designs

    def built(*args):
        raise AssertionError("the design was built before its size was checked")

    monkeypatch.setattr(command, "sample", built)
    factor_args = ("+explore.factors.armed_groups.attempt_rate=[0.06,0.24]",)
    with pytest.raises(
        ConfigError,
        match=r"^explore.points=10000000: explore.design=saltelli over 2 factors makes "
        r"40,000,000 points and 200,000,000 runs \(5 per point\), more than the limit of "
        r"2,000,000 runs; at most explore.points=100000 fits$",
    ):
        _check(*factor_args, "explore.design=saltelli", "explore.points=10000000")
    with pytest.raises(ConfigError, match=r"makes 60,000,000 points .* explore.points=66666 fits"):
        _check(
            *factor_args,
            "explore.design=saltelli",
            "explore.second_order=true",
            "explore.points=10000000",
        )
    with pytest.raises(ConfigError, match=r"factorial over 2 factors makes 9,998,244 points"):
        _check(*factor_args, "explore.design=factorial", "explore.points=10000000")
    monkeypatch.setattr(designs, "available_memory", lambda: 100_000_000)
    with pytest.raises(ConfigError, match=r"GB of memory, more than the 0.1 GB available; at"):
        _check("explore.design=lhs", "explore.points=100000", "replications=1")
    with pytest.raises(ConfigError, match=r"over 20 factors makes at least 5,242,880 runs"):
        designs.check_size("factorial", 20, 4, 5)


def test_designs_too_small_to_analyse_are_refused_with_their_minimum():
    with pytest.raises(ConfigError, match=r"^explore.points=1: explore.design=morris needs at "):
        _check("explore.design=morris", "explore.points=1")
    with pytest.raises(ConfigError, match=r"^explore.points=3: explore.design=saltelli needs at "):
        _check("explore.design=saltelli", "explore.points=3")
    from sim.explore.designs import check_size

    for design, k, points, least in (
        ("morris", 3, 1, "2 trajectories: sigma"),
        ("saltelli", 3, 7, "8 base samples \\(N\\): the Sobol indices"),
        ("factorial", 3, 7, "8 points: two levels of every factor"),
        ("lhs", 3, 1, "2 points: a single point varies no factor"),
    ):
        with pytest.raises(ConfigError, match=f"needs at least {least}"):
            check_size(design, k, points, 5)
        with pytest.raises(ConfigError, match=f"needs at least {least}"):
            sample(design, ISHIGAMI, points, seed=0)
    for design, points in (("morris", 2), ("saltelli", 8), ("factorial", 8), ("halton", 2)):
        check_size(design, 3, points, 5)


def test_a_ray_address_that_is_no_cluster_is_refused_quickly(monkeypatch):
    import socket
    import time

    import sim.runs.backends as backends
    from sim.runs.backends import check_address

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(ConfigError, match=rf"no Ray cluster answers at 127.0.0.1:{port} \("):
        check_address("ray", f"127.0.0.1:{port}")
    with pytest.raises(ConfigError, match="^explore.address=tcp://127.0.0.1:1: not a Ray address"):
        check_address("ray", "tcp://127.0.0.1:1", "explore.address")
    with pytest.raises(ConfigError, match="used only with explore.backend=ray "):
        check_address("processes", "127.0.0.1:6379", "explore.address")
    monkeypatch.setattr(backends, "CONNECT_SECONDS", 0.5)
    with socket.socket() as silent:  # listens, never answers as gRPC does
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        start = time.perf_counter()
        with pytest.raises(ConfigError, match="no Ray cluster answers"):
            check_address("ray", f"ray://127.0.0.1:{silent.getsockname()[1]}")
        assert time.perf_counter() - start < 5
    check_address("ray", "auto")  # left to ray.init
    check_address("processes", None)


def test_a_ray_cluster_that_cannot_be_joined_is_named_in_one_line(monkeypatch):
    import ray

    from sim.runs.backends import as_completed

    def unreachable(**kwargs):
        raise ConnectionError("Could not find any running Ray instance.\nPlease start one.")

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", unreachable)
    with pytest.raises(
        ConfigError,
        match=r"^explore.address=auto: Ray could not start or connect \(Could not find any "
        r"running Ray instance.\)$",
    ):
        list(as_completed(len, [], 2, "ray", "auto", where="explore.address"))


@pytest.mark.slow
def test_a_ray_address_where_nothing_answers_is_refused_before_anything_is_written(tmp_path):
    out = tmp_path / "design"
    done = _explore(out, "explore.backend=ray", "explore.address=tcp://127.0.0.1:1")
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and done.stderr.strip().count("\n") == 0
    assert done.stderr.startswith("error: explore.address=tcp://127.0.0.1:1: not a Ray address")
    assert not out.exists()


FULL_DISK = """
import errno, sys
from pathlib import Path
import pandas as pd
write = pd.DataFrame.to_parquet
def full(self, path, *args, **kwargs):
    if Path(path).name.startswith(".part-00002.parquet."):
        Path(path).write_bytes(b"PAR1 half a part")
        raise OSError(errno.ENOSPC, "Error writing bytes to file")
    return write(self, path, *args, **kwargs)
pd.DataFrame.to_parquet = full
from sim.explore.command import main
sys.argv = ["sim.explore", *sys.argv[1:]]
main()
"""


@pytest.mark.slow
def test_a_full_disk_stops_a_design_in_one_line_leaving_no_partial_file(tmp_path):
    out = tmp_path / "design"
    cmd = [sys.executable, "-c", FULL_DISK, "days=30", "replications=1", "workers=1"]
    cmd += ["explore.figures=false", f"hydra.run.dir={out}", *FACTORS, *SMALL]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and done.stderr.strip().count("\n") == 0
    part = out / "runs.parquet" / "part-00002.parquet"
    assert done.stderr.startswith(f"error: {part}: cannot be written (No space left on device)")
    assert "run the same command to resume" in done.stderr
    assert sorted(p.name for p in (out / "runs.parquet").iterdir()) == [
        "part-00000.parquet",
        "part-00001.parquet",
    ]
    assert not [p for p in out.iterdir() if p.name.startswith(".") and p.name != ".hydra"]
    assert not (out / "explore.json").exists()


def test_a_design_stopped_by_a_full_disk_resumes_to_the_same_numbers(tmp_path, monkeypatch):
    import errno

    from sim.explore.command import explore
    from sim.explore.params import DesignParams, ExploreConfig
    from sim.explore.tasks import NotWritten

    design = DesignParams(
        design="lhs",
        points=4,
        chunk_points=1,
        figures=False,
        prim=False,
        factors={"patrol.sweep_rate": [0.2, 1.0]},
    )
    cfg = ExploreConfig(days=30, replications=1, workers=1, explore=design)
    write = pd.DataFrame.to_parquet

    def full(self, path, *args, **kwargs):
        if Path(path).name.startswith(".part-00002.parquet."):
            Path(path).write_bytes(b"PAR1 half a part")
            raise OSError(errno.ENOSPC, "Error writing bytes to file")
        return write(self, path, *args, **kwargs)

    out = tmp_path / "design"
    with monkeypatch.context() as patch:
        patch.setattr(pd.DataFrame, "to_parquet", full)
        with pytest.raises(NotWritten, match=r"part-00002.parquet: cannot be written \(No space"):
            explore(cfg, out)
    parts = out / "runs.parquet"
    assert sorted(p.name for p in parts.iterdir()) == ["part-00000.parquet", "part-00001.parquet"]
    kept = {p: p.stat().st_mtime_ns for p in parts.iterdir()}
    explore(cfg, out)  # room again: the same command resumes
    assert all(p.stat().st_mtime_ns == t for p, t in kept.items())
    explore(cfg, tmp_path / "whole")
    pd.testing.assert_frame_equal(_runs(out), _runs(tmp_path / "whole"))
    assert not [p for p in out.rglob(".*")]


@pytest.mark.slow
def test_the_report_of_a_half_finished_design_says_how_much_is_there(clean, tmp_path, capsys):
    """In the page and, as one warning line, on stderr: reported all the same (exit 0)."""
    from sim.report.command import build, main

    out = _copy(clean, tmp_path)
    assert "INCOMPLETE" not in build(out)[0] and "Unfinished" not in build(out)[0]
    assert build(out)[2] is None
    (out / "explore.json").unlink()  # killed during the analysis: every run is in
    page = build(out)[0]
    assert "UNFINISHED: 8 of the design&#x27;s 8 runs (100%)" in page
    assert "the analysis did not finish" in page
    assert build(out)[2].startswith("its analysis did not finish: 8 of the design's 8 runs")
    _part(out, 3).unlink()  # killed before the last chunk
    page = build(out)[0]
    assert "INCOMPLETE: 6 of the design&#x27;s 8 runs (75%) are in runs.parquet: 3 of its 4" in page
    capsys.readouterr()
    main([str(out)])
    said = capsys.readouterr()
    assert said.out == f"{out / 'report.html'}\n"
    assert said.err == (
        f"warning: {out}: the design is incomplete: 6 of the design's 8 runs (75%) are in "
        "runs.parquet: 3 of its 4 points have all their runs.\n"
    )
    assert "so its analysis is missing" in page and "(6 of the design&#x27;s 8 runs)" in page
    assert 'id="sensitivity"' not in page and 'id="prim"' not in page
    for part in (out / "runs.parquet").glob("part-*"):
        part.unlink()
    assert "INCOMPLETE: 0 of the design&#x27;s 8 runs" in build(out)[0]


@pytest.mark.parametrize(
    ("setting", "keeps"),
    [
        ("explore.failure.above=30", True),
        ("explore.failure.relapse=false", True),
        ("explore.prim=false", True),
        ("explore.outcomes=[casualties_per_month]", True),
        ("explore.figures=false", True),
        ("workers=1", True),
        ("explore.chunk_points=3", False),
        ("explore.points=8", False),
        ("replications=3", False),
        ("seed=7", False),
    ],
)
def test_only_what_changes_the_rows_makes_another_design(setting, keeps):
    """Analysis settings (what counts as a failure, PRIM, figures) or the number of workers
    re-analyse a finished design; what changes its rows makes a new one."""
    assert (_design_id(setting) == _design_id()) is keeps


def test_second_order_indices_ask_for_another_saltelli_design_and_for_no_other():
    saltelli = ("explore.design=saltelli", "explore.points=8")
    assert _design_id(*saltelli) != _design_id(*saltelli, "explore.second_order=true")
    with pytest.raises(ConfigError, match=r"^explore.second_order=true: second-order .* not "):
        _check("explore.design=morris", "explore.second_order=true")


def _design_id(*args: str) -> str:
    from sim.config.compose import compose_checked, config_dir, to_settings
    from sim.explore.command import design_id, make_design
    from sim.explore.params import ExploreConfig

    dcfg = compose_checked("explore", ["days=60", *FACTORS, *args], config_dir() / "explore")
    cfg = to_settings(dcfg, ExploreConfig)
    return design_id(cfg, make_design(cfg)[1])
