"""The guard every Hydra app runs first: whole floats for integers, one-line errors."""

import subprocess
import sys

import pandas as pd
import pytest

from sim.calibrate.params import CalibrateSettings
from sim.config.overrides import configure
from sim.config.params import ConfigError
from sim.config.precheck import plan, split_command_line, whole_numbers
from sim.explore.params import ExploreConfig


def rewritten(args: list[str], schema: type | None = None) -> list[str]:
    line = split_command_line(args)
    whole_numbers(line, *([schema] if schema else []))
    return line.args


def test_whole_floats_for_integer_parameters_are_written_as_integers():
    args = [
        "-m",
        "armed_groups.recruit_every_days=7.0,14.0",
        "phases.min_days=[180.0,270]",
        "seed=range(0.0,3.0)",
        "++patrol.redeploy_days=5.0",
        "--config-name",
        "config",
        "patrol.sweep_rate=1",  # a float parameter: left as given
        "days=30",
    ]
    assert rewritten(args) == [
        "-m",
        "armed_groups.recruit_every_days=7,14",
        "phases.min_days=[180,270]",
        "seed=range(0,3,1)",
        "++patrol.redeploy_days=5",
        "--config-name",
        "config",
        "patrol.sweep_rate=1",
        "days=30",
    ]
    p = plan(split_command_line(rewritten(args)))
    assert [c.armed_groups.recruit_every_days for c in p.configs][:2] == [7, 7]
    assert {c.armed_groups.recruit_every_days for c in p.configs} == {7, 14}
    assert all(c.phases.min_days == [180, 270] for c in p.configs)


def test_other_apps_use_their_own_schema():
    assert rewritten(["explore.points=8.0", "replications=2.0"], ExploreConfig) == [
        "explore.points=8",
        "replications=2",
    ]
    assert rewritten(["population=20.0"], CalibrateSettings) == ["population=20"]


@pytest.mark.parametrize(
    "text", ["armed_groups.recruit_every_days=7.5", "armed_groups.recruit_every_days=7.0,7.5"]
)
def test_a_fraction_for_an_integer_is_refused_with_the_api_message(text):
    with pytest.raises(ConfigError) as cli:
        rewritten([text])
    with pytest.raises(ConfigError) as api:
        configure("roadmap", {"armed_groups.recruit_every_days": 7.5})
    assert str(cli.value) == str(api.value)
    assert str(cli.value).startswith("armed_groups.recruit_every_days=7.5: ")


