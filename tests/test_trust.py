"""Results a user can trust: inputs refused up front, resume that checks, locks, honest numbers."""

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import config, within

import sim
from sim.analysis.stats import format_p, mean_ci
from sim.config.params import ConfigError
from sim.config.precheck import plan, split_command_line
from sim.runs.jobs import check_done, file_manifest, write_receipt
from sim.runs.results import grid_order
from sim.runs.runner import Busy, locked, run_replications
from sim.runs.terminal import format_table, number, summary_table

# Probes of the kinds a new user and a fuzzer tried: (command line, key the error must name).
BAD_INPUTS = [
    ("+dayz=5", "dayz"),
    ("++dayz=5", "dayz"),
    ("+patrol.units_per_sid=5", "units_per_sid"),
    ("+measures.jointpatrols.enabled=false", "jointpatrols"),
    ("~days", "days"),
    ("measures.drones.enabled=2", "measures.drones.enabled"),
    ("geography.side_names=[A,B,C]", "geography.side_names"),
    ("geography.side_names=[A]", "geography.side_names"),
    ("geography=null", "geography"),
    ("scenario=null", "scenario"),
    ("scenario=nope", "scenario"),
    ("+experiment=nope", "experiment"),
    ("days==5", "days==5"),
    ("days=-5", "days"),
    ("days=1e9", "days"),
    ("days=abc", "days"),
    ("armed_groups.home_sides=[] armed_groups.spoilers=[]", "armed_groups.home_sides"),
    ("armed_groups.spoilers=[]", "armed_groups.spoilers"),
    ("geography.provinces[0].length_km=-1", "geography.provinces[0].length_km"),
    ("phases.mode=nope", "phases.mode"),
    ("measures.joint_patrols.intensity=1.7", "intensity"),
    ("measures.drones.start=phase9", "measures.drones.start"),
    ("seed=-1", "seed"),
    ("workers=0", "workers"),
    ("--cfg job days=-5", "days"),
    ("-m scenario=baseline,roadmapp", "scenario"),
    ("-m measures.joint_patrols.intensity=0.5,1.7", "intensity"),
    ("-m days=-5,200", "days"),
    ("-m +dayz=1,2", "dayz"),
    ("-m +ablation=none,without_nothing", "ablation"),
    ("-m hydra/sweeper=optuna measures.drones.intensity=interval(0,2)", "intensity"),
    ("-m scenario=baseline,roadmap compare.metric=nope", "compare.metric"),
    ("-m scenario=baseline,roadmap compare.baseline=nope", "compare.baseline"),
    ("-m scenario=baseline,roadmap compare.heatmaps=[nope]", "compare.heatmaps"),
    # interpolations would copy the environment into results; group options are files
    ("description=${oc.env:HOME}", "description"),
    ("-m description=a,${oc.env:HOME}", "description"),
    ("phases.min_trust=[${oc.env:X},0.5]", "phases.min_trust"),
    ("hydra.run.dir=${oc.env:HOME}/x", "hydra.run.dir"),
    ("scenario=../../../../tmp/x/evil", "scenario"),
    ("calibration=../scenario/baseline", "calibration"),
    ("+experiment=../scenario/baseline", "experiment"),
    ("-m scenario=baseline,../scenario/roadmap", "scenario"),
    ("-m scenario=glob(nothing*)", "scenario"),
    # the directory lock and Hydra's record stay where they belong
    ("~hydra.callbacks.run_lock", "hydra.callbacks"),
    ("hydra.callbacks=null", "hydra.callbacks"),
    ("hydra.output_subdir=../escape", "hydra.output_subdir"),
    ("hydra.output_subdir=/tmp/escape", "hydra.output_subdir"),
    # sweeps Hydra's sweeper would fail on with a traceback, or expand without end
    ("-m patrol.redeploy_days=range(1,10,0)", "patrol.redeploy_days"),
    ("-m patrol.redeploy_days=range(5,1)", "patrol.redeploy_days"),
    ("-m patrol.redeploy_days=glob(*)", "patrol.redeploy_days"),
    ("-m seed=range(0,200000)", "jobs"),
    ("-m seed=range(0,1000000000)", "jobs"),
    ("-m hydra/launcher=joblib hydra.launcher.n_jobs=0", "hydra.launcher.n_jobs"),
    ("-m days=-5,200 days=50", "days"),
    ("days=10 days=20", "days"),
    ("-m scenario=baseline,roadmap hydra.sweep.subdir=same", "hydra.sweep.subdir"),
    ("-m scenario=baseline,roadmap hydra.sweep.subdir=hydra.job.num", "hydra.sweep.subdir"),
    (
        "-m scenario=baseline,roadmap hydra.sweep.subdir=${hydra.job.num}/..",
        "hydra.sweep.subdir",
    ),
    (
        "-m scenario=baseline,roadmap hydra.sweep.subdir=../${hydra.job.num}",
        "hydra.sweep.subdir",
    ),
    (
        "-m scenario=baseline,roadmap hydra.sweep.subdir=/tmp/abs${hydra.job.num}",
        "hydra.sweep.subdir",
    ),
    (
        "-m scenario=baseline,roadmap hydra.sweep.subdir=${hydra.job.override_dirname}",
        "hydra.sweep.subdir",
    ),
    ("--config-dir=/nonexistent days=5", "--config-dir"),
    ("--config-name=../x days=5", "--config-name=../x"),
    ("--config-name=nope days=5", "--config-name=nope"),
    ("--config-name=calibrate days=5", "--config-name"),
    # a key set twice through a mapping of its parent; a sweep's value listed twice
    ("patrol.sweep_rate=0.2 patrol={sweep_rate:0.3}", "patrol.sweep_rate"),
    ("patrol={sweep_rate:0.3} patrol.sweep_rate=0.2", "patrol.sweep_rate"),
    ("-m scenario=baseline,baseline", "scenario=baseline,baseline"),
    ("-m seed=1,2,1", "seed=1,2,1"),
]
GOOD_INPUTS = [
    "patrol={sweep_rate:0.3} patrol.units_per_side=30",
    "calibration=ucdp_tr_sy geography=tr_sy calibration.posterior=ucdp_tr_sy_posterior.parquet",
    "+experiment=measure_ablation",
    "+gates=strict",
    "-m +ablation=none,without_drones",
    "-m scenario=baseline,roadmap geography=stylised,tr_sy",
    "--config-dir conf --config-name config days=30",
    "-m hydra/sweeper=optuna measures.drones.intensity=interval(0,1)",
    "-m scenario=glob(base*,roadmap)",
    "-m seed=range(0,40) scenario=baseline,roadmap",
    "hydra.run.dir=outputs/${now:%Y-%m-%d}/${hydra:job.name}",
]


