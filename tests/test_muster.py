"""A move on the states' patrol units: each government raises or stands down units at its
next redeployment; the units then search where they are posted, and cost what they
cost, like the units it began with."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from sim.config.moves import MoveParams
from sim.config.overrides import configure
from sim.model.agents.muster import SPARE
from sim.model.agents.patrol import PatrolUnit
from sim.model.budget import ITEM
from sim.model.model import RoadmapModel

DAYS = 400
UNITS = "patrol.units_per_side"


def model(moves: list | None = None, seed: int = 5) -> RoadmapModel:
    params = configure("all_at_once", {"moves": moves or []}, days=DAYS)
    return RoadmapModel(params, DAYS, seed)


def strength(day: int, units: int) -> dict:
    return {"day": day, "key": UNITS, "value": units}


def joins(m: RoadmapModel, day: int) -> int:
    """The first day the units of a move on ``day`` patrol (the next redeployment's plan)."""
    every = m.params.patrol.redeploy_days
    return -(-(day + 1) // every) * every


def check_postings(m: RoadmapModel) -> None:
    """Every unit is at one post, at its rank, in its cell, or on the spare stack; the
    search counts the units on duty, each where its plan puts it."""
    n = m.border.n
    for gov in m.governments:
        force, k = gov.patrols, len(gov.units)
        assert force.post.size == k and [u.index for u in gov.units] == list(range(k))
        posted = []
        for p in range(2 * n):
            for r, u in enumerate(gov._posts[p, : gov._held[p]].tolist()):
                assert (force.post[u], force.joint[u], force.rank[u]) == (p % n, p >= n, r)
                assert force.posted[u] and gov.units[u].cell.coordinate == (p % n, gov.side)
                posted.append(u)
        spare = gov._stack[SPARE, : gov._n_spare].tolist()
        assert sorted(posted + spare) == list(range(k))
        where = force.where[force.row(m.day)]
        counted = (
            m.search.units[m.search.row, gov.side] + m.search.joint_units[m.search.row, gov.side]
        )
        on_duty = np.bincount(where[where < n], minlength=n)
        assert np.array_equal(counted, on_duty)
    assert len(m.agents_by_type.get(PatrolUnit, [])) == sum(len(g.units) for g in m.governments)


def test_units_raised_and_stood_down_keep_every_posting_consistent_day_by_day():
    m = model([strength(60, 95), strength(150, 17), strength(230, 0), strength(260, 41)])
    sizes = {}
    for _ in range(300):
        m.step()
        check_postings(m)
        sizes[m.day] = len(m.governments[0].units)
    # (the redeployment is the last thing of the day before the plan's first)
    assert [sizes[joins(m, d) - 1] for d in (60, 150, 230, 260)] == [95, 17, 0, 41]
    assert [sizes[joins(m, d) - 2] for d in (60, 150, 230, 260)] == [60, 95, 17, 0]


def test_raised_units_join_at_the_next_redeployment_and_are_paid_for():
    plain = model()
    plain.run_for(200)
    raised = model([strength(100, 90)])
    raised.run_for(200)
    first = joins(raised, 100)
    assert raised.series.rows[:first] == plain.series.rows[:first]
    assert raised.series.rows[first:] != plain.series.rows[first:]
    money = raised.budget.money[:, :, ITEM["patrol_units"]]  # (day, side)
    per_unit = raised.params.costs.patrol_unit_per_day
    assert np.allclose(money[first - 1], 60 * per_unit)
    assert np.allclose(money[first + 1], 90 * per_unit)
    on_duty = [
        int((raised.search.units[r] + raised.search.joint_units[r]).sum())
        for r in range(raised.search.units.shape[0])
    ]
    kept = [
        int((plain.search.units[r] + plain.search.joint_units[r]).sum())
        for r in range(plain.search.units.shape[0])
    ]
    assert sum(on_duty) > 1.3 * sum(kept)


def test_standing_every_unit_down_leaves_no_patrol_search_and_no_patrol_bill():
    """Drones and sensors search on; the patrols' part of the effort is gone, everywhere
    (a multiplier on detection would leave effort where units used to be)."""
    m = model([strength(150, 0)])
    m.run_for(joins(m, 150) + 20)
    assert not m.search.units.any() and not m.search.joint_units.any()
    assert m.search.effort.any()  # the drones still fly
    money = m.budget.money[:, :, ITEM["patrol_units"]]
    assert money[joins(m, 150) + 1].sum() == 0 < money[100].sum()
    assert not m.agents_by_type.get(PatrolUnit)


def test_a_units_move_made_live_is_the_move_of_a_config_and_survives_a_copy():
    scheduled = model([strength(120, 30)])
    scheduled.run_for(300)
    live = model()
    live.run_for(120)
    live.moves.add(live, MoveParams(120, UNITS, "30"))
    live.run_for(90)
    copied = pickle.loads(pickle.dumps(live))
    for m in (live, copied):
        m.run_for(90)
        assert m.series.rows == scheduled.series.rows


@pytest.mark.parametrize(("value", "message"), [(-1, "out of range"), ("many", "many")])
def test_a_bad_strength_is_refused_naming_the_move(value, message):
    with pytest.raises(Exception) as e:
        configure("roadmap", {"moves": [strength(10, value)]}, days=DAYS)
    assert "moves[0]" in str(e.value) and message in str(e.value)


def test_one_states_surge_moves_only_its_own_force():
    """State B stands its whole force down on day 100 (``extra_units.1 = -60``): its
    search by patrols ends, A's goes on with its 60 units and its bill unchanged."""
    m = model([{"day": 100, "key": "patrol.extra_units.1", "value": -60}])
    m.run_for(joins(m, 100) + 10)
    a, b = m.governments
    assert (len(a.units), len(b.units)) == (60, 0)
    row = m.search.row
    assert m.search.units[row, 1].sum() == m.search.joint_units[row, 1].sum() == 0
    assert m.search.units[row, 0].sum() > 0
    money = m.budget.money[:, :, ITEM["patrol_units"]]
    per_unit = m.params.costs.patrol_unit_per_day
    assert np.allclose(money[joins(m, 100) + 1], [60 * per_unit, 0.0])


def test_the_two_forces_may_differ_from_the_start():
    params = configure("roadmap", {"patrol.extra_units": [20, -10]}, days=60)
    m = RoadmapModel(params, 60, 1)
    m.run_for(10)
    check_postings(m)
    assert [len(g.units) for g in m.governments] == [80, 50]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"patrol.extra_units": [0, -61]}, "patrol.extra_units.1=-61: state B would have -1"),
        ({"patrol.extra_units": [5]}, "patrol.extra_units=[5]: needs 2 entries"),
        (
            {"moves": [{"day": 9, "key": "patrol.extra_units.0", "value": -70}]},
            "moves[0]: patrol.extra_units.0=-70: state A would have -10",
        ),
    ],
)
def test_a_force_below_nothing_is_refused_naming_the_key(overrides, message):
    with pytest.raises(Exception) as e:
        configure("roadmap", overrides, days=DAYS)
    assert message in str(e.value)


@pytest.mark.parametrize("extra", [[30, -30], [0, -60], [-60, 0]])
def test_joint_contingents_pair_up_when_the_forces_differ(extra):
    """Joint units are pairs: each state posts as many contingents (a share of the smaller
    force), at the same joint posts, so none patrols without its partner."""
    overrides = {
        "patrol.extra_units": extra,
        "measures.joint_patrols.start": "0",
        "measures.joint_patrols.ramp_days": 1,
        "governments.suspension_chance": 0.0,
    }
    m = RoadmapModel(configure("all_at_once", overrides, days=120), 120, 2)
    n = m.border.n
    for _ in range(15):
        m.run_for(7)
        a, b = m.governments
        assert np.array_equal(a._held[n:], b._held[n:])
    smaller = min(len(a.units), len(b.units))
    assert a._held[n:].sum() == round(smaller * m.params.patrol.joint_share)
