"""Multiruns end to end: aggregation, launchers, failures, resume, and sim.compare."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

SMALL = ["replications=3", "days=120", "workers=1"]


def multirun(
    *args, cwd: Path, sweep_dir: Path, timeout: float = 600
) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "sim", "-m", *args, f"hydra.sweep.dir={sweep_dir}"]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def _text(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def sweep_runs(sweep_dir: Path) -> pd.DataFrame:
    return pd.read_parquet(sweep_dir / "sweep" / "runs.parquet")


@pytest.fixture(scope="module")
def basic_sweep(tmp_path_factory):
    root = tmp_path_factory.mktemp("basic")
    result = multirun("scenario=baseline,roadmap", *SMALL, cwd=root, sweep_dir=root / "sw")
    assert result.returncode == 0, result.stderr
    return root / "sw", result


@pytest.mark.slow
def test_multirun_is_aggregated_into_one_table_each(basic_sweep):
    sweep_dir, result = basic_sweep
    runs = sweep_runs(sweep_dir)
    assert len(runs) == 6 and set(runs["scenario"]) == {"baseline", "roadmap"}
    ts = pd.read_parquet(sweep_dir / "sweep" / "timeseries.parquet")
    assert len(ts) == 6 * 120 and {"variant", "config_id", "border_incidents"} <= set(ts.columns)
    figures = {p.name for p in (sweep_dir / "sweep" / "figures").iterdir()}
    assert {
        "incidents_by_scenario.png",
        "outcomes.png",
        "phase_share.png",
        "difference_border_incidents_per_month.png",
    } <= figures
    assert "jobs 2/2" in result.stdout
    assert "Paired difference from baseline" in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("launcher", ["joblib", "ray"])
def test_launchers_give_the_same_numbers(basic_sweep, tmp_path, launcher):
    sweep_dir, _ = basic_sweep
    extra = ["hydra.launcher.n_jobs=2"] if launcher == "joblib" else []
    result = multirun(
        "scenario=baseline,roadmap",
        *(a for a in SMALL if not a.startswith("workers=")),  # a setting is given once
        "workers=2",  # nested in the launcher's workers: runs in process or nests, never fails
        f"hydra/launcher={launcher}",
        *extra,
        cwd=tmp_path,
        sweep_dir=tmp_path / "sw",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    cols = ["scenario", "replication", "seed", "border_incidents", "detection_rate", "final_trust"]
    ours = sweep_runs(tmp_path / "sw").sort_values(["scenario", "replication"])[cols]
    ref = sweep_runs(sweep_dir).sort_values(["scenario", "replication"])[cols]
    pd.testing.assert_frame_equal(ours.reset_index(drop=True), ref.reset_index(drop=True))


@pytest.mark.slow
def test_numeric_grid_gets_columns_and_a_heatmap(tmp_path):
    result = multirun(
        "measures.joint_patrols.intensity=0,1",
        "patrol.units_per_side=30,60",
        "scenario=baseline,all_at_once",
        "replications=2",
        "days=120",
        "workers=1",
        cwd=tmp_path,
        sweep_dir=tmp_path / "sw",
    )
    assert result.returncode == 0, result.stderr
    runs = sweep_runs(tmp_path / "sw")
    assert runs["measures.joint_patrols.intensity"].dtype.kind in "if"
    assert sorted(runs["patrol.units_per_side"].unique()) == [30, 60]
    figures = tmp_path / "sw" / "sweep" / "figures"
    for name in ("heatmap_border_incidents_per_month", "difference_by_month", "difference_by_type"):
        assert (figures / f"{name}.png").exists(), name
    # eight long variant names: V1..V8 with a key, never cut into look-alike rows
    table = result.stdout.split("Paired difference from V1")[1].splitlines()[2:9]
    assert [row.split()[0] for row in table] == [f"V{i}" for i in range(2, 9)]
    assert "V8: all_at_once measures.joint_patrols.intensity=1 patrol.units_per_side=60" in (
        result.stdout
    )
    assert max(map(len, result.stdout.split("Variants:")[1].splitlines())) <= 100
    page = (tmp_path / "sw" / "sweep" / "report.html").read_text()
    assert "Written by python -m sim (" in page and "Horizon</th><td>120 days" in page


@pytest.mark.slow
def test_a_multirun_with_one_bad_job_is_refused_before_anything_runs(tmp_path):
    result = multirun(
        "measures.joint_patrols.intensity=0.5,1.7", *SMALL, cwd=tmp_path, sweep_dir=tmp_path / "sw"
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "error: measures.joint_patrols.intensity=1.7: out of range, allowed 0.0 to 1.0"
    ]
    assert not any(tmp_path.iterdir())


@pytest.mark.slow
def test_a_failing_job_does_not_lose_the_others(tmp_path):
    """Past the pre-check (Hydra's entry called directly), a failing job is recorded, not fatal."""
    args = ["sim", "-m", "measures.joint_patrols.intensity=0.5,1.7", *SMALL]
    args.append(f"hydra.sweep.dir={tmp_path / 'sw'}")
    code = f"import sys; from sim.cli import hydra_entry; sys.argv = {args!r}; hydra_entry()"
    cmd = [sys.executable, "-c", code]
    result = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode != 0
    assert "FAILED job1" in result.stdout and "intensity=1.7: out of range" in result.stdout
    runs = sweep_runs(tmp_path / "sw")
    assert len(runs) == 3 and (runs["measures.joint_patrols.intensity"] == 0.5).all()


@pytest.mark.slow
def test_killed_sweep_resumes_and_skips_finished_jobs(tmp_path):
    args = ["scenario=baseline,roadmap,security_only", "replications=4", "days=1095", "workers=1"]
    sweep_dir = tmp_path / "sw"
    cmd = [sys.executable, "-m", "sim", "-m", *args, f"hydra.sweep.dir={sweep_dir}"]
    proc = subprocess.Popen(
        cmd,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 120
    while '"done"' not in _text(sweep_dir / "job0" / "job.json"):
        assert time.time() < deadline and proc.poll() is None
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = {
        p.parent.name for p in sweep_dir.glob("*/job.json") if '"status": "done"' in p.read_text()
    }
    assert "job0" in finished and len(finished) < 3
    before = pd.read_parquet(sweep_dir / "job0" / "runs.parquet")
    result = multirun(*args, cwd=tmp_path, sweep_dir=sweep_dir)
    assert result.returncode == 0, result.stderr
    assert "job0: intact results of this config, code and seed exist; skipped" in result.stdout
    assert f"{len(finished)} job(s) reused existing results" in result.stdout
    runs = sweep_runs(sweep_dir)
    assert len(runs) == 12
    pd.testing.assert_frame_equal(
        runs[runs["scenario"] == "baseline"][before.columns].reset_index(drop=True), before
    )


@pytest.mark.slow
def test_compare_rebuilds_tables_and_figures(basic_sweep, tmp_path):
    sweep_dir, _ = basic_sweep
    out = tmp_path / "cmp"
    cmd = [
        sys.executable,
        "-m",
        "sim.compare",
        str(sweep_dir),
        "--metric",
        "final_trust",
        "--baseline",
        "roadmap",
        "--out",
        str(out),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Paired difference from roadmap (final_trust)" in result.stdout
    assert (out / "figures" / "difference_final_trust.png").exists()
    assert len(pd.read_parquet(out / "runs.parquet")) == 6
    bad = subprocess.run(
        [sys.executable, "-m", "sim.compare", str(sweep_dir), "--metric", "nope"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and bad.stderr.startswith("error: --metric nope")


def test_the_report_is_built_before_the_aggregation_is_swapped_in(basic_sweep, tmp_path):
    """A kill between the swap and the report once left ``sweep/`` without one: the report
    is now written in the staging directory; if it fails, the previous aggregation stays."""
    from sim.report.command import REPORT, write_report
    from sim.runs.sweep import aggregate

    sweep_dir, _ = basic_sweep
    out = tmp_path / "cmp"
    seen = []

    def finish(staging: Path) -> None:
        seen.append(sorted(p.name for p in staging.iterdir()))
        write_report(staging, shown=out)

    aggregate([sweep_dir], out, finish=finish)
    assert "runs.parquet" in seen[0] and REPORT not in seen[0]
    report = (out / REPORT).read_text()
    assert f"from {out}." in report and "staging" not in report
    before = sorted(p.name for p in out.iterdir())

    def fail(staging: Path) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        aggregate([sweep_dir], out, finish=fail)
    assert sorted(p.name for p in out.iterdir()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cmp"]  # nothing left beside it


def test_what_a_killed_aggregation_left_is_cleared_by_the_next(tmp_path):
    from sim.runs.sweep import _clear_leftovers

    dead = 2**22 + 12345  # beyond the kernel's default pid_max: no such process
    for name in (f".sweep.staging-{dead}-ab12", f".sweep.old-{dead}-cd34"):
        (tmp_path / name).mkdir()
    live = tmp_path / f".sweep.staging-{os.getpid()}-ef56"  # a running aggregation's
    other = tmp_path / f".other.staging-{dead}-0a0a"  # another output's
    live.mkdir()
    other.mkdir()
    _clear_leftovers(tmp_path / "sweep")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name])


@pytest.mark.slow
def test_optuna_sweeper_optimises_the_compare_metric(tmp_path):
    result = multirun(
        "hydra/sweeper=optuna",
        "hydra.sweeper.n_trials=3",
        "measures.joint_patrols.intensity=interval(0,1)",
        "replications=2",
        "days=60",
        "workers=1",
        cwd=tmp_path,
        sweep_dir=tmp_path / "sw",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    text = (tmp_path / "sw" / "optimization_results.yaml").read_text()
    assert "best_value:" in text and "measures.joint_patrols.intensity" in text
    assert "jobs 3/3" in result.stdout and "jobs 1/1" not in result.stdout


@pytest.mark.slow
def test_concurrent_identical_sweeps_refuse_instead_of_sharing(tmp_path):
    args = ["scenario=baseline,roadmap", "replications=2", "days=400", "workers=1"]
    cmd = [sys.executable, "-m", "sim", "-m", *args, f"hydra.sweep.dir={tmp_path / 'sw'}"]
    procs = [
        subprocess.Popen(
            cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    results = [(p.wait(timeout=600), *p.communicate()) for p in procs]
    codes = sorted(r[0] for r in results)
    assert codes == [0, 2], results
    refused = next(r for r in results if r[0] == 2)
    assert "another run or sweep is writing there" in refused[2]
    runs = sweep_runs(tmp_path / "sw")
    assert len(runs) == 4
    ts = pd.read_parquet(tmp_path / "sw" / "sweep" / "timeseries.parquet")
    assert len(ts) == 4 * 400


@pytest.mark.slow
def test_a_shrunk_sweep_does_not_merge_stale_jobs(tmp_path):
    small = ["replications=2", "days=60", "workers=1"]
    first = multirun(
        "scenario=baseline,roadmap,security_only", *small, cwd=tmp_path, sweep_dir=tmp_path / "sw"
    )
    assert first.returncode == 0, first.stderr
    second = multirun("scenario=baseline,roadmap", *small, cwd=tmp_path, sweep_dir=tmp_path / "sw")
    assert second.returncode == 0, second.stderr
    assert set(sweep_runs(tmp_path / "sw")["scenario"]) == {"baseline", "roadmap"}
    assert "jobs 1/2" not in second.stdout  # fully resumed: no per-job progress lines
    # Nor do the commands that read the directory later: job2 is the larger sweep's.
    inside = sorted(p.name for p in (tmp_path / "sw").iterdir())
    cmd = [sys.executable, "-m", "sim.compare", str(tmp_path / "sw")]
    compared = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert compared.returncode == 0, compared.stderr
    out = tmp_path / "sw_comparison"  # by default beside the sweep, never inside it
    assert sorted(p.name for p in (tmp_path / "sw").iterdir()) == inside
    assert "left out job2: left over from an earlier, larger sweep" in compared.stdout
    assert set(pd.read_parquet(out / "runs.parquet")["scenario"]) == {"baseline", "roadmap"}
    import sim

    with pytest.warns(UserWarning, match="job2: left out \\(left over from an earlier"):
        runs = sim.read(tmp_path / "sw", "runs")
    assert set(runs["scenario"]) == {"baseline", "roadmap"}


@pytest.mark.slow
def test_compare_a_sweep_with_a_single_run_as_in_the_readme(basic_sweep, tmp_path):
    sweep_dir, _ = basic_sweep
    run_dir = tmp_path / "roadmap_run"
    single = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "scenario=roadmap",
            *SMALL,
            "patrol.sweep_rate=0.4",
            f"hydra.run.dir={run_dir}",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert single.returncode == 0, single.stderr
    cmd = [
        sys.executable,
        "-m",
        "sim.compare",
        str(sweep_dir),
        str(run_dir),
        "--out",
        str(tmp_path / "cmp"),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    runs = pd.read_parquet(tmp_path / "cmp" / "runs.parquet")
    assert runs.groupby("variant")["config_id"].nunique().max() == 1  # never pooled
    assert runs["variant"].nunique() == 3
    came = runs.groupby("job_dir")["scenario"].unique().map(list).to_dict()  # where from
    assert came == {
        str(sweep_dir / "job0"): ["baseline"],
        str(sweep_dir / "job1"): ["roadmap"],
        str(run_dir): ["roadmap"],
    }


def test_swept_columns_read_quoted_values_and_ignore_run_settings():
    from sim.runs.sweep import swept_columns

    quoted = ' compare.baseline="all_at_once ablation=none"'
    overrides = pd.Series(
        [f"+ablation=none scenario=all_at_once{quoted}", f"+ablation=without_hotline{quoted}"]
    )
    frame = swept_columns(overrides)
    assert frame.columns.tolist() == ["ablation"]
    assert frame["ablation"].tolist() == ["none", "without_hotline"]


@pytest.mark.slow
def test_compare_leaves_runs_of_another_horizon_out_of_the_paired_differences(
    basic_sweep, tmp_path
):
    """A 90-day baseline run beside the sweep's 120-day one: two variants of one scenario,
    which ``--baseline baseline`` must tell apart; and pairing the 90-day one with the
    other would set months of one horizon against months of another: it is tabled, said
    to be left out, not differenced."""
    sweep_dir, _ = basic_sweep
    run_dir = tmp_path / "short"
    cmd = [sys.executable, "-m", "sim", "scenario=baseline", "replications=3", "days=90"]
    single = subprocess.run(
        [*cmd, f"hydra.run.dir={run_dir}"], cwd=tmp_path, capture_output=True, text=True
    )
    assert single.returncode == 0, single.stderr
    out = tmp_path / "cmp"
    cmd = [sys.executable, "-m", "sim.compare", str(sweep_dir), str(run_dir), "--out", str(out)]
    ambiguous = subprocess.run([*cmd, "--baseline", "baseline"], capture_output=True, text=True)
    assert ambiguous.returncode == 2 and not out.exists()
    assert re.fullmatch(
        r"error: --baseline baseline: names 2 variants, runs of it with different settings; "
        r"name one: 'baseline #\w{6}', 'baseline #\w{6}'\n",
        ambiguous.stderr,
    )
    swept = pd.read_parquet(sweep_dir / "sweep" / "runs.parquet").set_index("scenario")
    ours = f"baseline #{swept.loc['baseline', 'config_id'].iloc[0][:6]}"  # as compare names it
    result = subprocess.run([*cmd, "--baseline", ours], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    runs = pd.read_parquet(out / "runs.parquet")
    short = next(v for v in runs["variant"].unique() if v.startswith("baseline #") and v != ours)
    said = f"not compared with {ours} (120 days): {short} (90 days): paired differences need"
    assert said in result.stdout
    assert set(runs["variant"]) == {ours, short, "roadmap"}
    for table in ("differences", "differences_headline", "differences_monthly"):
        assert set(pd.read_parquet(out / f"{table}.parquet")["scenario"]) == {"roadmap"}, table
    assert f"Not compared with {ours} (120 days): {short} (90 days)" in _text(out / "report.html")
