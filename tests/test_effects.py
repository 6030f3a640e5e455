"""Paired comparisons: how fast, how reliably, by incident type; numbers and labels alike."""

import numpy as np
import pandas as pd
import pytest
from synthetic import GRID, variant_tables

from sim.analysis.labels import variant_labels
from sim.analysis.paired import (
    BORDER_TYPES,
    difference_table,
    lasting_month,
    monthly_differences,
    timing_table,
    type_differences,
)
from sim.analysis.stats import (
    disagreement,
    interval,
    interval_column,
    numbers,
    paired_difference,
    share,
    wilson,
)
from sim.runs.terminal import difference_text

# ---- how fast -------------------------------------------------------------------------------


def test_lasting_month_is_the_first_month_from_which_values_stay_below():
    months = np.arange(6)
    assert lasting_month(months, [1, -1, 2, -1, -2, -3]) == 3  # the dip in month 1 is not lasting
    assert lasting_month(months, [-1] * 6) == 0
    assert lasting_month(months, [-1, -1, -1, -1, -1, 0.5]) is None  # not below at the end
    assert lasting_month(months, [-3, -3, -1, -2, -3, -3], threshold=-1.5) == 3
    assert lasting_month(months + 4, [1, 1, -1, -1, -1, -1]) == 6  # month numbers, not positions
    assert lasting_month(months, [np.nan, -1, -1, -1, -1, -1]) == 1


@pytest.fixture(scope="module")
def timeline():
    """A baseline and a variant that halves every border-incident type from day 92 on
    (month 3); the variant's rows are shuffled and renumbered, so only seeds pair them."""
    _, base = variant_tables("baseline", reps=8, days=240)
    factors = dict.fromkeys(BORDER_TYPES, 0.3)
    _, better = variant_tables("roadmap", factors=factors, start_day=92, reps=8, days=240)
    better = better.sample(frac=1, random_state=1).assign(replication=lambda t: 7 - t.replication)
    return pd.concat([base, better], ignore_index=True)


def test_month_by_month_difference_is_paired_by_seed_and_finds_the_month(timeline):
    monthly = monthly_differences(timeline, "baseline")
    assert set(monthly["scenario"]) == {"roadmap"} and (monthly["n"] == 8).all()
    before = monthly[monthly["month"] < 3]
    assert (before["mean"] == 0).all() and (before["high"] == 0).all()  # same seeds, same draws
    assert monthly["month"].max() == 6  # month 7 is incomplete (day 213 to 239): left out
    timing = timing_table(monthly).iloc[0]
    assert timing["interval_below_from"] == 3 and timing["mean_below_from"] == 3
    assert timing["last_high"] < 0
    later = timing_table(monthly, threshold=-1000).iloc[0]
    assert later["interval_below_from"] is None


# ---- how reliably ---------------------------------------------------------------------------


def test_wilson_interval_has_known_values_and_stays_in_range():
    assert wilson(5, 10) == pytest.approx((0.5, 0.2366, 0.7634), abs=1e-4)
    share_, low, high = wilson(0, 10)
    assert share_ == 0 and low == 0 and high == pytest.approx(0.2775, abs=1e-4)
    assert wilson(4, 4)[1] == pytest.approx(0.5101, abs=1e-4) and wilson(4, 4)[2] == 1
    assert share(3, 4) == "3 of 4: 75% [30%, 95%]"


def test_paired_difference_gives_spread_pairs_won_and_percent_of_baseline():
    base = np.array([10.0, 12, 9, 11, 10, 13, 8, 10])
    d = np.array([-2.0, -1, -3, 0, -2, 1, -2, -1])
    first = paired_difference(base + d, base)
    assert first.wins == 6 and first.ties == 1 and first.n == 8
    assert (first.win_share, first.win_low, first.win_high) == wilson(6, 8)
    assert first.p10 == pytest.approx(np.quantile(d, 0.1))
    assert first.p90 == pytest.approx(np.quantile(d, 0.9))
    assert first.pct == pytest.approx(100 * d.mean() / base.mean())
    assert first.pct_low <= first.pct <= first.pct_high
    assert first == paired_difference(base + d, base)  # fixed seed: the same report every time
    higher = paired_difference(base + d, base, better="higher")
    assert higher.wins == 1 and higher.better == "higher"


def test_difference_table_counts_wins_in_the_direction_of_the_metric():
    runs = pd.DataFrame(
        {
            "scenario": ["a"] * 4 + ["b"] * 4,
            "seed": [1, 2, 3, 4] * 2,
            "final_trust": [0.1, 0.2, 0.3, 0.4, 0.2, 0.3, 0.4, 0.3],
        }
    )
    row = difference_table(runs, "a", "final_trust").iloc[0]
    assert row["better"] == "higher" and row["wins"] == 3  # trust: higher is better


