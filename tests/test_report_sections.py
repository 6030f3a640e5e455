"""The report's answers to how fast, how reliably, by type; horizon, phases, footer (fast)."""

import json

import numpy as np
import pandas as pd
import pytest
from synthetic import grid_jobs, variant_tables, write_job

import sim
from sim.report.command import build
from sim.report.effects import drivers_sentence, reliability_html
from sim.report.findings import caveats, difference_sentence
from sim.report.html import writer
from sim.report.provenance import horizon
from sim.runs.sweep import aggregate


def _runs(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "scenario": ["baseline"] * n + ["roadmap"] * n,
            "seed": list(range(n)) * 2,
            "phase3_day": [np.nan] * n + [400.0] * n,
        }
    ).assign(variant=lambda r: r["scenario"])


def _diff(**values) -> pd.Series:
    row = {
        "scenario": "roadmap",
        "baseline": "baseline",
        "metric": "border_incidents_per_month",
        "n": 4,
        "mean": 2.41,
        "low": 0.0634,
        "high": 4.76,
        "effect_size": 0.8,
        "p_value": 0.208,
        "p10": -0.42,
        "p90": 5.19,
        "wins": 1,
        "ties": 0,
        "pct": 8.2,
        "pct_low": 0.2,
        "pct_high": 17.6,
        "better": "lower",
    }
    return pd.Series(row | values)


def test_phase_3_is_reported_per_scenario_and_pointed_to_per_variant():
    runs = pd.concat([_runs(4), _runs(4).assign(variant=lambda r: r["scenario"] + " x=1")])
    note = next(c for c in caveats(runs, "variant", days=1095) if c.startswith("Phase 3"))
    assert "baseline 0% (0 of 8 runs); roadmap 100% (8 of 8 runs)" in note
    assert "Per variant: see 'Phases reached'" in note


def test_a_sentence_explains_when_the_interval_and_the_test_disagree():
    row = _diff()
    text = difference_sentence(row, {"roadmap": "roadmap", "baseline": "baseline"})
    assert "95% CI 0.06 to 4.76" in text and "e-" not in text  # alike: same decimals
    assert "different procedures" in text and "disagree" in text


def test_the_footer_names_the_command_that_wrote_the_page(monkeypatch, tmp_path):
    import importlib.machinery
    import sys
    import types

    run = tmp_path / "run"
    sim.run("baseline", replications=2, days=40, out_dir=run)
    for module, command in (
        ("sim.compare", "python -m sim.compare"),
        ("sim.__main__", "python -m sim"),
        ("sim.report.__main__", "python -m sim.report"),
    ):
        main_module = types.ModuleType("__main__")
        main_module.__spec__ = importlib.machinery.ModuleSpec(module, None)
        monkeypatch.setitem(sys.modules, "__main__", main_module)
        assert writer() == command
        html = build(run)[0]
        assert f"<footer>Written by {command} (border-roadmap " in html


def test_the_horizon_comes_from_the_days_column_else_from_job_json(tmp_path):
    runs, _ = variant_tables("baseline", reps=2, days=90)
    assert horizon(tmp_path, runs, {})[1] == "90 days"
    mixed = pd.concat([runs, runs.assign(days=120)])
    assert horizon(tmp_path, mixed, {}) == (90, "90 to 120 days (differs between variants)")
    old = runs.drop(columns="days")
    assert horizon(tmp_path / "sweep", old, {}) == (None, "not recorded")
    job = tmp_path / "job0"
    job.mkdir()
    receipt = {"status": "done", "days": 90, "config_id": runs["config_id"].iloc[0]}
    (job / "job.json").write_text(json.dumps(receipt))
    assert horizon(tmp_path / "sweep", old, {}) == (90, "90 days")  # a sweep's own jobs
    assert horizon(tmp_path / "elsewhere", old, {"sources": [str(tmp_path)]})[1] == "90 days"


