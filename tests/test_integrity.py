"""Results stay whole: a resume checks every file it reuses, an aggregation or a
comparison replaces its output whole or not at all, and a directory in use (or
the working directory) is never written into."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import files_of, locked_elsewhere, within
from test_sweep import SMALL, multirun, sweep_runs

import sim
from sim.config.params import ConfigError
from sim.model.model import RoadmapModel
from sim.runs.lock import check_destination
from sim.runs.runner import locked


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
    from sim.runs import sweep as sweep_module

    runs_dir = tmp_path / "run"
    sim.run("baseline", replications=2, days=60, out_dir=runs_dir)
    out = tmp_path / "cmp"
    sweep_module.aggregate([runs_dir], out)
    before = files_of(out)

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sweep_module, "outcomes_figure", broken)
    with pytest.raises(OSError):
        sweep_module.aggregate([runs_dir], out, metric="final_trust")
    assert files_of(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cmp", "run"]  # no staging left


@pytest.mark.slow
def test_compare_refuses_to_write_over_results_or_to_half_write(tmp_path):
    run = tmp_path / "run"
    assert (
        sim_cli("days=60", "replications=2", f"hydra.run.dir={run}", cwd=tmp_path).returncode == 0
    )
    before = files_of(run)
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
    assert files_of(run) == before and os.listdir(other) == ["notes.txt"]
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
    assert sorted(p.name for p in out.iterdir()) == []  # no .hydra/, no log


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
    assert sweep_into_run.returncode == 2 and "holds a run's results" in sweep_into_run.stderr


@pytest.mark.slow
def test_no_command_writes_into_or_inside_another_kind_of_results(tmp_path):
    sweep, run = tmp_path / "sw", tmp_path / "run"
    assert multirun("days=30", "replications=2", cwd=tmp_path, sweep_dir=sweep).returncode == 0
    assert (
        sim_cli("days=30", "replications=2", f"hydra.run.dir={run}", cwd=tmp_path).returncode == 0
    )
    before = {d: files_of(d) for d in (sweep, run)}
    small = ["days=30", "replications=2"]
    factor = "+explore.factors.patrol.sweep_rate=[0.2,1.0]"
    for inside in ("job0", "job0/timeseries.parquet", "sweep"):
        with pytest.raises(ConfigError, match="inside the multirun"):
            check_destination(sweep / inside, "run")
    for kind in ("design", "calibration", "multirun"):
        with pytest.raises(ConfigError, match="holds a run's results"):
            check_destination(run, kind)
    check_destination(run, "run")  # a run may run again where a run was
    attempts = {
        "sim": [
            ([f"hydra.run.dir={sweep / 'job0'}"], "inside the multirun"),
            (["hydra.run.dir=."], "the working directory"),
        ],
        "sim.explore": [([factor, "explore.points=4", f"hydra.run.dir={run}"], "holds a run's")],
        "sim.calibrate": [(["effort=quick", f"hydra.run.dir={run}"], "holds a run's results")],
    }
    for module, cases in attempts.items():
        for args, message in cases:
            cwd = run if args == ["hydra.run.dir=."] else tmp_path
            settings = [] if module == "sim.calibrate" else small
            result = sim_cli(*settings, *args, cwd=cwd, module=module)
            assert result.returncode == 2, (module, args, result.stderr[-500:])
            assert message in result.stderr and "Traceback" not in result.stderr, result.stderr
    with pytest.raises(ConfigError, match="holds a multirun's results"):
        sim.run("roadmap", replications=2, days=30, out_dir=sweep)
    assert {d: files_of(d) for d in (sweep, run)} == before


@pytest.mark.slow
def test_compare_says_in_its_exit_code_that_a_source_job_was_left_out(tmp_path):
    sweep = tmp_path / "sw"
    args = ["scenario=baseline,roadmap", "days=30", "replications=2"]
    assert multirun(*args, cwd=tmp_path, sweep_dir=sweep).returncode == 0
    part = next((sweep / "job0" / "timeseries.parquet").glob("*.parquet"))
    data = bytearray(part.read_bytes())
    data[len(data) // 2] ^= 0xFF
    part.write_bytes(bytes(data))
    result = sim_cli(str(sweep), "--out", str(tmp_path / "cmp"), cwd=tmp_path, module="sim.compare")
    assert result.returncode == 1 and "FAILED job0:" in result.stdout
    assert "1 source job(s) left out: job0" in result.stderr
    from sim.runs.jobs import write_receipt

    write_receipt(sweep / "job0", "interrupted", None, command="python -m sim")  # Ctrl-C
    result = sim_cli(
        str(sweep), "--out", str(tmp_path / "cmp2"), cwd=tmp_path, module="sim.compare"
    )
    assert result.returncode == 1 and (
        "unfinished job0: status interrupted: stopped by Ctrl-C; the command that started it "
        "runs it again" in result.stdout
    ), result.stdout


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
        # a terminal's Ctrl-C, even where this test runs with SIGINT ignored (a background job)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.time() + 120
    while not any(out.rglob("part-*.parquet")):  # a chunk is done: the workers are up
        assert time.time() < deadline and proc.poll() is None
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal sends it: to the whole group
    _, stderr = proc.communicate(timeout=180)  # it stops when the chunks in flight return
    assert proc.returncode == 130
    assert stderr.strip().splitlines()[-1] == "interrupted" and "Traceback" not in stderr
    assert json.loads((out / "job.json").read_text())["status"] == "interrupted"
    from sim.report.command import NotAResult, check_run

    with pytest.raises(NotAResult, match=r"status interrupted: stopped by Ctrl-C"):
        check_run(out)  # its tables are not reported as this run's


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


def test_an_ema_model_keeps_its_name_and_imports_quietly():
    """The checks of its ranges once renamed every model "levers"; EMA's import warned about
    an evaluator this package does not use."""
    code = (
        "from sim.ema import model\n"
        "print(model({'patrol.sweep_rate': (0.2, 1.0)}, days=30, name='mine').name)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout == "mine\n", result.stderr[-2000:]
    assert result.stderr == ""


def test_python_api_refuses_an_out_dir_that_is_a_file(tmp_path):
    path = tmp_path / "afile"
    path.write_text("mine")
    with pytest.raises(ConfigError, match="exists and is not a directory"):
        sim.run("roadmap", days=10, replications=1, out_dir=path)
    assert path.read_text() == "mine"


def test_deleting_files_in_a_locked_directory_does_not_lift_its_lock(tmp_path):
    """The lock is the directory's own: no file to delete lets a second writer in."""
    from sim.runs.runner import Busy

    with locked_elsewhere(tmp_path):
        for path in tmp_path.iterdir():
            path.unlink()
        with pytest.raises(Busy, match="another run or sweep is writing there"), locked(tmp_path):
            pass


