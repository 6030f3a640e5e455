"""Figures carry the expected axes, series and bands (checked on matplotlib objects)."""

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import config, replicate
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from synthetic import GRID, grid_jobs

import sim
from sim.analysis.effect_plots import difference_figure, timing_figure, type_figure
from sim.analysis.headline_plots import incidents_figure
from sim.analysis.labels import variant_labels
from sim.analysis.paired import (
    difference_table,
    monthly_differences,
    timing_table,
    type_differences,
)
from sim.analysis.plots import (
    comparison_figure,
    heatmap_figure,
    outcomes_figure,
    phase_share_figure,
    shared_dashes,
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
    ax = fig.axes[3]  # bottom left: carries the month axis
    assert ax.get_xlabel() == "Month since start of simulation"
    assert ax.get_ylabel() == "incidents per month" and "State-on-state" in ax.get_title()
    assert len(ax.lines) >= 1 and len(ax.collections) >= 1  # mean line and CI band
    labels = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert any("95% CI" in s for s in labels)
    assert {"pre-agreement", "phase 1"} <= set(labels)
    assert outside_canvas(fig) == []


def test_a_runs_moves_are_marked_where_they_act_and_listed(tables):
    from sim.config.moves import MoveParams

    ts, _ = tables
    moves = [MoveParams(150, "patrol.units_per_side", "90", "team A")]
    fig = incidents_figure(ts[ts["scenario"] == "roadmap"], "roadmap", moves=moves)
    ax = fig.axes[0]
    marks = [line for line in ax.lines if line.get_linestyle() == "-."]
    assert len(marks) == 1 and marks[0].get_xdata()[0] == pytest.approx(150 / 30.4375 - 0.5)
    assert "M1" in [t.get_text() for t in ax.texts]
    notes = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert any("M1 day 150: patrol.units_per_side = 90 (team A)" in t for t in notes)
    assert outside_canvas(fig) == []


def test_phase_shading_is_named_as_the_gate_machine_phase_with_pre_agreement(tables):
    """security_only runs phase-2 measures while the gate machine is in phase 1: the legend
    names the machine's phase, and the pre-agreement months are shaded and named too."""
    ts, _ = tables
    fig = comparison_figure(ts, baseline="baseline")
    phase = next(leg for leg in fig.legends if leg.get_title().get_text())
    title = phase.get_title().get_text().replace("\n", " ")
    assert "roadmap phase (gate machine)" in title and "most common" in title
    assert [t.get_text() for t in phase.get_texts()][0] == "pre-agreement"
    baseline_panel = fig.axes[0]
    assert baseline_panel.patches  # the baseline, never past pre-agreement, is shaded too


def test_comparison_figure_has_one_panel_per_scenario_and_a_baseline_reference(tables):
    ts, _ = tables
    fig = comparison_figure(ts, baseline="baseline")
    panels = fig.axes
    assert [ax.get_title() for ax in panels] == ["baseline", "roadmap"]
    assert any(line.get_linestyle() == "--" for line in panels[1].lines)
    assert all(ax.get_legend() is None for ax in panels) and len(fig.legends) == 2  # lines, phases
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
    drawn = 6 - int(runs["phase3_day"].isna().all())  # an outcome without values: no panel
    assert len(fig.axes) == drawn and all(ax.has_data() for ax in fig.axes)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["baseline", "roadmap"]
    diffs = difference_table(runs, "baseline", "border_incidents_per_month")
    assert (
        diffs.loc[0, "n"] == 4
        and diffs.loc[0, "low"] <= diffs.loc[0, "mean"] <= diffs.loc[0, "high"]
    )
    fig = difference_figure(diffs)
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("Border incidents per month (the phase gates' count): diff")
    stats_axis = ax.child_axes[0]  # d_z and p on a right-hand axis, inside the layout
    assert [t.get_text() for t in stats_axis.get_yticklabels()][0].startswith("d_z ")
    notes = " ".join(t.get_text() for legend in fig.legends for t in legend.get_texts())
    assert "in units of its standard deviation across pairs" in notes and "e-" not in notes
    assert outside_canvas(fig) == []


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


# ---- every text inside the canvas, for three scenarios and for a 15-variant grid ----------


def outside_canvas(fig: Figure) -> list[str]:
    """Texts that the saved PNG would cut: each drawn text's window extent (tick labels
    through their axes' tight box, which holds only the ticks drawn) against the canvas."""
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    axes = [a for ax in fig.axes for a in (ax, *ax.child_axes)]
    ticks = {
        id(label)
        for a in axes
        for axis in (a.xaxis, a.yaxis)
        for tick in axis.get_major_ticks() + axis.get_minor_ticks()
        for label in (tick.label1, tick.label2)
    }

    def cut(extent) -> bool:
        return (
            extent.x0 < box.x0 - 0.5
            or extent.y0 < box.y0 - 0.5
            or extent.x1 > box.x1 + 0.5
            or extent.y1 > box.y1 + 0.5
        )

    bad = [f"axes {a.get_title()!r}" for a in axes if cut(a.get_tightbbox(renderer))]
    for text in fig.findobj(Text):
        if id(text) in ticks or not text.get_visible() or not text.get_text().strip():
            continue
        if cut(text.get_window_extent(renderer)):
            bad.append(text.get_text())
    return bad


def test_the_check_finds_text_outside_the_canvas():
    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()
    ax.annotate("a note that runs far beyond the right edge of the figure", (0.9, 0.5))
    ax.set_title("inside")
    assert outside_canvas(fig) == [
        "axes 'inside'",  # the annotation widens the axes' box beyond the canvas
        "a note that runs far beyond the right edge of the figure",
    ]


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    """Fifteen long-named variants with their tables, as a grid sweep aggregates them."""
    root = grid_jobs(tmp_path_factory.mktemp("grid"))
    runs = pd.concat(
        [pd.read_parquet(root / f"job{i}" / "runs.parquet") for i in range(15)], ignore_index=True
    )
    ts = pd.concat(
        [pd.read_parquet(root / f"job{i}" / "timeseries.parquet") for i in range(15)],
        ignore_index=True,
    )
    names = {f"scenario={s} {o}": f"{s} {o}" for s, o in GRID}
    runs["scenario"] = runs["overrides"].map(names)
    ts["scenario"] = ts["config_id"].map(
        runs.drop_duplicates("config_id").set_index("config_id")["scenario"]
    )
    return runs, ts


def _all_figures(runs: pd.DataFrame, ts: pd.DataFrame) -> dict[str, Figure]:
    labels = variant_labels(list(runs["scenario"]))
    baseline = runs["scenario"].iloc[0]
    diffs = difference_table(runs, baseline, "border_incidents_per_month")
    monthly = monthly_differences(ts, baseline)
    return {
        "difference": difference_figure(diffs, labels),
        "by_month": timing_figure(monthly, labels, timing_table(monthly)),
        "by_type": type_figure(type_differences(runs, baseline), labels),
        "outcomes": outcomes_figure(runs, labels=labels),
        "incidents": comparison_figure(ts, baseline, labels),
        "phase_share": phase_share_figure(ts, labels),
    }


def test_no_figure_text_is_cut_for_three_scenarios(tables):
    ts, runs = tables
    three = pd.concat([runs, runs[runs["scenario"] == "roadmap"].assign(scenario="security_only")])
    three_ts = pd.concat([ts, ts[ts["scenario"] == "roadmap"].assign(scenario="security_only")])
    for name, fig in _all_figures(three, three_ts.assign(seed=three_ts["replication"])).items():
        assert outside_canvas(fig) == [], name


def test_no_figure_text_is_cut_for_a_15_variant_grid_and_labels_are_short_with_a_key(grid):
    runs, ts = grid
    figures = _all_figures(runs, ts)
    for name, fig in figures.items():
        assert outside_canvas(fig) == [], name
    ticks = [t.get_text() for t in figures["difference"].axes[0].get_yticklabels()]
    assert sorted(ticks, key=lambda t: int(t[1:])) == [f"V{i}" for i in range(2, 16)]
    key = " ".join(t.get_text() for leg in figures["difference"].legends for t in leg.get_texts())
    assert "V3: baseline measures.joint_patrols.intensity=0.0 patrol.units_per_side=90" in key
    outcome_ticks = [t.get_text() for t in figures["outcomes"].axes[0].get_yticklabels()]
    assert outcome_ticks == [f"V{i}" for i in range(1, 16)]


def test_outcomes_skip_a_panel_no_run_has_values_for_and_say_so(grid):
    runs, _ = grid
    fig = outcomes_figure(runs)  # no run reached phase 3
    titles = [ax.get_xlabel() for ax in fig.axes]
    assert not any("phase 3" in t for t in titles) and all(ax.has_data() for ax in fig.axes)
    notes = " ".join(t.get_text() for leg in fig.legends for t in leg.get_texts())
    assert "Not drawn" in notes and "Day phase 3 reached" in notes


def test_difference_by_month_has_a_zero_line_units_and_one_band_per_variant(tables):
    ts, runs = tables
    monthly = monthly_differences(ts.assign(seed=ts["replication"]), "baseline")
    fig = timing_figure(monthly, timing=timing_table(monthly))
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Month since start of simulation"
    assert "border incidents per month" in ax.get_ylabel()
    assert any(list(line.get_ydata()) == [0, 0] for line in ax.lines)  # the zero line
    assert len(ax.collections) == 1  # one band: one variant
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "roadmap" in legend and "95% CI of the mean (bootstrap)" in legend


def test_difference_by_type_has_one_panel_per_type_and_marks_border_types(grid):
    runs, _ = grid
    fig = type_figure(type_differences(runs, runs["scenario"].iloc[0]))
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0] == "Border incidents (all four types)"
    assert any(
        t.startswith("Interdictions") and "(border incident)" in t.replace("\n", " ")
        for t in titles
    )
    assert any("Smuggling seized (not a border incident)" in t for t in titles)
    assert any(t.startswith("Victims") for t in titles) and len(titles) == 10


