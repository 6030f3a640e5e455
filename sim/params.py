"""Typed parameters of a simulation: the one place where every knob is declared.

These dataclasses are the structured-config schema Hydra validates types against
(registered in :mod:`sim.config`) and the typed objects the model reads. Fields
with a range carry it in their metadata; :func:`validate` checks every range and
names the offending key, so a bad value never reaches the model.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from typing import Any

from sim.incidents import TYPE_LABELS

PHASE_MODES = ("gated", "scheduled", "none")
START_PATTERN = re.compile(r"^(phase[123]|\d+)$")
MIN_SUMMARY_DAYS = 30
"""Runs shorter than this have no complete month to summarise."""


class ConfigError(ValueError):
    """A configuration value outside what the model accepts."""


def bounded(default: Any, lo: float | None = None, hi: float | None = None) -> Any:
    """A field whose value (or every element of a list value) must lie in [lo, hi]."""
    meta = {"range": (lo, hi)}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


def choice(default: str, allowed: tuple[str, ...]) -> Any:
    """A string field restricted to a set of names."""
    return field(default=default, metadata={"choices": allowed})


@dataclass
class MeasureParams:
    """One lever of the roadmap.

    ``start`` is ``phase1``/``phase2``/``phase3`` (the measure begins when the
    roadmap reaches that phase and stops if it relapses below it) or a day number.
    The measure's level rises linearly to 1 over ``ramp_days``; its effect in the
    mechanisms is ``intensity * level``.
    """

    enabled: bool = True
    start: str = field(default="phase1", metadata={"pattern": START_PATTERN})
    ramp_days: int = bounded(30, 1, 3650)
    intensity: float = bounded(1.0, 0.0, 1.0)


def _measure(start: str, ramp_days: int, enabled: bool = True) -> Any:
    return field(
        default_factory=lambda: MeasureParams(enabled=enabled, start=start, ramp_days=ramp_days)
    )


@dataclass
class MeasuresParams:
    """Every measure named in the source documents, with its default phase and ramp-up.

    Ramp-ups from the seeds: real-time intelligence hub 6 months, border drones
    1 year, joint task force training 3 months; the others are assumptions.
    A measure that stops (relapse, suspension) loses its level over
    ``wind_down_days``.
    """

    military_dialogue: MeasureParams = _measure("phase1", 30)
    ceasefire_verification: MeasureParams = _measure("phase1", 60)
    hotline: MeasureParams = _measure("phase1", 14)
    joint_patrols: MeasureParams = _measure("phase2", 90)
    intel_sharing: MeasureParams = _measure("phase2", 180)
    early_warning: MeasureParams = _measure("phase2", 120)
    drones: MeasureParams = _measure("phase2", 365)
    task_force_training: MeasureParams = _measure("phase2", 90)
    customs_inspections: MeasureParams = _measure("phase2", 60)
    humanitarian_corridors: MeasureParams = _measure("phase2", 60)
    economic_projects: MeasureParams = _measure("phase3", 365)
    cultural_programs: MeasureParams = _measure("phase3", 180)
    mediation: MeasureParams = _measure("phase1", 30, enabled=False)
    wind_down_days: int = bounded(30, 1, 3650)


@dataclass
class ProvinceParams:
    """A stretch of border administered as one province (sectors are cut from it)."""

    name: str = "province"
    length_km: float = bounded(100.0, 1.0, 5000.0)
    roughness: float = bounded(0.3, 0.0, 1.0)
    population_a: float = bounded(100.0, 0.0, 1e5)
    population_b: float = bounded(100.0, 0.0, 1e5)
    gates: list[str] = field(default_factory=list)
    governorates: list[str] = field(default_factory=list)
    """Administrative units opposite the province on side B, west to east, as an event
    dataset names them (GED's ``adm_1``); its sectors are split equally among them
    in that order. Empty: the province's own name."""


@dataclass
class GeographyParams:
    """The border as a line of sectors; each side of the line belongs to one state.

    Populations are in thousands of residents of the border districts.
    """

    name: str = "stylised"
    side_names: list[str] = field(default_factory=lambda: ["State A", "State B"])
    sector_km: float = bounded(20.0, 1.0, 500.0)
    sources: list[str] = field(default_factory=list)
    provinces: list[ProvinceParams] = field(default_factory=list)


@dataclass
class PhaseParams:
    """How the roadmap moves between phases (0 = no agreement, 1-3 = roadmap phases).

    ``gated``: phase p+1 begins once phase p has lasted ``min_days[p-1]``, border
    incidents over the last ``window_days`` stay at or below
    ``max_incidents_per_month[p-1]`` per month (``sim.incidents.DAYS_PER_MONTH``
    days) and mean trust is at least
    ``min_trust[p-1]``. ``scheduled``: phases 2 and 3 begin on ``schedule_days``.
    ``none``: no agreement is ever signed. A severe incident while mean trust is
    below ``relapse_trust`` sends the roadmap back one phase (never below 1).
    """

    mode: str = choice("gated", PHASE_MODES)
    agreement_day: int = bounded(90, 0, 100000)
    schedule_days: list[int] = bounded([365, 730], 0, 100000)
    window_days: int = bounded(90, 7, 3650)
    min_days: list[int] = bounded([180, 270], 0, 100000)
    max_incidents_per_month: list[float] = bounded([20.0, 14.0], 0.0, 1e6)
    min_trust: list[float] = bounded([0.35, 0.5], 0.0, 1.0)
    relapse: bool = True
    relapse_trust: float = bounded(0.45, 0.0, 1.0)


@dataclass
class IncidentParams:
    """What every violent incident shares: the casualty tail and what counts as severe.

    Casualties of a violent incident are ``floor(scale * X)`` with X drawn from a
    Lomax (Pareto II) law of shape ``casualty_tail``: most incidents are minor,
    a few are very deadly, as in conflict event data.
    """

    severe_casualties: int = bounded(8, 1, 100000)
    casualty_tail: float = bounded(1.6, 1.01, 10.0)


@dataclass
class PatrolParams:
    """Patrol units and random-search detection.

    The chance that an attempt in a sector is detected is
    ``1 - exp(-sweep_rate * effort)`` (Koopman). Effort counts the units that
    patrol that sector that day (the target side's, a share of the other
    side's, joint units at their training-dependent effectiveness) and drones
    flying over it, scaled down by rough terrain. Each unit patrols a zone of
    ``zone_radius`` sectors either side of its post; a free unit answers an
    early-warning alert within ``response_reach`` sectors.
    """

    units_per_side: int = bounded(60, 0, 100000)
    unit_effort: float = bounded(1.0, 0.0, 100.0)
    sweep_rate: float = bounded(0.5, 0.0, 100.0)
    terrain_penalty: float = bounded(0.6, 0.0, 1.0)
    other_side_share: float = bounded(0.25, 0.0, 1.0)
    threat_focus: float = bounded(0.6, 0.0, 1.0)
    threat_memory_days: float = bounded(60.0, 1.0, 3650.0)
    redeploy_days: int = bounded(7, 1, 365)
    zone_radius: int = bounded(1, 0, 100)
    response_reach: int = bounded(2, 0, 100000)
    joint_share: float = bounded(0.4, 0.0, 1.0)
    joint_untrained: float = bounded(0.5, 0.0, 10.0)
    joint_trained: float = bounded(1.3, 0.0, 10.0)
    joint_friction: float = bounded(0.01, 0.0, 1.0)


@dataclass
class DroneParams:
    """Border drones (measure ``drones``): each state's fleet grows to ``fleet_size`` over the ramp.

    A drone flies one sortie a day over ``coverage_sectors`` contiguous sectors
    of its operator's side, centred where the operator's threat picture points
    (``threat_focus``, the rest spread evenly), adding ``effort_per_sector``
    search effort only there.
    """

    fleet_size: int = bounded(8, 0, 10000)
    coverage_sectors: int = bounded(3, 1, 100)
    effort_per_sector: float = bounded(0.8, 0.0, 100.0)
    threat_focus: float = bounded(0.7, 0.0, 1.0)


@dataclass
class SensorParams:
    """Early-warning sensors and observer posts (measure ``early_warning``).

    At full ramp ``sectors`` sectors are covered, installed where the two
    threat pictures point; a crossing in a covered sector raises an alert with
    chance ``alert_chance``, and the nearest free patrol unit within reach
    comes to meet it.
    """

    sectors: int = bounded(16, 0, 100000)
    alert_chance: float = bounded(0.7, 0.0, 1.0)


@dataclass
class IntelParams:
    """What governments learn of crossers' moves, and how fast (measure ``intel_sharing``).

    Patrols on the crossers' home side may see a crossing leave (Koopman on
    their own effort there); informants in communities with cross-border ties
    report a crosser's planned crossing with chance ``informant_rate * ties``.
    A report names a sector up to ``report_error_sectors`` off. Shared reports
    arrive after ``slow_delay_days``, shortened toward ``fast_delay_days`` as
    the real-time hub ramps; informants report in ``informant_delay_days``. A
    report moves up to ``tip_units`` free units within ``tip_reach`` sectors
    there for ``tip_days`` (a tip-off).
    """

    informant_rate: float = bounded(0.5, 0.0, 1.0)
    informant_delay_days: int = bounded(1, 0, 365)
    slow_delay_days: int = bounded(14, 0, 365)
    fast_delay_days: int = bounded(1, 0, 365)
    report_error_sectors: int = bounded(0, 0, 100)
    tip_reach: int = bounded(6, 0, 100000)
    tip_units: int = bounded(3, 0, 1000)
    tip_days: int = bounded(10, 1, 365)


@dataclass
class CustomsParams:
    """Customs at the official gates (measure ``customs_inspections``).

    Each gate carries ``traffic_per_day`` vehicles; at full ramp its inspectors
    can search ``capacity_per_day`` of them; a shipment hidden in an inspected
    vehicle is found with ``find_chance``. An inspection holds a vehicle
    ``hours_per_inspection``.
    """

    traffic_per_day: float = bounded(400.0, 1.0, 1e7)
    capacity_per_day: float = bounded(240.0, 0.0, 1e7)
    find_chance: float = bounded(0.8, 0.0, 1.0)
    hours_per_inspection: float = bounded(2.0, 0.0, 1000.0)


@dataclass
class GovernmentParams:
    """Trust, tension, retaliation and friction between the two states' forces.

    ``tension_decay`` and ``trust_erosion`` are daily rates; updates are exact
    exponential steps (see ``Government.relax``), so trust stays in
    ``[trust_floor, 1]`` and tension in ``[0, 1]`` for any values in range.
    ``blame`` is the chance, at zero trust, that a state blames the other for an
    attack nobody explained (by a monitor's report or over the hotline).
    """

    initial_trust: float = bounded(0.1, 0.0, 1.0)
    initial_tension: float = bounded(0.4, 0.0, 1.0)
    tension_floor: float = bounded(0.15, 0.0, 1.0)
    tension_decay: float = bounded(0.03, 0.0, 1.0)
    dialogue_decay_gain: float = bounded(2.0, 0.0, 100.0)
    trust_gain_dialogue: float = bounded(0.004, 0.0, 1.0)
    trust_gain_cultural: float = bounded(0.003, 0.0, 1.0)
    trust_gain_economic: float = bounded(0.002, 0.0, 1.0)
    trust_erosion: float = bounded(0.002, 0.0, 1.0)
    trust_floor: float = bounded(0.1, 0.0, 1.0)
    attack_shock: float = bounded(0.015, 0.0, 1.0)
    clash_shock: float = bounded(0.03, 0.0, 1.0)
    violation_shock: float = bounded(0.008, 0.0, 1.0)
    trust_loss_clash: float = bounded(0.02, 0.0, 1.0)
    trust_loss_blame: float = bounded(0.015, 0.0, 1.0)
    trust_loss_violation: float = bounded(0.004, 0.0, 1.0)
    trust_gain_joint_success: float = bounded(0.01, 0.0, 1.0)
    blame: float = bounded(0.6, 0.0, 1.0)
    retaliation: float = bounded(0.5, 0.0, 1.0)
    counterstrike: float = bounded(0.4, 0.0, 1.0)
    friction_rate: float = bounded(0.004, 0.0, 10.0)
    clash_midpoint: float = bounded(0.45, 0.0, 1.0)
    clash_steepness: float = bounded(8.0, 0.0, 100.0)
    violation_rate: float = bounded(0.25, 0.0, 100.0)
    cooperation_tension_limit: float = bounded(0.5, 0.0, 1.0)
    suspension_chance: float = bounded(0.5, 0.0, 1.0)
    suspension_days: int = bounded(45, 0, 3650)
    casualty_scale: float = bounded(1.0, 0.0, 1000.0)


@dataclass
class ArmedGroupParams:
    """Armed groups: recruitment, arms, learning where attempts succeed, spoiling.

    ``home_sides`` lists one entry per group: the side (0 or 1) it is based on;
    it attacks across the line. A group's daily attempt probability is
    ``attempt_rate * (fighters / reference_fighters) * (1 + urge) * deterrence``
    where urge is a self-exciting revenge/momentum term with half-life
    ``urge_half_life`` days.
    """

    home_sides: list[int] = bounded([1, 1, 1, 0], 0, 1)
    reach_sectors: int = bounded(12, 1, 100000)
    initial_fighters: int = bounded(120, 0, 1000000)
    reference_fighters: float = bounded(120.0, 1.0, 1e6)
    attempt_rate: float = bounded(0.12, 0.0, 1.0)
    learning_rate: float = bounded(0.15, 0.0, 1.0)
    choice_temperature: float = bounded(0.12, 0.001, 100.0)
    initial_success: float = bounded(0.5, 0.0, 1.0)
    deterrence_exponent: float = bounded(1.0, 0.0, 10.0)
    urge_jump_success: float = bounded(0.6, 0.0, 100.0)
    urge_jump_struck: float = bounded(1.5, 0.0, 100.0)
    urge_half_life: float = bounded(8.0, 0.1, 3650.0)
    initial_arms: float = bounded(30.0, 0.0, 1e6)
    arms_per_attempt: float = bounded(1.0, 0.0, 1e6)
    recruit_rate: float = bounded(0.19, 0.0, 100.0)
    recruit_every_days: int = bounded(7, 1, 365)
    attrition: float = bounded(0.003, 0.0, 1.0)
    losses_interdicted: float = bounded(3.0, 0.0, 1e6)
    losses_counterstrike: float = bounded(6.0, 0.0, 1e6)
    casualty_scale: float = bounded(2.0, 0.0, 1e6)
    spoilers: list[bool] = field(default_factory=lambda: [True, False, False, False])
    spoiler_strength: float = bounded(0.5, 0.0, 100.0)
    spoiler_jump: float = bounded(2.0, 0.0, 100.0)


@dataclass
class SmugglingParams:
    """Arms-smuggling networks that supply the armed groups across the line."""

    origin_sides: list[int] = bounded([0, 0, 1], 0, 1)
    reach_sectors: int = bounded(15, 1, 100000)
    shipments_per_day: float = bounded(0.5, 0.0, 1000.0)
    arms_per_shipment: float = bounded(1.0, 0.0, 1e6)
    learning_rate: float = bounded(0.1, 0.0, 1.0)
    choice_temperature: float = bounded(0.15, 0.001, 100.0)
    initial_success: float = bounded(0.7, 0.0, 1.0)
    arms_target: float = bounded(60.0, 0.0, 1e6)


@dataclass
class CommunityParams:
    """Border communities: hardship, displacement, recruitment pool, crossings.

    ``crossing_rate`` (groups a day) and ``armed_groups.recruit_rate`` (recruits a
    day) are per cell of average population at hardship 1 (see
    :mod:`sim.communities`), so they mean the same on every geography.
    """

    base_hardship: float = bounded(0.5, 0.0, 1.0)
    relax_days: float = bounded(120.0, 1.0, 36500.0)
    violence_shock: float = bounded(0.03, 0.0, 1.0)
    displacement_per_casualty: float = bounded(0.002, 0.0, 1.0)
    displacement_return_days: float = bounded(180.0, 1.0, 36500.0)
    displacement_hardship: float = bounded(2.0, 0.0, 100.0)
    crossing_rate: float = bounded(0.02375, 0.0, 1.0)


@dataclass
class MediatorParams:
    """A third party that takes up severe incidents (measure ``mediation``).

    At full level it runs ``capacity`` cases at once, each for ``case_days``.
    It considers every incident with at least ``min_casualties`` victims; its
    last free team is kept for severe incidents (``incidents.severe_casualties``)
    or those while the roadmap is at risk (phase 2 or later with mean trust below
    ``phases.relapse_trust``). A case lowers both states' tension by the share
    ``tension_relief``, averts the relapse a severe incident would cause, and
    holds back the share ``restraint`` of retaliation while open.
    """

    capacity: int = bounded(2, 0, 1000)
    min_casualties: int = bounded(1, 1, 100000)
    case_days: int = bounded(30, 1, 3650)
    tension_relief: float = bounded(0.4, 0.0, 1.0)
    restraint: float = bounded(0.6, 0.0, 1.0)


@dataclass
class MonitorParams:
    """Ceasefire monitors (measure ``ceasefire_verification``).

    ``teams * level`` teams (rounded) sit in the sectors with the most reported
    violations (decayed over ``memory_days``), moved every ``redeploy_days``. A
    team sees a violation or an attack in its sector with chance ``observe``. A
    local commander holds fire with chance ``caution`` times the chance of being
    seen. A verified violation weighs ``verified_weight`` of an unverified one
    in the victim's tension and trust.
    """

    teams: int = bounded(8, 0, 100000)
    observe: float = bounded(0.8, 0.0, 1.0)
    caution: float = bounded(0.8, 0.0, 1.0)
    verified_weight: float = bounded(0.3, 0.0, 1.0)
    memory_days: float = bounded(60.0, 1.0, 3650.0)
    redeploy_days: int = bounded(14, 1, 365)


@dataclass
class HotlineParams:
    """The hotline between the two commands (measure ``hotline``).

    Patrols in a sector go out in one of ``slots`` time slots a day; with shared
    schedules (a share ``level`` of units) a unit takes the slot the other
    side's units use least, so fewer units of both sides are out at once. A
    call after an encounter or an attack finds the line staffed with chance
    ``level * availability`` and gets through after an exponential delay of
    mean ``delay_hours[0]`` (level 0) falling to ``delay_hours[1]`` (level 1);
    it defuses only within ``window_hours``.
    """

    slots: int = bounded(4, 1, 96)
    availability: float = bounded(0.95, 0.0, 1.0)
    delay_hours: list[float] = bounded([24.0, 1.5], 0.01, 1000.0)
    window_hours: float = bounded(1.0, 0.0, 1000.0)


@dataclass
class CorridorParams:
    """Humanitarian corridors and their safe zones (measure ``humanitarian_corridors``).

    ``sites * level`` corridors (rounded) open at the gates first, then at
    evenly spaced sectors. A crossing group uses the nearest open corridor
    within ``reach_sectors`` while it has capacity left today
    (``capacity_per_day``); otherwise it crosses irregularly. Each corridor has a
    safe zone that shelters up to ``shelter`` (thousands of residents) of the
    sectors within reach, filling the ramp over; sheltered people are out of
    the way of attacks and clashes in their sector.
    """

    sites: int = bounded(6, 0, 100000)
    reach_sectors: int = bounded(3, 0, 100000)
    capacity_per_day: int = bounded(3, 0, 100000)
    shelter: float = bounded(150.0, 0.0, 1e6)


@dataclass
class ProjectParams:
    """Economic projects and cultural exchanges, placed in sectors.

    Economic projects: ``project_share * level`` of the cells (rounded; both
    sides) get a project, the hardest-hit cells first; a project lowers the
    hardship its cell relaxes to by ``economic_relief``. Cultural exchanges:
    held in the ``exchange_share * level`` most populous sectors (both sides);
    ties there grow toward 1 with time constant ``tie_days`` and fade elsewhere;
    ties lower support for recruitment in a cell by ``tie_recruit_cut * ties``.
    """

    project_share: float = bounded(0.5, 0.0, 1.0)
    economic_relief: float = bounded(0.6, 0.0, 1.0)
    exchange_share: float = bounded(0.5, 0.0, 1.0)
    tie_days: float = bounded(180.0, 1.0, 36500.0)
    tie_recruit_cut: float = bounded(0.6, 0.0, 1.0)


@dataclass
class ObservationParams:
    """What an event dataset such as UCDP GED would record of the model's incidents.

    An incident is ``recorded`` when its type is one of ``types``, it left at
    least ``min_deaths`` dead (victims and militants alike, as GED counts them)
    and it happened on one of ``sides`` (the source's coverage: the shipped GED
    extract holds Syria-side events only). ``ged_types`` are the GED
    ``type_of_violence`` codes those incidents correspond to (1 state-based,
    3 one-sided); a calibration compares recorded incidents with data events of
    these codes only, since the model has no fighting between non-state groups
    (code 2).
    """

    types: list[str] = field(default_factory=lambda: ["attack", "interdiction", "clash"])
    min_deaths: int = bounded(1, 1, 1000000)
    sides: list[int] = bounded([0, 1], 0, 1)
    ged_types: list[int] = bounded([1, 3], 1, 3)


@dataclass
class CalibrationParams:
    """Where each replication's parameters come from.

    ``none``: the config's values. Otherwise replication ``i`` draws one particle
    of the posterior table ``posterior`` (a path; a bare file name is looked up
    in the package's ``data/``) by its weight, the same particle in every
    scenario, and runs with that particle's parameter values. ``geography``
    names the geography the posterior was fitted for (empty: any).
    """

    name: str = "none"
    posterior: str = ""
    geography: str = ""


@dataclass
class OutputParams:
    """What a run writes besides the tables."""

    figures: bool = True
    incidents: bool = True


@dataclass
class CompareParams:
    """How a multirun's aggregation compares scenarios.

    ``metric`` is the outcome of the paired-difference figure; ``baseline`` the
    variant differences are taken from (default: ``baseline`` if swept, else the
    first); ``heatmaps`` the outcomes drawn when two numeric parameters are swept.
    """

    metric: str = "border_incidents_per_month"
    baseline: str | None = None
    heatmaps: list[str] = field(default_factory=lambda: ["border_incidents_per_month"])


@dataclass
class ModelParams:
    """Everything one simulation needs: the model never reads Hydra's config."""

    geography: GeographyParams = field(default_factory=GeographyParams)
    phases: PhaseParams = field(default_factory=PhaseParams)
    measures: MeasuresParams = field(default_factory=MeasuresParams)
    patrol: PatrolParams = field(default_factory=PatrolParams)
    drones: DroneParams = field(default_factory=DroneParams)
    sensors: SensorParams = field(default_factory=SensorParams)
    intel: IntelParams = field(default_factory=IntelParams)
    customs: CustomsParams = field(default_factory=CustomsParams)
    governments: GovernmentParams = field(default_factory=GovernmentParams)
    armed_groups: ArmedGroupParams = field(default_factory=ArmedGroupParams)
    smuggling: SmugglingParams = field(default_factory=SmugglingParams)
    communities: CommunityParams = field(default_factory=CommunityParams)
    incidents: IncidentParams = field(default_factory=IncidentParams)
    mediator: MediatorParams = field(default_factory=MediatorParams)
    monitors: MonitorParams = field(default_factory=MonitorParams)
    hotline: HotlineParams = field(default_factory=HotlineParams)
    corridors: CorridorParams = field(default_factory=CorridorParams)
    projects: ProjectParams = field(default_factory=ProjectParams)
    observation: ObservationParams = field(default_factory=ObservationParams)


@dataclass
class Config(ModelParams):
    """A run: the model parameters plus the scenario label, horizon, seeds and workers."""

    scenario_name: str = "roadmap"
    description: str = ""
    days: int = bounded(1095, 1, 100000)
    seed: int = bounded(20261123, 0, 2**63 - 1)
    replications: int = bounded(20, 1, 1000000)
    workers: int = bounded(2, 1, 1024)
    output: OutputParams = field(default_factory=OutputParams)
    compare: CompareParams = field(default_factory=CompareParams)
    calibration: CalibrationParams = field(default_factory=CalibrationParams)


def _check_value(key: str, value: Any, meta: Any) -> None:
    lo, hi = meta.get("range", (None, None))
    values = value if isinstance(value, list) else [value]
    for v in values:
        if isinstance(v, float) and not math.isfinite(v):
            raise ConfigError(f"{key}={value}: must be a finite number")
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise ConfigError(f"{key}={value}: out of range, allowed {_describe(lo, hi)}")
    allowed = meta.get("choices")
    if allowed is not None and value not in allowed:
        raise ConfigError(f"{key}={value}: allowed values are {', '.join(allowed)}")
    pattern = meta.get("pattern")
    if pattern is not None and not pattern.match(str(value)):
        raise ConfigError(
            f"{key}={value}: allowed values are phase1, phase2, phase3 or a day number"
        )


def _describe(lo: float | None, hi: float | None) -> str:
    if hi is None:
        return f">= {lo}"
    if lo is None:
        return f"<= {hi}"
    return f"{lo} to {hi}"


def _walk(obj: Any, prefix: str) -> None:
    for f in dataclasses.fields(obj):
        key = f"{prefix}{f.name}"
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            _walk(value, key + ".")
        elif isinstance(value, list) and value and dataclasses.is_dataclass(value[0]):
            for i, item in enumerate(value):
                _walk(item, f"{key}[{i}].")
        else:
            _check_value(key, value, f.metadata)


def check_ranges(obj: Any) -> None:
    """Check every declared range and choice in a tree of dataclasses; ConfigError names the key."""
    _walk(obj, "")


def validate(params: ModelParams) -> ModelParams:
    """Check every range and the cross-field rules; raise ConfigError naming the key."""
    _walk(params, "")
    if not params.geography.provinces:
        raise ConfigError("geography.provinces: at least one province is required")
    groups = params.armed_groups
    if len(groups.spoilers) != len(groups.home_sides):
        raise ConfigError(
            f"armed_groups.spoilers={groups.spoilers}: needs one entry per group "
            f"({len(groups.home_sides)} in armed_groups.home_sides)"
        )
    _check_observation(params.observation)
    ph = params.phases
    for key in ("schedule_days", "min_days", "max_incidents_per_month", "min_trust"):
        if len(getattr(ph, key)) != 2:
            raise ConfigError(
                f"phases.{key}={getattr(ph, key)}: needs 2 entries (phase 2, phase 3)"
            )
    if len(params.hotline.delay_hours) != 2:
        raise ConfigError(
            f"hotline.delay_hours={params.hotline.delay_hours}: needs 2 entries (level 0, level 1)"
        )
    if ph.schedule_days[1] < ph.schedule_days[0]:
        raise ConfigError(
            f"phases.schedule_days={ph.schedule_days}: phase 3 cannot start before phase 2"
        )
    _check_joint(params)
    if isinstance(params, Config):
        _check_calibration(params)
    return params


def _check_joint(params: ModelParams) -> None:
    """Settings each allowed alone but impossible together."""
    sides = params.geography.side_names
    if len(sides) != 2 or len(set(sides)) != 2:
        raise ConfigError(f"geography.side_names={sides}: needs 2 distinct names, one per side")
    for key in ("armed_groups.home_sides", "smuggling.origin_sides"):
        group, name = key.split(".")
        if not getattr(getattr(params, group), name):
            raise ConfigError(f"{key}=[]: needs at least one entry (one per group or network)")


def warnings_for(config: Config) -> list[str]:
    """One line per setting that is allowed but cannot act within the horizon."""
    days, ph, out = config.days, config.phases, []
    g = config.governments
    for floor, start in (("trust_floor", "initial_trust"), ("tension_floor", "initial_tension")):
        if getattr(g, floor) > getattr(g, start):
            out.append(
                f"governments.{floor}={getattr(g, floor)} is above governments.{start}="
                f"{getattr(g, start)}: it starts below its floor"
            )
    if ph.mode != "none" and ph.agreement_day >= days:
        out.append(
            f"phases.agreement_day={ph.agreement_day} is not before days={days}: no run "
            "reaches an agreement"
        )
    if ph.mode == "scheduled":
        late = [d for d in ph.schedule_days if d >= days]
        if late:
            out.append(f"phases.schedule_days={ph.schedule_days}: {late} not before days={days}")
    if ph.mode == "gated" and max(ph.min_trust) >= 1:
        out.append(f"phases.min_trust={ph.min_trust}: a gate at trust 1 is practically never met")
    enabled = [
        (f.name, m)
        for f in dataclasses.fields(MeasuresParams)
        if isinstance(m := getattr(config.measures, f.name), MeasureParams) and m.enabled
    ]
    late = [n for n, m in enabled if m.start.isdigit() and int(m.start) >= days]
    if late:
        out.append(f"measures.*.start not before days={days} (never start): {', '.join(late)}")
    slow = [n for n, m in enabled if n not in late and m.ramp_days >= days]
    if slow:
        out.append(
            f"measures.*.ramp_days not shorter than days={days} (never at full level): "
            + ", ".join(slow)
        )
    if days < MIN_SUMMARY_DAYS:
        out.append(f"days={days}: shorter than a month; monthly outcomes are empty (NaN)")
    return out


def _check_observation(obs: ObservationParams) -> None:
    unknown = [t for t in obs.types if t not in TYPE_LABELS]
    if unknown:
        raise ConfigError(
            f"observation.types={obs.types}: no incident type {unknown[0]}; "
            f"allowed: {', '.join(TYPE_LABELS)}"
        )


def _check_calibration(config: Config) -> None:
    cal = config.calibration
    if cal.name != "none" and not cal.posterior:
        raise ConfigError(f"calibration.posterior: needed for calibration={cal.name}")
    if cal.name != "none" and cal.geography and cal.geography != config.geography.name:
        raise ConfigError(
            f"calibration={cal.name}: fitted for geography={cal.geography}, "
            f"not geography={config.geography.name}"
        )
