"""The headline (five metrics side by side), spend columns and effects per unit of cost.

The five metrics and the spend columns are checked on the files a seeded run
writes, counted again here from its incident log by type name (not through the
code that wrote them); the comparison's change per M$ is recomputed by hand
from the runs table the comparison merged.
"""

import numpy as np
import pandas as pd
import pytest
from conftest import config
from scipy import stats
from test_plots import dash_offset, outside_canvas

import sim
from sim.analysis.headline import NOT_DEFINED, UNBOUNDED, per_cost, with_headline
from sim.analysis.headline_plots import headline_figure, incidents_figure, spend_figure
from sim.analysis.labels import HEADLINE_METRICS, SUMMARY_METRICS
from sim.compare import main as compare
from sim.model.budget import ITEMS
from sim.model.model import RoadmapModel
from sim.runs.runner import model_params, simulate
from sim.runs.tables import SUMMARY_COLUMNS

MONTH = 365.25 / 12
DAYS = 240
HOSTILE = ("attack", "interdiction", "smuggling_delivered", "smuggling_seized")
STATE = ("clash", "ceasefire_violation")
WITH_VICTIMS = ("attack", "interdiction", "clash", "ceasefire_violation")
"""Border incidents: their victims are the headline's casualties (background violence's are not)."""


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """Three seeded replications of the roadmap, written as ``python -m sim`` writes them."""
    out = tmp_path_factory.mktemp("roadmap")
    sim.run("roadmap", replications=3, days=DAYS, seed=11, out_dir=out, progress=False)
    return (
        pd.read_parquet(out / "runs.parquet"),
        pd.read_parquet(out / "incidents.parquet"),
        pd.read_parquet(out / "timeseries.parquet"),
    )


def test_the_five_metrics_are_the_incident_logs_counts_per_month(written):
    runs, incidents, _ = written
    assert set(HEADLINE_METRICS) <= set(runs.columns) and set(HEADLINE_METRICS) < set(
        SUMMARY_COLUMNS
    )
    for rep, log in incidents.groupby("replication"):
        row = runs.set_index("replication").loc[rep]
        months = row["days"] / MONTH
        count = log["type"].value_counts()
        expected = {
            "hostile_attempts_per_month": count.reindex(HOSTILE, fill_value=0).sum(),
            "attacks_per_month": count.get("attack", 0),
            "interdictions_per_month": count.get("interdiction", 0),
            "state_incidents_per_month": count.reindex(STATE, fill_value=0).sum(),
            "casualties_per_month": log.loc[log["type"].isin(WITH_VICTIMS), "casualties"].sum(),
        }
        for metric, total in expected.items():
            assert row[metric] == pytest.approx(total / months), (rep, metric)
        assert row["hostile_attempts"] == expected["hostile_attempts_per_month"]
        assert row["state_incidents"] == expected["state_incidents_per_month"]


def test_interdictions_are_not_in_successful_attacks(written):
    runs, incidents, _ = written
    months = runs["days"] / MONTH
    attacks = incidents[incidents["type"] == "attack"].groupby("replication").size()
    stopped = incidents[incidents["type"] == "interdiction"].groupby("replication").size()
    assert (stopped > 0).all()  # else the check below could not tell them apart
    got = (runs.set_index("replication")["attacks_per_month"] * months.to_numpy()).round()
    assert got.astype(int).to_dict() == attacks.to_dict()
    assert (got < attacks + stopped).all()


def test_spend_columns_add_up_and_the_daily_series_matches(written):
    runs, _, ts = written
    items = [f"spend_{item}" for item in ITEMS]
    assert set(items) | {"spend_total", "spend_roadmap"} <= set(runs.columns)
    assert (runs[items] >= 0).all().all()
    np.testing.assert_allclose(runs[items].sum(axis=1), runs["spend_total"])
    np.testing.assert_allclose(
        runs["spend_total"] - runs["spend_patrol_units"], runs["spend_roadmap"]
    )
    assert (runs["spend_roadmap"] > 0).all()  # the roadmap's meetings and monitors cost
    daily = ts.groupby("replication")["spend_roadmap"].sum()
    np.testing.assert_allclose(daily.to_numpy(), runs.sort_values("replication")["spend_roadmap"])


def test_the_keyword_model_reports_the_headline_and_spend_at_its_last_day():
    """``mesa.batch_run``'s outcomes (the keyword form's reporters) are the runs table's."""
    model = RoadmapModel(days=60, rng=3).run()
    last = model.datacollector.get_model_vars_dataframe().iloc[-1]
    expected = simulate(model_params(config()), 60, 3).summary
    for key in (*HEADLINE_METRICS, "hostile_attempts", "spend_total", "spend_roadmap"):
        assert last[key] == expected[key], key


