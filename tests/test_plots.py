"""Figures carry the expected axes, series and bands (checked on matplotlib objects)."""

import numpy as np
import pandas as pd
import pytest
from conftest import config, replicate

from sim.analysis.plots import (
    comparison_figure,
    difference_figure,
    difference_table,
    heatmap_figure,
    incidents_figure,
    outcomes_figure,
    phase_share_figure,
)
from sim.runs.runner import replication_seeds


@pytest.fixture(scope="module")
def tables():
    ts, runs = [], []
    for scenario in ("baseline", "roadmap"):
        for rep, run in enumerate(replicate(config(f"scenario={scenario}", "days=400"), 4)):
            ts.append(run.timeseries.assign(scenario=scenario, replication=rep))
            seed = replication_seeds(config().seed, 4)[rep]
            runs.append({"scenario": scenario, "replication": rep, "seed": seed, **run.summary})
    return pd.concat(ts, ignore_index=True), pd.DataFrame(runs)


def test_incidents_figure_has_band_phases_and_labels(tables):
    ts, _ = tables
    fig = incidents_figure(ts[ts["scenario"] == "roadmap"], "roadmap")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Month since start of simulation"
    assert ax.get_ylabel() == "Border incidents per month"
    assert len(ax.lines) >= 1 and len(ax.collections) >= 1  # mean line and CI band
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("95% CI" in s for s in labels)
    assert "Phase 1 (most common phase of the runs that month)" in labels


def test_comparison_figure_has_one_panel_per_scenario_and_a_baseline_reference(tables):
    ts, _ = tables
    fig = comparison_figure(ts, baseline="baseline")
    panels = fig.axes
    assert [ax.get_title() for ax in panels] == ["baseline", "roadmap"]
    assert any(line.get_linestyle() == "--" for line in panels[1].lines)
    assert all(ax.get_legend() is None for ax in panels) and len(fig.legends) == 1
    top = max(max(line.get_ydata()) for ax in panels for line in ax.lines)
    assert panels[0].get_ylim()[1] >= top  # nothing clipped


def test_comparison_figure_has_no_empty_panel(tables):
    ts, _ = tables
    three = pd.concat([ts, ts[ts["scenario"] == "roadmap"].assign(scenario="again")])
    fig = comparison_figure(three, baseline="baseline")
    assert len(fig.axes) == 3 and all(ax.has_data() for ax in fig.axes)
    assert sum(bool(ax.get_xlabel()) for ax in fig.axes) == 2  # every column has its month axis


def test_outcomes_and_difference_figures(tables):
    _, runs = tables
    fig = outcomes_figure(runs)
    assert len(fig.axes) == 6 and all(ax.has_data() for ax in fig.axes)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["baseline", "roadmap"]
    diffs = difference_table(runs, "baseline", "border_incidents_per_month")
    assert (
        diffs.loc[0, "n"] == 4
        and diffs.loc[0, "low"] <= diffs.loc[0, "mean"] <= diffs.loc[0, "high"]
    )
    ax = difference_figure(diffs).axes[0]
    assert ax.get_xlabel() == "Border incidents per month: difference from baseline"
    assert any("d_z=" in t.get_text() for t in ax.texts)
    assert not any("e-" in t.get_text() for t in ax.texts)
    assert any("d_z: mean paired difference" in t.get_text() for t in ax.figure.texts)


def test_phase_share_sums_to_one(tables):
    ts, _ = tables
    fig = phase_share_figure(ts)
    ax = fig.axes[1]
    tops = ax.collections[-1].get_paths()[0].vertices[:, 1]
    assert np.isclose(tops.max(), 1.0)
    assert fig.axes[-1].get_xlabel() == "Month since start of simulation"  # months, like the rest
    assert len(fig.legends) == 1 and all(ax.get_legend() is None for ax in fig.axes)
    baseline = fig.axes[0].collections[0].get_facecolor()[0]
    assert tuple(baseline[:3]) != (1.0, 1.0, 1.0)  # the baseline panel is not blank white


def test_heatmap_axes_are_the_swept_parameters():
    runs = pd.DataFrame({"a": [0, 0, 1, 1], "b": [1, 2, 1, 2], "m": [1.0, 2.0, 3.0, 4.0]})
    ax = heatmap_figure(runs, "a", "b", "m").axes[0]
    assert ax.get_xlabel() == "A" and ax.get_ylabel() == "B"
    runs = runs.rename(columns={"a": "measures.joint_patrols.intensity"})
    ax = heatmap_figure(runs, "measures.joint_patrols.intensity", "b", "m").axes[0]
    assert ax.get_xlabel() == "Joint patrols: intensity"
    assert ax.images[0].get_array().shape == (2, 2)


def test_interval_of_equal_values_holds_the_mean_and_outcomes_draw():
    from sim.analysis.stats import mean_ci

    values = np.full(30, 1 / 3)  # bootstrap means round a hair away from the mean
    m, low, high = mean_ci(values)
    assert low <= m <= high
    runs = pd.DataFrame({"scenario": ["a"] * 30, "relapses": values, "final_trust": values})
    assert outcomes_figure(runs).axes
