"""The crossers' state lives in a roster of arrays per kind; their attributes are views of it
(a copy of the model mid-run: tests/test_copies.py)."""

from __future__ import annotations

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
