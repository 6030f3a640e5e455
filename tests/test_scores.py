"""Forecast scores: CRPS, ignorance on ViEWS's bins, interval score."""

import numpy as np
from scipy import integrate, stats

from sim.analysis.scores import VIEWS_BINS, crps, ignorance, interval_score


def test_crps_of_samples_is_the_integral_of_the_squared_distance_of_cdfs():
    rng = np.random.default_rng(2)
    x, y = rng.poisson(7.0, 40).astype(float), 11.0
    cdf = lambda t: (x <= t).mean()  # noqa: E731
    pieces = np.sort(np.concatenate([x, [y, x.min() - 1, x.max() + 1]]))
    direct = sum(
        integrate.quad(lambda t: (cdf(t) - (t >= y)) ** 2, a, b)[0]
        for a, b in zip(pieces[:-1], pieces[1:], strict=True)
        if b > a
    )
    assert np.isclose(crps(x, y), direct, rtol=1e-6)
    assert crps(np.full(10, 4.0), 4.0) == 0.0  # a sure forecast that comes true
    # many draws of a normal: its closed form (Gneiting & Raftery 2007)
    z = stats.norm.ppf((np.arange(20000) + 0.5) / 20000)
    closed = 2 * stats.norm.pdf(0.7) + 0.7 * (2 * stats.norm.cdf(0.7) - 1) - 1 / np.sqrt(np.pi)
    assert np.isclose(crps(z, 0.7), closed, atol=1e-3)


def test_crps_scores_many_targets_at_once():
    rng = np.random.default_rng(3)
    samples, observed = rng.poisson(5.0, (3, 4, 50)), rng.poisson(5.0, (3, 4))
    each = np.array([[crps(samples[i, j], observed[i, j]) for j in range(4)] for i in range(3)])
    assert np.allclose(crps(samples, observed), each)


def test_ignorance_uses_the_views_bins_with_one_added_to_each():
    assert VIEWS_BINS[:4].tolist() == [0.0, 0.5, 2.5, 5.5] and np.isinf(VIEWS_BINS[-1])
    samples = np.array([0, 0, 0, 1, 2, 3, 7, 7, 30, 2000])  # bins 0 0 0 1 1 2 3 3 5 10
    k = len(VIEWS_BINS) - 1
    total = len(samples) + k
    assert np.isclose(ignorance(samples, 0), -np.log2(4 / total))
    assert np.isclose(ignorance(samples, 2), -np.log2(3 / total))  # 2 is in 1-2
    assert np.isclose(ignorance(samples, 60), -np.log2(1 / total))  # nothing drawn there
    assert np.isclose(ignorance(samples, 10**6), -np.log2(2 / total))
    both = ignorance(np.stack([samples, samples]), np.array([0, 60]))
    assert np.allclose(both, [-np.log2(4 / total), -np.log2(1 / total)])


def test_interval_score_is_the_width_plus_the_penalty_for_missing():
    samples = np.arange(101.0)  # central 90%: 5 to 95
    assert np.isclose(interval_score(samples, 50.0), 90.0)
    assert np.isclose(interval_score(samples, 0.0), 90.0 + 20 * 5.0)
    assert np.isclose(interval_score(samples, 100.0), 90.0 + 20 * 5.0)
