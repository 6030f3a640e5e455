"""Figures carry the expected axes, series and bands (checked on matplotlib objects)."""

import numpy as np
import pandas as pd
import pytest
from conftest import config, replicate

from sim.plots import (
    comparison_figure,
    difference_figure,
    difference_table,
    heatmap_figure,
    incidents_figure,
    outcomes_figure,
    phase_share_figure,
)
from sim.runner import replication_seeds


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
    assert any("95% CI" in s for s in labels) and "Phase 1: confidence building" in labels


def test_comparison_figure_has_one_panel_per_scenario_and_a_baseline_reference(tables):
    ts, _ = tables
    fig = comparison_figure(ts, baseline="baseline")
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == ["baseline", "roadmap"]
    assert any(line.get_linestyle() == "--" for line in panels[1].lines)


def test_outcomes_and_difference_figures(tables):
    _, runs = tables
    fig = outcomes_figure(runs)
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 6
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["baseline", "roadmap"]
    diffs = difference_table(runs, "baseline", "border_incidents_per_month")
    assert (
        diffs.loc[0, "n"] == 4
        and diffs.loc[0, "low"] <= diffs.loc[0, "mean"] <= diffs.loc[0, "high"]
    )
    ax = difference_figure(diffs).axes[0]
    assert ax.get_xlabel() == "Border incidents per month: difference from baseline"
    assert any("d_z=" in t.get_text() for t in ax.texts)


def test_phase_share_sums_to_one(tables):
    ts, _ = tables
    fig = phase_share_figure(ts)
    ax = fig.axes[1]
    tops = ax.collections[-1].get_paths()[0].vertices[:, 1]
    assert np.isclose(tops.max(), 1.0)


def test_heatmap_axes_are_the_swept_parameters():
    runs = pd.DataFrame({"a": [0, 0, 1, 1], "b": [1, 2, 1, 2], "m": [1.0, 2.0, 3.0, 4.0]})
    ax = heatmap_figure(runs, "a", "b", "m").axes[0]
    assert ax.get_xlabel() == "a" and ax.get_ylabel() == "b"
    assert ax.images[0].get_array().shape == (2, 2)
