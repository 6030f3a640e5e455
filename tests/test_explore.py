"""Designs, sensitivity indices, PRIM, robustness, the explore command and the EMA adaptor."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import files_of

from sim.config.params import ConfigError
from sim.explore.designs import Factor, factors, sample
from sim.explore.discovery import prim, robustness, wilson
from sim.explore.sensitivity import morris, sobol

ISHIGAMI = [Factor(f"x{i}", -np.pi, np.pi, False) for i in range(3)]


def ishigami(x: np.ndarray) -> np.ndarray:
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_sobol_indices_of_ishigami_match_the_analytic_values():
    design = sample("saltelli", ISHIGAMI, 2048, seed=1)
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
    assert wilson(0, 10)[0] == 0 and wilson(10, 10)[1] == pytest.approx(1)


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
    cmd = [
        sys.executable,
        "-m",
        "sim.explore",
        "days=60",
        "replications=2",
        "workers=1",
        "explore.figures=false",
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

    from sim.explore.command import execute, prepare
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
        ": holds another design; choose a new hydra.run.dir"
    )
    assert files_of(out) == before  # not even .hydra/ or the log


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
    from sim.config.precheck import split_command_line
    from sim.explore.command import accept_mappings, check
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
    typed = accept_mappings(line)
    assert typed == {rewritten: rewritten[2:] for rewritten in line.args[::3]}  # as typed
    assert line.args[::3] == [
        "++explore.factors.patrol.sweep_rate=[0.2,1.0]",
        "++overrides={armed_groups.attempt_rate: 0.1}",
    ]
    assert line.args == line.overrides  # Hydra gets the rewritten command line
    check(line)
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