@pytest.mark.slow
def test_joblib_workers_end_with_a_killed_sweep(tmp_path):
    """SIGKILL the parent of a joblib-launched multirun: its workers (and theirs) end too,
    instead of running the remaining jobs for nobody."""
    import psutil

    sweep = tmp_path / "sweep"
    cmd = [
        sys.executable,
        "-m",
        "sim",
        "-m",
        "scenario=baseline,roadmap,all_at_once,security_only",
        "replications=6",
        "days=300",
        "workers=2",
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        f"hydra.sweep.dir={sweep}",
    ]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not list(sweep.glob("job*/job.json")):  # a job is under way in a worker
        assert time.time() < deadline and proc.poll() is None
        time.sleep(0.2)
    time.sleep(2)
    family = psutil.Process(proc.pid).children(recursive=True)
    assert any("loky" in " ".join(p.cmdline()) for p in family)
    proc.kill()
    proc.wait()
    # A worker's forkserver still importing its preload (seconds, more under load) sees
    # its client gone only then; left to idle, a worker would wait 300 s for more jobs.
    gone, alive = psutil.wait_procs(family, timeout=90)
    assert not alive, [" ".join(p.cmdline())[:80] for p in alive]


def test_a_report_never_writes_through_a_planted_link_or_over_other_files(tmp_path):
    from sim.report.command import main as report

    run = tmp_path / "run"
    sim.run("baseline", replications=2, days=40, out_dir=run)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (run / ".report.html.tmp").symlink_to(victim)  # the old, predictable temporary name
    report([str(run)])
    assert victim.read_text() == "keep me"
    assert (run / "report.html").is_file() and not (run / "report.html").is_symlink()
    tables = files_of(run)
    for out in (run / "runs.parquet", run / "job.json", victim, tmp_path / "notes.md"):
        with pytest.raises(SystemExit) as refused:
            report([str(run), "--out", str(out)])
        assert refused.value.code == 2
    assert victim.read_text() == "keep me" and files_of(run) == tables
    report([str(run), "--out", str(tmp_path / "copy.html")])
    report([str(run), "--out", str(tmp_path / "copy.html")])  # an earlier report: replaced
    assert (tmp_path / "copy.html").read_text().startswith("<!DOCTYPE html>")


