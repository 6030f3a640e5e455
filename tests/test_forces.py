"""State forces, verification, the hotline, mediation, corridors and community ties:
each measure through what it deploys (fixed seeds, paired runs)."""

from functools import cache

import numpy as np
import pandas as pd
import pytest
from conftest import config, replicate
from scipy import stats

from sim.analysis.tail import tail_exponent
from sim.model.measures import Measure
from sim.model.model import RoadmapModel
from sim.runs.runner import model_params, replication_seeds, simulate


def _model(*overrides: str, seed: int = 1) -> RoadmapModel:
    cfg = config(*overrides)
    return RoadmapModel(model_params(cfg), cfg.days, seed)


def _violation_share_in_even_sectors(teams: int) -> float:
    """Share of violations in even sectors when monitors sit (only) in every even sector."""
    shares = []
    for seed in range(6):
        model = _model(
            "scenario=baseline",
            "days=730",
            "measures.ceasefire_verification.start=0",
            "measures.ceasefire_verification.ramp_days=1",
            f"monitors.teams={teams}",
            seed=seed,
        )
        mission = model.monitors

        def even_only(mission=mission):
            mission.present[:] = False
            mission.present[::2] = mission.p.teams > 0

        mission.redeploy = even_only
        model.run()
        rows = pd.DataFrame(model.log.rows, columns=[*"dsSta", "seen", "c", "e", "m", "g"])
        v = rows[rows["t"] == 6]
        shares.append((v["s"] % 2 == 0).mean())
        assert not v.loc[v["s"] % 2 == 1, "seen"].any()  # nobody sees where no monitor is
    return float(np.mean(shares))


def test_monitors_lower_violations_where_they_are():
    # A global multiplier on the violation rate would leave this share at about 0.5.
    without = _violation_share_in_even_sectors(teams=0)
    watched = _violation_share_in_even_sectors(teams=20)
    assert 0.4 < without < 0.6
    assert watched < without - 0.12


