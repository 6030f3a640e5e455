"""State forces, verification, the hotline, mediation, corridors and community ties:
each measure through what it deploys (fixed seeds, paired runs)."""

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


def test_hotline_desk_gets_calls_through_only_with_an_officer_free_in_time():
    """The desk answers a call only if an officer is on shift and free within the window.

    A multiplier of the level (a chance of getting through) would treat a burst like
    the same calls spread out, a call at night like one at noon, and an office-hours
    desk like a round-the-clock one at the same level: each assert below would fail.
    """
    model = _model("scenario=baseline", "hotline.relay_hours=0.01")  # the word is relayed at once
    hotline = model.forces.hotline
    model.measures.effect[Measure.HOTLINE] = 1.0  # six officers, two on each 8-hour watch
    hotline.roster()
    spread = sum(hotline.call(at=2.0 * i) for i in range(12))  # one call every two hours
    hotline.roster()
    burst = sum(hotline.call(at=10.0) for _ in range(12))  # twelve calls at 10:00
    assert spread == 12
    assert burst == 6  # two officers, 20 minutes a call: three calls each within the hour

    model.measures.effect[Measure.HOTLINE] = 1 / 6  # one officer: the day watch, 08:00-16:00
    through = {}
    for hour in (2.0, 7.5, 12.0, 17.0):
        hotline.roster()
        through[hour] = hotline.call(at=hour)
    assert through == {2.0: False, 7.5: True, 12.0: True, 17.0: False}
    model.measures.effect[Measure.HOTLINE] = 0.0
    hotline.roster()
    assert not any(hotline.call(at=12.0) for _ in range(50))

    def clashes(officers: int) -> np.ndarray:
        cfg = config(
            "scenario=baseline",
            "days=730",
            "measures.hotline.start=0",
            "governments.friction_rate=0.03",  # more encounters, more calls
            f"hotline.operators={officers}",
        )
        params = model_params(cfg)
        return np.array(
            [
                simulate(params, cfg.days, seed).summary["clash"]
                for seed in replication_seeds(cfg.seed, 12)
            ]
        )

    office, round_the_clock = clashes(1), clashes(3)  # both at full level
    assert round_the_clock.sum() < 0.8 * office.sum()
    assert stats.ttest_rel(round_the_clock, office).pvalue < 0.01


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
    touched = ties > 0.01  # hosted at some time (the number of hosts follows the level)
    assert not touched.all()
    population = model.communities.population.sum(axis=0)
    assert population[touched].min() >= population[~touched].max()  # the most populous
    assert early < ties.max()  # still growing after 400 days


def test_mediator_with_capacity_declines_cases_beyond_it():
    model = _model("scenario=roadmap", "mediator.capacity=2")
    model.measures.effect[Measure.MEDIATION] = 1.0
    severe = model.params.incidents.severe_casualties
    taken = [model.mediator.consider(10, 3, severe) for _ in range(5)]
    assert taken == [True, True, False, False, False]
    assert model.mediator.declined == 3
    later = 10 + model.params.mediator.case_days
    model.mediator.step(later)  # its cases close: their findings are in
    assert model.mediator.consider(later, 3, severe)


def test_mediator_keeps_its_last_team_for_severe_incidents():
    model = _model("scenario=roadmap", "mediator.capacity=2")
    model.measures.effect[Measure.MEDIATION] = 1.0
    assert model.mediator.consider(5, 3, 1)
    assert not model.mediator.consider(5, 4, 1)  # minor: the last team waits
    assert model.mediator.consider(5, 4, model.params.incidents.severe_casualties)


EXTREME = [
    "governments.tension_decay=1.0",
    "dialogue.meeting_every_days=1",
    "dialogue.trust_gain_settled=1",
    "dialogue.trust_gain_kept=1",
    "governments.trust_gain_project=1",
    "governments.trust_gain_exchange=1",
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


def test_victims_are_heavy_tailed_because_crowds_are_and_an_exponential_law_is_not():
    """Victims are those harmed among the people within reach where a strike lands
    (``Communities.victims``): heavy-tailed because the crowds at a cell's spots are.
    The same runs with every spot holding the mean crowd (same exposure on average,
    no spread) have no tail left, thinner even than an exponential law's: a typed-in
    heavy-tailed law, or a thinned count drawn from one, would keep its tail."""

    def victims(*extra: str) -> np.ndarray:
        runs = replicate(config("scenario=baseline", *extra), 6)
        violent = [r.incidents.query("type in ['attack', 'clash']") for r in runs]
        return np.concatenate([v["casualties"].to_numpy() for v in violent])

    heavy = victims()
    x_min = 6
    fit = tail_exponent(heavy, x_min)
    assert fit.n >= 50 and fit.high < 3.5
    rng = np.random.default_rng(0)
    exponential = tail_exponent(np.floor(rng.exponential(heavy.mean(), size=len(heavy))), x_min)
    assert exponential.low > fit.high  # the test that fails for it
    c = config("scenario=baseline").communities
    mean_crowd = c.crowd_median * np.exp(c.crowd_spread**2 / 2)
    even = victims("communities.crowd_spread=0", f"communities.crowd_median={mean_crowd}")
    assert abs(even.mean() / heavy.mean() - 1) < 0.25  # as many victims on average
    assert tail_exponent(even, x_min).low > exponential.high
    assert even.max() < heavy.max() / 4
