"""Parameters of the border and its actors: geography, incidents, patrols, governments,
armed groups, smuggling networks and communities (see :mod:`sim.config.params`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.config.schema import bounded


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
    recruit_rate: float = bounded(0.28, 0.0, 100.0)
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
    day, with a full pool) are per cell of average population at hardship 1 (see
    :mod:`sim.model.communities`), so they mean the same on every geography.
    ``recruit_pool`` is the potential recruits of such a cell when its pool is
    full; people who joined are replaced over ``pool_recovery_days``.
    """

    base_hardship: float = bounded(0.5, 0.0, 1.0)
    relax_days: float = bounded(120.0, 1.0, 36500.0)
    violence_shock: float = bounded(0.03, 0.0, 1.0)
    displacement_per_casualty: float = bounded(0.002, 0.0, 1.0)
    displacement_return_days: float = bounded(180.0, 1.0, 36500.0)
    displacement_hardship: float = bounded(2.0, 0.0, 100.0)
    crossing_rate: float = bounded(0.02375, 0.0, 1.0)
    recruit_pool: float = bounded(60.0, 1.0, 1e6)
    pool_recovery_days: float = bounded(365.0, 1.0, 36500.0)