def test_difference_by_type_titles_clear_the_legend_and_fill_the_width(tables, grid):
    """No panel title runs into the key or another title, and the panels use the width
    (the key once sat at the right, leaving a fifth of the figure empty below it)."""
    ts, runs = tables
    three = pd.concat([runs, runs[runs["scenario"] == "roadmap"].assign(scenario="security_only")])
    for data in (three, grid[0]):
        fig = type_figure(type_differences(data, data["scenario"].iloc[0]))
        assert outside_canvas(fig) == []
        renderer = fig.canvas.get_renderer()
        titles = [ax.title.get_window_extent(renderer) for ax in fig.axes]
        keys = [leg.get_window_extent(renderer) for leg in fig.legends]
        for i, title in enumerate(titles):
            assert not any(title.overlaps(key) for key in keys)
            assert not any(title.overlaps(other) for other in titles[i + 1 :])
        right = max(ax.get_tightbbox(renderer).x1 for ax in fig.axes)
        assert right > 0.95 * fig.bbox.x1


def band_and_key_colours(fig: Figure) -> tuple[set, set]:
    """The face colours of the bands in the first panel, and of the patches in the legend
    that names the 95% CI (its only patches: the CI's key)."""
    legend = next(
        leg for leg in fig.legends if any("95% CI" in t.get_text() for t in leg.get_texts())
    )
    key = {tuple(np.round(r.get_facecolor(), 3)) for r in legend.findobj(Rectangle)}
    bands = {tuple(np.round(c.get_facecolor()[0], 3)) for c in fig.axes[0].collections}
    return bands, key


