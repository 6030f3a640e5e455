"""Patrol units' own decisions, joint units counted once, joint training as training, and
what units cost (fixed seeds, paired runs)."""

import numpy as np
from conftest import config, summaries

from sim.model.model import RoadmapModel
from sim.runs.runner import model_params

FLAT = (
    "geography.provinces=[{name: flat, length_km: 400, roughness: 0.0, population_a: 300,"
    " population_b: 300, gates: []}]"
)
FLAT_AND_ROUGH = (
    "geography.provinces=[{name: plain, length_km: 200, roughness: 0.0, population_a: 300,"
    " population_b: 300, gates: []}, {name: mountains, length_km: 200, roughness: 1.0,"
    " population_a: 300, population_b: 300, gates: []}]"
)
COOPERATE = ("governments.cooperation_tension_limit=1", "governments.suspension_chance=0")


def now(measure: str) -> list[str]:
    return [f"measures.{measure}.start=0", f"measures.{measure}.ramp_days=1"]


def model_of(*overrides: str, seed: int = 1) -> RoadmapModel:
    cfg = config(*overrides)
    return RoadmapModel(model_params(cfg), cfg.days, seed)


def test_units_patrol_where_their_own_side_saw_crossers():
    """Side B saw crossers at one sector: B's units whose zone holds it spend most of
    their days there, so B's effort is there; A's units, who saw nothing, and B's
    units told to ignore what they saw (``pursuit=0``) walk their zones evenly."""
    hot = 10

    def days_there(pursuit: float) -> tuple[list[float], float]:
        model = model_of(
            "scenario=baseline", FLAT, "patrol.threat_focus=0", f"patrol.pursuit={pursuit}"
        )
        model.run_for(1)
        for _ in range(30):
            model.governments[1].observe(hot)
        model._redeploy()  # the sightings enter B's threat picture; posts stay even
        shares = []
        for gov in model.governments:
            force = gov.patrols
            near = np.abs(force.post - hot) == 1  # zone holds the sector, post is beside it
            where = []
            for _ in range(40):
                force.plan()
                where.append(force.where[:, near])
            where = np.concatenate(where)
            shares.append(float((where == hot).sum() / (where < model.border.n).sum()))
        model.search.plan()
        units = model.search.units[:, 1]
        return shares, float(units[:, hot].mean() / units.mean())

    (side_a, side_b), effort_b = days_there(1.0)
    (_, even_b), even_effort = days_there(0.0)
    assert side_b > 0.8 and abs(side_a - 1 / 3) < 0.05 and abs(even_b - 1 / 3) < 0.05
    assert effort_b > 1.5 * even_effort


def test_rough_ground_tires_units_and_units_off_duty_neither_search_nor_answer():
    """Units posted in mountains rest more days than units in the plain (not so without
    ``terrain_fatigue``); a unit off duty is in no sector's count, and an alert sends
    every free unit on duty but none resting."""

    def off_days(*extra: str) -> tuple[float, float, RoadmapModel]:
        model = model_of("scenario=baseline", FLAT_AND_ROUGH, "patrol.threat_focus=0", *extra)
        force = model.governments[0].patrols
        rough = model.space.layer("roughness")[0][force.post] > 0.5
        off = []
        for _ in range(12):
            force.plan()
            off.append(force.off)
        off = np.concatenate(off)
        return float(off[:, ~rough].mean()), float(off[:, rough].mean()), model

    plain, mountains, model = off_days()
    assert mountains > plain + 0.05
    assert np.allclose(off_days("patrol.terrain_fatigue=0")[:2], plain)
    model.search.plan()
    sector, day = 5, model.steps
    for side, gov in enumerate(model.governments):
        force = gov.patrols
        row = force.row(day)
        resting = force.off.copy()
        assert resting[row].any()
        assert model.search.units[row, side].sum() == (~resting[row]).sum()
        free = ~resting[row] & (force.where[row] != sector)
        assert model.search.dispatch(side, sector, 10**6, 7, len(gov.units)) == free.sum()
        assert (force.where[resting] == model.border.n).all()  # their days off stay off
        assert (force.busy[row] == resting[row] | free).all()
        assert model.search.units[row, side, sector] == (~resting[row]).sum()


