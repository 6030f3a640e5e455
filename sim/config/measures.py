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
    """Customs posts at the official gates (measure ``customs_inspections``).

    Each side staffs a post at each of its gates; ``inspectors * level``
    (rounded) inspectors work there, hired as the measure ramps (the most
    recently hired leave first when it winds down). ``traffic_per_day`` vehicles
    enter a side through a gate a day (Poisson), 200 by default: an
    order of magnitude for a busy land crossing's lorries and cars one way.
    Inspectors pick ``search_share`` of the vehicles at random for a search;
    a search takes ``hours_per_inspection`` of an inspector's ``shift_hours``,
    so 32 inspectors can search 128 vehicles a day against the 120 picked: a
    post at full strength keeps up, barely. Picked vehicles that cannot be
    searched today wait; once the wait would pass ``max_wait_hours`` new ones
    are waved through. An inspector finds a shipment hidden in a searched
    vehicle with a chance rising from ``find_novice`` to ``find_expert``
    with time constant ``skill_days`` of days on the job. Each day of mean
    delay per vehicle raises the hardship the gate's communities (its sector on
    both sides) relax to by ``delay_hardship``: trade through a gate is what
    the gate town lives on (an assumption; sweep it).
    """

    traffic_per_day: float = bounded(200.0, 0.0, 1e7)
    inspectors: int = bounded(32, 0, 100000)
    search_share: float = bounded(0.6, 0.0, 1.0)
    shift_hours: float = bounded(8.0, 0.1, 24.0)
    hours_per_inspection: float = bounded(2.0, 0.01, 1000.0)
    max_wait_hours: float = bounded(24.0, 0.0, 10000.0)
    find_novice: float = bounded(0.4, 0.0, 1.0)
    find_expert: float = bounded(0.85, 0.0, 1.0)
    skill_days: float = bounded(120.0, 1.0, 3650.0)
    delay_hardship: float = bounded(0.5, 0.0, 10.0)


@dataclass
class MediatorParams:
    """A third party that takes up incidents (measure ``mediation``).

    At full level it fields ``capacity`` teams, each holding one case for
    ``case_days``. It considers every incident with at least ``min_casualties``
    victims; its last free team is kept for severe incidents
    (``incidents.severe_casualties``) or those while the roadmap is at risk
    (phase 2 or later with mean trust below ``phases.relapse_trust``). A case
    brokers a hold-back arrangement in the incident's sector at once, and at
    its close settles each open grievance there with chance ``settle``: a third
    party's investigation finds more than the two commands would
    (``dialogue.settle_*``). While a case is open in a sector, the government
    attacked there awaits the findings instead of striking back.
    """

    capacity: int = bounded(2, 0, 1000)
    min_casualties: int = bounded(1, 1, 100000)
    case_days: int = bounded(30, 1, 3650)
    settle: float = bounded(0.7, 0.0, 1.0)