def test_the_ci_key_has_the_bands_colours(tables):
    """The bands are drawn in each series' colour: so is their key (not a grey stand-in)."""
    ts, _ = tables
    monthly = monthly_differences(ts.assign(seed=ts["replication"]), "baseline")
    again = monthly[monthly["scenario"] == "roadmap"].assign(scenario="again")
    figures = [
        incidents_figure(ts[ts["scenario"] == "roadmap"], "roadmap"),
        incidents_figure(ts, baseline="baseline"),
        timing_figure(pd.concat([monthly, again])),
    ]
    for fig in figures:
        bands, key = band_and_key_colours(fig)
        assert len(bands) == len(fig.axes[0].collections) and key == bands


def dash_offset(line) -> float | None:
    """The offset of a dashed line's pattern (None for a dotted or solid one)."""
    return line._unscaled_dash_pattern[0] if line.get_linestyle() == "--" else None


def test_coinciding_ci_markers_alternate_their_dots_in_place(tables):
    """Two variants whose interval stays below 0 from the same month: both lines at that
    month, in their own colours, dots offset so that each shows; one alone stays dotted."""
    ts, _ = tables
    monthly = monthly_differences(ts.assign(seed=ts["replication"]), "baseline")
    copies = [monthly[monthly["scenario"] == "roadmap"].assign(scenario=s) for s in "ab"]
    timing = pd.DataFrame({"scenario": ["roadmap", "a", "b"], "interval_below_from": [5, 5, 7]})
    ax = timing_figure(pd.concat([monthly, *copies]), timing=timing).axes[0]
    marks = [line for line in ax.lines if len(set(line.get_xdata())) == 1]
    at = {x: [m for m in marks if m.get_xdata()[0] == x] for x in (4.5, 6.5)}
    assert len(marks) == 3 and len(at[4.5]) == 2
    assert {m.get_color() for m in at[4.5]} == {"C0", "C1"}
    assert len({dash_offset(m) for m in at[4.5]} - {None}) == 2
    assert at[6.5][0].get_linestyle() == ":" and at[6.5][0].get_color() == "C2"
    assert shared_dashes([1.5, 1.5, 1.5, 2.5]) == [
        (0.0, (1.5, 6.0)),
        (2.5, (1.5, 6.0)),
        (5.0, (1.5, 6.0)),
        ":",
    ]


def test_a_heatmap_never_pools_scenarios(grid):
    runs, _ = grid
    runs = runs.assign(
        scenario=runs["scenario"].str.split().str[0],
        x=runs["overrides"].str.extract(r"intensity=([\d.]+)")[0].astype(float),
        y=runs["overrides"].str.extract(r"side=(\d+)")[0].astype(int),
    )
    fig = heatmap_figure(runs, "x", "y", "border_incidents_per_month", by=["scenario"])
    panels = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in panels] == ["baseline", "roadmap"]
    assert outside_canvas(fig) == []


def defined_names(module: Path) -> set[str]:
    """The names a module defines at its top level (not the ones it imports)."""
    names = set()
    for node in ast.parse(module.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def test_figure_code_imports_each_name_from_the_module_that_defines_it():
    """No module of sim.analysis passes on another's names: a reader finds a name where it
    is imported from."""
    root = Path(sim.__file__).parent
    borrowed = []
    for file in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sim.analysis."):
                owner = defined_names(root.parent / f"{node.module.replace('.', '/')}.py")
                borrowed += [
                    f"{file.relative_to(root)}: {a.name} from {node.module}"
                    for a in node.names
                    if a.name not in owner
                ]
    assert not borrowed, borrowed
