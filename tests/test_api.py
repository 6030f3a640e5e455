"""The Python API: sim.run, overrides on a cached base, the Mesa-native model, sim.parameters."""

import subprocess
import sys
import textwrap

import mesa
import pandas as pd
import pytest
from conftest import config

import sim
import sim.config.overrides as ov
from sim.config.params import ConfigError
from sim.model.model import RoadmapModel
from sim.runs.runner import model_params, replication_seeds, run_replications, simulate
from sim.runs.tables import collect

GROUP_AND_KEYS = [
    "geography=tr_sy",
    "+ablation=without_drones",
    "+gates=strict",
    "measures.drones.ramp_days=100",
    "phases.min_trust=[0.3,0.6]",
    "measures.hotline.start=45",
]


def test_overrides_build_the_config_the_command_line_builds():
    assert ov.configure("security_only", GROUP_AND_KEYS) == config(
        "scenario=security_only", *GROUP_AND_KEYS
    )


@pytest.mark.parametrize(
    "bad",
    [
        "patrol.units_per_side=abc",
        "patrol.units_per_side=7.5",
        "patrol.nope=1",
        "phases.relapse=maybe",
        "phases.mode=x",
        "measures.drones.start=phase9",
        "measures.drones=3",
        "patrol.units_per_side=-1",
        "phases.min_days=[1,2,3]",
        "+gates=nope",
    ],
)
def test_bad_overrides_raise_the_command_lines_one_line_error(bad):
    with pytest.raises(ConfigError) as cli:
        config(bad)
    with pytest.raises(ConfigError) as api:
        ov.configure("roadmap", [bad])
    assert str(api.value) == str(cli.value)
    assert "\n" not in str(api.value)


def test_whole_floats_are_accepted_for_integers_and_fractions_refused():
    cfg = ov.configure(
        "roadmap", {"armed_groups.recruit_every_days": 7.0, "phases.min_days.0": 90.0}
    )
    assert (
        cfg.armed_groups.recruit_every_days == 7
        and type(cfg.armed_groups.recruit_every_days) is int
    )
    assert cfg.phases.min_days == [90, 270]
    with pytest.raises(ConfigError, match="recruit_every_days=7.5: .*Integer"):
        ov.configure("roadmap", {"armed_groups.recruit_every_days": 7.5})


def test_one_compose_per_group_choice_and_the_cached_base_is_never_changed(monkeypatch):
    composed = []
    monkeypatch.setattr(ov, "load_config", lambda args: composed.append(args) or config(*args))
    ov.base.cache_clear()
    try:
        for units in (10, 20, 30):
            assert (
                ov.configure("baseline", {"patrol.units_per_side": units}).patrol.units_per_side
                == units
            )
        assert (
            ov.configure("baseline").patrol.units_per_side
            == config("scenario=baseline").patrol.units_per_side
        )
        assert len(composed) == 1
    finally:
        ov.base.cache_clear()


def test_run_in_memory_gives_the_tables_the_runner_writes(tmp_path):
    keys = {"armed_groups.recruit_every_days": 7.0, "geography": "tr_sy"}
    res = sim.run("roadmap", keys, replications=3, days=150, seed=4)
    cfg = config("geography=tr_sy", "replications=3", "days=150", "seed=4", "workers=1")
    runs = run_replications(cfg, tmp_path, ["armed_groups.recruit_every_days=7", "geography=tr_sy"])
    pd.testing.assert_frame_equal(res.runs, runs)
    for table in ("timeseries", "incidents", "transitions"):
        pd.testing.assert_frame_equal(
            getattr(res, table), pd.read_parquet(tmp_path / f"{table}.parquet"), obj=table
        )


