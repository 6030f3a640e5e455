"""A model copied mid-run (``copy.deepcopy`` or pickle: what a branching look-ahead does)
goes on exactly as the original would, on its own random streams and its own arrays."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

from sim.config.overrides import configure
from sim.model.model import RoadmapModel

DAYS = 400


def _crossers(model: RoadmapModel) -> list:
    return [
        (g.fighters, g.arms, g.urge, g.staging, g.value.tolist()) for g in model.armed_groups
    ] + [(n.rate, n.value.tolist(), n.route) for n in model.networks]


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
@pytest.mark.parametrize(("scenario", "seed"), [("roadmap", 3), ("all_at_once", 11)])
def test_a_copy_mid_run_goes_on_as_the_original(how: str, scenario: str, seed: int) -> None:
    """Every table and every crosser's state as in an uninterrupted run. A copied stream
    handle would draw from the original's streams; a view copied apart from its block
    would leave the kernels writing one array and the readers reading another (both
    happened: all_at_once with seed 11 came apart on day 153, through the camps)."""
    params = configure(scenario, {}, days=DAYS)  # the runner's form: no DataCollector
    straight = RoadmapModel(params, DAYS, seed).run()
    original = RoadmapModel(params, DAYS, seed)
    original.run_for(DAYS // 2 - 50)
    copied = copy.deepcopy(original) if how == "deepcopy" else pickle.loads(pickle.dumps(original))
    assert copied.armed_groups[0]._roster is not original.armed_groups[0]._roster
    copied.run()  # first: drawing from the original's streams would change what follows
    original.run()
    for model in (copied, original):
        for name, column in straight.log.columns().items():
            np.testing.assert_array_equal(model.log.columns()[name], column, err_msg=name)
        assert model.series.rows == straight.series.rows
        assert _crossers(model) == _crossers(straight)
        np.testing.assert_array_equal(model.series.arms_delivered, straight.series.arms_delivered)
        for name, view in model.space.views.items():  # Mesa's layers are what the views show
            assert np.shares_memory(model.space._mesa_property_layers[name].data, view), name
