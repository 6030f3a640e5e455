"""Communities and what the roadmap places among them: customs posts at the gates, safe
zones people move into, victims where people are, projects built and exchanges held
(fixed seeds, paired runs)."""

import numpy as np
import pandas as pd
from conftest import config

from sim.model.model import RoadmapModel
from sim.runs.runner import model_params, replication_seeds
from sim.runs.tables import collect


def _model(*overrides: str, seed: int = 1, days: int | None = None) -> RoadmapModel:
    cfg = config("scenario=baseline", *overrides)
    return RoadmapModel(model_params(cfg), days or cfg.days, seed)


def now(measure: str) -> list[str]:
    return [f"measures.{measure}.start=0", f"measures.{measure}.ramp_days=1"]


# --- customs -------------------------------------------------------------------


def _gates(inspectors: int, days: int = 150) -> pd.DataFrame:
    """Each day of a run with ``inspectors`` at every post: mean queue per post at the end
    of the day, share of traffic searched, mean hours a vehicle was held."""
    model = _model(*now("customs_inspections"), f"customs.inspectors={inspectors}", days=days)
    rows = []
    for _ in range(days):
        model.step()
        c = model.customs
        rows.append((np.mean(c.queue), c.inspected_share(), c.trade_delay_hours()))
    return pd.DataFrame(rows[30:], columns=["queue", "searched", "delay"])


def test_inspectors_have_a_capacity_and_a_queue_builds_beyond_it():
    """10 inspectors search 40 vehicles a day for the 120 picked; 64 search 256. The
    short-staffed post searches what it can (a fifth of the traffic), its queue stays
    full and every vehicle waits longer. A share ``min(1, capacity / traffic)`` with a
    fixed delay per inspection would give the short-staffed post the *shorter* delay."""
    p = config("scenario=baseline").customs
    ample, short = _gates(64), _gates(10)
    assert ample["queue"].mean() < 2
    assert abs(ample["searched"].mean() - p.search_share) < 0.02  # all that are picked
    assert short["queue"].min() > 20  # it never clears
    capacity = 10 * p.shift_hours / p.hours_per_inspection
    assert abs(short["searched"].mean() - capacity / p.traffic_per_day) < 0.02
    assert short["delay"].mean() > 3 * ample["delay"].mean()


def test_trade_delay_raises_hardship_only_in_the_gates_cells():
    """Two copies of one community, one with a congested customs post at every gate:
    hardship rises in the gate sectors' cells on both sides and nowhere else."""
    checks = [now("customs_inspections"), []]
    models = [_model("customs.inspectors=10", *extra, seed=4) for extra in checks]
    models[0].measures.update(0, 0, True)  # at full level from day 0 (a one-day ramp)
    for day in range(150):
        for model in models:
            model.customs.step(day)
            model.communities.step(day)
    checked, free = (m.communities.hardship for m in models)
    gates = models[0].border.gate
    assert (checked[:, gates] - free[:, gates] > 0.04).all()
    assert np.array_equal(checked[:, ~gates], free[:, ~gates])
    assert models[1].customs.trade_delay_hours() == 0


def test_seizures_at_gates_need_inspectors_and_rise_with_their_experience():
    """No shipment hidden in trade is seized before the inspectors arrive (day 200).
    Once they do, the level is constant (ramp of one day), yet seizures per shipment
    rise as they learn the job: a constant search share would keep them flat."""
    cfg = config(
        "scenario=baseline",
        "measures.customs_inspections.start=200",
        "measures.customs_inspections.ramp_days=1",
        "smuggling.shipments_per_day=5",
        "smuggling.arms_per_shipment=0",  # the groups stay short: shipments go on
        "smuggling.learning_rate=0",  # the route choice stays put: samples stay large
        "days=800",
    )
    frames = []
    for seed in replication_seeds(cfg.seed, 4):
        inc = collect(RoadmapModel(model_params(cfg), cfg.days, seed).run()).incidents
        frames.append(inc[inc["type"].str.startswith("smuggling") & inc["via_gate"]])
    gate = pd.concat(frames)
    seized = gate["type"] == "smuggling_seized"
    before, first, later = (gate["day"] < 200), gate["day"].between(200, 260), gate["day"] >= 500
    assert before.sum() > 200 and not seized[before].any()
    assert first.sum() > 100 and later.sum() > 300
    assert seized[later].mean() > seized[first].mean() + 0.1


