"""The HTML report: sections from tables (fast); real outputs rendered in Chromium (slow)."""

import io
import json
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from sim.report.command import NotAResult, locate, main, write_report
from sim.report.design import sensitivity_table
from sim.report.findings import caveats, difference_caveats, difference_sentence
from sim.report.html import figure, table, unknown_caption
from sim.report.runs import run_caption

SWEEP = ["scenario=baseline,roadmap", "replications=5", "days=365", "workers=1"]
SECTIONS = [
    "headline",
    "spend",
    "run",
    "shows",
    "caveats",
    "summary",
    "fast",
    "differences",
    "types",
    "phases",
    "figures",
    "jobs",
]


def _diff(mean: float, low: float, high: float) -> pd.Series:
    return pd.Series(
        {
            "scenario": "roadmap",
            "baseline": "baseline",
            "metric": "border_incidents_per_month",
            "n": 20,
            "mean": mean,
            "low": low,
            "high": high,
            "p_value": 0.01,
        }
    )


def _runs(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "scenario": ["baseline"] * n + ["roadmap"] * n,
            "seed": list(range(n)) * 2,
            "phase3_day": [np.nan] * n + [400.0] * n,
        }
    ).assign(variant=lambda r: r["scenario"])


def test_a_difference_is_called_a_difference_only_when_its_interval_excludes_zero():
    names = {"roadmap": "roadmap", "baseline": "baseline"}
    clear = difference_sentence(_diff(-3.0, -4.0, -2.0), names)
    unclear = difference_sentence(_diff(-3.0, -7.0, 1.0), names)
    assert "3 lower than baseline" in clear and "excludes 0" in clear
    assert "includes 0" in unclear and "do not show a difference" in unclear
    few = difference_sentence(
        pd.concat([_diff(-3.0, -4.0, -2.0).drop("n"), pd.Series({"n": 3})]), names
    )
    assert "excludes 0, but an interval from 3 pairs is not reliable" in few
    same = difference_sentence(_diff(0.0, 0.0, 0.0), names)
    assert "the same as baseline in every one of 20 paired runs" in same


def test_caveats_name_few_replications_a_short_horizon_and_unreached_phases():
    few = caveats(_runs(3), "scenario", days=200)
    assert any("Only 3 replication(s)" in c for c in few)
    assert any("200 days" in c for c in few)
    phase3 = next(c for c in few if c.startswith("Phase 3"))
    assert "baseline 0% (0 of 3 runs); roadmap 100% (3 of 3 runs)" in phase3  # never pooled
    assert "of all runs" not in phase3
    enough = caveats(_runs(40).assign(phase3_day=300.0), "scenario", days=1095)
    assert not any(c.startswith(("Only", "The horizon", "Phase 3")) for c in enough)
    assert any("do not cover uncertainty about the parameters" in c for c in enough)


def test_difference_caveats_warn_of_multiple_comparisons_and_open_intervals():
    one = pd.DataFrame([_diff(-3.0, -4.0, -2.0)])
    many = pd.DataFrame([_diff(-3.0, -4.0, -2.0), _diff(-1.0, -2.0, 0.5)])
    assert not any("multiple comparisons" in c for c in difference_caveats(one))
    notes = difference_caveats(many)
    assert any("2 comparisons" in c for c in notes)
    assert any("For 1 of 2 variant(s)" in c for c in notes)
    assert "nothing to be compared" in difference_caveats(pd.DataFrame())[0]


@pytest.mark.parametrize(
    "stem",
    [
        "incidents",
        "incidents_by_scenario",
        "headline",
        "headline_by_month",
        "headline_difference",
        "spend",
        "outcomes",
        "phase_share",
        "difference_border_incidents_per_month",
        "heatmap_detection_rate",
    ],
)
def test_every_figure_a_run_or_sweep_writes_has_its_own_caption(stem):
    text = run_caption(stem, {"n": 5, "baseline": "baseline", "scenario": "roadmap"})
    assert text != unknown_caption(stem)
    assert text.endswith(".")


def test_captions_say_what_the_band_is_and_name_the_metric():
    context = {"n": 7, "baseline": "no deal"}
    assert "95% bootstrap CI of the mean over 7 replications" in run_caption(
        "incidents_by_scenario", context
    )
    assert "Detection rate" in run_caption("heatmap_detection_rate", context)
    assert "no deal" in run_caption("difference_final_trust", context)


def test_tables_escape_text_and_format_numbers():
    html = table(pd.DataFrame({"name": ["<b>x</b>"], "value": [0.123456], "n": [1200]}))
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    assert ">0.123<" in html and ">1,200<" in html


