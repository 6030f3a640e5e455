"""Typed parameters of a simulation: every knob of the model, importable from here.

These dataclasses are the structured-config schema Hydra validates types against
(registered in :mod:`sim.config.compose`) and the typed objects the model reads. Fields
with a range carry it in their metadata (:mod:`sim.config.schema`); :func:`validate`
checks every range and the rules across fields and names the offending key, so a
bad value never reaches the model. The actors' parameters are declared in
:mod:`sim.config.actors`, the roadmap's (phases, measures, their assets) in
:mod:`sim.config.measures`; every name is importable from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.config.actors import (
    ArmedGroupParams,
    CommunityParams,
    GeographyParams,
    GovernmentParams,
    IncidentParams,
    PatrolParams,
    ProvinceParams,
    SmugglingParams,
    TrainingParams,
)
from sim.config.costs import CostParams
from sim.config.measures import (
    PHASE_MODES,
    START_PATTERN,
    CorridorParams,
    CustomsParams,
    DialogueParams,
    DroneParams,
    HotlineParams,
    IntelParams,
    MeasureParams,
    MeasuresParams,
    MediatorParams,
    MonitorParams,
    PhaseParams,
    ProjectParams,
    SensorParams,
)
from sim.config.moves import MoveParams, check_moves
from sim.config.schema import ConfigError, bounded, check_ranges, choice
from sim.model.incidents import TYPE_LABELS

__all__ = [
    "ArmedGroupParams",
    "BackgroundEpoch",
    "BackgroundParams",
    "CalibrationParams",
    "CommunityParams",
    "CompareParams",
    "Config",
    "ConfigError",
    "CostParams",
    "CorridorParams",
    "CustomsParams",
    "DialogueParams",
    "DroneParams",
    "GeographyParams",
    "GovernorateProcess",
    "GovernmentParams",
    "HotlineParams",
    "IncidentParams",
    "IntelParams",
    "MIN_SUMMARY_DAYS",
    "MeasureParams",
    "MoveParams",
    "MeasuresParams",
    "MediatorParams",
    "ModelParams",
    "MonitorParams",
    "ObservationParams",
    "OutputParams",
    "PHASE_MODES",
    "PatrolParams",
    "PhaseParams",
    "ProjectParams",
    "ProvinceParams",
    "START_PATTERN",
    "SensorParams",
    "SmugglingParams",
    "TrainingParams",
    "bounded",
    "check_ranges",
    "choice",
    "validate",
]

MIN_SUMMARY_DAYS = 30
"""Runs shorter than this have no complete month to summarise."""
SHARES_TOLERANCE = 1e-6
"""How far shares may sum from 1: rounding in a file, not a missing category."""


@dataclass
class ObservationParams:
    """What an event dataset such as UCDP GED would record of the model's incidents.

    An incident is ``recorded`` when its type is one of ``types``, it left at
    least ``min_deaths`` dead (victims and militants alike, as GED counts them)
    and it happened on one of ``sides`` (the source's coverage: the shipped GED
    extract holds Syria-side events only). ``min_deaths`` 0 also counts events
    without a death, as GED keeps some: every background event, and an actor's
    bloodless incident with probability ``bloodless_reported`` (a source reports a
    death the best estimate discounts; :mod:`sim.model.observation`). ``ged_types`` are the GED
    ``type_of_violence`` codes of the data a calibration compares the recorded
    incidents with (1 state-based, 2 non-state, 3 one-sided): all three by
    default, because the recorded types include ``background``, the violence no
    actor of the model makes (:mod:`sim.model.background`), which stands for
    every GED code; the data's events are held to the same ``min_deaths``.
    """

    types: list[str] = field(
        default_factory=lambda: ["attack", "interdiction", "clash", "background"]
    )
    min_deaths: int = bounded(1, 0, 1000000)
    bloodless_reported: float = bounded(0.0, 0.0, 1.0)
    sides: list[int] = bounded([0, 1], 0, 1)
    ged_types: list[int] = bounded([1, 2, 3], 1, 3)


@dataclass
class GovernorateProcess:
    """One governorate's background violence: a Hawkes process with an exponential kernel.

    Intensity (events a day) ``baseline + sum over past events of branching *
    decay * exp(-decay * age)``: ``baseline`` events a day arrive on their own
    (unit: events/day), each event brings on average ``branching`` more
    (below 1: the process stays finite; its long-run rate is ``baseline / (1 -
    branching)``), ``decay`` a day after it (unit: 1/day; the mean lag is
    ``1 / decay`` days). ``name`` is a governorate of the geography (GED's
    ``adm_1``, as in its provinces' ``governorates``). ``ged_type_shares``: the
    shares of GED's ``type_of_violence`` codes 1, 2, 3 (state-based, non-state,
    one-sided) among its events, summing to 1; each event draws its code from them
    (:mod:`sim.model.background`). Defaults are inert (no events) and, for the
    shares, equal: no knowledge of the mix; real values are fitted by ``python -m
    sim.analysis.background_fit``.
    """

    name: str = ""
    baseline: float = bounded(0.0, 0.0, 100.0)
    branching: float = bounded(0.0, 0.0, 0.99)
    decay: float = bounded(1.0, 0.0001, 1000.0)
    ged_type_shares: list[float] = bounded([1 / 3, 1 / 3, 1 / 3], 0.0, 1.0)


@dataclass
class BackgroundEpoch:
    """From day ``start_day`` of a run on (until the next epoch), every governorate's
    ``baseline`` is multiplied by ``factor``: the war's level changes, how one event
    excites the next does not. Fitted with ``python -m sim.analysis.background_fit
    --epochs``."""

    start_day: int = bounded(1, 1, 100000)
    factor: float = bounded(1.0, 0.0, 100.0)


@dataclass
class BackgroundParams:
    """Armed violence of the border region that no actor of the model makes (exogenous).

    One Hawkes process per entry of ``governorates``; none (the default, as in
    the ``stylised`` geography): no background violence. Events happen on
    ``side`` (0 or 1; on ``tr_sy`` the Syrian side, 1). Each kills
    ``0`` people with probability ``deaths_zero_share`` (GED keeps events whose
    best estimate is 0), else ``1 + floor(deaths_scale * X)`` with X Lomax of
    shape ``deaths_tail`` (people; a discretised heavy tail like the actors'
    casualties). ``epochs`` (in order of their days; none: one level throughout) scale
    every baseline from their first day on. Fitted to the GED extract by ``python -m
    sim.analysis.background_fit``; the defaults are placeholders that act only once a
    governorate is listed.
    """

    side: int = bounded(1, 0, 1)
    governorates: list[GovernorateProcess] = field(default_factory=list)
    epochs: list[BackgroundEpoch] = field(default_factory=list)
    deaths_zero_share: float = bounded(0.0, 0.0, 1.0)
    deaths_scale: float = bounded(1.0, 0.0, 1000000.0)
    deaths_tail: float = bounded(2.0, 1.01, 10.0)


@dataclass
class CalibrationParams:
    """Where each replication's parameters come from.

    ``none``: the config's values. Otherwise replication ``i`` draws one particle
    of the posterior table ``posterior`` (a path; a bare file name is looked up
    in the package's ``data/``) by its weight, the same particle in every
    scenario, and runs with that particle's parameter values. ``geography``
    names the geography the posterior was fitted for (empty: any). ``worlds`` (a path
    or a name in ``data/``): replication ``i`` runs world ``i`` of a worlds table as
    ``python -m sim.policy`` writes it (its parameter values and seed), whatever
    ``name`` says; the runs then repeat a policy's evaluation exactly.
    """

    name: str = "none"
    posterior: str = ""
    geography: str = ""
    worlds: str = ""


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
    first); ``heatmaps`` the outcomes drawn when two numeric parameters are swept;
    ``threshold`` the monthly difference from the baseline a variant must stay below
    to count as a lasting improvement; ``aggregate=false`` leaves the jobs' tables
    as they are (no ``sweep/``, no report), e.g. to time Hydra's own per-job cost or
    to compare later with ``python -m sim.compare``.
    """

    metric: str = "border_incidents_per_month"
    baseline: str | None = None
    heatmaps: list[str] = field(default_factory=lambda: ["border_incidents_per_month"])
    threshold: float = 0.0
    aggregate: bool = True


@dataclass
class ModelParams:
    """Everything one simulation needs: the model never reads Hydra's config."""

    geography: GeographyParams = field(default_factory=GeographyParams)
    phases: PhaseParams = field(default_factory=PhaseParams)
    measures: MeasuresParams = field(default_factory=MeasuresParams)
    patrol: PatrolParams = field(default_factory=PatrolParams)
    training: TrainingParams = field(default_factory=TrainingParams)
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
    dialogue: DialogueParams = field(default_factory=DialogueParams)
    monitors: MonitorParams = field(default_factory=MonitorParams)
    hotline: HotlineParams = field(default_factory=HotlineParams)
    corridors: CorridorParams = field(default_factory=CorridorParams)
    projects: ProjectParams = field(default_factory=ProjectParams)
    observation: ObservationParams = field(default_factory=ObservationParams)
    background: BackgroundParams = field(default_factory=BackgroundParams)
    costs: CostParams = field(default_factory=CostParams)
    moves: list[MoveParams] = field(default_factory=list)


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


def validate(params: ModelParams) -> ModelParams:
    """Check every range and the cross-field rules; raise ConfigError naming the key."""
    check_ranges(params)
    if not params.geography.provinces:
        raise ConfigError("geography.provinces: at least one province is required")
    groups = params.armed_groups
    if len(groups.spoilers) != len(groups.home_sides):
        raise ConfigError(
            f"armed_groups.spoilers={groups.spoilers}: needs one entry per group "
            f"({len(groups.home_sides)} in armed_groups.home_sides)"
        )
    _check_observation(params.observation)
    _check_background(params)
    ph = params.phases
    for key in ("schedule_days", "min_days", "max_incidents_per_month", "min_trust"):
        if len(getattr(ph, key)) != 2:
            raise ConfigError(
                f"phases.{key}={getattr(ph, key)}: needs 2 entries (phase 2, phase 3)"
            )
    if len(params.costs.money_per_year) != 2:
        raise ConfigError(
            f"costs.money_per_year={params.costs.money_per_year}: needs 2 entries (one per side)"
        )
    _check_units(params.patrol)
    if ph.schedule_days[1] < ph.schedule_days[0]:
        raise ConfigError(
            f"phases.schedule_days={ph.schedule_days}: phase 3 cannot start before phase 2"
        )
    _check_joint(params)
    if isinstance(params, Config):
        _check_calibration(params)
    check_moves(params, params.days if isinstance(params, Config) else None)
    return params


def _check_units(patrol: PatrolParams) -> None:
    """Each state's force: ``units_per_side`` plus its ``extra_units``, never negative."""
    extra = patrol.extra_units
    if len(extra) != 2:
        raise ConfigError(f"patrol.extra_units={extra}: needs 2 entries (one per side)")
    for side, more in enumerate(extra):
        if patrol.units_per_side + more < 0:
            raise ConfigError(
                f"patrol.extra_units.{side}={more}: state {'AB'[side]} would have "
                f"{patrol.units_per_side + more} units; allowed at least "
                f"-{patrol.units_per_side} (patrol.units_per_side={patrol.units_per_side})"
            )


def _check_joint(params: ModelParams) -> None:
    """Settings each allowed alone but impossible together."""
    sides = params.geography.side_names
    if len(sides) != 2 or len(set(sides)) != 2:
        raise ConfigError(f"geography.side_names={sides}: needs 2 distinct names, one per side")
    for key in ("armed_groups.home_sides", "smuggling.origin_sides"):
        group, name = key.split(".")
        if not getattr(getattr(params, group), name):
            raise ConfigError(f"{key}=[]: needs at least one entry (one per group or network)")


def _check_observation(obs: ObservationParams) -> None:
    unknown = [t for t in obs.types if t not in TYPE_LABELS]
    if unknown:
        raise ConfigError(
            f"observation.types={obs.types}: no incident type {unknown[0]}; "
            f"allowed: {', '.join(TYPE_LABELS)}"
        )
    if obs.bloodless_reported > 0 and obs.min_deaths > 0:
        raise ConfigError(
            f"observation.bloodless_reported={obs.bloodless_reported}: acts only when events "
            f"without a death count (observation.min_deaths=0, not {obs.min_deaths})"
        )


def _check_background(params: ModelParams) -> None:
    """Each background process lies opposite sectors of the geography, once."""
    from sim.model.geography import build_border  # the model's layer imports this module
    from sim.model.observation import sector_governorates

    days = [e.start_day for e in params.background.epochs]
    for i in range(1, len(days)):
        if days[i] <= days[i - 1]:
            raise ConfigError(
                f"background.epochs[{i}].start_day={days[i]}: must come after the epoch "
                f"before it (day {days[i - 1]})"
            )
    for i, g in enumerate(params.background.governorates):
        shares = g.ged_type_shares
        if len(shares) != 3 or abs(sum(shares) - 1.0) > SHARES_TOLERANCE:
            raise ConfigError(
                f"background.governorates[{i}].ged_type_shares={shares}: needs 3 shares "
                f"(GED codes 1, 2, 3) summing to 1"
            )
    names = [g.name for g in params.background.governorates]
    if not names:
        return
    known = set(sector_governorates(params.geography, build_border(params.geography)))
    for i, name in enumerate(names):
        if name not in known:
            raise ConfigError(
                f"background.governorates[{i}].name={name!r}: no sector of geography "
                f"{params.geography.name} lies opposite it; allowed: {', '.join(sorted(known))}"
            )
        if name in names[:i]:
            raise ConfigError(
                f"background.governorates[{i}].name={name!r}: listed twice; one process each"
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