def test_older_tables_get_the_headline_from_their_type_counts(written):
    runs, _, _ = written
    old = runs.drop(columns=[*HEADLINE_METRICS, "hostile_attempts", "state_incidents"])
    rebuilt = with_headline(old)
    pd.testing.assert_frame_equal(rebuilt[list(HEADLINE_METRICS)], runs[list(HEADLINE_METRICS)])
    merged = pd.concat([old.iloc[:1], runs.iloc[1:]], ignore_index=True)  # old rows, new rows
    assert merged[list(HEADLINE_METRICS)].isna().any().all()
    rebuilt = with_headline(merged)
    pd.testing.assert_frame_equal(rebuilt[list(HEADLINE_METRICS)], runs[list(HEADLINE_METRICS)])


def test_the_summary_table_shows_the_five_first():
    assert SUMMARY_METRICS[:5] == HEADLINE_METRICS and "spend_roadmap" in SUMMARY_METRICS


# ---- per unit of cost ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    """baseline and roadmap saved as single runs, then compared with ``sim.compare``."""
    root = tmp_path_factory.mktemp("cmp")
    for name in ("baseline", "roadmap"):
        sim.run(name, replications=4, days=DAYS, seed=5, out_dir=root / name, progress=False)
    out = root / "comparison"
    compare([str(root / "baseline"), str(root / "roadmap"), "--out", str(out)])
    return out


@pytest.mark.slow
def test_the_per_cost_column_is_the_paired_difference_over_the_spend_difference(comparison):
    runs = pd.read_parquet(comparison / "runs.parquet")
    table = pd.read_parquet(comparison / "differences_headline.parquet")
    assert set(table["metric"]) == set(HEADLINE_METRICS)
    by_hand = {}
    for name in ("baseline", "roadmap"):
        one = runs[runs["scenario"] == name].set_index("seed").sort_index()
        by_hand[name] = (one["attacks_per_month"], one["spend_roadmap"], one["days"] / MONTH)
    attacks, spend, months = by_hand["roadmap"]
    d_attacks = (attacks - by_hand["baseline"][0]).mean()
    d_spend = ((spend - by_hand["baseline"][1]) / 1000 / months).mean()  # M$ a month
    row = table.set_index(["scenario", "metric"]).loc[("roadmap", "attacks_per_month")]
    assert row["mean"] == pytest.approx(d_attacks)
    assert row["per_musd"] == pytest.approx(d_attacks / d_spend)
    assert row["spend_difference"] == pytest.approx((spend - by_hand["baseline"][1]).mean())
    assert row["per_musd_low"] <= row["per_musd"] <= row["per_musd_high"]
    assert (comparison / "figures" / "spend.png").is_file()
    page = (comparison / "report.html").read_text()
    assert page.index('id="headline"') < page.index('id="run"')  # the headline comes first
    assert "change per M$ [95% CI]" in page


def test_the_change_per_dollar_is_not_defined_without_a_spend_difference():
    rng = np.random.default_rng(0)
    x = rng.normal(-2, 1, 20)
    assert per_cost(x, np.zeros(20))[3] == NOT_DEFINED
    assert np.isnan(per_cost(x, np.zeros(20))[0])
    ratio, low, high, note = per_cost(x, rng.normal(0.05, 1.0, 20))  # spend not told from 0
    assert note == UNBOUNDED and np.isinf(low) and np.isinf(high)


def test_a_fixed_spend_difference_gives_the_t_interval_of_the_effect_scaled():
    """With the same extra spend in every pair, Fieller's interval is the effect's own
    t interval divided by it (the effect's uncertainty is all there is)."""
    x = np.random.default_rng(1).normal(-3, 2, 12)
    ratio, low, high, note = per_cost(x, np.full(12, 0.5))
    t = stats.t.interval(0.95, 11, loc=x.mean(), scale=stats.sem(x))
    assert note == "" and ratio == pytest.approx(x.mean() / 0.5)
    assert (low, high) == pytest.approx((t[0] / 0.5, t[1] / 0.5))


# ---- figures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    frames = [
        sim.run(name, replications=3, days=400, seed=2, progress=False)
        for name in ("baseline", "roadmap")
    ]
    runs = pd.concat([f.runs for f in frames], ignore_index=True)
    return runs, pd.concat([f.timeseries for f in frames], ignore_index=True)


def test_the_monthly_headline_figure_has_one_panel_per_metric_with_units_and_phases(two):
    _, ts = two
    single = incidents_figure(ts[ts["scenario"] == "roadmap"], "roadmap")
    panels = single.axes
    titles = [ax.get_title().replace("\n", " ") for ax in panels]
    for word in ("Hostile attempts", "Successful attacks", "Interdictions", "State-on-state"):
        assert sum(t.startswith(word) for t in titles) == 1, word
    assert titles[4].startswith("Casualties") and titles[5].startswith("Border incidents")
    assert all(ax.get_ylabel().endswith("per month") for ax in panels)
    assert all(ax.get_xlabel() == "Month since start of simulation" for ax in panels[3:])
    assert all(ax.patches for ax in panels)  # phases shaded in every panel
    both = incidents_figure(ts, baseline="baseline")
    dotted = [line for line in both.axes[0].lines if line.get_linestyle() == ":"]
    assert dotted  # the month each variant entered a phase
    assert outside_canvas(single) == [] and outside_canvas(both) == []


