"""Every config composes; bad values are refused with the key, the value and what is allowed."""

import dataclasses

import pytest
from conftest import config

from sim.config.compose import config_dir
from sim.config.params import ConfigError, MeasuresParams
from sim.model.measures import MEASURE_NAMES

SCENARIOS = sorted(p.stem for p in (config_dir() / "scenario").glob("*.yaml"))
GEOGRAPHIES = sorted(p.stem for p in (config_dir() / "geography").glob("*.yaml"))
REQUIRED_SCENARIOS = {
    "baseline",
    "roadmap",
    "roadmap_scheduled",
    "phase1_only",
    "security_only",
    "cooperation_only",
    "all_at_once",
    "spoiler_stress",
}


def test_required_scenarios_exist():
    assert set(SCENARIOS) >= REQUIRED_SCENARIOS


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("geography", GEOGRAPHIES)
def test_every_config_composes(scenario, geography):
    cfg = config(f"scenario={scenario}", f"geography={geography}")
    assert cfg.scenario_name == scenario
    assert cfg.geography.provinces


def test_default_is_gated_roadmap_over_three_years():
    cfg = config()
    assert (cfg.scenario_name, cfg.phases.mode, cfg.days, cfg.replications) == (
        "roadmap",
        "gated",
        1095,
        20,
    )


def test_measure_names_are_the_documented_levers():
    assert set(MEASURE_NAMES) == {
        "military_dialogue",
        "ceasefire_verification",
        "hotline",
        "joint_patrols",
        "intel_sharing",
        "early_warning",
        "drones",
        "task_force_training",
        "customs_inspections",
        "humanitarian_corridors",
        "economic_projects",
        "cultural_programs",
        "mediation",
    }
    cfg = config()
    assert cfg.measures.intel_sharing.ramp_days == 180  # real-time hub: 6 months
    assert cfg.measures.drones.ramp_days == 365
    assert cfg.measures.task_force_training.ramp_days == 90


def test_every_measure_field_is_overridable():
    fields = [f.name for f in dataclasses.fields(MeasuresParams) if f.name in MEASURE_NAMES]
    overrides = [
        f"measures.{m}.{k}={v}"
        for m in fields
        for k, v in (
            ("enabled", "false"),
            ("start", "120"),
            ("ramp_days", "7"),
            ("intensity", "0.5"),
        )
    ]
    cfg = config(*overrides)
    for m in fields:
        assert dataclasses.asdict(getattr(cfg.measures, m)) == {
            "enabled": False,
            "start": "120",
            "ramp_days": 7,
            "intensity": 0.5,
        }


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        (
            "measures.joint_patrols.intensity=1.7",
            "measures.joint_patrols.intensity=1.7: out of range, allowed 0.0 to 1.0",
        ),
        ("days=-3", "days=-3: out of range"),
        ("scenario=nope", "scenario=nope: no such scenario; allowed: all_at_once, baseline"),
        ("geography=mars", "geography=mars: no such geography; allowed: stylised, tr_sy"),
        ("days=abc", "days=abc: Value 'abc' of type 'str' could not be converted to Integer"),
        ("nosuch.key=1", "nosuch.key: no such parameter"),
        (
            "gates=strict",
            "gates: a config group the defaults leave out; add it with a + (+gates=default); "
            "allowed: default, lenient, scheduled, strict, very_strict",
        ),
        ("policy=policy", "policy: no such parameter"),  # sim.policy's config, not a group
        (
            "measures.drones.start=phase9",
            "allowed values are phase1, phase2, phase3 or a day number",
        ),
        ("phases.mode=sometimes", "allowed values are gated, scheduled, none"),
        ("armed_groups.spoilers=[true]", "needs one entry per group"),
        ("phases.schedule_days=[500,100]", "phase 3 cannot start before phase 2"),
        ("patrol.sweep_rate=nan", "must be a finite number"),
        (
            "observation.bloodless_reported=0.2",
            "observation.bloodless_reported=0.2: acts only when events without a death count "
            "(observation.min_deaths=0, not 1)",
        ),
    ],
)
def test_bad_values_are_refused_clearly(override, expected):
    with pytest.raises(ConfigError) as info:
        config(override)
    assert expected in str(info.value)
    assert "\n" not in str(info.value)
