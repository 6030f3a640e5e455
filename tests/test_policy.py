"""Policy search: levers, worlds, robustness metrics, and the command end to end
(reproduction with python -m sim, resume after a kill, bad input)."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.config.overrides import configure
from sim.config.params import ConfigError
from sim.policy.levers import Lever, decode, levers
from sim.policy.params import LeverParams, ObjectiveParams, PolicySettings, UncertaintyParams
from sim.policy.robustness import paired, rank_flips, robustness
from sim.policy.vulnerability import vulnerability
from sim.policy.worlds import make_worlds
from sim.runs.draws import replication_draws
from sim.runs.runner import replication_seeds

SMALL = [  # platypus's NSGA-II keeps a generation at 6 policies (pymoo's has its own test)
    "search.algorithm=eps_nsga2",
    "days=120",
    "worlds.count=3",
    "search.population=6",
    "search.generations=3",
    "figures=false",
    "named=[roadmap,all_at_once]",
]


def _policy(out: Path, *args: str, wait: bool = True):
    """Run ``sim.policy`` small; a key the test gives replaces the default."""
    given = {arg.split("=", 1)[0] for arg in args}
    small = [arg for arg in SMALL if arg.split("=", 1)[0] not in given]
    cmd = [sys.executable, "-m", "sim.policy", *small, f"hydra.run.dir={out}", *args]
    if not wait:
        return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return subprocess.run(cmd, capture_output=True, text=True, cwd=out.parent, timeout=600)


def test_levers_map_the_unit_interval_onto_ranges_and_ordered_choices():
    phases = Lever("measures.drones.start", choices=("phase1", "phase2", "phase3"))
    assert [phases.value(u) for u in (0.0, 0.33, 0.34, 0.66, 0.67, 1.0)] == [
        "phase1",
        "phase1",
        "phase2",
        "phase2",
        "phase3",
        "phase3",
    ]
    days = Lever("measures.drones.ramp_days", 30, 365, integer=True)
    assert decode([days], [0.5]) == {"measures.drones.ramp_days": 198}
    assert decode([days], [1.7]) == {"measures.drones.ramp_days": 365}  # clipped


@pytest.mark.parametrize(
    "lever, message",
    [
        (
            LeverParams("measures.drones.nothing"),
            "levers[0].measures.drones.nothing: not a numeric",
        ),
        (LeverParams("measures.drones.intensity", 0.0, 2.0), "outside the declared range"),
        (LeverParams("measures.drones.start", choices=["phase1", "phase4"]), "levers[0].choices"),
        (LeverParams("measures.drones.start", choices=["phase1"]), "at least two values"),
        (LeverParams("measures.drones.intensity", 0.1, None, ["x"]), "either low/high or choices"),
    ],
)
def test_a_bad_lever_is_named(lever, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        levers(PolicySettings(levers=[lever]))


def test_a_lever_fixed_in_overrides_or_listed_twice_is_refused():
    twice = [LeverParams("measures.drones.intensity")] * 2
    with pytest.raises(ConfigError, match="listed twice"):
        levers(PolicySettings(levers=twice))
    fixed = PolicySettings(levers=twice[:1], overrides={"measures.drones.intensity": 0.5})
    with pytest.raises(ConfigError, match="also fixed in overrides"):
        levers(fixed)


def test_worlds_are_the_replications_of_python_m_sim_with_a_hypercube_of_uncertainties():
    overrides = {"geography": "tr_sy", "calibration": "ucdp_tr_sy"}
    cfg = PolicySettings(overrides=overrides, seed=7)
    cfg.worlds.count = 8
    cfg.worlds.uncertainties = [UncertaintyParams("armed_groups.threat_response", 0.5, 1.5)]
    worlds = make_worlds(cfg)
    seeds = replication_seeds(7, 8)
    assert worlds["seed"].tolist() == seeds
    draws = replication_draws(configure("roadmap", overrides), seeds)
    assert worlds["draw"].tolist() == [d.id for d in draws]
    assert worlds["armed_groups.attempt_rate"].tolist() == [
        d.values["armed_groups.attempt_rate"] for d in draws
    ]
    strata = np.floor((worlds["armed_groups.threat_response"] - 0.5) * 8).astype(int)
    assert sorted(strata) == list(range(8))  # one world in each eighth of the range
    cfg.worlds.uncertainties.append(UncertaintyParams("armed_groups.attempt_rate", 0.1, 0.2))
    with pytest.raises(ConfigError, match="drawn from the calibration's posterior already"):
        make_worlds(cfg)


def _runs(values: dict[str, list[float]]) -> dict[str, pd.DataFrame]:
    return {
        key: pd.DataFrame({"world": range(len(v)), "x": v, "days": 100})
        for key, v in values.items()
    }


def test_robustness_metrics_on_known_values_and_where_rankings_flip():
    # "steady" is never best but never bad; "gamble" is best in three worlds, awful in one.
    runs = _runs({"steady": [5, 5, 5, 5], "gamble": [1, 1, 1, 20], "poor": [6, 6, 6, 6]})
    objective = ObjectiveParams("cost", "x", "mean", "min")
    table = robustness(runs, [objective], {"cost": 5.5}, hurwicz=0.5)
    value = table.set_index(["policy", "metric"])["value"]
    rank = table.set_index(["policy", "metric"])["rank"]
    assert value["gamble", "mean"] == pytest.approx(23 / 4)
    assert value["steady", "minimax_regret"] == pytest.approx(4)  # 5 - 1
    assert value["gamble", "minimax_regret"] == pytest.approx(15)  # 20 - 5
    assert value["gamble", "worst"] == 20 and value["gamble", "best"] == 1
    assert value["gamble", "hurwicz"] == pytest.approx(10.5)
    assert value["steady", "mean_variance"] == pytest.approx(6.0)  # (5 + 1) * (0 + 1)
    assert value["steady", "satisficing"] == 1.0 and value["gamble", "satisficing"] == 0.75
    assert value["poor", "satisficing"] == 0.0
    assert rank["gamble", "best"] == 1 and rank["steady", "worst"] == 1
    flips = rank_flips(table).set_index(["metric_a", "metric_b"])
    assert not flips.loc[("best", "worst"), "same_best"]
    assert flips.loc[("best", "worst"), "best_a"] == "gamble"
    assert flips.loc[("best", "worst"), "best_b"] == "steady"


def test_prim_and_cart_find_the_worlds_where_a_policy_fails():
    rng = np.random.default_rng(3)
    worlds = pd.DataFrame(
        {"world": range(200), "a.risk": rng.random(200), "a.noise": rng.random(200)}
    )
    bad = (worlds["a.risk"] > 0.7).to_numpy()
    runs = {
        "fragile": pd.DataFrame({"world": range(200), "x": np.where(bad, 20.0, 5.0)}),
        "solid": pd.DataFrame({"world": range(200), "x": 5.0}),
    }
    objective = ObjectiveParams("cost", "x", "mean", "min")
    table = vulnerability(worlds, runs, [objective], {"cost": 10.0})
    assert set(table["policy"]) == {"fragile"}  # "solid" never fails: nothing to explain
    for method in ("prim", "cart"):
        box = table[table["method"] == method].set_index("factor")
        assert list(box.index) == ["a.risk"], method
        assert box.at["a.risk", "low"] == pytest.approx(0.7, abs=0.03), method
        assert box.at["a.risk", "density"] == 1.0 and box.at["a.risk", "coverage"] > 0.9
        assert box.at["a.risk", "failures"] == bad.sum()


def test_named_scenarios_are_compared_world_by_world_with_the_deciding_assumption():
    worlds = pd.DataFrame({"world": range(40), "a.spoilers": np.linspace(0, 1, 40), "b.x": 1.0})
    # "gated" beats "rush" where spoilers are strong, loses where they are weak.
    rush = 10 + 10 * worlds["a.spoilers"].to_numpy()
    runs = _runs({"rush": list(rush), "gated": [15.0] * 40})
    objective = ObjectiveParams("incidents", "x", "mean", "min")
    (row,) = paired(runs, "rush", ["gated"], [objective], worlds).to_dict("records")
    assert row["share_second_better"] == pytest.approx(20 / 40)
    assert row["low"] < 0.5 < row["high"]  # a Wilson interval around the share
    assert row["deciding_factor"] == "a.spoilers" and row["spearman"] == pytest.approx(-1.0)


def test_a_maximised_objective_ranks_the_highest_first():
    runs = _runs({"low": [1, 2], "high": [3, 4]})
    table = robustness(runs, [ObjectiveParams("trust", "x", "mean", "max")], {}, 0.5)
    rank = table.set_index(["policy", "metric"])["rank"]
    assert rank["high", "mean"] == 1 and rank["low", "mean"] == 2
    assert table.set_index(["policy", "metric"])["value"]["high", "minimax_regret"] == 0


@pytest.mark.slow
def test_a_found_policy_reruns_to_the_same_numbers_with_python_m_sim(tmp_path):
    out = tmp_path / "search"
    done = _policy(out, "figures=true")
    assert done.returncode == 0, done.stderr
    pareto = pd.read_parquet(out / "pareto.parquet")
    evaluations = pd.read_parquet(out / "evaluations.parquet")
    assert "What it shows" in (out / "report.html").read_text()
    for name in ("pathways", "parallel_coordinates", "regret", "convergence"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 10_000
    policy = pareto.loc[pareto["source"] == "search", "policy"].iloc[0]
    run = tmp_path / "rerun"
    cmd = [
        sys.executable,
        "-m",
        "sim",
        "--config-dir",
        str(out / "conf"),
        f"+policy={policy}",
        f"hydra.run.dir={run}",
        "workers=1",
        "output.figures=false",
    ]
    rerun = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    runs = pd.read_parquet(run / "runs.parquet").sort_values("replication")
    mine = evaluations[evaluations["policy"] == policy].sort_values("world")
    assert runs["seed"].tolist() == mine["seed"].tolist()
    for column in ("border_incidents_per_month", "casualties_per_month", "spend_roadmap"):
        assert runs[column].tolist() == mine[column].tolist(), column


BUDGET = "constraints=[{column: spend_roadmap, max: 1000}]"


@pytest.mark.slow
def test_a_killed_search_resumes_to_the_result_of_an_uninterrupted_one(tmp_path):
    whole = _policy(tmp_path / "whole", "workers=1", BUDGET)
    assert whole.returncode == 0, whole.stderr
    pareto = pd.read_parquet(tmp_path / "whole" / "pareto.parquet")
    assert (pareto["feasible"] == (pareto["constraint_0"] <= 1000)).all()
    assert pareto["feasible"].any() and not pareto["feasible"].all()  # the budget binds
    out = tmp_path / "killed"
    proc = _policy(out, "workers=2", BUDGET, wait=False)
    second = out / "evaluations.parquet" / "part-00001.parquet"
    deadline = time.time() + 300
    while not second.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert second.exists() and not (out / "pareto.parquet").exists()
    resumed = _policy(out, "workers=2", BUDGET)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming" in resumed.stdout + resumed.stderr
    for table in ("pareto", "generations", "robustness"):
        a = pd.read_parquet(tmp_path / "whole" / f"{table}.parquet")
        b = pd.read_parquet(out / f"{table}.parquet")
        pd.testing.assert_frame_equal(a, b)
    # More generations in the same directory continue the finished search.
    longer = _policy(out, "workers=2", BUDGET, "search.generations=4")
    fresh = _policy(tmp_path / "fresh", "workers=2", BUDGET, "search.generations=4")
    assert longer.returncode == 0 and fresh.returncode == 0, longer.stderr + fresh.stderr
    assert "resuming" in longer.stdout + longer.stderr
    for table in ("pareto", "generations"):
        a = pd.read_parquet(tmp_path / "fresh" / f"{table}.parquet")
        b = pd.read_parquet(out / f"{table}.parquet")
        pd.testing.assert_frame_equal(a, b)
    # Another search there is refused, naming what differs (not the workers).
    refused = _policy(out, "workers=1", BUDGET, "worlds.count=4")
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.strip().endswith(
        ": holds another search (worlds.count=3 there, 4 here); choose a new hydra.run.dir"
    )


@pytest.mark.slow
def test_pymoo_nsga3_resumes_by_replay_and_finds_policies_that_rerun(tmp_path):
    args = ("search.algorithm=pymoo_nsga3", "search.divisions=2", "workers=1")
    whole = _policy(tmp_path / "whole", *args)
    assert whole.returncode == 0, whole.stderr
    first = _policy(tmp_path / "part", *args, "search.generations=2")
    rest = _policy(tmp_path / "part", *args)  # the third generation, after two on disk
    assert first.returncode == 0 and rest.returncode == 0, first.stderr + rest.stderr
    for table in ("pareto", "generations"):
        a = pd.read_parquet(tmp_path / "whole" / f"{table}.parquet")
        b = pd.read_parquet(tmp_path / "part" / f"{table}.parquet")
        pd.testing.assert_frame_equal(a, b)
    generations = pd.read_parquet(tmp_path / "whole" / "generations.parquet")
    assert len(generations) == 3 and generations["epsilon_progress"].is_monotonic_increasing


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["dask", "ray"])
def test_a_search_on_a_cluster_finds_what_one_process_finds(tmp_path, backend):
    one = _policy(tmp_path / "one", "workers=1")
    assert one.returncode == 0, one.stderr
    cluster = _policy(tmp_path / backend, "workers=2", f"backend={backend}")
    assert cluster.returncode == 0, cluster.stderr
    for table in ("pareto", "generations", "robustness"):
        a = pd.read_parquet(tmp_path / "one" / f"{table}.parquet")
        b = pd.read_parquet(tmp_path / backend / f"{table}.parquet")
        pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize(
    "args, message",
    [
        (["objectives=[]"], "objectives: name at least two"),
        (
            ["objectives=[{name: a, column: nothing}, {name: b, column: casualties}]"],
            "objectives[0].column=nothing: not a numeric column of runs",
        ),
        (["named=[roadmap,nowhere]"], "named[1]: scenario=nowhere"),
        (["robustness.thresholds={spent: 1}"], "robustness.thresholds.spent: no such objective"),
        (["search.algorithm=random"], "search.algorithm=random: allowed values"),
        (["worlds.count=1"], "worlds.count=1: out of range"),
        (["address=tcp://127.0.0.1:1"], "used only with backend=ray or backend=dask"),
        (
            ["levers=[{name: measures.drones.start, choices: [phase1, phase9]}]"],
            "levers[0].choices",
        ),
    ],
)
def test_bad_settings_are_refused_in_one_line_before_anything_is_written(tmp_path, args, message):
    out = tmp_path / "out"
    done = _policy(out, *args)
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and message in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize("study", ["stylised", "tr_sy_calibrated"])
def test_named_studies_are_valid(study):
    from sim.config.compose import compose_checked, config_dir, to_settings
    from sim.policy.command import prepare

    dcfg = compose_checked("policy", [f"+study={study}"], config_dir() / "policy")
    lever_list, worlds = prepare(to_settings(dcfg, PolicySettings))
    assert len(worlds) == 40 and len(lever_list) == 8


def test_worlds_drawn_for_another_seed_or_too_few_are_refused(tmp_path):
    cfg = PolicySettings(days=30)
    cfg.worlds.count = 3
    path = tmp_path / "worlds.parquet"
    make_worlds(cfg).to_parquet(path)
    config = configure("roadmap", {"calibration.worlds": str(path)}, seed=1, replications=3)
    with pytest.raises(ConfigError, match="drawn for seed=0, not seed=1; set seed=0"):
        replication_draws(config, replication_seeds(1, 3))
    config = configure("roadmap", {"calibration.worlds": str(path)}, seed=0, replications=4)
    with pytest.raises(ConfigError, match="holds 3 worlds; set replications to at most 3"):
        replication_draws(config, replication_seeds(0, 4))


@pytest.mark.parametrize(
    "module, stage, args",
    [
        ("sim.policy.command", "_search", SMALL),
        ("sim.forecast.command", "run_forecasts", ["draws=3", "first_origin=21", "horizon=2"]),
        ("sim.forecast.command", "save_figure", ["draws=3", "first_origin=21", "horizon=2"]),
    ],
)
def test_ctrl_c_leaves_the_receipt_saying_interrupted(
    tmp_path, monkeypatch, capsys, module, stage, args
):
    """A search or forecast stopped by Ctrl-C said 'running' as if it had been killed."""
    import importlib
    import json

    command = importlib.import_module(module)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(command, stage, interrupted)
    monkeypatch.setattr(sys, "argv", [module, *args, f"hydra.run.dir={tmp_path / 'out'}"])
    with pytest.raises(SystemExit) as ended:
        command.main()
    assert ended.value.code == 130 and capsys.readouterr().err.endswith("interrupted\n")
    receipt = json.loads((tmp_path / "out" / command.RECEIPT).read_text())
    assert receipt["status"] == "interrupted"