@pytest.fixture(scope="module")
def grid_report(tmp_path_factory) -> str:
    """A comparison of six made-up grid variants (long names), aggregated and reported."""
    root = grid_jobs(tmp_path_factory.mktemp("grid"), reps=3, days=150, count=6)
    aggregate([root], root / "cmp", command="python -m sim.compare grid")
    html = build(root / "cmp")[0]
    return html


def test_a_comparison_report_answers_how_fast_how_reliably_and_by_type(grid_report):
    for anchor in ("fast", "differences", "types", "phases"):
        assert f'<section id="{anchor}">' in grid_report
    assert "Horizon</th><td>150 days" in grid_report and "not recorded" not in grid_report
    assert "95% CI stays below from" in grid_report  # how fast
    assert "single pairs, 10th to 90th percentile" in grid_report  # how reliably
    assert "lower than baseline in [95% CI]" in grid_report and "% of baseline mean" in grid_report
    assert "|d_z| &gt;= 0.8 is large" in grid_report
    assert "Interdictions (infiltrations stopped)" in grid_report  # by type
    assert "Most of the rise is interdictions" in grid_report
    assert "difference_by_month.png" in grid_report and "difference_by_type.png" in grid_report
    assert "<td>V6</td>" in grid_report  # short labels, with the key in the variants table
    assert "e-0" not in grid_report.split("<figure>")[0]  # no scientific notation in the text


def test_the_lasting_improvement_month_of_a_known_effect_is_reported(tmp_path):
    base, base_ts = variant_tables("baseline", reps=8, days=240)
    half = dict.fromkeys(("attack", "interdiction", "clash", "ceasefire_violation"), 0.3)
    better, better_ts = variant_tables("roadmap", factors=half, start_day=92, reps=8, days=240)
    write_job(tmp_path / "a", base, base_ts)
    write_job(tmp_path / "b", better, better_ts)
    aggregate([tmp_path], tmp_path / "cmp")
    html = build(tmp_path / "cmp")[0]
    assert "its whole 95% interval is below 0 from month 3 (day 92)" in html


def test_a_change_seen_only_in_the_last_months_is_not_called_lasting():
    from sim.report.effects import timing_sentence

    row = {
        "scenario": "roadmap",
        "baseline": "baseline",
        "n": 20,
        "last_month": 35,
        "mean_below_from": 30.0,
        "last_mean": -2.0,
        "last_low": -3.0,
        "last_high": -0.5,
        "threshold": 0.0,
    }
    names = {"roadmap": "roadmap", "baseline": "baseline"}
    for start, caveat in ((35.0, "only its last month:"), (34.0, "only its last 2 months:")):
        text = timing_sentence(pd.Series(row | {"interval_below_from": start}), names)
        assert f"{caveat} too few to call it lasting" in text
    text = timing_sentence(pd.Series(row | {"interval_below_from": 33.0}), names)
    assert "too few" not in text and "below 0 from month 33" in text


def test_the_reliability_table_shows_single_pairs_wins_percent_and_explains_d_z():
    names = {"roadmap": "roadmap", "baseline": "baseline"}
    html = reliability_html(pd.DataFrame([_diff()]), names)
    assert "<td>2.41 [0.06, 4.76]</td>" in html and "<td>8.2% [0.2%, 17.6%]</td>" in html
    assert "<td>-0.42 to 5.19</td>" in html  # the spread of single pairs, not of the mean
    assert "<td>1 of 4: 25% [5%, 70%]</td>" in html  # pairs won, Wilson interval
    assert "in units of its standard deviation across pairs" in html
    assert "|d_z| &gt;= 0.8 is large" in html
    assert "one resamples the pairs" in html  # why the interval and the test disagree


def test_drivers_name_interdictions_when_they_make_most_of_a_rise():
    rows = pd.DataFrame(
        {
            "scenario": "90 units",
            "type": ["border_incidents", "attack", "interdiction", "clash", "ceasefire_violation"],
            "mean": [8.0, -4.0, 12.0, 0.0, 0.0],
            "low": [6.0, -5.0, 10.0, -1.0, -1.0],
            "high": [10.0, -3.0, 14.0, 1.0, 1.0],
        }
    )
    text = drivers_sentence(rows, {})
    assert text.startswith("90 units: border incidents per month +8, of which interdictions +12")
    assert "attacks that got through -4" in text and "Most of the rise is interdictions" in text


