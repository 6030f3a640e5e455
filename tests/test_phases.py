"""The phase machine: schedule, gates, relapse, and what the runs log."""

import numpy as np
from conftest import config, replicate

from sim.config.params import PhaseParams
from sim.model.incidents import DAYS_PER_MONTH
from sim.model.phases import PhaseMachine


def machine(**kw) -> PhaseMachine:
    return PhaseMachine(PhaseParams(**kw), np.zeros(2000, dtype=np.int32))


def test_agreement_starts_phase1_and_none_mode_never_does():
    m = machine(agreement_day=10)
    assert not m.update(9, 0.0) and m.phase == 0
    assert m.update(10, 0.0) and m.phase == 1
    n = machine(mode="none", agreement_day=0)
    assert not any(n.update(d, 1.0) for d in range(500)) and n.phase == 0


def test_gate_needs_dwell_time_low_incidents_and_trust():
    m = machine(
        agreement_day=0,
        min_days=[100, 100],
        max_incidents_per_month=[10.0, 10.0],
        min_trust=[0.4, 0.6],
        window_days=30,
    )
    m.update(0, 0.0)
    assert not m.update(99, 0.9)  # too early
    m.border_per_day[70:100] = 1  # 30 incidents in the last 30 days
    assert not m.update(100, 0.9)  # too violent
    m.border_per_day[70:100] = 0
    assert not m.update(100, 0.3)  # too little trust
    assert m.update(100, 0.45) and m.phase == 2
    assert m.transitions[-1].kind == "advance"


def test_relapse_after_severe_incident_at_low_trust_only():
    m = machine(
        agreement_day=0, schedule_days=[5, 10], mode="scheduled", relapse_trust=0.5, window_days=30
    )
    for d in range(6):
        m.update(d, 0.0)
    assert m.phase == 2
    assert not m.on_severe_incident(6, 0.6, 20)  # trust high enough
    assert m.on_severe_incident(6, 0.4, 20) and m.phase == 1
    assert m.relapses == 1 and m.transitions[-1].kind == "relapse"
    assert not m.update(20, 1.0)  # held for window_days after a relapse
    assert m.update(36, 1.0) and m.phase == 2
    assert not machine(relapse=False).on_severe_incident(0, 0.0, 99)


def test_phase1_never_relapses_to_no_agreement():
    m = machine(agreement_day=0)
    m.update(0, 0.0)
    assert not m.on_severe_incident(1, 0.0, 99) and m.phase == 1


def test_scheduled_roadmap_follows_its_dates():
    cfg = config(
        "scenario=roadmap_scheduled",
        "phases.relapse=false",
        "phases.schedule_days=[200,400]",
        "days=500",
    )
    for run in replicate(cfg, 3):
        assert run.summary["phase2_day"] == 200 and run.summary["phase3_day"] == 400
        ts = run.timeseries
        assert (ts.loc[ts["day"] < 90, "phase"] == 0).all()
        assert (ts.loc[ts["day"] >= 400, "phase"] == 3).all()


def test_gated_transitions_happen_only_when_gates_are_met():
    cfg = config("scenario=roadmap")
    p = cfg.phases
    for run in replicate(cfg, 5):
        ts = run.timeseries.set_index("day")
        for t in run.transitions.itertuples():
            if t.kind != "advance" or t.from_phase == 0:
                continue
            k = t.from_phase - 1
            window = ts.loc[t.day - p.window_days : t.day - 1, "border_incidents"]
            assert (
                window.sum() * DAYS_PER_MONTH / p.window_days <= p.max_incidents_per_month[k] + 1e-9
            )
            assert ts.loc[t.day - 1, "trust"] >= p.min_trust[k] - 1e-9
            entered = run.transitions[
                (run.transitions["to_phase"] == t.from_phase) & (run.transitions["day"] < t.day)
            ]["day"].max()
            assert t.day - entered >= p.min_days[k]


def test_unreachable_gate_keeps_the_roadmap_in_phase1():
    cfg = config("phases.min_trust=[1.0,1.0]", "days=600")
    for run in replicate(cfg, 2):
        assert run.timeseries["phase"].max() == 1
        assert np.isnan(run.summary["phase2_day"])


def test_relapses_are_logged_with_a_reason():
    runs = replicate(config("scenario=spoiler_stress"), 6)
    relapses = [t for r in runs for t in r.transitions.itertuples() if t.kind == "relapse"]
    assert relapses, "spoiler stress should produce relapses"
    assert all(t.to_phase == t.from_phase - 1 and "severe incident" in t.reason for t in relapses)
