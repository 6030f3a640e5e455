"""The crossers' state lives in a roster of arrays per kind: a copy of the model mid-run
(what a branching look-ahead does) goes on exactly as the original, on its own streams."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

from sim.config.overrides import configure
from sim.model.agents.armed_group import ARMS, FIGHTERS
from sim.model.model import RoadmapModel

DAYS = 240


def _model() -> RoadmapModel:
    return RoadmapModel(configure("roadmap", {}, days=DAYS), days=DAYS, seed=3)


def _crossers(model: RoadmapModel) -> list:
    return [
        (g.fighters, g.arms, g.urge, g.staging, g.value.tolist()) for g in model.armed_groups
    ] + [(n.rate, n.value.tolist(), n.route) for n in model.networks]


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_a_copy_mid_run_goes_on_as_the_original(how: str) -> None:
    straight = _model().run()
    original = _model()
    original.run_for(DAYS // 2)
    copied = copy.deepcopy(original) if how == "deepcopy" else pickle.loads(pickle.dumps(original))
    assert copied.armed_groups[0]._roster is not original.armed_groups[0]._roster
    copied.run()  # first: drawing from the original's streams would change what follows
    original.run()
    for model in (copied, original):
        for name, column in straight.log.columns().items():
            np.testing.assert_array_equal(model.log.columns()[name], column)
        assert _crossers(model) == _crossers(straight)
        np.testing.assert_array_equal(model.series.arms_delivered, straight.series.arms_delivered)


def test_attributes_are_views_of_the_roster() -> None:
    model = _model()
    group = model.armed_groups[1]
    arms = group.arms
    group.fighters = 7
    group.arms += 2.5
    assert group._roster.state[group._row, [FIGHTERS, ARMS]].tolist() == [7.0, arms + 2.5]
    assert (group.fighters, group.arms) == (7, arms + 2.5)
    network = model.networks[0]
    assert network.clients == [g for g in model.armed_groups if g.home == network.target]
    rows = network._roster.links[network._row]
    assert rows[rows >= 0].tolist() == [g._row for g in network.clients]