def test_explore_settings_are_registered_with_the_others():
    code = (
        "import sys, sim.config.compose; from hydra.core.config_store import ConfigStore; "
        "assert 'explore_schema.yaml' in ConfigStore.instance().repo; "
        "assert 'sim.explore.command' not in sys.modules"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_explore_check_refuses_a_setting_out_of_range():
    from sim.explore.command import check

    with pytest.raises(ConfigError, match=r"^explore.points=0: out of range"):
        check(split_command_line(["explore.points=0"], "explore"))


def command(module: str, *args: str, cwd) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", module, *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_whole_floats_in_single_runs_multiruns_and_designs(tmp_path):
    quiet = ["days=40", "replications=1", "workers=1", "output.figures=false"]
    one = command(
        "sim", "armed_groups.recruit_every_days=7.0", *quiet, "hydra.run.dir=one", cwd=tmp_path
    )
    assert one.returncode == 0, one.stderr
    runs = pd.read_parquet(tmp_path / "one" / "runs.parquet")
    assert "armed_groups.recruit_every_days=7" in runs["overrides"].iloc[0].split()
    many = command(
        "sim",
        "-m",
        "armed_groups.recruit_every_days=7.0,14.0",
        *quiet,
        "compare.aggregate=false",
        "hydra.sweep.dir=many",
        cwd=tmp_path,
    )
    assert many.returncode == 0, many.stderr
    assert len(list((tmp_path / "many").glob("*/runs.parquet"))) == 2
    design = command(
        "sim.explore",
        "explore.points=2.0",
        "replications=1.0",
        "days=40",
        "workers=1",
        "explore.figures=false",
        "+explore.factors.patrol.redeploy_days=null",
        "+overrides.armed_groups.recruit_every_days=7.0",
        "hydra.run.dir=design",
        cwd=tmp_path,
    )
    assert design.returncode == 0, design.stderr
    assert len(pd.read_parquet(tmp_path / "design" / "runs.parquet")) == 2


@pytest.mark.slow
@pytest.mark.parametrize(
    ("module", "bad"),
    [
        ("sim", "armed_groups.recruit_every_days=7.5"),
        ("sim", "-m armed_groups.recruit_every_days=7.0,7.5"),
        ("sim.explore", "explore.points=2.5"),
        ("sim.explore", "+overrides.armed_groups.recruit_every_days=7.5"),
    ],
)
def test_a_fraction_for_an_integer_exits_2_in_one_line_writing_nothing(tmp_path, module, bad):
    result = command(module, *bad.split(), cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "=" in lines[0], lines
    assert "2.5" in lines[0] or "7.5" in lines[0]
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    "args, message",
    [
        (["measures.drones.intensity=interval(0,1)"], "interval() needs an optimising sweeper"),
        (
            [
                "hydra/sweeper=optuna",
                "hydra.sweeper.n_trials=2",
                "patrol.sweep_rate=interval(1,0.2)",
            ],
            "the interval's low end must be below its high end",
        ),
        (
            [
                "hydra/sweeper=optuna",
                "hydra.sweeper.n_trials=0",
                "patrol.sweep_rate=interval(0.2,1)",
            ],
            "hydra.sweeper.n_trials=0: at least 1 trial",
        ),
    ],
)
def test_sweeps_the_sweeper_would_reject_are_refused_in_one_line(args, message):
    with pytest.raises(ConfigError) as error:
        plan(split_command_line(["-m", *args, "days=30"]))
    assert message in str(error.value) and "\n" not in str(error.value)


def test_a_one_job_command_names_a_multirun_or_a_sweep_instead_of_hydras_ambiguity():
    from sim.config.precheck import one_job

    with pytest.raises(ConfigError, match=r"^-m/--multirun: python -m sim.policy runs one job"):
        one_job(split_command_line(["-m", "days=10"], "policy"), "sim.policy")
    with pytest.raises(ConfigError, match=r"^days=10,20: a sweep of values; python -m sim.x"):
        one_job(split_command_line(["days=10,20"], "x"), "sim.x")
    one_job(split_command_line(["named=[roadmap,all_at_once]", "days=10"], "x"), "sim.x")
    with pytest.raises(ConfigError, match=r"^hydra.sweeper.params.x=1: a setting of Hydra's"):
        one_job(split_command_line(["hydra.sweeper.params.x=1"], "x"), "sim.x")


@pytest.mark.parametrize(
    "given", ["hydra.sweeper.params.x=1", "hydra.sweeper.params={scenario:'baseline,roadmap'}"]
)
def test_sweeper_params_hydra_cannot_compose_are_refused_in_one_line(given):
    """Hydra's own settings pass our key checks; these crash its composition (the sweeper's
    params are null until a config sets them)."""
    with pytest.raises(ConfigError) as error:
        plan(split_command_line(["-m", given, "days=30"]))
    text = str(error.value)
    assert text.startswith(f"{given}: Hydra cannot compose this (") and "\n" not in text
    assert text.endswith(
        "give swept values as key=a,b on the command line (e.g. scenario=baseline,roadmap)"
    )


@pytest.mark.parametrize("program", ["sim.forecast", "sim.calibrate", "sim.explore", "sim.policy"])
def test_every_one_job_command_refuses_a_sweep_in_one_line(tmp_path, program):
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", program, "days=10,20", f"hydra.run.dir={out}"]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 2
    expected = f"days=10,20: a sweep of values; python -m {program} runs one job: give one value"
    assert done.stderr == f"error: {expected}\n"
    assert not out.exists()
