"""The tail-exponent estimator against samples with known tails."""

import numpy as np
import pytest

from sim.analysis.tail import tail_exponent


def test_recovers_the_exponent_of_a_discretised_power_law():
    rng = np.random.default_rng(3)
    alpha = 2.5  # density x**-2.5: a Pareto of shape 1.5
    # each integer k stands for [k - 1/2, k + 1/2): the estimator's continuity correction
    sizes = np.round(9.5 * (1 + rng.pareto(alpha - 1, 20_000)))
    fit = tail_exponent(sizes, x_min=10)
    assert fit.n == 20_000
    assert fit.low < alpha < fit.high
    assert fit.high - fit.low < 0.05


def test_an_exponential_law_of_the_same_mean_is_not_heavy_tailed():
    """Lomax sizes (a heavy-tailed law of known shape) have density exponent shape + 1
    far out; an exponential law of the same mean gives a far steeper 'exponent' above
    the same threshold. The model's victims are tested alike in test_forces.py."""
    rng = np.random.default_rng(4)
    heavy = np.floor(2 * rng.pareto(1.6, 50_000))
    light = np.floor(rng.exponential(heavy.mean(), 50_000))
    fit_heavy, fit_light = tail_exponent(heavy, 20), tail_exponent(light, 20)
    assert 2.3 < fit_heavy.alpha < 2.7  # approaches 2.6 from below as x_min grows
    assert fit_light.low > fit_heavy.high + 2


def test_too_few_sizes_give_nan_and_a_bad_threshold_is_refused():
    assert np.isnan(tail_exponent(np.array([1, 2, 30]), 10).alpha)
    with pytest.raises(ValueError, match="x_min=0"):
        tail_exponent(np.array([1.0]), 0)
