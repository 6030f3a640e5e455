"""Military dialogue, local commanders and mediation: each acts through what it does.

Every test here would fail if its mechanism were a multiplier on a rate or on
tension's decay: arrangements act only in the sectors they bind, meetings only
through what they settle, fire clusters where commanders were fired upon.
"""

import numpy as np
import pandas as pd
from conftest import config
from scipy import stats

from sim.model.incidents import IncidentType
from sim.model.measures import Measure
from sim.model.model import RoadmapModel
from sim.runs.runner import model_params, replication_seeds

QUIET = ["governments.retaliation=0", "governments.friction_rate=0.008"]  # encounters only


def _run(*overrides: str, seed: int, prepare=None) -> RoadmapModel:
    cfg = config(*overrides)
    model = RoadmapModel(model_params(cfg), cfg.days, seed)
    if prepare:
        prepare(model)
    return model.run()


def _rows(model: RoadmapModel) -> pd.DataFrame:
    cols = ["day", "sector", "side", "type", "actor", "seen", "c", "e", "m", "g"]
    return pd.DataFrame(model.log.rows, columns=cols)


def _bind_west(model: RoadmapModel) -> None:
    """Hold-back arrangements in the western half of the line for the whole run."""
    model.dialogue.bound[: model.border.n // 2] = True
    model.dialogue.reviewed[:] = 10**6  # never lapse
    model.forces.on_redeploy()  # the forces take them up from the start


def test_arrangements_keep_forces_apart_only_in_the_sectors_they_bind():
    # A global cut in friction would leave clashes spread over both halves.
    west, east = [], []
    for seed in range(6):
        kept = "governments.discipline=1"  # nobody breaks them
        rows = _rows(
            _run("scenario=baseline", "days=730", *QUIET, kept, seed=seed, prepare=_bind_west)
        )
        clashes = rows[rows["type"] == IncidentType.CLASH]
        half = clashes["sector"] < 20
        west.append(half.sum())
        east.append((~half).sum())
    assert sum(east) > 20
    assert sum(west) == 0


def test_meetings_act_only_through_what_they_settle_and_agree():
    """With nothing settled and no arrangement agreed, meetings change nothing: no
    multiplier on tension's decay or on trust is hidden behind the measure."""
    idle = [
        "dialogue.settle_with_evidence=0",
        "dialogue.settle_without=0",
        "dialogue.arrangements=0",
    ]
    talk = ["scenario=baseline", "days=500", "measures.military_dialogue.start=0"]
    for seed in (1, 2):
        quiet = _run(*talk, *idle, seed=seed)
        none = _run("scenario=baseline", "days=500", seed=seed)
        assert quiet.dialogue.meetings > 10
        assert quiet.log.rows == none.log.rows
        assert quiet.governments[0].tension == none.governments[0].tension
    settled, silent = [], []
    for seed in range(8):
        talks = _run(*talk, "dialogue.arrangements=0", seed=seed)
        none = _run("scenario=baseline", "days=500", seed=seed)
        assert talks.dialogue.settled > 0
        settled.append(talks.mean_trust())
        silent.append(none.mean_trust())
    assert stats.ttest_rel(settled, silent, alternative="greater").pvalue < 0.01


def test_a_commander_bound_by_an_arrangement_can_break_it_and_trust_pays():
    kept, broke = [], []
    for seed in range(6):
        for discipline, out in ((1.0, kept), (0.0, broke)):
            model = _run(
                "scenario=baseline",
                "days=400",
                f"governments.discipline={discipline}",
                "governments.violation_urge=[0.01,0.01,0.01]",
                seed=seed,
                prepare=_bind_west,
            )
            out.append((model.dialogue.broken, model.mean_trust()))
    assert all(b == 0 for b, _ in kept)
    assert all(b > 0 for b, _ in broke)
    assert np.mean([t for _, t in broke]) <= np.mean([t for _, t in kept])


def test_fire_begets_fire_where_commanders_were_fired_upon():
    """A violation follows one against the same side in the same sector within a week
    far more often than sector-days with such a prior incident would explain: local
    commanders answer what they suffered, not a border-wide rate."""
    hits, expected = 0, 0.0
    for seed in range(6):
        rows = _rows(_run("scenario=baseline", "days=730", seed=seed))
        v = rows[rows["type"] == IncidentType.CEASEFIRE_VIOLATION]
        fired_on = np.zeros((730 + 8, 2, 40), dtype=bool)  # (day, side fired upon, sector)
        for day, sector, side in v[["day", "sector", "side"]].itertuples(index=False):
            fired_on[day + 1 : day + 8, side, sector] = True
        for day, sector, side in v[["day", "sector", "side"]].itertuples(index=False):
            hits += fired_on[day, 1 - side, sector]  # the shooter's side was fired upon there
        expected += fired_on[:730].mean() * len(v)
    assert hits > 3 * expected


def test_mediator_brokers_an_arrangement_and_settles_where_it_takes_a_case():
    cfg = config("scenario=all_at_once", "days=200")
    model = RoadmapModel(model_params(cfg), cfg.days, 3)
    model.measures.effect[Measure.MEDIATION] = 1.0
    model.dialogue.grievance(10, 7, 0, 0.05, 0.02, False)
    model.dialogue.grievance(10, 9, 0, 0.05, 0.02, False)
    assert model.mediator.consider(10, 7, 3)
    assert model.dialogue.bound[7] and not model.dialogue.bound[9]
    assert model.mediator.handling(7, 11) and not model.mediator.handling(9, 11)
    model.params.mediator.settle = 1.0
    model.mediator.step(10 + model.params.mediator.case_days)
    assert [g.sector for g in model.dialogue.grievances] == [9]  # settled where it worked


def test_a_mediator_case_holds_back_retaliation_in_its_sector_only():
    struck = {True: 0, False: 0}
    for seed in replication_seeds(5, 30):
        for handled in (True, False):
            cfg = config("scenario=baseline", "governments.retaliation=1", "governments.blame=1")
            model = RoadmapModel(model_params(cfg), 50, seed)
            model.step()
            gov = model.governments[0]
            gov.tension = 1.0
            if handled:
                model.params.measures.mediation.enabled = True
            before = len(model.log.rows)
            if handled:
                from sim.model.agents.mediator import Mediator

                model.mediator = Mediator(model)
                model.mediator.cases.append((40, 5))
            gov.respond_to_attack(5, 1)
            struck[handled] += any(r[3] == IncidentType.CLASH for r in model.log.rows[before:])
    assert struck[True] == 0
    assert struck[False] > 10