def test_seizures_happen_only_at_the_posts_of_a_state_that_staffs_them():
    """Each state hires and pays its own inspectors: one that cannot pay (no roadmap
    money) has none, and shipments hidden in trade into its side all get through,
    while the other state's posts seize some (one share for all gates would seize
    on both sides)."""
    cfg = config(
        "scenario=baseline",
        *now("customs_inspections"),
        "costs.money_per_year=[0,1e9]",
        "smuggling.shipments_per_day=5",
        "smuggling.arms_per_shipment=0",
        "smuggling.learning_rate=0",
        "days=730",
    )
    model = RoadmapModel(model_params(cfg), cfg.days, 5).run()
    assert model.customs.inspectors(0) == 0 and model.customs.inspectors(1) > 0
    inc = collect(model).incidents
    gate = inc[inc["type"].str.startswith("smuggling") & inc["via_gate"]]
    seized = gate["type"] == "smuggling_seized"
    by_side = gate.assign(seized=seized).groupby("side")["seized"].agg(["size", "mean"])
    unpaid, paid = model.params.geography.side_names
    assert by_side.loc[unpaid, "size"] > 50 and by_side.loc[unpaid, "mean"] == 0
    assert by_side.loc[paid, "size"] > 50 and by_side.loc[paid, "mean"] > 0.2


# --- safe zones and victims ----------------------------------------------------


def _zones(days: int = 120, seed: int = 2, fear_at: tuple[int, int] | None = None, **kw):
    """A run with safe zones from day 0; ``fear_at``: a cell hit by ten incidents on day 30."""
    model = _model(*now("humanitarian_corridors"), *kw.get("extra", ()), seed=seed, days=days)
    model.run_for(30)
    if fear_at:
        for _ in range(10):
            model.communities.on_violence(*fear_at, 0)
    model.run_for(days - 30)
    return model


def test_people_move_into_safe_zones_more_after_violence_and_go_home_when_calm():
    model = _zones(days=60)
    z = model.communities.corridors
    n = model.border.n
    reach = np.array([z.nearest[s] >= 0 for s in range(n)])
    assert (z.sheltered[:, ~reach] == 0).all()  # no zone within reach: nobody moves
    assert (z.sheltered[:, reach] > 0.5 * z.p.base_share).all()
    assert (z.occupants <= z.capacity + 1e-9).all() and z.occupants.sum() > 0
    # Ten incidents in one cell: its residents seek shelter, more than its neighbours'.
    side, sector = 0, next(s for s in range(n) if reach[s] and z.nearest[s] != s)
    scared = _zones(days=60, fear_at=(side, sector)).communities.corridors
    neighbours = [s for s in range(n) if z.nearest[s] == z.nearest[sector] and s != sector]
    assert scared.sheltered[side, sector] > 2 * scared.sheltered[side, neighbours].max()
    later = _zones(days=400, fear_at=(side, sector)).communities.corridors
    assert later.sheltered[side, sector] < 0.5 * scared.sheltered[side, sector]  # calm: home


def test_victims_are_found_where_people_are():
    """Paired strikes (same random draws) with and without safe zones: a strike in a
    sector whose residents left for a camp finds fewer people, one in a sector with no
    zone in reach finds exactly the same, and one landing on a full camp finds more
    people than any spot at home holds."""
    side, n = 0, 40
    zoned = _zones(days=90, fear_at=(side, 5), extra=["corridors.shelter=40"])
    plain = _model(days=90, seed=2).run()
    z = zoned.communities.corridors
    left = max(range(n), key=lambda s: z.sheltered[side, s] if z.nearest[s] != s else 0)
    alone = next(s for s in range(n) if z.nearest[s] < 0)
    assert z.sheltered[side, left] > 0.3

    def strikes(model, sector, scale=2.0):
        rng = np.random.default_rng(11)
        return np.array([model.communities.victims(rng, side, sector, scale) for _ in range(4000)])

    assert np.array_equal(strikes(zoned, alone), strikes(plain, alone))
    ratio = strikes(zoned, left).mean() / strikes(plain, left).mean()
    assert abs(ratio - (1 - z.sheltered[side, left])) < 0.1
    camp = z.nearest[left]
    everyone = 1.0 / zoned.params.communities.harm_share  # a strike that harms all in reach
    found = strikes(zoned, camp, everyone)
    home = zoned.communities.crowd.max()
    full = z.occupants[side, camp] / z.capacity
    assert full > 0.5
    assert (found > home).mean() > 0.5 / (len(zoned.communities.crowd) + 1)
    assert found.max() >= round(z.p.camp_crowd * full)


