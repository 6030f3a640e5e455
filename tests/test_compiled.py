"""The kernels' building blocks reproduce NumPy exactly: every seed's numbers depend on it."""

from __future__ import annotations

import random
import shutil

import numpy as np
import pytest

from sim.model.compiled import Port, array_sum, generator, handle, kernel
from sim.model.streams import shuffle


@kernel
def _draws(stream_handle: np.ndarray, lam: float, n: int, p: float) -> np.ndarray:
    g = generator(stream_handle)
    out = np.empty(7)
    out[0] = g.random()
    out[1] = g.poisson(lam)
    out[2] = g.integers(0, n)
    out[3] = g.binomial(n, p)
    out[4] = g.gamma(lam + 0.1, 1.5)
    out[5] = g.exponential(2.0)
    out[6] = g.random()
    return out


@pytest.mark.parametrize("seed", [0, 1, 12345])
def test_a_kernel_draws_the_agents_own_stream_in_numpys_order(seed: int) -> None:
    inside, outside = np.random.default_rng(seed), np.random.default_rng(seed)
    stream_handle = handle(inside)
    for lam, n, p in [(0.3, 3, 0.1), (4.0, 17, 0.5), (12.5, 60, 0.9), (80.0, 400, 0.02)]:
        want = [
            outside.random(),
            outside.poisson(lam),
            outside.integers(0, n),
            outside.binomial(n, p),
            outside.gamma(lam + 0.1, 1.5),
            outside.exponential(2.0),
            outside.random(),
        ]
        assert _draws(stream_handle, lam, n, p).tolist() == want
    # The stream advanced in place: Python's next draw follows the kernel's.
    assert inside.random() == outside.random()


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 15, 16, 17, 127, 128, 129, 160, 400, 1000, 9000])
def test_array_sum_is_numpys_pairwise_sum(n: int) -> None:
    rng = np.random.default_rng(n)
    for _ in range(50):
        a = rng.standard_normal(n) * 10.0 ** rng.uniform(-6, 6, n)
        assert array_sum(a) == np.add.reduce(a)


@kernel
def _uniforms(stream_handle: np.ndarray, n: int) -> np.ndarray:
    g = generator(stream_handle)
    return np.array([g.random() for _ in range(n)])


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_a_copied_port_draws_from_the_copys_stream(how: str) -> None:
    """An agent copied mid-run (what a branching look-ahead does) must draw, in its
    kernels, from its own copy of the stream: a copied handle would keep the
    original's addresses, advance the original's state and leave the copy's still."""
    import copy
    import pickle

    original = Port(np.random.default_rng(5))
    original.stream.random(3)
    copied = copy.deepcopy(original) if how == "deepcopy" else pickle.loads(pickle.dumps(original))
    assert copied.stream is not original.stream
    drawn = _uniforms(copied.handle, 4)
    np.testing.assert_array_equal(drawn, np.random.default_rng(5).random(7)[3:])
    np.testing.assert_array_equal(original.stream.random(4), drawn)  # the original untouched


def test_a_kernels_cache_is_stale_once_any_model_source_changes(tmp_path, monkeypatch) -> None:
    """A cached kernel holds the code of what it calls and the constants it reads from
    other modules: its cache's freshness is the whole model's source, not its own file's
    (numba's own stamp), so a change to, say, the crosser's column constants recompiles the
    groups' kernel too."""
    from sim.model import compiled
    from sim.model.agents.attacks import _decide

    locator = _decide._cache._impl.locator
    assert isinstance(locator, compiled._ModelStamp)
    assert locator.get_source_stamp() == compiled.model_stamp()
    assert _draws._cache._impl.locator.__class__.__name__ == "InTreeCacheLocator"  # a test's
    copy = tmp_path / "model"
    shutil.copytree(compiled.MODEL_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(compiled, "MODEL_DIR", copy)
    before = compiled.model_stamp.__wrapped__()
    crosser = copy / "agents" / "crosser.py"
    crosser.write_text(crosser.read_text().replace("RATE", "RATE_", 1))
    assert compiled.model_stamp.__wrapped__() != before


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 5, 7, 8, 9, 33, 100])
def test_the_groups_shuffle_is_pythons(size: int) -> None:
    """The day's order of the armed groups: ``random.Random.shuffle``'s permutation and
    the generator left in its state, for sizes whose draws are rejected often (5: 3 bits
    for 5 values) and seldom."""
    for seed in range(200):
        ours, python = random.Random(seed), random.Random(seed)
        items, want = list(range(size)), list(range(size))
        shuffle(ours, items)
        python.shuffle(want)
        assert items == want
        assert ours.getstate() == python.getstate()
