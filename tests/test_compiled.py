"""The kernels' building blocks reproduce NumPy exactly: every seed's numbers depend on it."""

from __future__ import annotations

import math
import os
import random
import shutil
import subprocess
import sys

import numba
import numpy as np
import pytest

from sim.model.agents.crosser import BEST, FRESH, LEARNING_RATE, learn
from sim.model.agents.roster import VALUE
from sim.model.agents.sums import python_sum
from sim.model.compiled import Port, array_sum, generator, handle
from sim.model.draws import poisson
from sim.model.streams import shuffle

uncached_kernel = numba.njit(error_model="numpy", _nrt=False)
"""A test's kernel without numba's runtime, as the model's ``kernel`` but compiled anew each
session: cached, it would keep the machine code of the model's functions it calls
(``generator``, ``poisson``) after they change, since numba stamps a cache by its own
file alone (the model's kernels are stamped by the whole model: ``_ModelStamp``)."""
uncached_allocating_kernel = numba.njit(error_model="numpy")
"""The same, with numba's runtime, for a test's kernel that makes arrays."""


@uncached_allocating_kernel
def _draws(stream_handle: np.ndarray, lam: float, n: int, p: float) -> np.ndarray:
    g = generator(stream_handle)
    out = np.empty(7)
    out[0] = g.random()
    out[1] = poisson(g, lam)
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


@uncached_kernel
def _poissons(stream_handle: np.ndarray, lam: float, out: np.ndarray) -> None:
    g = generator(stream_handle)
    for i in range(out.size):
        out[i] = poisson(g, lam)


@pytest.mark.parametrize("lam", [0.0, 1e-9, 0.3, 2.5, 9.999, 10.0, 10.5, 33.0, 1234.5, 1e6])
def test_a_kernels_poisson_draws_are_numpys(lam: float) -> None:
    """Both of NumPy's algorithms (products of uniforms below a mean of 10, PTRS from 10
    on, whose rejections use the log-gamma series), the same counts and the stream left
    where NumPy leaves it."""
    for seed in range(40):
        inside, outside = np.random.default_rng(seed), np.random.default_rng(seed)
        out = np.zeros(60, dtype=np.int64)
        _poissons(handle(inside), lam, out)
        assert out.tolist() == outside.poisson(lam, 60).tolist()
        assert inside.random() == outside.random()


@pytest.mark.parametrize("lam", [10.0, 12.0])
def test_poisson_counts_just_above_ten_are_numpys_where_numbas_are_not(lam: float) -> None:
    """At means a little above 10, PTRS's candidate count falls between -1 and 0 about
    once in 10^5 draws: NumPy rounds it down and rejects it, numba's own port truncated
    it to 0 and accepted it. Enough draws to meet such cases, on two seeds."""
    for seed in (0, 1):
        inside, outside = np.random.default_rng(seed), np.random.default_rng(seed)
        out = np.zeros(200_000, dtype=np.int64)
        _poissons(handle(inside), lam, out)
        assert np.array_equal(out, outside.poisson(lam, out.size))


def test_a_nan_mean_draws_no_count_as_numpys_c_does() -> None:
    """NumPy's C draws one uniform and returns 0 for a nan mean (its Python API refuses
    one); a kernel must not loop on it."""
    inside, outside = np.random.default_rng(9), np.random.default_rng(9)
    out = np.ones(3, dtype=np.int64)
    _poissons(handle(inside), math.nan, out)
    assert out.tolist() == [0, 0, 0]
    outside.random(3)
    assert inside.random() == outside.random()


@pytest.mark.parametrize("n", [0, 1, 2, 5, 40])
def test_python_sum_is_pythons_sum(n: int) -> None:
    """Neumaier's compensation as CPython 3.12 adds floats, on values that cancel, and
    with an infinity or a nan among them."""
    rng = np.random.default_rng(n)
    for trial in range(200):
        a = rng.standard_normal(n) * 10.0 ** rng.uniform(-12, 12, n)
        if n and trial % 10 == 0:
            a[rng.integers(n)] = [math.inf, -math.inf, math.nan][trial % 3]
        want = np.float64(sum(a.tolist())).tobytes()  # bit for bit: -0.0, nan
        assert np.float64(python_sum(a, n)).tobytes() == want


