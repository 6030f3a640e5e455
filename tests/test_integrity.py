"""Results stay whole: a resume checks every file it reuses, an aggregation or a
comparison replaces its output whole or not at all, and a directory in use (or
the working directory) is never written into."""

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from test_sweep import SMALL, multirun, sweep_runs

import sim
from sim.model import RoadmapModel
from sim.params import ConfigError
from sim.runner import locked


def tree_hashes(root: Path) -> dict[str, str]:
    """Every file under ``root`` by relative path, with its SHA-1."""
    return {
        str(p.relative_to(root)): hashlib.sha1(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def sim_cli(*args: str, cwd: Path, module: str = "sim") -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", module, *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_a_resume_reruns_jobs_whose_files_were_copied_removed_or_damaged(tmp_path):
    args = ["scenario=baseline,roadmap,all_at_once", *SMALL]
    sweep = tmp_path / "sw"
    assert multirun(*args, cwd=tmp_path, sweep_dir=sweep).returncode == 0
    clean = sweep_runs(sweep)
    part = "timeseries.parquet/part-00000.parquet"
    (sweep / "job0" / part).write_bytes((sweep / "job1" / part).read_bytes())  # same rows
    (sweep / "job1" / "incidents.parquet" / "part-00000.parquet").unlink()
    damaged = sweep / "job2" / "runs.parquet"
    data = bytearray(damaged.read_bytes())
    data[200:210] = b"\xff" * 10  # the footer, and so the row count, stay intact
    damaged.write_bytes(bytes(data))
    result = multirun(*args, cwd=tmp_path, sweep_dir=sweep)
    assert result.returncode == 0, result.stderr
    assert f"job0: {part} changed since it finished; running it again" in result.stderr
    assert "job1: incidents.parquet/part-00000.parquet was removed" in result.stderr
    assert "job2: runs.parquet changed since it finished" in result.stderr
    assert "skipped" not in result.stdout
    ts = pd.read_parquet(sweep / "sweep" / "timeseries.parquet")
    assert ts.groupby("scenario").size().tolist() == [3 * 120] * 3
    pd.testing.assert_frame_equal(sweep_runs(sweep), clean)


def test_a_failed_aggregation_leaves_the_previous_one_whole(tmp_path, monkeypatch):
    from sim import sweep as sweep_module

    runs_dir = tmp_path / "run"
    sim.run("baseline", replications=2, days=60, out_dir=runs_dir)
    out = tmp_path / "cmp"
    sweep_module.aggregate([runs_dir], out)
    before = tree_hashes(out)

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sweep_module, "outcomes_figure", broken)
    with pytest.raises(OSError):
        sweep_module.aggregate([runs_dir], out, metric="final_trust")
    assert tree_hashes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cmp", "run"]  # no staging left


@pytest.mark.slow
def test_compare_refuses_to_write_over_results_or_to_half_write(tmp_path):
    run = tmp_path / "run"
    assert (
        sim_cli("days=60", "replications=2", f"hydra.run.dir={run}", cwd=tmp_path).returncode == 0
    )
    before = tree_hashes(run)
    into_run = sim_cli(str(run), "--out", str(run), cwd=tmp_path, module="sim.compare")
    assert into_run.returncode == 2 and "holds the results being compared" in into_run.stderr
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    into_other = sim_cli(str(run), "--out", str(other), cwd=tmp_path, module="sim.compare")
    assert into_other.returncode == 2 and "holds other files" in into_other.stderr
    bad = sim_cli(
        str(run),
        "--baseline",
        "nope",
        "--out",
        str(tmp_path / "c"),
        cwd=tmp_path,
        module="sim.compare",
    )
    assert bad.returncode == 2 and bad.stderr.startswith("error: --baseline nope")
    assert not (tmp_path / "c").exists()
    assert tree_hashes(run) == before and os.listdir(other) == ["notes.txt"]
    for result in (into_run, into_other, bad):
        assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_a_directory_in_use_is_refused_before_hydra_writes_there(tmp_path):
    out = tmp_path / "run"
    with locked(out):
        result = sim_cli("days=30", "replications=2", f"hydra.run.dir={out}", cwd=tmp_path)
    assert result.returncode == 2
    assert (
        result.stderr.strip().splitlines()[-1].startswith("error: ")
        and "Traceback" not in result.stderr
    )
    assert sorted(p.name for p in out.iterdir()) == [".lock"]  # no .hydra/, no log


@pytest.mark.slow
def test_the_working_directory_and_each_others_directories_are_refused(tmp_path):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    empty = sim_cli("days=30", "replications=2", "hydra.run.dir=", cwd=cwd)
    assert empty.returncode == 2 and "an empty path" in empty.stderr
    assert list(cwd.iterdir()) == []
    sweep, run = tmp_path / "sw", tmp_path / "run"
    assert multirun("days=30", "replications=2", cwd=tmp_path, sweep_dir=sweep).returncode == 0
    assert (
        sim_cli("days=30", "replications=2", f"hydra.run.dir={run}", cwd=tmp_path).returncode == 0
    )
    run_into_sweep = sim_cli("days=30", "replications=2", f"hydra.run.dir={sweep}", cwd=tmp_path)
    assert run_into_sweep.returncode == 2 and "holds a multirun's results" in run_into_sweep.stderr
    sweep_into_run = multirun("days=30", "replications=2", cwd=tmp_path, sweep_dir=run)
    assert (
        sweep_into_run.returncode == 2 and "holds a single run's results" in sweep_into_run.stderr
    )


@pytest.mark.slow
def test_ctrl_c_ends_with_one_line_and_keeps_finished_results(tmp_path):
    out = tmp_path / "run"
    cmd = [
        sys.executable,
        "-m",
        "sim",
        "days=1095",
        "replications=400",
        "workers=2",
        f"hydra.run.dir={out}",
    ]
    proc = subprocess.Popen(
        cmd,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.time() + 120
    while not (out / "job.json").exists() or '"running"' not in (out / "job.json").read_text():
        assert time.time() < deadline and proc.poll() is None
        time.sleep(0.1)
    time.sleep(2)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal sends it: to the whole group
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert stderr.strip().splitlines()[-1] == "interrupted" and "Traceback" not in stderr


FACTOR = {"patrol.sweep_rate": (0.2, 1.0)}


def ema_model(*args, **kwargs):
    from sim.ema import model

    return model(*args, **kwargs)


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: sim.run("roadmap", {"days": 5}, days=30),
            "days: given in overrides and as the days=",
        ),
        (lambda: sim.run("roadmap", {"seed": 3}), "seed: given in overrides"),
        (lambda: sim.run("roadmap", [5]), "overrides: 5 is not a 'key=value' string"),
        (lambda: sim.run("roadmap", 5), "overrides=5: expected a mapping or a list"),
        (lambda: sim.run("roadmap", days=10, out_dir=""), "out_dir='': an empty path"),
        (lambda: RoadmapModel(scenario="roadmap", days=10, rng=-1), "rng=-1: a seed is"),
        (lambda: RoadmapModel(scenario="roadmap", days=10, rng="abc"), "rng='abc': a seed is"),
        (lambda: ema_model(FACTOR, days=-1), "days=-1: out of range"),
        (lambda: ema_model(FACTOR, levers=FACTOR), "patrol.sweep_rate: both an uncertainty"),
        (lambda: ema_model(FACTOR, outcomes=[]), "outcomes=[]: name at least one"),
    ],
)
def test_python_api_refuses_bad_arguments_with_a_config_error(call, message):
    with pytest.raises(ConfigError, match="^" + message.replace("(", r"\(").replace("[", r"\[")):
        call()


def test_python_api_refuses_an_out_dir_that_is_a_file(tmp_path):
    path = tmp_path / "afile"
    path.write_text("mine")
    with pytest.raises(ConfigError, match="exists and is not a directory"):
        sim.run("roadmap", days=10, replications=1, out_dir=path)
    assert path.read_text() == "mine"