def test_a_joint_unit_counts_once_its_effort_split_between_the_sides():
    """Flat border, no drones: both sides' effort at a sector adds up to ``(1 +
    other_side_share)`` times the national units there plus the joint contingents'
    value, each joint contingent's half on each side, and the two contingents of a
    joint unit patrol together. At parity (value 1) a joint force detects as much as
    the same units national; counting each contingent on both sides (as value 2 does
    here) would detect far more."""
    common = ["scenario=baseline", FLAT, *COOPERATE, *now("joint_patrols"), "days=30"]
    model = model_of(*common, "patrol.joint_share=0.5", "training.value_untrained=0.8")
    model.run_for(8)
    search, p = model.search, model.params.patrol
    assert search.joint_units.sum() > 0
    total = search.effort.sum(axis=1)
    value = search.units.sum(axis=1) + search.joint_value.sum(axis=1)
    assert np.allclose(total, (1 + p.other_side_share) * p.unit_effort * value)
    a, b = (gov.patrols for gov in model.governments)
    ja, jb = np.flatnonzero(a.joint), np.flatnonzero(b.joint)
    same = {(a.post[i], a.rank[i]): a.route[:, i].tolist() for i in ja}
    assert all(same[(b.post[j], b.rank[j])] == b.route[:, j].tolist() for j in jb)

    long = ["scenario=baseline", *COOPERATE, "patrol.joint_share=1", "days=540"]
    national = summaries(config(*long), 8)["detection_rate"]
    joint = [*long, *now("joint_patrols"), "training.value_untrained=1"]
    parity = summaries(config(*joint), 8)["detection_rate"]
    twice = summaries(config(*joint[:-1], "training.value_untrained=2"), 8)["detection_rate"]
    assert abs((parity - national).mean()) < 0.02
    assert (twice > national + 0.04).all()


def test_training_takes_units_off_patrol_then_makes_them_better_than_untrained():
    """Instructors have no post and courses take contingents off patrol; skill grows
    only in those trained. With training the same joint force detects more than
    untrained (which detects less than national units), and the measure at full
    level without instructors changes nothing at all."""
    common = ["scenario=baseline", *COOPERATE, "patrol.joint_share=1", *now("joint_patrols")]
    model = model_of(*common, *now("task_force_training"), "days=100")
    model.run_for(50)
    force = model.governments[0].patrols
    before = force.skill.copy()
    force.plan()
    grew = force.skill > before
    assert 0 < grew.sum() <= 2 * model.params.training.trainees_per_trainer
    course = model.params.training.course_days
    assert (force.where[:course, grew] == model.border.n).all()  # in class, not on patrol
    assert (force.where[course:, grew] < model.border.n).any()
    assert (~force.posted).sum() == model.params.training.trainers  # instructors
    assert (force.off[:, ~force.posted]).all()

    long = [*common, "days=540"]
    national = summaries(config(*common[:-2], "days=540"), 8)["detection_rate"]
    untrained = summaries(config(*long), 8)
    trained = summaries(config(*long, *now("task_force_training")), 8)["detection_rate"]
    idle = summaries(config(*long, *now("task_force_training"), "training.trainers=0"), 8)
    assert idle.equals(untrained)
    untrained = untrained["detection_rate"]
    assert (untrained < national - 0.05).all()
    assert (trained > untrained).mean() >= 0.75 and (trained - untrained).mean() > 0.015


def test_every_unit_costs_its_government_and_joint_service_and_instructors_cost_more():
    days = 120
    base = model_of("scenario=baseline", f"days={days}").run()
    c, units = base.params.costs, base.params.patrol.units_per_side
    spend = base.budget.spend()
    assert spend["spend_patrol_units"] == 2 * units * c.patrol_unit_per_day * days
    assert spend["spend_joint_units"] == spend["spend_trainers"] == 0
    joint = ["scenario=baseline", *COOPERATE, *now("joint_patrols"), *now("task_force_training")]
    model = model_of(*joint, f"days={days}").run()
    spend = model.budget.spend()
    assert spend["spend_patrol_units"] == 2 * units * c.patrol_unit_per_day * days
    assert spend["spend_joint_units"] > 0 and spend["spend_trainers"] > 0
    people = model.budget.personnel.sum(axis=2)  # they come out of the national forces
    assert np.allclose(people, units * c.patrol_unit_personnel)
