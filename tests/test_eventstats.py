"""Summary statistics on synthetic series with known answers."""

import numpy as np
import pytest

from sim.analysis.events import Events, event_statistics, lag1_autocorrelation, monthly_counts

MONTH = 30.4375


def series(counts_per_month, units=None, deaths=None, actor=None, ged_type=None):
    """Events over whole months: month m holds counts_per_month[m] events on its first days."""
    days = []
    for m, c in enumerate(counts_per_month):
        first = int(np.ceil(m * MONTH))
        days += [first + i % 28 for i in range(c)]
    n = len(days)
    return Events(
        day=np.array(days),
        unit=np.array(units if units is not None else ["A"] * n, dtype=object),
        deaths=np.array(deaths if deaths is not None else [1] * n),
        actor=np.array(actor if actor is not None else [False] * n),
        days=int(len(counts_per_month) * MONTH) + 1,
        ged_type=np.array(ged_type if ged_type is not None else [1] * n),
    )


def test_alternating_months_give_known_mean_dispersion_and_autocorrelation():
    counts = [10, 20] * 6
    ev = series(counts)
    assert monthly_counts(ev).tolist() == counts
    stats = event_statistics(ev, ["A"], tail_min=6)
    assert stats["monthly_mean"] == 15
    assert stats["monthly_dispersion"] == pytest.approx(np.var(counts, ddof=1) / 15)
    assert stats["monthly_acf1"] == pytest.approx(-11 / 12)  # (n-1)/n of a perfect alternation


def test_share_of_days_without_events_and_of_events_by_unit():
    ev = Events(
        day=np.array([0, 0, 3, 9]),
        unit=np.array(["A", "B", "B", None], dtype=object),
        deaths=np.array([1, 1, 1, 1]),
        actor=np.zeros(4, dtype=bool),
        days=10,
        ged_type=np.ones(4, dtype=np.int64),
    )
    stats = event_statistics(ev, ["A", "B", "C"], tail_min=6)
    assert stats["zero_day_share"] == pytest.approx(7 / 10)
    assert (stats["share A"], stats["share B"], stats["share C"]) == pytest.approx(
        (1 / 3, 2 / 3, 0)
    )


def test_a_poisson_series_has_dispersion_near_one_and_no_autocorrelation():
    rng = np.random.default_rng(5)
    counts = rng.poisson(40, size=2000)
    assert np.var(counts, ddof=1) / counts.mean() == pytest.approx(1, abs=0.1)
    assert lag1_autocorrelation(counts) == pytest.approx(0, abs=0.06)
    ar = np.zeros(4000)
    for t in range(1, len(ar)):
        ar[t] = 0.6 * ar[t - 1] + rng.normal()
    assert lag1_autocorrelation(ar) == pytest.approx(0.6, abs=0.05)


def test_tail_exponent_of_power_law_deaths_is_recovered_within_its_interval():
    rng = np.random.default_rng(7)
    alpha, x_min = 2.5, 6
    u = rng.random(4000)
    deaths = np.floor((x_min - 0.5) * (1 - u) ** (-1 / (alpha - 1)) + 0.5).astype(int)
    ev = series([400] * 10, deaths=deaths)
    assert event_statistics(ev, ["A"], tail_min=x_min)["tail_alpha"] == pytest.approx(
        alpha, abs=0.1
    )


def test_statistics_that_cannot_be_computed_are_nan():
    stats = event_statistics(series([0] * 6), ["A"], tail_min=6)
    assert stats["monthly_mean"] == 0 and stats["zero_day_share"] == 1
    for key in (
        "monthly_dispersion", "monthly_acf1", "share A", "tail_alpha", "state_based_share",
        "non_state_share",
    ):  # fmt: skip
        assert np.isnan(stats[key])


def test_the_actors_events_per_month_count_only_theirs_and_bloodless_events_their_share():
    counts = [3, 5, 4]
    n = sum(counts)
    actor = [i % 3 == 0 for i in range(n)]  # events 0, 3, 6, 9 of 12: four in three months
    deaths = [0 if i in (1, 2, 7) else 2 for i in range(n)]
    stats = event_statistics(series(counts, deaths=deaths, actor=actor), ["A"], tail_min=6)
    assert stats["monthly_mean"] == 4
    assert stats["actor_monthly_mean"] == pytest.approx(4 / 3)
    assert stats["zero_death_share"] == pytest.approx(3 / 12)


def test_the_shares_of_state_based_and_non_state_events_count_their_codes():
    codes = [1, 2, 2, 3, 2, 1, 2, 3, 3, 2]  # 2 state-based, 5 non-state, 3 one-sided
    stats = event_statistics(series([4, 6], ged_type=codes), ["A"], tail_min=6)
    assert stats["state_based_share"] == pytest.approx(2 / 10)
    assert stats["non_state_share"] == pytest.approx(5 / 10)
    assert "one_sided_share" not in stats  # the rest: it would add nothing