def test_run_refuses_bad_input_before_writing_anything(tmp_path):
    with pytest.raises(ConfigError, match="^patrol.units_per_side=-3: out of range"):
        sim.run(overrides=["patrol.units_per_side=-3"], out_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
@pytest.mark.parametrize(
    "workers",
    [
        1,
        2,
    ],
)
def test_run_from_a_plain_script_without_a_main_guard(tmp_path, workers):
    script = tmp_path / "plain.py"
    script.write_text(
        textwrap.dedent(f"""
        import sim
        res = sim.run("baseline", {{"patrol.units_per_side": 30}}, replications=4, days=60,
                      workers={workers})
        print(len(res.runs), len(res.timeseries))
        """)
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["4", "240"]


def test_mesa_native_model_matches_the_runner_and_stops_at_the_horizon():
    cfg = ov.configure("roadmap", {"measures.joint_patrols.intensity": 0.5}, days=120)
    seed = replication_seeds(3, 1)[0]
    expected = simulate(model_params(cfg), 120, seed).summary
    model = RoadmapModel(
        scenario="roadmap", days=120, rng=seed, **{"measures.joint_patrols.intensity": 0.5}
    )
    while model.running:
        model.step()
    assert model.steps == 120
    model.step()  # one more step after the horizon changes nothing
    assert collect(model).summary == expected
    daily = model.datacollector.get_model_vars_dataframe()
    assert daily["day"].tolist() == list(range(120))
    assert daily["border_incidents"].sum() == expected["border_incidents"]


def test_runner_path_collects_nothing_through_mesa():
    assert RoadmapModel(model_params(config()), 10, 1).datacollector is None


def test_mesa_batch_run_with_two_processes():
    results = mesa.batch_run(
        RoadmapModel,
        parameters={"days": 60, "measures.joint_patrols.intensity": [0.0, 1.0]},
        rng=[1, 2],
        number_processes=2,
        max_steps=100,
        display_progress=False,
    )
    frame = pd.DataFrame(results)
    assert len(frame) == 4 and (frame["Step"] == 60).all()
    for _, row in frame.iterrows():
        key = {"measures.joint_patrols.intensity": row["measures.joint_patrols.intensity"]}
        model = RoadmapModel(days=60, rng=int(row["seed"]), **key).run()
        assert (
            row["fighters"] == model.datacollector.get_model_vars_dataframe()["fighters"].iloc[-1]
        )


def test_parameters_list_every_numeric_parameter_and_each_can_be_set():
    table = sim.parameters()
    assert {"patrol.sweep_rate", "phases.min_days.1", "geography.provinces.0.roughness"} <= set(
        table["key"]
    )
    assert not table["key"].isin(["days", "seed", "workers", "phases.relapse"]).any()
    row = table.set_index("key").loc["armed_groups.recruit_every_days"]
    assert (row["type"], row["default"], row["low"], row["high"]) == ("int", 7, 1, 365)
    assert (
        type(row["default"]) is int
        and type(table.set_index("key").loc["patrol.sweep_rate", "default"]) is float
    )
    for key, default, kind in zip(table["key"], table["default"], table["type"], strict=True):
        value = ov.lookup(ov.configure("roadmap", {key: float(default)}), key)
        assert value == default and type(value).__name__ == kind, key


def test_summary_row_has_the_declared_columns_in_order():
    from sim.runs.tables import SUMMARY_COLUMNS

    summary = simulate(model_params(config("days=40")), 40, 5).summary
    assert tuple(summary) == SUMMARY_COLUMNS
    assert summary["days"] == 40  # the horizon travels with every run


def test_keyword_model_reports_the_runs_tables_outcomes_at_its_last_day():
    model = RoadmapModel(days=60, rng=3, **{"patrol.units_per_side": 30}).run()
    frame = model.datacollector.get_model_vars_dataframe()
    expected = simulate(model_params(config("patrol.units_per_side=30")), 60, 3).summary
    last = frame.iloc[-1]
    assert last["border_incidents_total"] == expected["border_incidents"]
    assert last["border_incidents"] == frame["border_incidents"].iloc[-1]  # today's count
    for key in ("border_incidents_per_month", "attack", "casualties", "final_trust", "days"):
        assert last[key] == expected[key], key
    assert frame["attack"].iloc[:-1].isna().all()  # outcomes exist only once the run is over


def test_batch_design_runs_each_point_under_each_seed_as_the_runner_does():
    from sim.api import batch_design
    from sim.runs.tables import SUMMARY_COLUMNS

    design = pd.DataFrame(
        {"patrol.units_per_side": [30, 60, 30], "patrol.sweep_rate": [0.3, 0.6, 0.3]}
    )
    table = batch_design(design, seeds=[4, 9], days=45)
    assert table[["point", "seed"]].values.tolist() == [
        [0, 4],
        [0, 9],
        [1, 4],
        [1, 9],
        [2, 4],
        [2, 9],
    ]
    for row in table.itertuples(index=False):
        cfg = ov.configure(
            "roadmap", {k: design[k].iloc[row.point].item() for k in design}, days=45
        )
        expected = pd.Series(simulate(model_params(cfg), 45, row.seed).summary, dtype=float)
        got = pd.Series(row._asdict())[list(SUMMARY_COLUMNS)].astype(float)
        pd.testing.assert_series_equal(got, expected, check_names=False)
    with pytest.raises(ConfigError, match="patrol.units_per_side=-3"):
        batch_design(pd.DataFrame({"patrol.units_per_side": [-3]}), days=45)


def test_results_print_in_one_short_line():
    res = sim.run("baseline", replications=2, days=20)
    text = repr(res)
    assert "\n" not in text and len(text) < 200
    assert "scenario='baseline'" in text and "runs=2 rows" in text


def test_run_reports_progress_when_asked_and_stays_quiet_when_short(capsys):
    sim.run("baseline", replications=2, days=20, progress=True)
    assert "baseline replications 2/2" in capsys.readouterr().err
    sim.run("baseline", replications=2, days=20)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda: sim.run("roadmap", {"calibration": "../scenario/baseline"}), "calibration"),
        (lambda: sim.run("../../conf/config", days=30), "scenario"),
        (lambda: sim.run("roadmap", ["scenario=baseline"], days=30), "scenario=baseline: given"),
        (lambda: sim.run("roadmap", {"geography": "../scenario/baseline"}), "geography"),
        (lambda: sim.run("roadmap", {"description": "${oc.env:HOME}"}), "description"),
        (lambda: sim.run(["roadmap"]), "scenario"),
        (lambda: sim.run("roadmap", days=30, out_dir=5), "out_dir"),
        (
            lambda: sim.run("roadmap", {"patrol": {"sweep_rate": 5}, "patrol.sweep_rate": 0.2}),
            "patrol.sweep_rate",
        ),
    ],
)
def test_hostile_api_calls_raise_one_line_config_errors_naming_the_input(call, named):
    with pytest.raises(ConfigError) as refused:
        call()
    assert named in str(refused.value) and "\n" not in str(refused.value)


def test_the_ema_adaptor_refuses_uncertainties_that_are_not_a_list():
    from sim import ema

    with pytest.raises(ConfigError, match="uncertainties"):
        ema.model(uncertainties=5)


@pytest.mark.parametrize("days", [60.0, "60"])
def test_the_model_takes_a_whole_number_of_days_as_float_or_text(days):
    assert RoadmapModel(days=days).days == 60


def test_an_override_without_a_value_says_how_to_write_one():
    with pytest.raises(ConfigError, match="'patrol.units_per_side' is not a 'key=value' string"):
        sim.run("roadmap", ["patrol.units_per_side"], days=20)