def test_learning_takes_every_step_from_the_values_before_the_day() -> None:
    """A crosser's day of crossings, sectors used more than once among them: each step
    is measured against the value before the day and added in the crossings' order."""
    rng = np.random.default_rng(3)
    for _ in range(300):
        width, k = int(rng.integers(1, 6)), int(rng.integers(1, 9))
        sectors = np.zeros((4, width))
        sectors[VALUE] = rng.random(width)
        state = np.zeros(16)
        state[LEARNING_RATE], state[FRESH] = rng.random(), 1.0
        index = rng.integers(0, width, k)
        detected = (rng.random(k) < 0.5).astype(float)
        value = sectors[VALUE].tolist()
        steps = [
            state[LEARNING_RATE] * ((1.0 - d) - value[i])
            for i, d in zip(index, detected, strict=True)
        ]
        for i, step in zip(index, steps, strict=True):
            value[i] += step
        learn(sectors, state, index, detected)
        assert sectors[VALUE].tolist() == value
        assert state[BEST] == max(value) and state[FRESH] == 0.0


def test_no_kernel_calls_one_that_needs_numbas_runtime() -> None:
    """A ``kernel`` (compiled without numba's runtime) calls only other ``kernel`` functions: an
    ``allocating_kernel`` would leak an array it returned, and one first compiled from
    inside a ``kernel`` would miss the runtime it needs (a failure that would depend on
    which ran first)."""
    import ast
    import importlib
    import inspect
    import pkgutil
    import textwrap

    from numba.core.registry import CPUDispatcher

    import sim.model

    kernels = {}
    for info in pkgutil.walk_packages(sim.model.__path__, "sim.model."):
        for value in vars(importlib.import_module(info.name)).values():
            if isinstance(value, CPUDispatcher) and value.__module__.startswith("sim.model"):
                kernels[value.py_func] = value
    assert len(kernels) > 50
    bad = []
    for func, dispatcher in kernels.items():
        if dispatcher.targetoptions.get("_nrt", True):
            continue
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                callee = func.__globals__.get(node.func.id)
                if isinstance(callee, CPUDispatcher) and callee.targetoptions.get("_nrt", True):
                    bad.append(f"{func.__module__}.{func.__name__} calls {node.func.id}")
    assert not bad


LEAKS = """
import gc, sys
sys.path.insert(0, "tests")
from conftest import config, replicate
from numba.core.runtime import rtsys
cfg = config("scenario=all_at_once", "days=240", "seed=4")
replicate(cfg, 1)
gc.collect()
before = rtsys.get_allocation_stats()
replicate(cfg, 2)
gc.collect()
after = rtsys.get_allocation_stats()
print(*(a - b for a, b in zip(after, before)))
"""


def test_whole_runs_free_every_array_their_kernels_make() -> None:
    """A kernel compiled without numba's runtime (``kernel``) frees nothing, so one that
    kept an array made by an ``allocating_kernel`` would leak it: numba's counts of
    allocations and frees (``NUMBA_NRT_STATS``) over two runs of every measure balance."""
    env = {**os.environ, "NUMBA_NRT_STATS": "1"}
    out = subprocess.run(
        [sys.executable, "-c", LEAKS], capture_output=True, text=True, env=env, check=True
    )
    alloc, free, mi_alloc, mi_free = map(int, out.stdout.split())
    assert alloc > 1000  # the runs' own arrays were counted
    assert (alloc, mi_alloc) == (free, mi_free)


@uncached_allocating_kernel
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
    from numba.core import caching

    from sim.model import compiled
    from sim.model.agents.attacks import _decide

    locator = _decide._cache._impl.locator
    assert isinstance(locator, compiled._ModelStamp)
    assert locator.get_source_stamp() == compiled.model_stamp()
    for kind in caching.CacheImpl._locator_classes:  # a file outside the model: numba's
        if issubclass(kind, compiled._ModelStamp):
            assert kind.from_function(_uniforms.py_func, __file__) is None
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
