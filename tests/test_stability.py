"""Property test: for any allowed parameters, short runs keep every state in its range.

Hypothesis draws every numeric parameter across its declared range (the
``bounded()`` metadata in ``sim/config/params.py``); configs that ``validate`` refuses
(jointly unstable settings) are skipped, the rest must run with no NaN, no
negative count, trust/tension/levels/rates in [0, 1] and incidents bounded.
Derandomised, so CI never flakes.
"""

import dataclasses
import math
import time

import numpy as np
from conftest import config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.config.params import Config, ConfigError, validate
from sim.runs.runner import model_params, simulate

DAYS = 60
REFUSED: list[int] = []
BASE = config("days=60", "replications=1")
MAX_INCIDENTS_PER_DAY = 2000
"""A loose ceiling: far above any run of the declared space, far below a blow-up."""


def numeric_fields(obj, prefix=""):
    """(dotted key, field) of every bounded scalar numeric field, recursively."""
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        key = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value):
            yield from numeric_fields(value, key + ".")
        elif (
            "range" in f.metadata and isinstance(value, int | float) and not isinstance(value, bool)
        ):
            yield key, f, type(value)


FIELDS = [
    (k, f, t)
    for k, f, t in numeric_fields(BASE)
    if not k.startswith(("seed", "replications", "workers", "days", "geography."))
]
SIZE_CAPS = {"patrol.units_per_side": 400, "armed_groups.initial_fighters": 2000}
"""Upper ends drawn lower than declared for speed only: counts scale linearly in them."""


def strategy(key, f, kind):
    lo, hi = f.metadata["range"]
    hi = min(hi, SIZE_CAPS.get(key, hi))
    if kind is int:
        return st.integers(int(lo), int(min(hi, 10_000)))
    return st.floats(float(lo), float(min(hi, 1e4)), allow_nan=False)


def set_key(cfg: Config, key: str, value) -> None:
    *path, name = key.split(".")
    node = cfg
    for part in path:
        node = getattr(node, part)
    setattr(node, name, value)


@settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(st.data())
def test_states_stay_in_range_for_any_allowed_parameters(data):
    cfg = Config(**{f.name: _copy(getattr(BASE, f.name)) for f in dataclasses.fields(Config)})
    chosen = data.draw(st.sets(st.sampled_from(range(len(FIELDS))), min_size=1, max_size=12))
    for i in chosen:
        key, f, kind = FIELDS[i]
        set_key(cfg, key, data.draw(strategy(key, f, kind), label=key))
    try:
        validate(cfg)
    except ConfigError:
        REFUSED.append(1)
        return  # refused up front: the user gets one line, the model never sees it
    started = time.perf_counter()
    run = simulate(model_params(cfg), DAYS, 1)
    assert time.perf_counter() - started < 30
    ts = run.timeseries
    numeric = ts.select_dtypes("number")
    undefined = ["detection_rate"]  # NaN on a day without hostile attempts: no rate to give
    assert not numeric.drop(columns=undefined, errors="ignore").isna().any().any()
    assert (numeric.fillna(0) >= 0).all().all()
    for col in ts.columns:
        if col in ("trust", "tension") or col.startswith("level_") or col.endswith("_rate"):
            assert ts[col].dropna().between(0, 1).all(), col
    s = run.summary
    assert s["border_incidents"] <= MAX_INCIDENTS_PER_DAY * DAYS
    for key in ("final_trust", "final_tension", "detection_rate"):
        assert math.isnan(s[key]) or 0 <= s[key] <= 1, key
    assert np.isfinite([v for v in s.values() if isinstance(v, int | float)]).sum() > 0


def _copy(value):
    import copy

    return copy.deepcopy(value)