def check(command: str):
    from sim.cli import check_compare

    line = split_command_line(command.split())
    p = plan(line)
    if line.multirun:
        check_compare(p)
    return p


def test_every_probe_is_refused_in_one_line_naming_its_key():
    tally = {"tried": 0, "refused clearly": 0, "accepted wrongly": 0, "traceback": 0}
    problems = []
    for command, key in BAD_INPUTS:
        tally["tried"] += 1
        try:
            check(command)
        except ConfigError as e:
            message = str(e)
            if key in message and "\n" not in message:
                tally["refused clearly"] += 1
            else:
                problems.append(f"{command}: unclear: {message}")
        except Exception as e:  # noqa: BLE001 - counting tracebacks is the point
            tally["traceback"] += 1
            problems.append(f"{command}: {type(e).__name__}: {e}")
        else:
            tally["accepted wrongly"] += 1
            problems.append(f"{command}: accepted")
    print(tally)
    assert not problems, problems
    assert tally["refused clearly"] == len(BAD_INPUTS)


def test_a_huge_range_is_refused_without_listing_its_values():
    """Its size is counted, not built: range(0, 10**9) once took 8 GB to refuse."""
    tracemalloc.start()
    try:
        with pytest.raises(ConfigError, match="the sweep has 10,000,000 jobs"):
            check("-m seed=range(0,10000000)")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20


@pytest.mark.parametrize("command", GOOD_INPUTS)
def test_valid_command_lines_pass_the_precheck(command, monkeypatch):
    monkeypatch.chdir(Path(__file__).parents[1])
    check(command)


