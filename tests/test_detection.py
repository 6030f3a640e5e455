"""Random-search detection: Koopman's law from where units are, diminishing returns, terrain."""

import numpy as np
import pytest
from conftest import config, replicate, summaries

from sim.model.detection import detection_probability, terrain_factor

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


def test_detection_probability_is_koopman():
    effort = np.array([0.0, 1.0, 2.0, 4.0])
    assert np.allclose(detection_probability(effort, 0.5), 1 - np.exp(-0.5 * effort))
    gains = np.diff(detection_probability(np.arange(6.0), 0.5))
    assert np.all(gains > 0) and np.all(np.diff(gains) < 0)  # diminishing returns


def test_terrain_reduces_effective_effort():
    assert terrain_factor(np.array([0.0, 0.5, 1.0]), 0.6).tolist() == pytest.approx([1, 0.7, 0.4])


@pytest.mark.parametrize("units_per_sector", [1, 3])
def test_measured_detection_matches_koopman(units_per_sector):
    """Non-adaptive groups meet units where they patrol: detected share = 1 - exp(-k E)
    at every effort E they met, E counted from the units' own daily positions."""
    sectors = 20  # 400 km / 20 km
    units = units_per_sector * sectors
    cfg = config(*NON_ADAPTIVE, f"patrol.units_per_side={units}", "days=730")
    efforts, detected = [], []
    for run in replicate(cfg, 3):
        inc = run.incidents
        hostile = inc[inc["type"].isin(["attack", "interdiction"])]
        efforts.append(hostile["effort"].to_numpy())
        detected.append(hostile["detected"].to_numpy())
    effort, hit = np.concatenate(efforts), np.concatenate(detected)
    assert len(np.unique(effort)) >= 3  # units spread over their zones: effort varies by day
    assert effort.mean() == pytest.approx(units_per_sector, rel=0.1)
    k = cfg.patrol.sweep_rate
    for level in np.unique(effort):
        at = effort == level
        if at.sum() < 200:
            continue
        expected = 1 - np.exp(-k * level)
        se = np.sqrt(expected * (1 - expected) / at.sum()) + 1e-9
        assert abs(hit[at].mean() - expected) < 4.5 * se, (level, hit[at].mean(), expected)


def test_effort_is_counted_from_unit_positions():
    """The effort of every day of the plan is what the units standing there add up to."""
    from sim.model.model import RoadmapModel
    from sim.runs.runner import model_params

    cfg = config(*NON_ADAPTIVE, "days=30")
    model = RoadmapModel(model_params(cfg), cfg.days, 3)
    model.run_for(10)
    search, n = model.search, model.border.n
    for side, gov in enumerate(model.governments):
        for day in range(model.steps, model.steps + 3):
            at = np.bincount([u.sector(day) for u in gov.units], minlength=n)
            row = gov.patrols.row(day)
            assert search.units[row, side].tolist() == at.tolist()
            assert np.allclose(search.effort[row, side], at * cfg.patrol.unit_effort)


def test_patrol_effort_gives_more_detections_with_diminishing_returns():
    units = np.array([20, 40, 80, 160])
    rates = [
        summaries(config("scenario=baseline", f"patrol.units_per_side={u}", "days=730"), 4)[
            "detection_rate"
        ].mean()
        for u in units
    ]
    gain_per_unit = np.diff(rates) / np.diff(units)
    assert np.all(gain_per_unit > 0)
    assert np.all(np.diff(gain_per_unit) < 0)