def test_figures_are_embedded_as_base64_png(tmp_path):
    png = tmp_path / "outcomes.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    html = figure(png, "What it shows.")
    assert 'src="data:image/png;base64,iVBORw0KGgpmYWtl"' in html
    assert "outcomes.png.</b> What it shows." in html


def test_sensitivity_table_has_one_column_per_index_with_intervals():
    sens = pd.DataFrame(
        {
            "outcome": ["y"] * 3,
            "method": ["sobol"] * 3,
            "index": ["S1", "ST", "S2"],
            "factor": ["a", "a", "a"],
            "other": [None, None, "b"],
            "value": [0.2, 0.5, 0.1],
            "low": [0.1, 0.3, 0.0],
            "high": [0.3, 0.7, 0.2],
        }
    )
    wide = sensitivity_table(sens)
    assert list(wide.columns) == ["outcome", "factor", "S1", "ST"]
    assert wide.loc[0, "ST"] == "0.5 [0.3, 0.7]"


def test_a_directory_that_is_no_output_is_refused_in_one_line_and_nothing_is_written(
    tmp_path, capsys
):
    (tmp_path / "notes.txt").write_text("not a run")
    for bad in (tmp_path, tmp_path / "missing"):
        with pytest.raises(SystemExit) as stop:
            main([str(bad)])
        assert stop.value.code == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith(f"error: {bad}") and "\n" not in err and "design.parquet" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    with pytest.raises(NotAResult):
        locate(tmp_path / "missing")
    (tmp_path / "multirun.yaml").write_text("hydra: {}\n")  # a sweep stopped before its end
    with pytest.raises(NotAResult, match="a multirun not aggregated yet"):
        locate(tmp_path)


def test_unreadable_tables_are_refused_in_one_line_and_leave_no_file(tmp_path, capsys):
    (tmp_path / "runs.parquet").write_text("not parquet")
    with pytest.raises(SystemExit) as stop:
        main([str(tmp_path)])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {tmp_path}: cannot be reported") and "\n" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.parquet"]


def test_a_foreign_table_is_refused_naming_the_columns_it_lacks(tmp_path, capsys):
    pd.DataFrame({"a": [1, 2], "seed": [0, 1]}).to_parquet(tmp_path / "runs.parquet")
    with pytest.raises(SystemExit) as stop:
        main([str(tmp_path)])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"error: {tmp_path}: runs.parquet is not a runs table (no scenario, config_id, overrides)"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.parquet"]


@pytest.mark.parametrize(
    ("command", "args", "named"),
    [
        ("report", [], "dir"),
        ("report", ["RUN", "--nope"], "--nope"),
        ("report", ["RUN", "--out"], "--out"),
        ("compare", [], "dirs"),
        ("compare", ["RUN", "--metric"], "--metric"),
        ("compare", ["RUN", "--bogus"], "--bogus"),
    ],
)
def test_a_bad_flag_is_refused_in_one_line_without_the_usage_block(command, args, named, capsys):
    from sim import compare

    run = main if command == "report" else compare.main
    with pytest.raises(SystemExit) as stop:
        run(args)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and named in err, err


# ---- real outputs ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("report")
    cmd = [sys.executable, "-m", "sim", "-m", *SWEEP, f"hydra.sweep.dir={root / 'sw'}"]
    done = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return root / "sw"


@pytest.mark.slow
def test_a_sweep_writes_its_report_and_records_its_command(sweep):
    page = (sweep / "sweep" / "report.html").read_text()
    mark = json.loads((sweep / "sweep" / "aggregate.json").read_text())
    assert mark["command"] == "python -m sim -m hydra.sweep.dir=" + str(sweep) + " " + " ".join(
        SWEEP
    )
    job = json.loads((sweep / "job0" / "job.json").read_text())
    assert job["command"] == "python -m sim scenario=baseline replications=5 days=365 workers=1"
    assert mark["command"] in page.replace("&#x27;", "'")
    assert not list((sweep / "sweep").glob(".*.tmp"))
    assert 'src="http' not in page and "<script" not in page  # opens without network or JS


@pytest.mark.slow
def test_the_sweep_report_renders_in_chromium_with_every_section_and_figure(
    sweep, browser, screenshot
):
    report = sweep / "sweep" / "report.html"
    pngs = sorted((sweep / "sweep" / "figures").glob("*.png"))
    browser.get(report.as_uri())
    for anchor in SECTIONS:
        assert browser.find_elements("id", anchor), f"section {anchor} missing"
    images = browser.find_elements("css selector", "figure img")
    assert len(images) == len(pngs) >= 4
    widths = [browser.execute_script("return arguments[0].naturalWidth", i) for i in images]
    assert all(w > 0 for w in widths)
    captions = [c.text for c in browser.find_elements("css selector", "figcaption")]
    assert all("no description is known" not in c for c in captions)
    rows = browser.find_elements("css selector", "#summary tbody tr")
    assert [r.text.split()[0] for r in rows] == ["baseline", "roadmap"]
    assert "Only 5 replication(s)" in browser.find_element("id", "caveats").text
    _screenshot_to_first_figure(browser, screenshot("report.png"))