@dataclass
class DialogueParams:
    """Meetings of the two commands (measure ``military_dialogue``; see
    :class:`sim.model.agents.dialogue.MilitaryDialogue`).

    At full effect the commands meet every ``meeting_every_days`` (monthly, as
    border commanders' flag meetings typically are), less often while it ramps.
    A meeting takes up ``agenda_size`` grievances; one a monitor verified is
    settled with ``settle_with_evidence``, others with ``settle_without``
    (a he-said-she-said incident rarely is). Up to ``arrangements`` hold-back
    zones stand at once; unreviewed ones lapse after ``arrangement_days``.
    Trust and tension amounts are in the same units as the governments'
    shocks: a settled grievance is worth about a third of a clash's trust loss,
    a kept arrangement a sixth, a broken one one and a half clashes.
    """

    meeting_every_days: float = bounded(30.0, 1.0, 3650.0)
    agenda_size: int = bounded(6, 0, 1000)
    grievance_days: int = bounded(120, 1, 36500)
    settle_with_evidence: float = bounded(0.8, 0.0, 1.0)
    settle_without: float = bounded(0.3, 0.0, 1.0)
    arrangements: int = bounded(6, 0, 100000)
    arrangement_days: int = bounded(90, 1, 36500)
    trust_gain_settled: float = bounded(0.006, 0.0, 1.0)
    trust_gain_kept: float = bounded(0.003, 0.0, 1.0)
    trust_loss_broken: float = bounded(0.03, 0.0, 1.0)
    tension_broken: float = bounded(0.03, 0.0, 1.0)


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
    side's units use least, so fewer units of both sides are out at once.

    The desk (:class:`~sim.model.agents.hotline.Hotline`): ``operators * level``
    duty officers (rounded) on the roster, assigned in turn to ``shifts`` shifts
    of ``24 / shifts`` hours, office hours first. Six officers, two on each
    8-hour watch, answer a second call while the first is handled; with fewer
    the night goes unstaffed first. An officer takes ``handling_minutes`` per
    call (reaching the other command's duty officer, naming the sector and
    units, agreeing to hold fire). The other command then needs an exponential
    time of mean ``relay_hours`` to get the word to its units: 1.5 h, the
    previous full-level delay, with which about half of the calls answered at
    once arrive in time; a call defuses only if the word is there within
    ``window_hours`` of the call (a firefight stops or escalates within the hour).
    """

    slots: int = bounded(4, 1, 96)
    operators: int = bounded(6, 0, 1000)
    shifts: int = bounded(3, 1, 24)
    handling_minutes: float = bounded(20.0, 1.0, 1440.0)
    relay_hours: float = bounded(1.5, 0.01, 1000.0)
    window_hours: float = bounded(1.0, 0.0, 1000.0)


@dataclass
class CorridorParams:
    """Humanitarian corridors and their safe zones (measure ``humanitarian_corridors``).

    ``sites * level`` corridors (rounded) open at the gates first, then at
    evenly spaced sectors. A crossing group uses the nearest open corridor
    within ``reach_sectors`` while it has capacity left today
    (``capacity_per_day``); otherwise it crosses irregularly. Each corridor has a
    safe zone on each side, a camp that holds up to ``shelter * level``
    thousand people. Residents of the sectors within reach want shelter there:
    a share ``base_share`` (aid and services draw some), plus ``flight_share``
    per violent incident in their cell over the last ``fear_days`` (decayed);
    they move in over ``move_days`` while the camp has room and go home over
    ``return_days`` once fewer want shelter (calm). A strike on a full camp
    finds ``camp_crowd`` people within its reach (a full camp packs about one
    person per 5 m², and a strike's reach of about 40 m covers some 5,000 m²),
    fewer in proportion as it is emptier.
    """

    sites: int = bounded(6, 0, 100000)
    reach_sectors: int = bounded(3, 0, 100000)
    capacity_per_day: int = bounded(3, 0, 100000)
    shelter: float = bounded(150.0, 0.0, 1e6)
    base_share: float = bounded(0.05, 0.0, 1.0)
    flight_share: float = bounded(0.05, 0.0, 1.0)
    fear_days: float = bounded(60.0, 1.0, 3650.0)
    move_days: float = bounded(10.0, 1.0, 3650.0)
    return_days: float = bounded(60.0, 1.0, 3650.0)
    camp_crowd: float = bounded(1000.0, 0.0, 1e6)


@dataclass
class ProjectParams:
    """Economic projects and cultural exchanges, placed in sectors.

    Economic projects: ``project_share * level`` of the cells (rounded; both
    sides) get a project, the hardest-hit cells first; each is built over
    ``build_days`` and only then lowers the hardship its cell relaxes to by
    ``economic_relief``. Half a year by default: the works a border programme
    funds first are small (a clinic, a well, a market hall), of the kind the
    UN's quick-impact projects plan and deliver within a short timeframe; sweep
    it up to years for large works. Work halts while the programme is stopped
    (suspended cooperation, a relapse), and for ``setback_days`` after violence
    in the project's cell, which also puts a built project out of service for
    as long (repairs); a built project stays when the programme stops.
    Cultural exchanges: held in the ``exchange_share * level`` most populous
    sectors (both sides), one every ``exchange_days`` in each (a monthly event);
    ties there grow toward 1 with time constant ``tie_days`` and fade
    elsewhere; ties lower support for recruitment in a cell by
    ``tie_recruit_cut * ties``. Governments see projects completed and
    exchanges held (``governments.trust_gain_project``, ``trust_gain_exchange``).
    """

    project_share: float = bounded(0.5, 0.0, 1.0)
    economic_relief: float = bounded(0.6, 0.0, 1.0)
    build_days: float = bounded(180.0, 0.0, 3650.0)
    setback_days: float = bounded(14.0, 0.0, 3650.0)
    exchange_share: float = bounded(0.5, 0.0, 1.0)
    exchange_days: float = bounded(30.0, 1.0, 3650.0)
    tie_days: float = bounded(180.0, 1.0, 36500.0)
    tie_recruit_cut: float = bounded(0.6, 0.0, 1.0)