def test_compare_says_what_it_left_out_and_refuses_what_it_cannot_do(tmp_path, capsys, monkeypatch):
    from sim.compare import main as compare

    a, b, c = (tmp_path / n for n in "abc")
    sim.run("baseline", replications=2, days=40, out_dir=a)
    sim.run("baseline", replications=3, days=40, out_dir=b)  # its first two repeat a's
    c.mkdir()
    pd.DataFrame({"x": [1.0]}).to_parquet(c / "runs.parquet")  # a Parquet, not a runs table
    out = tmp_path / "cmp"
    with pytest.raises(SystemExit) as left_out:
        compare([str(a), str(b), str(c), "--out", str(out), "--threshold", "1.5"])
    printed = capsys.readouterr()
    assert "aggregated 3 runs" in printed.out and "left out 2 run(s) found twice" in printed.out
    assert "FAILED c: runs.parquet is not a runs table" in printed.out
    assert "1 source job(s) left out: c" in str(left_out.value.code)
    assert json.loads((out / "aggregate.json").read_text())["threshold"] == 1.5
    with pytest.raises(SystemExit) as bad:
        compare([str(a), "--heatmaps", "nope", "--out", str(tmp_path / "h")])
    assert bad.value.code == 2 and "--heatmaps nope: not an outcome" in capsys.readouterr().err
    assert not (tmp_path / "h").exists()
    with pytest.raises(SystemExit) as bad:  # a run's seed is no outcome
        compare([str(a), "--metric", "seed", "--out", str(tmp_path / "h")])
    said = capsys.readouterr().err
    assert bad.value.code == 2 and "--metric seed: not an outcome" in said
    assert ", seed," not in said and not (tmp_path / "h").exists()
    here = tmp_path / "empty"
    here.mkdir()
    monkeypatch.chdir(here)
    with pytest.raises(SystemExit) as cwd:
        compare([str(a), "--out", "."])
    assert cwd.value.code == 2 and "the working directory" in capsys.readouterr().err
    assert not any(here.iterdir())


def test_a_horizon_shorter_than_a_month_still_aggregates_and_reports(tmp_path):
    from sim.report.command import write_report
    from sim.runs.sweep import aggregate

    sim.run("baseline", replications=2, days=20, out_dir=tmp_path / "a")
    sim.run("roadmap", replications=2, days=20, out_dir=tmp_path / "b")
    aggregate([tmp_path / "a", tmp_path / "b"], tmp_path / "cmp")
    assert write_report(tmp_path / "cmp").is_file()
    assert not (tmp_path / "cmp" / "figures" / "incidents_by_scenario.png").exists()


def test_read_gives_any_table_of_every_finished_job_with_its_job(tmp_path):
    from sim.runs.jobs import write_receipt

    for name, scenario in (("a", "baseline"), ("b", "roadmap"), ("killed", "roadmap")):
        sim.run(scenario, replications=2, days=40, out_dir=tmp_path / name)
    write_receipt(tmp_path / "killed", "running", None, command="python -m sim scenario=roadmap")
    with pytest.warns(UserWarning, match="killed: left out"):
        incidents = sim.read(tmp_path, "incidents")
    assert set(incidents["job"]) == {"a", "b"} and len(incidents) > 0
    with pytest.warns(UserWarning):
        runs = sim.read(tmp_path)
    assert runs.groupby("job")["scenario"].first().to_dict() == {"a": "baseline", "b": "roadmap"}
    assert set(sim.read(tmp_path / "a", "timeseries")["job"]) == {"."}
    with pytest.raises(ConfigError, match="table='nope': one of runs, timeseries"):
        sim.read(tmp_path, "nope")
    with pytest.raises(ConfigError, match="no finished runs"):
        sim.read(tmp_path / "killed")