def test_multirun_plan_expands_experiments_and_intervals():
    ablations = len(list((Path(__file__).parents[1] / "conf" / "ablation").glob("*.yaml")))
    assert len(check("-m +experiment=measure_ablation").jobs) == ablations
    assert check("-m +experiment=patrol_intel_grid").total == 25
    optuna = check(
        "-m hydra/sweeper=optuna hydra.sweeper.n_trials=3 patrol.sweep_rate=interval(0,2)"
    )
    assert optuna.total == 3 and len(optuna.jobs) == 2  # both ends of the interval checked


def test_jointly_useless_settings_warn_in_one_line_each():
    p = check("phases.agreement_day=500 days=200 phases.min_trust=[1,1]")
    assert any(w.startswith("phases.agreement_day=500") for w in p.warnings)
    assert any(w.startswith("phases.min_trust") for w in p.warnings)
    assert all("\n" not in w for w in p.warnings)
    assert any("days=1" in w for w in check("days=1").warnings)
    assert any(
        w.startswith("governments.trust_floor")
        for w in check("governments.trust_floor=0.5").warnings
    )


def test_an_override_that_cannot_act_in_its_scenario_warns():
    """Intensity 0 and 1 of a measure the baseline never starts give identical rows: say so."""
    inert = check("-m scenario=baseline,roadmap measures.joint_patrols.intensity=0,1").warnings
    assert any(
        w.startswith("measures.joint_patrols.intensity: measures.joint_patrols starts at phase2")
        and "scenario baseline" in w
        for w in inert
    )
    assert not any("scenario roadmap" in w for w in inert)
    off = check("+ablation=without_drones measures.drones.intensity=0.5").warnings
    assert any(w.startswith("measures.drones.intensity: measures.drones is off") for w in off)
    started = check("scenario=baseline measures.joint_patrols.start=30").warnings
    assert not any(w.startswith("measures.joint_patrols") for w in started)  # a day: it starts
    with pytest.warns(UserWarning, match="phases.min_trust: scenario baseline has no agreement"):
        sim.run("baseline", {"phases.min_trust": [0.3, 0.4]}, replications=1, days=5)


def test_bad_multirun_writes_nothing(tmp_path):
    cmd = [sys.executable, "-m", "sim", "-m", "compare.metric=nope", "scenario=baseline,roadmap"]
    result = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert not any(tmp_path.iterdir())


@pytest.fixture(scope="module")
def finished_job(tmp_path_factory):
    """A small finished job: tables plus a 'done' receipt."""
    job = tmp_path_factory.mktemp("job")
    cfg = config("days=40", "replications=2", "workers=1")
    run_replications(cfg, job)
    write_receipt(job, "done", cfg, files=file_manifest(job, cfg))
    return job, cfg


def copy_job(src: Path, dst: Path) -> Path:
    subprocess.run(["cp", "-r", str(src), str(dst)], check=True)
    return dst


def test_resume_accepts_only_intact_matching_results(finished_job, tmp_path):
    job, cfg = finished_job
    assert check_done(job, cfg) is None
    changed = config("days=40", "replications=2", "workers=1", "patrol.sweep_rate=0.4")
    assert "config_id changed" in check_done(job, changed)
    more = config("days=40", "replications=2", "workers=1", "output.incidents=false")
    assert "output changed" in check_done(job, more)

    garbage = copy_job(job, tmp_path / "garbage")
    (garbage / "job.json").write_text("{not json")
    assert "unreadable" in check_done(garbage, cfg)

    pipe = copy_job(job, tmp_path / "pipe")
    (pipe / "job.json").unlink()
    os.mkfifo(pipe / "job.json")  # with no writer: a plain read would wait forever
    with within(10, "check_done of a job.json that is a pipe"):
        assert "unreadable" in check_done(pipe, cfg)

    gone = copy_job(job, tmp_path / "gone")
    for part in (gone / "timeseries.parquet").glob("*.parquet"):
        part.unlink()
    assert "timeseries" in check_done(gone, cfg)

    truncated = copy_job(job, tmp_path / "truncated")
    part = next((truncated / "timeseries.parquet").glob("*.parquet"))
    part.write_bytes(part.read_bytes()[:100])
    assert "timeseries" in check_done(truncated, cfg)

    running = copy_job(job, tmp_path / "running")
    write_receipt(running, "running", cfg)
    assert "did not finish" in check_done(running, cfg)

    unrecorded = copy_job(job, tmp_path / "unrecorded")
    (unrecorded / "job.json").unlink()
    assert check_done(unrecorded, cfg) == "its job.json is missing"

    added = copy_job(job, tmp_path / "added")
    part = next((added / "incidents.parquet").glob("*.parquet"))
    (part.parent / "part-99999.parquet").write_bytes(part.read_bytes())
    assert "incidents.parquet/part-99999.parquet was added" in check_done(added, cfg)

    damaged = copy_job(job, tmp_path / "damaged")
    data = bytearray((damaged / "runs.parquet").read_bytes())
    data[300] ^= 0xFF  # same size, footer intact: the row count still looks right
    (damaged / "runs.parquet").write_bytes(bytes(data))
    assert check_done(damaged, cfg) == "runs.parquet changed since it finished"


