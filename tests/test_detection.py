"""Random-search detection: Koopman's law from where units are, diminishing returns, terrain."""

import numpy as np
import pytest
from conftest import config

from sim.model.detection import terrain_factor
from sim.model.model import RoadmapModel
from sim.runs.runner import model_params, replication_seeds
from sim.runs.tables import collect

FLAT = [
    "geography.provinces=[{name: flat, length_km: 400, roughness: 0.0, population_a: 300,"
    " population_b: 300, gates: []}]",
]
NON_ADAPTIVE = [
    "scenario=baseline",
    *FLAT,
    "armed_groups.learning_rate=0",
    "armed_groups.arms_per_attempt=0",
    "armed_groups.attempt_rate=1.0",
    "armed_groups.losses_interdicted=0",
    "armed_groups.losses_counterstrike=0",
    "patrol.threat_focus=0",
    "patrol.other_side_share=0",
]
SECTORS = 20  # FLAT: 400 km of 20 km sectors


def _posted(model: RoadmapModel, per_sector: np.ndarray) -> RoadmapModel:
    """Replace each government's allocation by fixed posts: ``per_sector[s]`` units at
    sector ``s`` (the units still choose their days: rest, and their zones)."""
    n = model.border.n
    wanted = np.zeros(2 * n, dtype=np.int64)
    wanted[:n] = per_sector
    for gov in model.governments:

        def redeploy(gov=gov):
            gov._move_units(wanted)
            gov.patrols.plan()

        gov.redeploy = redeploy
    model._redeploy()
    return model


def _hostile(per_sector: np.ndarray, seeds: int) -> list:
    """Attempts (attacks and interdictions) of non-adaptive groups against units posted
    ``per_sector`` on both sides and staying on post, one frame per seed."""
    cfg = config(*NON_ADAPTIVE, "patrol.zone_radius=0", "days=365")
    out = []
    for seed in replication_seeds(cfg.seed, seeds):
        model = _posted(RoadmapModel(model_params(cfg), cfg.days, seed), per_sector)
        inc = collect(model.run()).incidents
        out.append(inc[inc["type"].isin(["attack", "interdiction"])])
    return out


def test_detection_happens_only_where_units_patrol():
    """Units moved off the odd sectors: nothing is detected there any more, and more is
    detected where they went. An effort total turned into one detection chance would
    detect everywhere alike."""
    spread = np.full(SECTORS, 2)
    even = np.tile([4, 0], SECTORS // 2)  # the same units, on the even sectors only

    def by_parity(runs: list) -> np.ndarray:
        """Per run: (detected share in even sectors, detected count in odd sectors)."""
        return np.array(
            [
                (
                    r[r["sector"] % 2 == 0]["detected"].mean(),
                    r[r["sector"] % 2 == 1]["detected"].sum(),
                )
                for r in runs
            ]
        )

    before, after = by_parity(_hostile(spread, 4)), by_parity(_hostile(even, 4))
    assert (before[:, 1] > 20).all() and (after[:, 1] == 0).all()
    assert (after[:, 0] > before[:, 0] + 0.1).all()


def test_terrain_reduces_effective_effort():
    assert terrain_factor(np.array([0.0, 0.5, 1.0]), 0.6).tolist() == pytest.approx([1, 0.7, 0.4])


def test_detection_rises_with_the_units_standing_there_with_diminishing_returns():
    """Group each attempt by the units of its target side patrolling its sector that
    day, counted from the units' own positions (not from the effort the search
    passed on): none there, none detected; each more unit detects more, by less
    than the one before (Koopman's law where the units are, not on a total)."""
    cfg = config(*NON_ADAPTIVE, "patrol.units_per_side=30", "days=730")
    present, hit = [], []
    for seed in replication_seeds(cfg.seed, 3):
        model = RoadmapModel(model_params(cfg), cfg.days, seed)
        n, days = model.border.n, cfg.days
        standing = np.zeros((days + 8, 2, n), dtype=np.int64)
        plan = model.search.plan

        def record(model=model, plan=plan, standing=standing, n=n):
            plan()
            for side, gov in enumerate(model.governments):
                for day in range(model.steps, model.steps + model.params.patrol.redeploy_days):
                    at = [u.sector(day) for u in gov.units]
                    standing[day, side] = np.bincount(at, minlength=n + 1)[:n]

        model.search.plan = record
        model._redeploy()
        inc = collect(model.run()).incidents
        hostile = inc[inc["type"].isin(["attack", "interdiction"])]
        side = hostile["side"].map({name: i for i, name in enumerate(model.border.side_names)})
        present.append(standing[hostile["day"], side, hostile["sector"]])
        hit.append(hostile["detected"].to_numpy())
    present, hit = np.minimum(np.concatenate(present), 3), np.concatenate(hit)
    share = np.array([hit[present == k].mean() for k in range(4)])
    assert min((present == k).sum() for k in range(4)) > 300
    assert share[0] == 0
    gains = np.diff(share)
    assert (gains > 0.05).all() and gains[0] > gains[1] > gains[2], share


def test_effort_is_counted_from_unit_positions():
    """The effort of every day of the plan is what the units standing there add up to."""
    cfg = config(*NON_ADAPTIVE, "days=30")
    model = RoadmapModel(model_params(cfg), cfg.days, 3)
    model.run_for(10)
    search, n = model.search, model.border.n
    for side, gov in enumerate(model.governments):
        for day in range(model.steps, model.steps + 3):
            at = np.bincount([u.sector(day) for u in gov.units], minlength=n + 1)[:n]  # on duty
            row = gov.patrols.row(day)
            assert search.units[row, side].tolist() == at.tolist()
            assert np.allclose(search.effort[row, side], at * cfg.patrol.unit_effort)


def test_patrol_effort_gives_more_detections_with_diminishing_returns():
    """More units detect more; but the same units stacked two to a sector in half the
    sectors detect less than spread one to each: returns diminish where the units
    stand. A detection chance of the total, ``1 - exp(-k * units)``, would detect
    as much stacked as spread."""

    def detected(per_sector: np.ndarray) -> np.ndarray:
        return np.array([r["detected"].mean() for r in _hostile(per_sector, 4)])

    one, two = detected(np.full(SECTORS, 1)), detected(np.full(SECTORS, 2))
    stacked = detected(np.tile([2, 0], SECTORS // 2))
    assert (two > one + 0.05).all()
    assert (one > stacked + 0.03).all()