def _screenshot_to_first_figure(browser, target: Path) -> None:
    """The page from its title to the first figure's caption, for the README."""
    script = "return document.querySelector('figure').getBoundingClientRect().bottom + scrollY"
    bottom = int(browser.execute_script(script)) + 24
    size = browser.get_window_size()
    try:
        browser.set_window_size(1400, bottom + 200)
        shot = Image.open(io.BytesIO(browser.get_screenshot_as_png()))
    finally:
        browser.set_window_size(size["width"], size["height"])
    target.parent.mkdir(parents=True, exist_ok=True)
    shot.crop((0, 0, shot.width, min(bottom, shot.height))).save(target)


@pytest.mark.slow
def test_a_design_writes_a_report_with_its_sensitivity_table(tmp_path):
    out = tmp_path / "design"
    cmd = [
        sys.executable,
        "-m",
        "sim.explore",
        "+explore.factors.patrol.sweep_rate=[0.2,1.0]",
        "+explore.factors.armed_groups.attempt_rate=[0.06,0.24]",
        "explore.design=morris",
        "explore.points=4",  # morris needs at least 4 trajectories
        "replications=2",
        "days=60",
        "workers=1",
        f"hydra.run.dir={out}",
    ]
    done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    page = (out / "report.html").read_text()
    assert 'id="sensitivity"' in page and "mu_star" in page
    assert "Morris screening ranks factors" in page
    command = json.loads((out / "explore.json").read_text())["command"]
    assert shlex.split(command) == ["python", "-m", "sim.explore", cmd[-1], *cmd[3:-1]]


@pytest.mark.slow
def test_a_single_run_writes_its_report_and_records_its_command(tmp_path):
    out = tmp_path / "run"
    args = ["replications=2", "days=60", "workers=1", f"hydra.run.dir={out}"]
    cmd = [sys.executable, "-m", "sim", *args]
    done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert shlex.split(json.loads((out / "job.json").read_text())["command"]) == [
        "python",
        "-m",
        "sim",
        args[-1],
        *args[:-1],
    ]
    page = (out / "report.html").read_text()
    assert "Run report: roadmap" in page and "incidents.png" in page
    assert "No paired differences" in page


def test_a_calibration_report_names_the_parameter_the_data_constrain_most(tmp_path):
    rng = np.random.default_rng(0)
    n = 200
    posterior = pd.DataFrame(
        {
            "generation": 1,
            "particle": range(n),
            "weight": 1 / n,
            "wide": rng.uniform(0, 1, n),
            "narrow": rng.uniform(0.45, 0.55, n),
        }
    )
    posterior.to_parquet(tmp_path / "posterior.parquet")
    pd.DataFrame(
        {
            "statistic": ["monthly_mean", "tail_alpha"],
            "observed": [3.0, 2.0],
            "median": [3.1, 4.0],
            "low": [2.0, 3.0],
            "high": [4.0, 5.0],
            "computable": [1.0, 1.0],
            "inside": [True, False],
        }
    ).to_parquet(tmp_path / "ppc_statistics.parquet")
    priors = [{"name": k, "low": 0.0, "high": 1.0} for k in ("wide", "narrow")]
    receipt = {
        "name": "fit",
        "status": "done",
        "settings": {"parameters": priors},
        "statistics_outside_ppi": ["tail_alpha"],
        "command": "python -m sim.calibrate",
        "stopped": "time",
        "settled": False,
        "last_shift": 0.31,
        "last_ess": 91.0,
    }
    (tmp_path / "calibration.json").write_text(json.dumps(receipt))
    pd.DataFrame(
        {
            "generation": [0, 1],
            "epsilon": [20.0, 15.0],
            "simulations": [400, 900],
            "acceptance_rate": [0.5, 0.22],
            "ess": [200.0, 91.0],
            "shift": [np.nan, 0.31],
        }
    ).to_parquet(tmp_path / "generations.parquet")
    page = (write_report(tmp_path)).read_text()
    assert "time (not settled; effective sample size 91.0)" in page
    assert "still moving by up to 0.31 of a prior" in page
    assert "not comparable across generations" in page and '<td class="num">900</td>' in page
    assert "The data constrain narrow most" in page
    assert "1 of 2 summary statistics" in page
    assert (
        "does not reproduce: Tail exponent of deaths per event (observed 2, below its 90% "
        "predictive interval 3 to 5)" in page
    )
