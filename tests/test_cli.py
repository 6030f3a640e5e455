"""The command line end to end, through real subprocesses."""

import json
import signal
import subprocess
import sys

import pandas as pd
import pytest

RUN_COLUMNS = {
    "scenario",
    "replication",
    "seed",
    "border_incidents",
    "detection_rate",
    "final_trust",
    "phase3_day",
    "relapses",
    "overrides",
    "version",
    "config_id",
}
TS_COLUMNS = {
    "scenario",
    "replication",
    "seed",
    "day",
    "phase",
    "border_incidents",
    "trust",
    "tension",
}
INCIDENT_COLUMNS = {"day", "sector", "type", "detected", "casualties", "side", "actor", "province"}


def sim(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow
def test_run_writes_tables_figure_and_summary(tmp_path):
    out = tmp_path / "run"
    result = sim("replications=3", "days=200", "workers=2", f"hydra.run.dir={out}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Border incidents per month" in result.stdout
    runs = pd.read_parquet(out / "runs.parquet")
    assert set(runs.columns) >= RUN_COLUMNS and len(runs) == 3
    assert (runs["overrides"].str.contains("days=200")).all()
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert set(ts.columns) >= TS_COLUMNS and len(ts) == 3 * 200
    inc = pd.read_parquet(out / "incidents.parquet")
    assert set(inc.columns) >= INCIDENT_COLUMNS
    assert (out / "figures" / "incidents.png").stat().st_size > 10_000
    assert not list(tmp_path.glob("*.parquet"))  # nothing in the working directory


@pytest.mark.slow
@pytest.mark.parametrize(
    "bad",
    [
        "measures.joint_patrols.intensity=1.7",
        "scenario=nope",
        "days=-3",
        "+effort=quick",  # a group of python -m sim.calibrate
        "costs.money_per_year=[5,-3]",  # named by element: costs.money_per_year.1=-3.0
        *[
            f"calibration=ucdp_tr_sy geography=tr_sy calibration.posterior={posterior}"
            for posterior in ("/etc/passwd", "/dev/zero", "/nonexistent.parquet")
        ],
    ],
)
def test_bad_input_exits_nonzero_with_one_line_and_writes_nothing(tmp_path, bad):
    result = sim(*bad.split(), cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    named = bad.split()[-1].split("=")[0]
    assert len(lines) == 1 and lines[0].startswith("error: ") and named in lines[0], lines
    assert not any(tmp_path.iterdir())


@pytest.mark.slow
def test_console_script_is_installed(tmp_path):
    exe = __import__("shutil").which(
        "sim", path=str(__import__("pathlib").Path(sys.executable).parent)
    )
    assert exe
    result = subprocess.run([exe, "--cfg", "job"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0 and "scenario_name: roadmap" in result.stdout


def test_every_console_script_enters_as_python_m_does():
    """A console script that imported its command itself printed the import's traceback on
    Ctrl-C while loading (``python -m`` goes through ``sim.run_command``)."""
    import functools
    import importlib
    import tomllib
    from pathlib import Path

    import sim

    pyproject = Path(__file__).parents[1] / "pyproject.toml"
    scripts = tomllib.loads(pyproject.read_text())["project"]["scripts"]
    assert len(scripts) == 7
    for name, target in scripts.items():
        module, attr = target.split(":")
        entry = getattr(importlib.import_module(module), attr)
        assert isinstance(entry, functools.partial) and entry.func is sim.run_command, name
        assert callable(importlib.import_module(entry.args[0]).main), name
    code = "import sim.scripts, sys; print(sorted({'numpy', 'hydra', 'mesa'} & set(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert loaded.stdout.strip() == "[]", loaded.stdout + loaded.stderr  # nothing slow first


def test_ctrl_c_while_the_command_line_is_checked_ends_in_one_line(capsys):
    """The checks compile the kernels on a fresh clone (a minute): Ctrl-C then once printed
    a traceback."""
    from sim.config.precheck import checked_main, split_command_line

    def check(line: object) -> None:
        raise KeyboardInterrupt

    with pytest.raises(SystemExit) as ended:
        checked_main(lambda: None, check, split_command_line(["days=30"]))
    assert ended.value.code == 130 and capsys.readouterr().err == "interrupted\n"


def test_ctrl_c_while_a_command_loads_and_a_closed_pipe_end_in_one_line_or_none(
    monkeypatch, capsys
):
    """``python -m`` imports the command first (seconds: NumPy, Mesa, Hydra): Ctrl-C then
    printed an import's traceback; output piped into a reader that stopped (``| head``)
    printed a BrokenPipeError's."""
    import importlib

    import sim

    def interrupted(name: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(importlib, "import_module", interrupted)
    monkeypatch.setattr(sim, "import_module", interrupted)
    with pytest.raises(SystemExit) as ended:
        sim.run_command("sim.cli")
    assert ended.value.code == 130 and capsys.readouterr().err == "interrupted\n"
    monkeypatch.undo()
    cmd = [sys.executable, "-m", "sim", "--cfg", "job"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before the command writes a line
    assert proc.wait(timeout=120) == -signal.SIGPIPE and proc.stderr.read() == b""


def test_a_run_whose_output_nobody_reads_ends_quietly_and_is_run_again(tmp_path):
    """A closed stdout is no full disk: the run is not marked failed for it (it stays
    'running', so that the same command runs it again), and no error is printed."""
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "sim", "days=30", "replications=2", f"hydra.run.dir={out}"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    proc.stdout.close()
    assert proc.wait(timeout=300) == 141
    said = proc.stderr.read().decode()
    assert "error" not in said and "Traceback" not in said
    assert json.loads((out / "job.json").read_text())["status"] == "running"