def test_phase_marks_sit_on_month_boundaries_with_their_labels_inside_the_panels(two):
    """A phase most runs entered late in the last month drawn (of a one-year sweep): its
    mark on a month boundary like the shading's and its label inside the panel, not cut
    at the edge; variants entering a phase in the same month alternate their dots."""
    _, ts = two
    ts = ts[ts["day"] < 365]  # months 0 to 11
    late = ts[ts["scenario"] == "roadmap"].assign(scenario="late")
    late["phase"] = np.where(late["day"] >= 356, 2, late["phase"].clip(upper=1))
    fig = incidents_figure(pd.concat([ts, late]), baseline="baseline")
    assert outside_canvas(fig) == []
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        marks = [line for line in ax.lines if len(set(line.get_xdata())) == 1]
        assert all(line.get_xdata()[0] % 1 == 0.5 for line in marks)
        assert [(m.get_xdata()[0], m.get_color()) for m in marks if m.get_xdata()[0] > 11] == [
            (11.5, "C2")
        ]
        first = [m for m in marks if m.get_xdata()[0] == marks[0].get_xdata()[0]]
        assert [m.get_color() for m in first] == ["C1", "C2"]  # roadmap and late: phase 1
        assert len({dash_offset(m) for m in first} - {None}) == 2
        for text in ax.texts:
            box = text.get_window_extent(renderer)
            assert ax.bbox.x0 <= box.x0 and box.x1 <= ax.bbox.x1, text.get_text()
        assert "P2" in [t.get_text() for t in ax.texts]


def test_the_headline_means_and_spend_figures_label_their_axes(two):
    runs, _ = two
    fig = headline_figure(runs)
    assert len(fig.axes) == 6 and all(ax.get_xlabel() for ax in fig.axes)
    assert [ax.get_xlabel() for ax in fig.axes][:5] == [
        "attempts per month",
        "attacks per month",
        "interdictions per month",
        "incidents per month",
        "victims per month",
    ]
    assert fig.axes[5].get_xlabel() == "M\\$ over the run"  # a dollar sign, not mathtext
    spend = spend_figure(runs)
    bars = spend.axes[0]
    assert "(M\\$," in bars.get_xlabel() and len(bars.patches) > 0
    stacked = sum(p.get_width() for p in bars.patches if p.get_y() < 1.5 and p.get_y() > 0.5)
    assert stacked == pytest.approx(
        runs[runs["scenario"] == "roadmap"]["spend_roadmap"].mean() / 1000
    )
    assert outside_canvas(fig) == [] and outside_canvas(spend) == []


@pytest.mark.slow
def test_older_tables_without_headline_or_spend_are_still_compared_and_reported(tmp_path):
    """Runs saved before the headline and the ledger: the headline comes from their type
    counts, the change per M$ is 'not defined', and a one-variant report still renders."""
    from synthetic import variant_tables, write_job

    for name, factors in (("baseline", {}), ("roadmap", {"attack": 0.5})):
        write_job(tmp_path / name, *variant_tables(name, factors=factors, days=120))
    compare([str(tmp_path / "baseline"), str(tmp_path / "roadmap"), "--out", str(tmp_path / "c")])
    table = pd.read_parquet(tmp_path / "c" / "differences_headline.parquet")
    assert table["per_musd"].isna().all()
    assert set(table["per_musd_note"]) == {"not defined: no pairs with spend recorded"}
    attacks = table.set_index("metric").loc["attacks_per_month"]
    assert attacks["mean"] < 0 and attacks["high"] < 0  # half the attacks
    page = (tmp_path / "c" / "report.html").read_text()
    assert "record no spend" in page and 'id="headline"' in page
    compare([str(tmp_path / "roadmap"), "--out", str(tmp_path / "one")])
    assert 'id="headline"' in (tmp_path / "one" / "report.html").read_text()


def test_a_change_of_patrol_units_alone_says_why_it_has_no_change_per_musd():
    """Regular patrols are not roadmap spending: a sweep of units has no roadmap spend
    difference, and the table says that the patrols' spend differs instead of going
    quiet about a force that cost 26 M$ more."""
    from sim.analysis.headline import headline_differences, per_cost_text

    seeds = np.arange(6)
    runs = pd.concat(
        pd.DataFrame(
            {
                "scenario": name,
                "seed": seeds,
                "days": 365,
                **{m: 10.0 - 3 * (name == "more_units") + seeds % 3 for m in HEADLINE_METRICS},
                "spend_roadmap": 5000.0,
                "spend_patrol_units": 1.5 * 365 * 2 * units,
            }
        )
        for name, units in (("baseline", 60), ("more_units", 120))
    )
    table = headline_differences(runs, "baseline")
    assert table["per_musd"].isna().all()
    note = table["per_musd_note"].iloc[0]
    assert "regular patrols, which it does not count, differ by +65.7 M$" in note
    assert per_cost_text(table.iloc[0]) == "not defined (patrols differ)"