def test_shared_schedules_keep_units_apart_only_where_slots_are_free():
    model = _model("scenario=baseline")
    hotline = model.forces.hotline
    k = model.params.hotline.slots
    sparse = np.full((2, 2000), k // 2)  # fewer units than slots: they can be kept apart
    dense = np.full((2, 2000), 2 * k)  # every slot is taken
    model.measures.effect[Measure.HOTLINE] = 0.0
    random_sparse, random_dense = hotline.overlap(sparse).mean(), hotline.overlap(dense).mean()
    assert random_sparse == pytest.approx((k // 2) ** 2, rel=0.05)  # nA * nB on average
    model.measures.effect[Measure.HOTLINE] = 1.0
    assert hotline.overlap(sparse).max() == 0
    assert hotline.overlap(dense).mean() > 0.2 * random_dense  # crowded: only partly apart


def test_hotline_calls_get_through_as_it_ramps():
    model = _model("scenario=baseline")
    h = model.params.hotline
    hotline = model.forces.hotline
    model.measures.effect[Measure.HOTLINE] = 0.0
    assert not any(hotline.call() for _ in range(200))
    model.measures.effect[Measure.HOTLINE] = 1.0
    expected = h.availability * (1 - np.exp(-h.window_hours / h.delay_hours[1]))
    got = np.mean([hotline.call() for _ in range(4000)])
    assert got == pytest.approx(expected, abs=0.03)


def test_hotline_lowers_clashes_between_state_forces():
    common = ["scenario=baseline", "days=730"]
    base = pd.DataFrame([r.summary for r in replicate(config(*common), 10)])
    talk = pd.DataFrame(
        [r.summary for r in replicate(config(*common, "measures.hotline.start=0"), 10)]
    )
    assert talk["clash"].mean() < 0.6 * base["clash"].mean()
    assert stats.ttest_rel(talk["clash"], base["clash"]).pvalue < 0.001


def test_corridors_move_crossings_into_corridors_at_their_sites():
    model = _model("scenario=all_at_once").run()
    rows = pd.DataFrame(model.log.rows, columns=[*"dsSta", "seen", "c", "e", "m", "g"])
    corridor = rows[rows["t"] == 7]
    assert len(corridor) > 100
    assert set(corridor["s"]) <= set(model.communities.corridors.order)
    without = _model("scenario=all_at_once", "measures.humanitarian_corridors.enabled=false")
    irregular = (pd.DataFrame(without.run().log.rows)[3] == 4).sum()
    assert (rows["t"] == 4).sum() < irregular - 0.5 * len(corridor)


def test_safe_zones_spare_civilians_only_where_they_shelter():
    model = _model("scenario=all_at_once", "measures.humanitarian_corridors.start=0")
    model.run_for(200)
    sheltered = model.communities.corridors.sheltered
    assert sheltered.max() > 0.2 and (sheltered == 0).any()
    rng = np.random.default_rng(3)
    side, sector = np.unravel_index(np.argmax(sheltered), sheltered.shape)
    far = np.argwhere(sheltered == 0)[0]
    near = np.mean([model.communities.victims(rng, side, sector, 5.0) for _ in range(4000)])
    away = np.mean([model.communities.victims(rng, *far, 5.0) for _ in range(4000)])
    assert near < (1 - 0.8 * sheltered[side, sector]) * away


def test_cultural_ties_grow_in_the_most_populous_sectors_hosting_exchanges_only():
    """Ties are a community's state: they build up over months where exchanges are held
    (the most populous sectors) and nowhere else. What ties then do to recruitment is
    tested in test_recruitment.py."""
    model = _model("scenario=all_at_once", "days=900")
    for _ in range(400):
        model.step()
    early = model.communities.ties.max()
    ties = model.run().communities.ties.max(axis=0)  # per sector, at day 900
    hosted = ties > 0.5
    assert 0 < hosted.sum() < len(ties)  # exchanges are held in some sectors only
    assert ties[~hosted].max() < 0.05
    population = model.communities.population.sum(axis=0)
    assert population[hosted].min() >= population[~hosted].max()
    assert early < ties.max()  # still growing after 400 days


def test_mediator_with_capacity_declines_cases_beyond_it():
    model = _model("scenario=roadmap", "mediator.capacity=2")
    model.measures.effect[Measure.MEDIATION] = 1.0
    severe = model.params.incidents.severe_casualties
    taken = [model.mediator.intervene(10, severe) for _ in range(5)]
    assert taken == [True, True, False, False, False]
    assert model.mediator.declined == 3
    assert model.mediator.intervene(10 + model.params.mediator.case_days, severe)  # a case closed


def test_mediator_keeps_its_last_team_for_severe_incidents():
    model = _model("scenario=roadmap", "mediator.capacity=2")
    model.measures.effect[Measure.MEDIATION] = 1.0
    assert model.mediator.intervene(5, 1)
    assert not model.mediator.intervene(5, 1)  # minor: the last team waits
    assert model.mediator.intervene(5, model.params.incidents.severe_casualties)


EXTREME = [
    "governments.tension_decay=1.0",
    "governments.dialogue_decay_gain=100",
    "governments.trust_gain_dialogue=1",
    "governments.trust_gain_cultural=1",
    "governments.trust_gain_economic=1",
    "governments.trust_erosion=1",
    "governments.attack_shock=1",
    "governments.clash_shock=1",
    "governments.trust_loss_clash=1",
    *[f"measures.{m}.ramp_days=1" for m in ("military_dialogue", "cultural_programs")],
    "measures.economic_projects.ramp_days=1",
]


@pytest.mark.parametrize("scenario", ["baseline", "all_at_once"])
def test_trust_floor_holds_and_values_stay_in_range_at_extreme_parameters(scenario):
    for extra in ([], EXTREME):
        cfg = config(f"scenario={scenario}", "days=400", *extra)
        ts = simulate(model_params(cfg), cfg.days, 7).timeseries
        floor = cfg.governments.trust_floor
        for col in ("trust_a", "trust_b"):
            assert ts[col].between(floor, 1.0).all()
        for col in ("tension_a", "tension_b"):
            assert ts[col].between(0.0, 1.0).all()
    base = config("scenario=baseline")
    final = simulate(model_params(base), base.days, 1).summary["final_trust"]
    assert final >= base.governments.trust_floor


def test_victims_are_heavy_tailed_and_an_exponential_law_is_not():
    runs = replicate(config("scenario=baseline"), 6)
    victims = np.concatenate(
        [r.incidents.query("type in ['attack', 'clash']")["casualties"].to_numpy() for r in runs]
    )
    x_min = 6
    fit = tail_exponent(victims, x_min)
    assert fit.n >= 50 and fit.high < 3.5
    rng = np.random.default_rng(0)
    exponential = np.floor(rng.exponential(victims.mean(), size=len(victims)))
    assert tail_exponent(exponential, x_min).low > fit.high  # the test that fails for it


@cache
def _ablation(measure: str | None) -> pd.DataFrame:
    overrides = ["scenario=all_at_once"]
    if measure:
        overrides.append(f"measures.{measure}.enabled=false")
    cfg = config(*overrides)
    params = model_params(cfg)
    runs = [simulate(params, cfg.days, s).summary for s in replication_seeds(cfg.seed, 40)]
    frame = pd.DataFrame(runs)
    frame["state_incidents"] = frame["clash"] + frame["ceasefire_violation"]
    return frame


@pytest.mark.parametrize(
    ("measure", "outcome", "sign"),
    [
        ("ceasefire_verification", "ceasefire_violation", 1),
        ("hotline", "clash", 1),
        ("military_dialogue", "border_incidents", 1),
        ("mediation", "state_incidents", 1),
        ("humanitarian_corridors", "irregular_crossing", 1),
        ("humanitarian_corridors", "casualties", 1),
        ("economic_projects", "final_fighters", 1),
        ("cultural_programs", "final_fighters", 1),
    ],
)
def test_leaving_a_measure_out_of_all_at_once_changes_what_it_acts_on(measure, outcome, sign):
    """Each measure's direction is stated beforehand, so the paired test is one-sided."""
    full, without = _ablation(None)[outcome], _ablation(measure)[outcome]
    diff = without - full
    assert sign * diff.mean() > 0
    side = "greater" if sign > 0 else "less"
    assert stats.ttest_rel(without, full, alternative=side).pvalue < 0.05