# --- projects and exchanges ----------------------------------------------------


def _deliveries(model: RoadmapModel) -> list[tuple[int, str, int]]:
    """Record what the governments are shown as delivered: (day, kind, count)."""
    seen = []
    shown = model.delivered

    def delivered(kind, count=1):
        seen.append((model.day, kind, count))
        shown(kind, count)

    model.delivered = delivered
    return seen


def test_projects_relieve_hardship_and_earn_trust_only_once_built_and_violence_sets_them_back():
    """Projects started on day 0 take ``build_days``: governments see them completed on
    that day, not before, and only then do their cells' hardship fall (against a paired
    run without projects). A project hit by violence on day 50 comes into service
    ``setback_days`` later. A trust bonus by the measure's level would start on day 0."""
    build, setback = 100, 30
    common = ["armed_groups.attempt_rate=0", "governments.cooperation_tension_limit=1"]
    common += ["governments.suspension_chance=0"]
    extra = [*now("economic_projects"), f"projects.build_days={build}"]
    model = _model(*common, *extra, f"projects.setback_days={setback}", seed=3, days=240)
    bare = _model(*common, seed=3, days=240)
    seen, c = _deliveries(model), model.communities
    struck = []
    strike = c.on_violence
    c.on_violence = lambda *a: (struck.append((model.day, *a[:2])), strike(*a))

    def gap(m: RoadmapModel) -> float:
        """Mean hardship in the project cells over the others'."""
        h = m.communities.hardship
        return float(h[c.project].mean() - h[~c.project].mean())

    for m in (model, bare):
        m.run_for(50)  # days 0-49
    hit = tuple(int(i) for i in np.argwhere(c.project)[0])
    c.on_violence(*hit, 0)
    for m in (model, bare):
        m.run_for(build - 50)  # to the eve of completion
    assert c.project.sum() == round(model.params.projects.project_share * c.project.size)
    assert not c.working.any() and not seen
    assert abs(gap(model) - gap(bare)) < 0.02  # no relief while building
    model.run_for(setback)  # days 100-129
    assert min(day for day, kind, _ in seen if kind == "project") == build
    assert sum(k for _, kind, k in seen if kind == "project") >= 0.8 * c.project.sum()
    assert not c.working[hit]
    model.run_for(1)
    if not [day for day, *cell in struck if tuple(cell) == hit and day > 49]:
        assert c.working[hit]  # repaired on time: nothing struck it again
    bare.run_for(240 - build)
    model.run_for(240 - build - setback - 1)
    assert gap(model) < gap(bare) - 0.1


def test_exchanges_are_held_in_host_sectors_paid_for_and_shown_to_governments():
    days = 365
    cooperate = ["governments.cooperation_tension_limit=1", "governments.suspension_chance=0"]
    model = _model(*now("cultural_programs"), *cooperate, days=days)
    seen = _deliveries(model)
    model.run()
    held = sum(count for _, kind, count in seen if kind == "exchange")
    p, n = model.params.projects, model.border.n
    hosts = round(p.exchange_share * n)
    tallies = (days - 1) // model.params.armed_groups.recruit_every_days
    expected = hosts * tallies * model.params.armed_groups.recruit_every_days / p.exchange_days
    assert abs(held - expected) <= 1
    spent = model.budget.spend()["spend_exchanges"]
    assert spent == held * model.params.costs.exchange
