"""Parameters of the roadmap: its phases, its measures and the assets the measures deploy
(drones, sensors, intelligence, customs, mediator, monitors, hotline, corridors,
projects; see :mod:`sim.config.params`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sim.config.schema import bounded, choice

PHASE_MODES = ("gated", "scheduled", "none")


START_PATTERN = re.compile(r"^(phase[123]|\d+)$")


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
class PhaseParams:
    """How the roadmap moves between phases (0 = no agreement, 1-3 = roadmap phases).

    ``gated``: phase p+1 begins once phase p has lasted ``min_days[p-1]``, border
    incidents over the last ``window_days`` stay at or below
    ``max_incidents_per_month[p-1]`` per month (``sim.model.incidents.DAYS_PER_MONTH``
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
