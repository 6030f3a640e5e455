"""Moves: a lever changed mid-run acts from its day through the lever's owner, and a move
made live is the same move as one read from a config."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from sim.config.moves import MoveParams
from sim.config.overrides import configure
from sim.config.params import ConfigError
from sim.model.measures import Measure
from sim.model.model import RoadmapModel

DAYS = 500


def model(scenario: str = "all_at_once", moves: list | None = None, seed: int = 5, **kw):
    params = configure(scenario, {"moves": moves or [], **kw}, days=DAYS)
    return RoadmapModel(params, DAYS, seed)


def move(day: int, key: str, value: object) -> dict:
    return {"day": day, "key": key, "value": value}


def same_run(a: RoadmapModel, b: RoadmapModel) -> bool:
    cols_a, cols_b = a.log.columns(), b.log.columns()
    return a.series.rows == b.series.rows and all(
        np.array_equal(cols_a[k], cols_b[k], equal_nan=True) for k in cols_a
    )


def test_a_move_made_while_paused_is_the_move_of_a_config():
    """Made live after day 249, or read from the config for day 250: one run."""
    scheduled = model(moves=[move(250, "measures.hotline.intensity", 0.2)]).run()
    live = model()
    live.run_for(250)
    live.moves.add(live, MoveParams(250, "measures.hotline.intensity", "0.2"))
    live.run()
    assert same_run(live, scheduled)
    assert not same_run(live, model().run())  # the move did something
    (applied,) = live.moves.applied
    assert (applied.day, applied.old, applied.new) == (250, 1.0, 0.2)


def test_days_before_a_move_are_untouched_and_the_same_value_changes_nothing():
    plain = model().run()
    same = model(moves=[move(200, "measures.drones.intensity", 1.0)]).run()
    assert same_run(plain, same)
    moved = model(moves=[move(200, "measures.ceasefire_verification.intensity", 0.0)]).run()
    assert moved.series.rows[:200] == plain.series.rows[:200]
    assert moved.series.rows[200:] != plain.series.rows[200:]


def test_monitors_leave_once_verification_is_moved_to_nothing():
    """The mission fields ``round(teams * effect)`` teams at its next redeployment: a move
    to intensity 0 empties the sectors it watched (a multiplier on violations would not)."""
    kept = model()
    kept.run_for(300)
    assert kept.monitors.present.any()
    moved = model(moves=[move(300, "measures.ceasefire_verification.intensity", 0.0)])
    moved.run_for(300 + kept.params.monitors.redeploy_days + 1)
    assert not moved.monitors.present.any()


def test_raising_a_measure_already_at_full_level_opens_more_corridors_at_once():
    """Corridors at intensity 0.3 have opened their share of sites by day 300 (level 1);
    raised to 1 by a move, the programme opens the rest on the move's day, though its
    level did not change (its effect did: the owner must be told)."""
    low = {"measures.humanitarian_corridors.intensity": 0.3}
    before = model(**low)
    before.run_for(301)
    assert before.measures.level[Measure.HUMANITARIAN_CORRIDORS] == 1.0
    opened = len(before.communities.corridors.open)
    raised = model(moves=[move(300, "measures.humanitarian_corridors.intensity", 1.0)], **low)
    raised.run_for(301)
    assert len(raised.communities.corridors.open) >= 2 * opened > 0


def test_a_budget_move_to_nothing_holds_that_sides_national_measures():
    """Side 0's roadmap money moved to 0 on day 120 (drones ramp from the agreement, about
    day 90): its part of the drone fleet stops growing that day; the other side's grows on."""
    day = 120
    held = model(moves=[move(day, "costs.money_per_year.0", 0.0)])
    held.run_for(day)
    before = list(held.measures.own[Measure.DRONES])
    held.run_for(40)
    after = held.measures.own[Measure.DRONES]
    assert held.budget.broke[0] and not held.budget.broke[1]
    assert 0 < before[0] == after[0] and after[1] > before[1]


def test_a_gate_moved_open_lets_the_roadmap_advance():
    gated = {"phases.min_trust.0": 1.0}  # never met: phase 2 never comes
    shut = model("roadmap", **gated).run()
    opened = model(
        "roadmap",
        moves=[
            move(150, "phases.min_trust.0", 0.0),
            move(150, "phases.max_incidents_per_month.0", 1e6),
        ],
        **gated,
    ).run()
    assert np.isnan(shut.phases.first_day[2])
    assert 150 <= opened.phases.first_day[2] <= 150 + opened.params.phases.min_days[0]


def test_a_run_never_changes_its_callers_parameters():
    params = configure("roadmap", {"moves": [move(10, "measures.hotline.intensity", 0.3)]}, days=50)
    kept = copy.deepcopy(params)
    RoadmapModel(params, 50, 1).run()
    assert params == kept


@pytest.mark.parametrize(
    ("moves", "message"),
    [
        (
            [move(10, "armed_groups.recruit_every_days", 3)],
            "moves[0].key='armed_groups.recruit_every_days': not a lever",
        ),
        (
            [move(10, "measures.drones.intensity", 1.5)],
            "moves[0]: measures.drones.intensity=1.5: out",
        ),
        ([move(DAYS, "measures.drones.intensity", 0.5)], f"moves[0].day={DAYS}: allowed 0 to"),
        (
            [move(20, "phases.min_trust.0", 0.5), move(10, "phases.min_trust.1", 0.5)],
            "moves[1].day=10: before",
        ),
        ([move(10, "measures.drones.start", "soon")], "allowed values are phase1, phase2"),
        ([move(-1, "measures.drones.intensity", 0.5)], "moves[0].day=-1: out of range"),
        ([MoveParams("x", "measures.drones.intensity", "0.5")], "moves.0.day=x: Value 'x'"),
        ([{"day": 5, "key": "patrol.units_per_side"}], "moves[0].value: missing; give patrol"),
        ([move(5, "patrol.units_per_side", "12.5")], "Value '12.5' could not be converted to"),
        ([move(5, "costs.money_per_year.0", -5)], "costs.money_per_year.0=-5.0: out of range"),
    ],
)
def test_bad_moves_are_refused_naming_the_move(moves, message):
    with pytest.raises(ConfigError) as e:
        configure("roadmap", {"moves": moves}, days=DAYS)
    assert message in str(e.value)