def test_receipt_write_failure_leaves_no_half_written_file(tmp_path, monkeypatch):
    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(OSError, match="No space"):
        write_receipt(tmp_path, "done", None)
    assert list(tmp_path.iterdir()) == []


def test_a_second_run_into_a_locked_directory_is_refused(tmp_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from sim.runs.runner import locked\n"
            f"with locked(Path({str(tmp_path)!r})):\n    print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(Busy, match="another run or sweep"), locked(tmp_path):
            pass
        holder.kill()
        holder.wait()
        with locked(tmp_path):  # the kernel released the dead holder's lock
            pass
    finally:
        holder.kill()


def test_workers_run_from_an_unguarded_script(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(
        textwrap.dedent(
            f"""
            from pathlib import Path
            from sim.config.compose import load_config
            from sim.runs.runner import run_replications
            cfg = load_config(["days=30", "replications=4", "workers=2"])
            print("rows", len(run_replications(cfg, Path({str(tmp_path / "out")!r}))))
            """
        )
    )
    result = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["rows", "4"]


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


@pytest.mark.slow
def test_a_killed_run_leaves_no_workers_and_says_it_is_incomplete(tmp_path):
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "sim", "replications=400", "workers=2", f"hydra.run.dir={out}"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while len(descendants(proc.pid)) < 3:  # resource tracker, forkserver, workers
        assert time.time() < deadline and proc.poll() is None
        time.sleep(0.2)
    time.sleep(1)
    workers = descendants(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 30
    while any(Path(f"/proc/{p}").exists() for p in workers) and time.time() < deadline:
        time.sleep(0.2)
    assert not [p for p in workers if Path(f"/proc/{p}").exists()]
    assert json.loads((out / "job.json").read_text())["status"] == "running"


def test_intervals_respect_the_range_of_what_they_estimate():
    shares = np.array([0.0] * 18 + [1.0, 1.0])
    _, lo, hi = mean_ci(shares)
    assert 0 <= lo <= hi <= 1
    counts = np.array([0] * 19 + [1])
    assert mean_ci(counts)[1] >= 0
    assert format_p(5e-31) == "p<0.001" and format_p(0.0412) == "p=0.041"
    assert number(1062.4) == "1,062" and number(3.0) == "3" and number(0.4891) == "0.489"


def test_summary_tables_fit_100_columns_with_a_legend():
    names = [
        f"roadmap measures.joint_patrols.intensity={v} patrol.units_per_side=60" for v in range(8)
    ]
    runs = pd.DataFrame(
        {
            "scenario": np.repeat(names, 5),
            "border_incidents_per_month": np.arange(40.0),
            "detection_rate": np.linspace(0, 1, 40),
            "phase3_day": np.full(40, 1062.0),
        }
    )
    text = format_table(summary_table(runs))
    assert max(map(len, text.splitlines())) <= 100
    assert "  0: " + names[0] in text and "e+" not in text  # short label, legend to overrides
    long = summary_table(
        runs.assign(scenario=runs["scenario"] + " geography=tr_sy" + runs["scenario"])
    )
    assert "V1: " in format_table(long) and max(map(len, format_table(long).splitlines())) <= 100


def test_jobs_sort_in_grid_order():
    paths = [Path(f"sw/job{i}") for i in (10, 2, 1, 0)]
    assert [p.name for p in sorted(paths, key=grid_order)] == ["job0", "job1", "job2", "job10"]
