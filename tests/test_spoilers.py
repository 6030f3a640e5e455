"""Spoilers answer what threatens their base, where it stands, not the roadmap's phase.

Each comparison is paired (same seeds, one thing changed). The spoiler is the
first armed group (the default ``armed_groups.spoilers``); in the pinned tests
no measure runs and no phase is entered (scenario ``baseline``), so the paired
runs differ only in where an asset stands. They use the stress scenario's
stronger response (``STRESS``): a group of a few hundred fighters is held back by
its fighters and arms as much as by its will, so at the defaults' response the
difference in attempts is real but small against the noise of its self-exciting
urge.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.model.incidents import IncidentType
from sim.model.measures import MEASURE_NAMES
from sim.model.model import RoadmapModel

DAYS = 365
STRESS = {"armed_groups.threat_response": 2.0, "armed_groups.target_value": 0.25}
NO_MEASURES = {f"measures.{name}.enabled": False for name in MEASURE_NAMES}
THREATS = ("joint_patrols", "customs_inspections", "ceasefire_verification", "economic_projects")
CALM = {"armed_groups.spoilers": [False, False, False, False]}


def _attempts(model: RoadmapModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(day, side, sector) of every attempt (attack or interdiction) by the first group."""
    cols = model.log.columns()
    mine = (cols["actor"] == model.armed_groups[0].actor) & np.isin(
        cols["type"], [IncidentType.ATTACK, IncidentType.INTERDICTION]
    )
    return cols["day"][mine], cols["side"][mine], cols["sector"][mine]


def _pin(model: RoadmapModel, kind: str, sectors: list[int]) -> None:
    """Keep assets of ``kind`` at ``sectors`` for the whole run (their owners would
    otherwise move or remove them)."""
    if kind == "monitors":
        model.monitors.redeploy = lambda: None
        model.monitors.present[:] = False
        model.monitors.present[sectors] = True
    elif kind == "joint_posts":
        plan = model.search.plan

        def pinned() -> None:
            plan()
            model.search.joint_posts = sorted(sectors)

        model.search.plan = pinned
        model.search.joint_posts = sorted(sectors)
    else:  # economic projects in the spoiler's own recruitment cells
        model.communities.project[model.armed_groups[0].home, sectors] = True


def _pinned_run(seed: int, kind: str, sectors: list[int], **overrides) -> RoadmapModel:
    model = RoadmapModel(scenario="baseline", days=DAYS, rng=seed, **{**STRESS, **overrides})
    assert model.armed_groups[0].spoiler
    _pin(model, kind, sectors)
    return model.run()


def _places(seed: int) -> tuple[list[int], list[int], list[int]]:
    """Three sectors at each end of the spoiler's reach, and three outside it."""
    probe = RoadmapModel(scenario="baseline", days=DAYS, rng=seed)
    sectors = probe.armed_groups[0].sectors
    outside = [s for s in range(probe.border.n) if s not in sectors]
    return sectors[1:4], sectors[-4:-1], outside[-3:]


@pytest.mark.parametrize("kind", ["monitors", "joint_posts", "projects"])
def test_spoiler_attacks_move_to_where_the_assets_stand(kind):
    """The same assets at one end of its reach or the other: the spoiler's attempts
    follow them. A phase multiplier (there is no phase here) or a spoiler that
    ignores assets would leave its share of attempts at ``a`` the same."""
    there, elsewhere = [], []
    for seed in range(6):
        a, b, _ = _places(seed)
        model = _pinned_run(seed, kind, a)
        _, side, sector = _attempts(model)
        there.append(np.isin(sector, a).mean())
        if kind == "projects":  # it strikes the project cells on its own side, nowhere else
            home = model.armed_groups[0].home
            assert ((side == home) & np.isin(sector, a)).sum() >= 5
            assert np.isin(sector[side == home], a).all()
        elsewhere.append(np.isin(_attempts(_pinned_run(seed, kind, b))[2], a).mean())
    there, elsewhere = np.array(there), np.array(elsewhere)
    assert (there > elsewhere).all()
    assert there.mean() > 1.6 * elsewhere.mean()


