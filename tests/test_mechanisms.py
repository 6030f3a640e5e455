"""Stylised facts the model must show, each through its mechanism (fixed seeds, paired runs)."""

import numpy as np
from conftest import config, monthly_counts, replicate, summaries
from scipy import stats

from sim.model import RoadmapModel
from sim.runner import model_params, replication_seeds
from sim.tables import collect


def _watch_even_sectors(model: RoadmapModel) -> None:
    """Replace each government's allocation by one that watches only even sectors."""
    n = model.border.n
    for gov in model.governments:
        units = len(gov.units)
        wanted = np.zeros(2 * n, dtype=np.int64)
        even = np.arange(0, n, 2)
        wanted[even] = units // len(even)
        wanted[even[: units % len(even)]] += 1

        def redeploy(gov=gov, wanted=wanted):
            gov._move_units(wanted)
            model.space.layer("patrol_effort")[gov.side] = (
                wanted[:n] * model.params.patrol.unit_effort
            )

        gov.redeploy = redeploy


def _share_in_even_sectors(concentrate: bool) -> float:
    cfg = config("scenario=baseline", "days=730")
    params = model_params(cfg)
    shares = []
    for seed in replication_seeds(cfg.seed, 4):
        model = RoadmapModel(params, cfg.days, seed)
        if concentrate:
            _watch_even_sectors(model)
        inc = collect(model.run()).incidents
        attempts = inc[inc["type"].isin(["attack", "interdiction"]) & (inc["day"] >= 180)]
        shares.append((attempts["sector"] % 2 == 0).mean())
    return float(np.mean(shares))


def test_apportion_splits_each_total_by_largest_remainder():
    from sim.agents.government import apportion

    share = np.array([0.5, 0.3, 0.2])
    counts = apportion([7, 0, 3], share)  # exact 3.5/2.1/1.4 and 1.5/0.9/0.6
    assert counts.tolist() == [[4, 2, 1], [0, 0, 0], [1, 1, 1]]
    assert apportion([2], np.ones(4)).tolist() == [[1, 1, 0, 0]]  # ties go to the lower index


def test_concentrated_patrols_displace_attempts():
    even = _share_in_even_sectors(concentrate=False)
    concentrated = _share_in_even_sectors(concentrate=True)
    assert 0.35 < even < 0.65
    assert concentrated < even - 0.2


def test_hotline_and_dialogue_reduce_clashes_between_state_forces():
    common = ["scenario=baseline", "days=730"]
    base = summaries(config(*common), 10)
    talk = summaries(
        config(
            *common,
            "measures.hotline.start=0",
            "measures.military_dialogue.start=0",
        ),
        10,
    )
    assert talk["clash"].mean() < 0.6 * base["clash"].mean()
    assert stats.ttest_rel(talk["clash"], base["clash"]).pvalue < 0.001


def test_phase1_cuts_state_clashes_before_terror_incidents():
    """Confidence building acts on the states' forces first, armed groups barely."""
    base = summaries(config("scenario=baseline"), 8)
    p1 = summaries(config("scenario=phase1_only"), 8)
    clash_cut = 1 - p1["clash"].mean() / base["clash"].mean()
    attack_cut = 1 - p1["attack"].mean() / base["attack"].mean()
    assert clash_cut > 0.5
    assert attack_cut < clash_cut - 0.3


def test_gated_roadmap_beats_baseline_on_paired_seeds():
    base = summaries(config("scenario=baseline"), 10)
    road = summaries(config("scenario=roadmap"), 10)
    diff = road["border_incidents"] - base["border_incidents"]
    assert diff.mean() < 0
    assert stats.ttest_1samp(diff, 0).pvalue < 0.001


def test_security_without_confidence_building_is_fragile():
    road = summaries(config("scenario=roadmap"), 10)
    sec = summaries(config("scenario=security_only"), 10)
    assert sec["final_monthly_incidents"].mean() > road["final_monthly_incidents"].mean()
    assert (
        stats.ttest_rel(sec["final_monthly_incidents"], road["final_monthly_incidents"]).pvalue
        < 0.01
    )


def test_baseline_monthly_counts_are_overdispersed():
    runs = replicate(config("scenario=baseline"), 10)
    ratios = [np.var(c, ddof=1) / np.mean(c) for c in (monthly_counts(r.timeseries) for r in runs)]
    assert np.mean(ratios) > 2.0


def test_casualties_are_heavy_tailed():
    runs = replicate(config("scenario=baseline"), 5)
    cas = np.concatenate(
        [r.incidents.query("type == 'attack'")["casualties"].to_numpy() for r in runs]
    )
    assert np.quantile(cas, 0.99) > 5 * np.median(cas[cas > 0])


def test_relapse_hazard_is_highest_early():
    """Relapses cluster in the first year (decreasing hazard, as in peace-duration studies)."""
    runs = replicate(config("scenario=roadmap"), 16)
    events, exposure = np.zeros(2), np.zeros(2)
    for run in runs:
        relapse_days = run.transitions.query("kind == 'relapse'")["day"].to_numpy()
        at_risk = run.timeseries.loc[run.timeseries["phase"] >= 2, "day"].to_numpy()
        for k, (lo, hi) in enumerate(((0, 365), (365, 1095))):
            events[k] += ((relapse_days >= lo) & (relapse_days < hi)).sum()
            exposure[k] += ((at_risk >= lo) & (at_risk < hi)).sum()
    hazard = events / exposure
    assert events[0] >= 5
    assert hazard[0] > 10 * hazard[1]


def test_economic_projects_act_slowly_through_recruitment():
    common = ["scenario=all_at_once"]
    without = replicate(config(*common, "measures.economic_projects.enabled=false"), 8)
    with_econ = replicate(config(*common), 8)

    def fighters(runs, day):
        return np.array([r.timeseries.loc[day, "fighters"] for r in runs])

    early = fighters(without, 180) - fighters(with_econ, 180)
    late = fighters(without, 1094) - fighters(with_econ, 1094)
    assert late.mean() > 3 * max(early.mean(), 1.0)
    assert stats.ttest_1samp(late, 0).pvalue < 0.01