def test_a_report_refuses_tables_that_a_later_run_did_not_finish_or_that_hold_nothing(
    tmp_path, capsys
):
    from sim.report.command import main as report
    from sim.runs.jobs import write_receipt

    run = tmp_path / "run"
    sim.run("baseline", replications=2, days=40, out_dir=run)
    write_receipt(run, "running", None, command="python -m sim scenario=roadmap")  # then killed
    with pytest.raises(SystemExit) as stale:
        report([str(run)])
    assert stale.value.code == 2 and not (run / "report.html").exists()
    empty = tmp_path / "empty"
    sim.run("baseline", replications=2, days=40, out_dir=empty)
    pd.read_parquet(empty / "runs.parquet").iloc[:0].to_parquet(empty / "runs.parquet")
    with pytest.raises(SystemExit) as nothing:
        report([str(empty)])
    assert nothing.value.code == 2
    pipe = tmp_path / "pipe"
    sim.run("baseline", replications=2, days=40, out_dir=pipe)
    os.mkfifo(pipe / "job.json")  # with no writer: a plain read would wait forever
    with (
        within(10, "a report of a run whose job.json is a pipe"),
        pytest.raises(SystemExit) as piped,
    ):
        report([str(pipe)])
    assert piped.value.code == 2 and not (pipe / "report.html").exists()
    stopped = tmp_path / "stopped"  # Ctrl-C before the first tables: only its receipt
    write_receipt(stopped, "interrupted", None, command="python -m sim scenario=roadmap")
    with pytest.raises(SystemExit) as early:
        report([str(stopped)])  # it was called "not a run, multirun, design, ..."
    said = capsys.readouterr().err
    assert early.value.code == 2 and "status interrupted: stopped by Ctrl-C" in said
    assert "it left no tables; run it again" in said


def test_atomic_writes_get_the_usual_permissions(tmp_path):
    from sim.runs.files import write_atomic

    write_atomic(tmp_path / "a.txt", "x")
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o666 & ~mask  # not mkstemp's 0600


@pytest.fixture
def read_only_dir(tmp_path):
    """An existing directory on a read-only filesystem (a tmpfs mounted read-only, as root
    can; a directory without write permission otherwise)."""
    ro = tmp_path / "ro"
    ro.mkdir()
    if os.geteuid() != 0:
        ro.chmod(0o555)
        yield ro
        ro.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro", "tmpfs", str(ro)], check=False)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a read-only tmpfs here")
    try:
        yield ro
    finally:
        subprocess.run(["umount", str(ro)], check=False)


@pytest.mark.slow
def test_an_existing_read_only_directory_is_refused_in_one_line_by_every_command(
    read_only_dir, tmp_path
):
    small = ["days=30", "replications=2", "workers=1"]
    factor = ["+explore.factors.patrol.sweep_rate=[0.2,1.0]", "explore.points=4"]
    attempts = [
        ("sim", [*small, f"hydra.run.dir={read_only_dir}"]),
        ("sim", ["-m", "scenario=baseline,roadmap", *small, f"hydra.sweep.dir={read_only_dir}"]),
        ("sim.explore", [*small, *factor, f"hydra.run.dir={read_only_dir}"]),
        ("sim.calibrate", ["effort=quick", f"hydra.run.dir={read_only_dir}"]),
    ]
    for module, args in attempts:
        result = sim_cli(*args, cwd=tmp_path, module=module)
        assert result.returncode == 2, (module, args, result.stderr[-1500:])
        last = result.stderr.strip().splitlines()[-1]  # after warnings about a short horizon
        setting = "hydra.sweep.dir" if "-m" in args else "hydra.run.dir"
        assert last.startswith(f"error: {setting}={read_only_dir}: cannot be written"), last
        assert "Traceback" not in result.stderr
    with pytest.raises(ConfigError, match="cannot be written"):
        sim.run("roadmap", replications=1, days=5, out_dir=read_only_dir)


@pytest.mark.slow
def test_a_name_too_long_for_the_filesystem_is_refused_in_one_line_by_calibrate(tmp_path):
    out = tmp_path / ("a" * 300)
    result = sim_cli("effort=quick", f"hydra.run.dir={out}", cwd=tmp_path, module="sim.calibrate")
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-1500:]
    assert result.stderr.count("\n") == 1 and "bytes long" in result.stderr


def test_the_filesystem_root_is_no_place_for_results():
    for kind in ("run", "multirun", "design", "calibration"):
        with pytest.raises(ConfigError, match="the filesystem root"):
            check_destination(Path("/"), kind)
        with pytest.raises(ConfigError, match="the filesystem root"):
            check_destination(Path("/tmp/.."), kind)


@pytest.mark.slow
def test_a_run_on_a_full_disk_names_its_directory_in_one_line(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=100k", "tmpfs", str(disk)])
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (not root?)")
    try:
        out = disk / "run"
        result = sim_cli("days=120", "replications=2", f"hydra.run.dir={out}", cwd=tmp_path)
    finally:
        subprocess.run(["umount", str(disk)], check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-1500:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: {out}") and "No space left on device" in last, last