def test_spoiler_steps_up_only_for_assets_in_its_reach():
    """Three monitor teams inside the spoiler's reach or three outside it (targeting
    off, so only its will to attack differs): more attempts when they threaten it.
    A multiplier on the measure's level (the same teams in both runs) could not
    tell the two apart."""
    inside, outside = [], []
    for seed in range(10):
        a, _, far = _places(seed)
        untargeted = {"armed_groups.target_value": 0.0}
        inside.append(len(_attempts(_pinned_run(seed, "monitors", a, **untargeted))[0]))
        outside.append(len(_attempts(_pinned_run(seed, "monitors", far, **untargeted))[0]))
    inside, outside = np.array(inside), np.array(outside)
    assert inside.sum() > 1.08 * outside.sum()
    assert stats.ttest_rel(inside, outside).pvalue < 0.01


def _phase3(seed: int, **overrides) -> RoadmapModel:
    """The roadmap in phase 3 from day 2 on (scheduled, no relapse)."""
    phase3 = {
        "phases.mode": "scheduled",
        "phases.agreement_day": 0,
        "phases.schedule_days": [0, 0],
        "phases.relapse": False,
    }
    model = RoadmapModel(scenario="roadmap", days=DAYS, rng=seed, **phase3, **overrides)
    return model.run()


def test_phase_alone_does_not_provoke_a_spoiler():
    """Phase 3 with every measure off: the spoiler attempts exactly what it does with
    no agreement at all. A phase-number multiplier would raise it."""
    for seed in range(3):
        three = _phase3(seed, **NO_MEASURES, **STRESS)
        none = RoadmapModel(scenario="baseline", days=DAYS, rng=seed, **NO_MEASURES, **STRESS)
        none.run()
        assert (three.phases.phase, none.phases.phase) == (3, 0)
        assert three.armed_groups[0].spoiler
        assert len(_attempts(three)[0]) == len(_attempts(none)[0]) > 30


def _asset_days(model: RoadmapModel) -> np.ndarray:
    """Run the model, noting each day which sectors hold an asset that threatens the
    first group: ``(days, n)`` bool."""
    n, group = model.border.n, model.armed_groups[0]
    held = np.zeros((model.days, n), dtype=bool)
    for day in range(model.days):
        model.step()
        held[day, model.search.joint_posts] = True
        held[day] |= model.monitors.present
        held[day] |= model.border.gate & (model.customs.inspected_share() > 0)
        held[day] |= model.communities.project[group.home]
    return held


@pytest.mark.slow  # 30 runs of a year: about 15-25 s
def test_spoilers_strike_the_roadmaps_assets():
    """Phase 3 with joint patrols, customs, monitors and projects placed by their own
    owners: the spoiler's attempts land in sectors holding one of them that day more
    often than the same group's when it is no spoiler. Switched off
    (``threat_response=0``, ``target_value=0``) a spoiler is that group, attempt for
    attempt."""
    threats = {**NO_MEASURES, **{f"measures.{name}.enabled": True for name in THREATS}}
    phase3 = {
        "scenario": "roadmap",
        "days": DAYS,
        "phases.mode": "scheduled",
        "phases.agreement_day": 0,
        "phases.schedule_days": [0, 0],
        "phases.relapse": False,
        **threats,
    }
    hit = {"spoiler": [], "calm": []}
    for seed in range(12):
        for who, extra in (("spoiler", STRESS), ("calm", {**STRESS, **CALM})):
            model = RoadmapModel(rng=seed, **phase3, **extra)
            held = _asset_days(model)
            day, _, sector = _attempts(model)
            hit[who].append(held[day, sector].mean())
    spoiler, calm = np.array(hit["spoiler"]), np.array(hit["calm"])
    assert spoiler.mean() > calm.mean() + 0.1
    assert stats.ttest_rel(spoiler, calm).pvalue < 0.01
    inert = {"armed_groups.threat_response": 0.0, "armed_groups.target_value": 0.0}
    for seed in range(3):
        off = RoadmapModel(rng=seed, **phase3, **inert).run()
        calm_group = RoadmapModel(rng=seed, **phase3, **CALM).run()
        assert off.armed_groups[0].spoiler
        assert np.array_equal(_attempts(off)[2], _attempts(calm_group)[2])
