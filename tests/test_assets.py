"""Detection-side measures through the assets that carry them (fixed seeds, paired runs)."""

import numpy as np
import pytest
from conftest import config, summaries
from scipy import stats

from sim.model.model import RoadmapModel
from sim.runs.runner import model_params, replication_seeds
from sim.runs.tables import collect

FLAT = (
    "geography.provinces=[{name: flat, length_km: 400, roughness: 0.0, population_a: 300,"
    " population_b: 300, gates: []}]"
)
NOW = ("start=0", "ramp_days=1")
COOPERATE = ("governments.cooperation_tension_limit=1", "governments.suspension_chance=0")


def now(measure: str) -> list[str]:
    return [f"measures.{measure}.{x}" for x in NOW]


def runs(cfg, n: int, ties: float = 0.0) -> list:
    """Paired runs; ``ties`` sets the communities' cross-border ties everywhere."""
    out = []
    for seed in replication_seeds(cfg.seed, n):
        model = RoadmapModel(model_params(cfg), cfg.days, seed)
        model.communities.ties[:] = ties
        out.append(collect(model.run()))
    return out


def interdicted_share(tables) -> float:
    s = tables.summary
    return s["interdiction"] / (s["interdiction"] + s["attack"])


def test_drones_add_effort_only_where_they_fly_and_the_fleet_follows_the_ramp():
    cfg = config("scenario=baseline", "measures.drones.start=0", "measures.drones.ramp_days=100")
    model = RoadmapModel(model_params(cfg), 120, 5)
    flown = {}
    for fleet in model.drones:
        plan = fleet.plan

        def record(out, plan=plan, side=fleet.side):
            plan(out)
            flown[side] = out.copy()

        fleet.plan = record
    sizes = []
    for _ in range(15):
        model.run_for(7)
        sizes.append(model.drones[0].size)
        search, p = model.search, model.params.patrol
        units = search.units + p.other_side_share * search.units[:, ::-1]
        from_units = search.terrain * p.unit_effort * (units + search.quality * search.joint_units)
        extra = search.effort - from_units
        for side in (0, 1):
            over = flown[side] > 0
            assert np.allclose(extra[:, side][~over], 0)  # no drone, no drone effort
            assert (extra[:, side][over] > 0).all()
    fleet = model.params.drones.fleet_size
    assert sizes[0] < fleet / 4 and sizes[6] == pytest.approx(fleet / 2, abs=1)
    assert sizes[-1] == fleet


def test_early_warning_gain_needs_a_free_unit_in_reach():
    common = ["scenario=baseline", *COOPERATE, FLAT, "armed_groups.learning_rate=0"]
    common += ["patrol.threat_focus=0"]
    common += ["smuggling.learning_rate=0", "days=365", "sensors.sectors=20"]
    off = summaries(config(*common), 8)
    far = summaries(config(*common, *now("early_warning"), "patrol.response_reach=0"), 8)
    near = summaries(config(*common, *now("early_warning"), "patrol.response_reach=3"), 8)
    assert far["interdiction"].tolist() == off["interdiction"].tolist()  # alerts, nobody comes
    gain = near["detection_rate"] - off["detection_rate"]
    assert gain.mean() > 0.01 and stats.ttest_1samp(gain, 0).pvalue < 0.01


def test_intelligence_raises_interdictions_at_equal_patrol_numbers():
    """Informants' tips, shared, move real units onto staged attacks: more interdicted."""
    common = ["scenario=baseline", *COOPERATE, "days=730"]
    without = runs(config(*common), 8, ties=0.8)
    shared = runs(config(*common, *now("intel_sharing")), 8, ties=0.8)
    gain = np.array(
        [interdicted_share(b) - interdicted_share(a) for a, b in zip(without, shared, strict=True)]
    )
    assert gain.mean() > 0.03 and stats.ttest_1samp(gain, 0).pvalue < 0.01


def test_a_tip_off_moves_a_real_unit_from_elsewhere():
    cfg = config("scenario=baseline", *now("intel_sharing"))
    model = RoadmapModel(model_params(cfg), 60, 2)
    model.run_for(20)
    search = model.search
    before = search.units[search.row, 1].copy()
    sector = int(before.argmin())
    model.intel._deliver(1, sector)
    after = search.units[search.row, 1]
    moved = model.params.intel.tip_units
    assert after.sum() == before.sum()  # the same units, elsewhere
    assert after[sector] == before[sector] + moved
    assert (after <= before).sum() == len(before) - 1 and (after < before).any()


def test_customs_push_smuggling_off_the_gates_and_delay_trade():
    common = ["scenario=baseline", *now("customs_inspections"), "days=730"]

    def gate_share(capacity: float) -> tuple[float, float]:
        shares, delay = [], []
        for t in runs(config(*common, f"customs.capacity_per_day={capacity}"), 4):
            inc = t.incidents
            at_gate = inc[inc["type"].str.startswith("smuggling") & inc["day"].ge(180)]
            gates = at_gate.groupby("sector")["via_gate"].mean()
            shares.append(gates[gates > 0].mean())
            delay.append(t.timeseries["trade_delay_hours"].mean())
        return float(np.mean(shares)), float(np.mean(delay))

    open_share, open_delay = gate_share(0.0)
    checked_share, checked_delay = gate_share(400.0)
    assert open_share > 0.7 and checked_share < open_share - 0.25
    assert open_delay == 0 and checked_delay > 1.0


def test_untrained_joint_units_work_worse_and_trained_better_than_national():
    common = ["scenario=baseline", *COOPERATE, "patrol.joint_share=1", "days=540"]
    common += ["patrol.joint_friction=0"]
    national = summaries(config(*common), 8)["detection_rate"]
    joint = [*common, *now("joint_patrols")]
    untrained = summaries(config(*joint), 8)["detection_rate"]
    trained = summaries(config(*joint, *now("task_force_training")), 8)["detection_rate"]
    assert (untrained < national).mean() >= 0.75 and untrained.mean() < national.mean() - 0.03
    assert (trained > national).all() and trained.mean() > national.mean() + 0.05


def test_joint_patrols_without_trust_rub():
    common = ["scenario=baseline", *COOPERATE, *now("joint_patrols"), "days=365"]
    common += ["governments.friction_rate=0", "governments.violation_rate=0"]
    low = summaries(config(*common, "governments.initial_trust=0"), 4)
    high = summaries(
        config(*common, "governments.initial_trust=1", "governments.trust_erosion=0"), 4
    )
    assert low["clash"].min() > 10 and high["clash"].max() == 0


@pytest.mark.parametrize(
    ("measure", "outcome", "sign"),
    [
        ("drones", "detection_rate", -1),
        ("early_warning", "detection_rate", -1),
        ("intel_sharing", "attack", 1),
        ("task_force_training", "detection_rate", -1),
        ("joint_patrols", "detection_rate", -1),
        ("customs_inspections", "smuggling_seized", -1),
    ],
)
def test_leaving_a_detection_measure_out_changes_outcomes(measure, outcome, sign):
    common = ["scenario=all_at_once", "measures.mediation.enabled=true"]
    full = summaries(config(*common), 12)
    without = summaries(config(*common, f"measures.{measure}.enabled=false"), 12)
    diff = without[outcome] - full[outcome]
    assert np.sign(diff.mean()) == sign
    assert stats.ttest_1samp(diff, 0).pvalue < 0.05, (measure, diff.mean())
