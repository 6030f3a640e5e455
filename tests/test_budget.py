"""Costs and budgets: what the assets charge, and what a budget that cannot pay does
(fixed seeds, paired runs)."""

from functools import cache

import numpy as np
from conftest import config

from sim.model.budget import ITEM
from sim.model.measures import NATIONAL_MEASURES, Measure
from sim.model.model import RoadmapModel
from sim.runs.runner import model_params, replication_seeds, simulate

COUNTED = ("drones", "sensors", "monitors", "hotline", "intel")


class CountedModel(RoadmapModel):
    """A model that counts, after each day's step, the assets that existed that day,
    from the assets' own state (not from what they charged)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.days_of = {name: np.zeros(2) for name in COUNTED}
        self.bought = np.zeros(2)  # most drones each side ever flew
        self.sectors_built: set[int] = set()
        self.broke_days = np.zeros((self.days, 2), dtype=bool)

    def step(self) -> None:
        day = self.day
        super().step()
        if day >= self.days:
            return
        fleets = np.array([fleet.size for fleet in self.drones])
        self.days_of["drones"] += fleets
        self.bought = np.maximum(self.bought, fleets)
        covered = [s for s, on in enumerate(self.sensors.covered) if on]
        self.sectors_built.update(covered)
        self.days_of["sensors"] += 0.5 * len(covered)  # joint: half each
        self.days_of["monitors"] += 0.5 * self.monitors.present.sum()
        self.days_of["hotline"] += 0.5 * len(self.forces.hotline.shift_start)
        self.days_of["intel"] += 0.5 * (self.measures.effect[Measure.INTEL_SHARING] > 0)
        self.broke_days[day] = self.budget.broke


def _counted(*overrides: str, seed: int = 3) -> CountedModel:
    cfg = config(*overrides)
    return CountedModel(model_params(cfg), cfg.days, seed).run()


@cache
def _all_at_once(allowance: float, seed: int, rich_side: float | None = None) -> CountedModel:
    """All at once for 900 days with side A's allowance (side B's: ``rich_side`` or the same)."""
    other = allowance if rich_side is None else rich_side
    return _counted(
        "scenario=all_at_once", "days=900", f"costs.money_per_year=[{allowance},{other}]", seed=seed
    )


def test_spend_per_item_is_the_price_times_the_asset_days_that_existed():
    model = _all_at_once(1e9, 3)
    c, budget = model.params.costs, model.budget
    per_day = {
        "drones": c.drone_per_day,
        "sensors": c.sensor_sector_per_day,
        "monitors": c.monitor_team_per_day,
        "hotline": c.hotline_operator_per_day,
        "intel": c.intel_hub_per_day,
    }
    once = {
        "drones": c.drone_purchase * model.bought,
        "sensors": 0.5 * c.sensor_sector_install * len(model.sectors_built) * np.ones(2),
    }
    for item in COUNTED:
        asset_days = model.days_of[item]
        assert asset_days.min() > 50, item  # the asset existed for a while on each side
        spent = budget.money[:, :, ITEM[item]].sum(axis=0)
        expected = per_day[item] * asset_days + once.get(item, 0.0)
        np.testing.assert_allclose(spent, expected, rtol=1e-9, err_msg=item)
    people = {
        "drones": c.drone_personnel,
        "sensors": c.sensor_sector_personnel,
        "hotline": 1.0,
        "intel": c.intel_hub_personnel,
    }
    for item, each in people.items():
        np.testing.assert_allclose(
            budget.personnel[:, :, ITEM[item]].sum(axis=0),
            each * model.days_of[item],
            rtol=1e-9,
            err_msg=item,
        )
    assert budget.personnel[:, :, ITEM["monitors"]].sum() == 0  # third-party monitors


def test_an_exhausted_payer_holds_the_measures_it_pays_and_only_those():
    """Side A has no allowance, side B plenty: every joint measure and A's own drones
    stay at zero; B's drones ramp exactly as when neither is short of money."""
    poor, rich = _all_at_once(0.0, 3, rich_side=1e9), _all_at_once(1e9, 3)
    assert poor.broke_days[:, 0].all() and not poor.broke_days[:, 1].any()
    levels_poor, levels_rich = poor.series.arrays()[1], rich.series.arrays()[1]
    joint = [m for m in Measure if m not in NATIONAL_MEASURES and poor.measures.enabled[m]]
    assert len(joint) > 8
    assert levels_poor[:, joint].max() == 0.0
    assert (levels_rich[:, joint].max(axis=0) > 0.5).all()
    drones = levels_rich[:, Measure.DRONES]
    assert drones.max() == 1.0
    np.testing.assert_array_equal(levels_poor[:, Measure.DRONES], 0.5 * drones)  # B's part only
    assert poor.drones[0].owned == 0 and poor.drones[1].owned == rich.drones[1].owned
    assert poor.budget.money[:, 0, ITEM["drones"]].sum() == 0


def test_a_small_allowance_holds_ramps_while_broke_and_they_resume_after():
    """Paired seeds: with a small allowance a measure's level is flat on every day both
    states are broke and grows on the others (once old spending leaves the trailing
    year), so the fleet is complete months later than with a large one, or never. A
    multiplier of the allowance would slow every day alike, not stop and go."""
    resumed = 0
    for seed in range(3):
        small, large = _all_at_once(20000.0, seed), _all_at_once(1e9, seed)
        level_small = small.series.arrays()[1][:, Measure.DRONES]
        level_large = large.series.arrays()[1][:, Measure.DRONES]
        step = np.diff(level_small)
        broke = small.broke_days[:-1]  # yesterday's close decides today's ramp
        inside = (level_small[:-1] > 0) & (level_small[:-1] < 1)
        assert broke.all(axis=1).any() and (step > 0).any()
        assert not ((step > 0) & broke.all(axis=1)).any()  # no growth while both are broke
        assert not ((step == 0) & inside & ~broke.any(axis=1)).any()  # growth otherwise
        first_broke = np.argmax(broke.all(axis=1))
        resumed += bool((step[first_broke:] > 0).any())
        assert (level_small <= level_large + 1e-12).all()
        assert level_small[600] < level_large[600]

        def full(level: np.ndarray) -> int:  # the day the fleet is complete (or never)
            return int(np.argmax(level >= 1.0)) if (level >= 1.0).any() else len(level)

        assert full(level_small) > full(level_large) + 180
    assert resumed >= 1


def test_all_at_once_costs_more_than_the_gated_roadmap_over_three_years():
    """All at once spends from day one, the gated roadmap as its phases open; the
    baseline has no roadmap to pay for."""

    def spend(scenario: str, replications: int) -> np.ndarray:
        cfg = config(f"scenario={scenario}")  # three years
        params = model_params(cfg)
        seeds = replication_seeds(cfg.seed, replications)
        return np.array([simulate(params, cfg.days, s).summary["spend_roadmap"] for s in seeds])

    all_at_once, roadmap = spend("all_at_once", 3), spend("roadmap", 3)
    assert (all_at_once > roadmap).all()
    assert roadmap.min() > 0 and spend("baseline", 1).max() == 0