def test_disagreement_between_interval_and_test_is_explained_only_when_they_disagree():
    text = disagreement(0.0634, 4.76, 0.208, 4)
    assert "interval excludes 0 but p=0.208" in text and "different procedures" in text
    assert "with 4 pairs the percentile interval is too narrow" in text
    assert "includes 0" in disagreement(-0.1, 3.0, 0.03, 20)
    assert disagreement(-7.9, -3.3, 0.029, 4) == "" and disagreement(-1, 2, 0.5, 4) == ""


def test_numbers_that_belong_together_are_written_alike():
    assert interval(0.005, 7.2e-04, 0.0101) == "0.0050 [0.0007, 0.0101]"
    assert interval(-5.61, -7.93, -3.3) == "-5.61 [-7.93, -3.30]"
    assert interval(0, 0, 0) == "0 [0, 0]" and interval(2.5, np.nan, np.nan) == "2.50"
    assert interval(3.0, -4.0, 10.0) == "3 [-4, 10]"  # whole numbers stay whole
    assert numbers(1234.5, -0.001) == ["1,234", "0"]  # no "-0"
    column = interval_column([0.63, 21.7], [0.0, 19.8], [1.27, 23.6])
    assert column == ["0.6 [0.0, 1.3]", "21.7 [19.8, 23.6]"]
    assert not any("e-" in t or "e+" in t for t in column)


# ---- by incident type -----------------------------------------------------------------------


def test_type_differences_add_up_to_the_headline_and_name_the_type():
    base, _ = variant_tables("baseline", reps=6)
    more, _ = variant_tables("patrols", factors={"interdiction": 3.0, "attack": 0.5}, reps=6)
    types = type_differences(pd.concat([base, more]), "baseline").set_index("type")
    parts = types.loc[list(BORDER_TYPES), "mean"].sum()
    assert parts == pytest.approx(types.loc["border_incidents", "mean"])
    assert types.loc["interdiction", "mean"] > 0 > types.loc["attack", "mean"]
    assert (
        types.loc["interdiction", "border_type"]
        and not types.loc["smuggling_seized", "border_type"]
    )
    assert "casualties" in types.index
    # per month: the interdiction rate 0.2 a day tripled is about +12 a month
    assert types.loc["interdiction", "mean"] == pytest.approx(0.4 * 30.44, rel=0.15)


# ---- labels ---------------------------------------------------------------------------------


def test_long_variant_names_become_distinct_short_labels():
    names = [f"{s} {o}" for s, o in GRID]
    labels = variant_labels(names)
    assert list(labels.values()) == [f"V{i}" for i in range(1, 16)]
    assert variant_labels(["roadmap a=1", "roadmap a=2"]) == {
        "roadmap a=1": "1",
        "roadmap a=2": "2",
    }
    assert variant_labels(["baseline", "roadmap"]) == {"baseline": "baseline", "roadmap": "roadmap"}


def test_the_terminal_difference_table_never_cuts_names_into_look_alike_rows():
    names = [f"{s} {o}" for s, o in GRID]
    diffs = pd.DataFrame(
        {
            "scenario": names[1:],
            "baseline": names[0],
            "metric": "border_incidents_per_month",
            "n": 2,
            "mean": np.linspace(-3, 20, 14),
            "low": np.linspace(-4, 19, 14),
            "high": np.linspace(-2, 21, 14),
            "effect_size": 1.0,
            "p_value": 0.2,
            "pct": 5.0,
        }
    )
    text = difference_text(diffs)
    rows = [line.split()[0] for line in text.splitlines()[1:15]]
    assert rows == [f"V{i}" for i in range(2, 16)] and len(set(rows)) == 14
    assert all(f"V{i}: {name}" in text for i, name in enumerate(names, 1))
    assert max(map(len, text.splitlines())) <= 100
    assert "e-" not in text and "e+" not in text


def test_only_recorded_horizons_that_differ_from_the_baselines_leave_a_variant_unpaired():
    """Runs saved before ``days`` was a column have no horizon: not held against them."""
    from sim.analysis.paired import other_horizons

    runs = pd.DataFrame(
        {"variant": ["base", "base", "short", "old", "long"], "days": [730, 730, 365, None, 730]}
    )
    assert other_horizons(runs, "base") == {"short": 365}
    assert other_horizons(runs, "old") == {}  # the baseline's own horizon is not recorded
    assert other_horizons(runs.drop(columns="days"), "base") == {}
