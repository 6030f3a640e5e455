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
    common += ["patrol.threat_focus=0", "patrol.pursuit=0"]
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

    def gate_share(inspectors: int) -> tuple[float, float]:
        shares, delay = [], []
        for t in runs(config(*common, f"customs.inspectors={inspectors}"), 4):
            inc = t.incidents
            at_gate = inc[inc["type"].str.startswith("smuggling") & inc["day"].ge(180)]
            gates = at_gate.groupby("sector")["via_gate"].mean()
            shares.append(gates[gates > 0].mean())
            delay.append(t.timeseries["trade_delay_hours"].mean())
        return float(np.mean(shares)), float(np.mean(delay))

    open_share, open_delay = gate_share(0)
    checked_share, checked_delay = gate_share(100)
    assert open_share > 0.7 and checked_share < open_share - 0.15
    assert open_delay == 0 and checked_delay > 1.0


def test_joint_contingents_rub_over_the_crossers_they_stop():
    """A joint unit's contingents dispute a crosser they stopped unless both follow the
    procedure they trained in, and strangers come to blows more often than contingents
    that have served together. No crossers, no stops: no friction at all, whatever
    the trust (a daily chance of friction at joint posts would rub anyway)."""
    common = ["scenario=baseline", *COOPERATE, *now("joint_patrols"), "days=365"]

    def friction(*extra: str) -> np.ndarray:
        """Per run: crossers stopped by joint units, disputes, clashes."""
        cfg = config(*common, *extra)
        out = []
        for seed in replication_seeds(cfg.seed, 4):
            posts = RoadmapModel(model_params(cfg), cfg.days, seed).run().joint_posts
            out.append((posts.stops, posts.disputes, posts.clashes))
        return np.array(out)

    quiet = ["armed_groups.attempt_rate=0", "smuggling.shipments_per_day=0"]
    quiet += ["communities.crossing_rate=0", "governments.initial_trust=0"]
    assert (friction(*quiet) == 0).all()
    strangers = friction()
    assert (strangers[:, 0] > 30).all() and (strangers[:, 1] == strangers[:, 0]).all()
    assert (strangers[:, 2] > 0).all() and strangers[:, 2].sum() >= 20
    trained = friction(*now("task_force_training"), "training.trainers=20")
    assert (trained[:, 1] < 0.5 * trained[:, 0]).all()  # trained contingents mostly agree
    familiar = friction("patrol.joint_familiarity_days=1")
    assert familiar[:, 2].sum() <= 0.1 * strangers[:, 2].sum()
