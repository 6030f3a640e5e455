"""Random-search detection: Koopman's law, diminishing returns, terrain, intelligence."""

import numpy as np
import pytest
from conftest import config, replicate, summaries

from sim.detection import detection_probability, terrain_factor

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
    "patrol.tip_base=0",
    "patrol.other_side_share=0",
]


def test_detection_probability_is_koopman():
    effort = np.array([0.0, 1.0, 2.0, 4.0])
    assert np.allclose(detection_probability(effort, 0.5), 1 - np.exp(-0.5 * effort))
    gains = np.diff(detection_probability(np.arange(6.0), 0.5))
    assert np.all(gains > 0) and np.all(np.diff(gains) < 0)  # diminishing returns


def test_terrain_reduces_effective_effort():
    assert terrain_factor(np.array([0.0, 0.5, 1.0]), 0.6).tolist() == pytest.approx([1, 0.7, 0.4])


@pytest.mark.parametrize("units_per_sector", [1, 2, 3, 5])
def test_measured_detection_matches_koopman(units_per_sector):
    """Non-adaptive groups facing even patrols: detected share = 1 - exp(-k E)."""
    sectors = 20  # 400 km / 20 km
    units = units_per_sector * sectors
    cfg = config(*NON_ADAPTIVE, f"patrol.units_per_side={units}", "days=730")
    detected = attempts = 0
    for run in replicate(cfg, 3):
        inc = run.incidents
        hostile = inc[inc["type"].isin(["attack", "interdiction"])]
        assert np.allclose(hostile["effort"], units / sectors)  # the effort they met
        detected += hostile["detected"].sum()
        attempts += len(hostile)
    expected = 1 - np.exp(-cfg.patrol.sweep_rate * units / sectors)
    rate = detected / attempts
    se = np.sqrt(expected * (1 - expected) / attempts)
    assert attempts > 1500
    assert abs(rate - expected) < 4 * se, (rate, expected, attempts)


def test_intelligence_sharing_raises_detection_at_equal_effort():
    common = [
        "scenario=baseline",
        "governments.cooperation_tension_limit=1",
        "governments.suspension_chance=0",
        "days=730",
    ]
    without = summaries(config(*common), 10)
    with_intel = summaries(
        config(*common, "measures.intel_sharing.start=0", "measures.intel_sharing.ramp_days=1"), 10
    )
    diff = with_intel["detection_rate"] - without["detection_rate"]
    assert diff.mean() > 0.05
    assert (diff > 0).all()


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


def test_search_effort_depends_on_exactly_the_measures_it_lists():
    """Search.MEASURES decides when effort is refreshed; it must name every effect it reads."""
    from sim.measures import MEASURE_NAMES
    from sim.model import RoadmapModel
    from sim.runner import model_params

    model = RoadmapModel(model_params(config("scenario=roadmap")), 10, 1)
    search, measures = model.search, model.measures

    def state() -> list[np.ndarray]:
        search.refresh(measures)
        return [search.effort.copy(), np.atleast_1d(search.surge).copy(), [search.tip_chance]]

    measures.effect = np.full(len(MEASURE_NAMES), 0.2)
    before = state()
    for i in range(len(MEASURE_NAMES)):
        measures.effect = np.full(len(MEASURE_NAMES), 0.2)
        measures.effect[i] = 0.9
        after = state()
        same = all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))
        assert same == (i not in search.MEASURES), MEASURE_NAMES[i]