def test_a_calibration_report_names_a_parameter_piled_against_its_priors_bound():
    """The settled-fit rule of the calibration issue: no parameter keeps more than a quarter
    of its weight in an outer tenth of its prior; the report says which does, measured in
    the prior's own scale (a log-scale prior's tenths are decades' shares)."""
    from sim.report.calibration import _calibration_findings, posterior_summary

    rng = np.random.default_rng(1)
    n = 400
    posterior = pd.DataFrame(
        {
            "generation": 0,
            "weight": 1.0,
            "piled": rng.uniform(0.0, 0.05, n),  # all in the lowest tenth of [0, 1]
            "spread": rng.uniform(0.0, 1.0, n),
            "rate": 10 ** rng.uniform(-3, 0, n),  # uniform in the log of [0.001, 1]
        }
    )
    priors = [
        {"name": "piled", "low": 0.0, "high": 1.0},
        {"name": "spread", "low": 0.0, "high": 1.0},
        {"name": "rate", "low": 0.001, "high": 1.0, "scale": "log"},
    ]
    summary = posterior_summary(posterior, priors).set_index("parameter")
    assert summary.loc["piled", "weight in lowest tenth"] == pytest.approx(1.0)
    assert summary.loc["rate", "weight in lowest tenth"] == pytest.approx(0.1, abs=0.05)
    assert summary.loc["rate", "share of prior range"] == pytest.approx(0.9, abs=0.05)
    found = " ".join(_calibration_findings(summary.reset_index(), None))
    assert "piled keeps 100% of its weight in the lowest tenth" in found
    assert "spread keeps" not in found and "rate keeps" not in found


def _sobol_rows(st: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """A Sobol table of one outcome: per factor (ST estimate, half-width), S1 half of ST."""
    rows = []
    for factor, (estimate, half) in st.items():
        for index, value in (("S1", estimate / 2), ("ST", estimate)):
            rows.append(
                {
                    "outcome": "attacks", "method": "sobol", "index": index, "factor": factor,
                    "other": None, "value": float(np.clip(value, 0, 1)),
                    "low": float(np.clip(value - half, 0, 1)),
                    "high": float(np.clip(value + half, 0, 1)), "estimate": value,
                    "half_width": half,
                }
            )  # fmt: skip
    return pd.DataFrame(rows).astype({"other": "string"})


def test_a_design_report_does_not_rank_factors_its_intervals_cannot_tell_apart():
    from sim.report.design import _design_caveats, _design_findings

    cfg = {"scenario": "roadmap", "replications": 5, "explore": {"design": "saltelli"}}
    apart = _sobol_rows({"a": (0.8, 0.05), "b": (0.2, 0.05)})
    (line,) = _design_findings(apart, None, None, None, 0.0, cfg)
    assert line == "attacks: the largest ST is a's, 0.8 [0.75, 0.85]."
    close = _sobol_rows({"a": (0.5, 0.3), "b": (0.4, 0.3)})
    (line,) = _design_findings(close, None, None, None, 0.0, cfg)
    assert line.endswith(
        "its interval overlaps b's, so which factor matters most is not established."
    )
    # An interval clipped to [0, 0] is as wide as its estimator's: the caveat says so.
    clipped = _sobol_rows({"a": (-0.9, 0.4), "b": (-0.8, 0.3)})
    notes = " ".join(_design_caveats(clipped, None, cfg, 176))
    assert (
        "leading factors' intervals are wide (median width 0.80 on the 0-1 scale, before" in notes
    )
    assert "The Sobol estimates have not converged: 2 of 4 S1 and ST estimates are below 0" in notes
    assert "not converged" not in " ".join(_design_caveats(apart, None, cfg, 176))