def test_a_move_on_a_measure_the_scenario_lacks_is_refused():
    with pytest.raises(ConfigError, match="not enabled in this scenario"):
        configure("cooperation_only", {"moves": [move(10, "measures.drones.intensity", 0.5)]})


def test_a_live_move_cannot_act_on_a_day_already_simulated():
    live = model()
    live.run_for(30)
    with pytest.raises(ConfigError, match="a move acts from day 30 on"):
        live.moves.add(live, MoveParams(29, "measures.hotline.intensity", "0.2"))
    assert live.params.moves == [] and not live.moves.pending


def test_reseeded_copies_share_randomness_by_key_and_key_zero_is_not_a_reseed():
    base = model()
    base.run_for(100)
    runs = {}
    for key in (1, 1, 2):
        copied = copy.deepcopy(base)
        copied.reseed(key)
        runs.setdefault(key, []).append(copied.run())
    assert same_run(*runs[1])
    assert not same_run(runs[1][0], runs[2][0])
    assert not same_run(runs[1][0], base.run())


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("moves=[{day:200,kee:x}]", "moves: Key 'kee' not in 'MoveParams'"),
        ("moves=[{day:x}]", "Value 'x' of type 'str' could not be converted to Integer"),
        ("moves=[{day:9,key:measures.drones.intensity,value:2}]", "moves[0]: measures.drones."),
        ("moves={day:9,key:measures.drones.intensity,value:2}", "a list is required, written"),
        ("moves=[{day:9,key:measures.drones.intensity,value:null}]", "a value is required, not"),
        ("moves=[{day:9,key:measures.drones.intensity,value:[1]}]", "one value is required, not"),
    ],
)
def test_moves_on_the_command_line_are_checked_as_the_api_checks_them(override, message):
    from sim.config.compose import load_config

    with pytest.raises(ConfigError) as e:
        load_config([override])
    assert message in str(e.value)


def test_customs_staff_follows_a_move_of_its_intensity_at_full_level():
    """Inspectors are hired toward ``customs.inspectors * effect``; at full level a move
    of the intensity to 0 sends them home on the move's day (the level did not change)."""
    kept = model()
    kept.run_for(400)
    assert kept.measures.level[Measure.CUSTOMS_INSPECTIONS] == 1.0
    assert min(kept.customs.inspectors(side) for side in (0, 1)) > 0
    moved = model(moves=[move(399, "measures.customs_inspections.intensity", 0.0)])
    moved.run_for(400)
    assert [moved.customs.inspectors(side) for side in (0, 1)] == [0, 0]


def test_every_stream_an_agent_holds_is_one_reseed_reaches():
    """A stream reseed misses would draw the same in every look-ahead future."""
    import random

    found: dict[int, object] = {}
    seen: set[int] = set()

    def walk(obj: object) -> None:
        if id(obj) in seen or isinstance(obj, str | bytes | int | float | np.ndarray):
            return
        seen.add(id(obj))
        if isinstance(obj, np.random.Generator | random.Random):
            found[id(obj)] = obj
            return
        if isinstance(obj, dict):
            items = list(obj.values())
        elif isinstance(obj, list | tuple | set):
            items = list(obj)
        elif hasattr(obj, "__dict__") and type(obj).__module__.startswith(("sim.", "mesa.")):
            items = list(vars(obj).values())
        else:
            items = [
                getattr(obj, s) for s in getattr(type(obj), "__slots__", ()) if hasattr(obj, s)
            ]
        for item in items:
            walk(item)

    m = model()
    m.run_for(30)
    walk(m)
    reached = {id(s) for s in m.streams.all} | {id(m.rng), id(m.random)}
    missed = [type(found[i]).__name__ for i in found if i not in reached]
    assert len(found) > 20 and not missed


@pytest.mark.parametrize(
    ("scenario", "moves", "warning"),
    [
        ("baseline", [move(50, "measures.drones.intensity", 0.5)], "never reaches; it cannot act"),
        ("roadmap", [move(10, "measures.drones.start", 5000)], "the measure never starts"),
        ("roadmap", [move(DAYS - 3, "patrol.units_per_side", 90)], "(day 504), not before"),
        ("baseline", [move(10, "phases.min_trust.0", 0.2)], "has no agreement; it cannot act"),
        (  # a move that starts the measure on a day lets a later one act: no warning
            "baseline",
            [move(10, "measures.drones.start", 20), move(50, "measures.drones.intensity", 0.5)],
            None,
        ),
    ],
)
def test_moves_that_cannot_act_are_warned_of(scenario, moves, warning):
    from sim.config.inert import inert_moves

    found = inert_moves(configure(scenario, {"moves": moves}, days=DAYS))
    if warning is None:
        assert found == []
    else:
        (line,) = found
        assert line.startswith("moves[0] ") and warning in line, line


def test_a_move_with_a_field_it_lacks_lists_its_fields():
    from sim.config.compose import load_config

    with pytest.raises(ConfigError, match="Key 'extra' not in 'MoveParams'; allowed: day, key"):
        load_config(["moves=[{day:50,key:patrol.units_per_side,extra:1}]"])
