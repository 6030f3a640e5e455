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
    """What counts as a severe incident. Its victims are the people in harm's way
    where it strikes (``communities.crowd_*``, :meth:`Communities.victims
    <sim.model.communities.Communities.victims>`)."""

    severe_casualties: int = bounded(8, 1, 100000)


@dataclass
class PatrolParams:
    """Patrol units and random-search detection.

    The chance that an attempt in a sector is detected is
    ``1 - exp(-sweep_rate * effort)`` (Koopman). Effort counts the units that
    patrol that sector that day (the target side's, a share of the other
    side's, joint units at the value their training gives them, their effort
    split between the two sides) and drones flying over it, scaled down by rough
    terrain. Each unit patrols a zone of ``zone_radius`` sectors either side of
    its post, where it chooses each day's sector (``PatrolForce``); a free unit
    answers an early-warning alert within ``response_reach`` sectors.
    """

    units_per_side: int = bounded(60, 0, 100000)
    extra_units: list[int] = bounded([0, 0], -100000, 100000)
    """Units each state (A, B) has beyond ``units_per_side`` (negative: fewer), so that
    the two forces may differ: state A with 80 and B with 50 is ``units_per_side=60,
    extra_units=[20, -10]`` (units). A move on ``extra_units.<side>`` is one
    government's own surge or drawdown."""
    unit_effort: float = bounded(1.0, 0.0, 100.0)
    sweep_rate: float = bounded(0.5, 0.0, 100.0)
    terrain_penalty: float = bounded(0.6, 0.0, 1.0)
    other_side_share: float = bounded(0.25, 0.0, 1.0)
    threat_focus: float = bounded(0.6, 0.0, 1.0)
    threat_memory_days: float = bounded(60.0, 1.0, 3650.0)
    redeploy_days: int = bounded(7, 1, 365)
    zone_radius: int = bounded(1, 0, 100)
    response_reach: int = bounded(2, 0, 100000)
    pursuit: float = bounded(1.0, 0.0, 100.0)
    """How strongly a unit follows its side's threat picture within its zone: a sector
    where its side saw ``m`` times the border's mean of hostile events weighs
    ``1 + pursuit * m`` against ``1 + pursuit`` for a quiet average one (unitless).
    1: a sector twice as hot as average gets 1.5 times the days; the unit still
    walks its whole zone, so its route does not tell crossers where it will be."""
    duty_days: int = bounded(6, 1, 365)
    """Days a unit patrols flat terrain between rest days (days): one rest day a week."""
    terrain_fatigue: float = bounded(0.5, 0.0, 1.0)
    """Share by which fully rough terrain (roughness 1) shortens a unit's duty stretch
    (unitless): rough ground wears a unit out sooner, so it rests more often.
    0.5: a week's duty in the plains is four days in mountains (roughness 0.7)."""
    joint_share: float = bounded(0.4, 0.0, 1.0)
    joint_dispute_escalation: float = bounded(0.3, 0.0, 1.0)
    """Chance that a dispute between the two contingents of a joint unit over a
    crosser they stopped turns into a clash, between contingents that have not
    yet served together (unitless). An assumption (no data on joint-patrol
    incidents): about one dispute in three between armed strangers comes to
    blows; sweep it."""
    joint_familiarity_days: float = bounded(90.0, 1.0, 3650.0)
    """Days served together over which contingents' disputes lose their edge
    (e-folding time, days): after a season together, about a third as many
    disputes escalate as between strangers."""


@dataclass
class TrainingParams:
    """Joint task-force training (measure ``task_force_training``; see
    :mod:`sim.model.agents.training`).

    Instructor teams, each a patrol unit's personnel taken off patrols, run
    courses for the contingents of the joint units; a contingent's skill grows
    with the training days it receives and fades without refreshers, and sets
    its search value against a national unit's.
    """

    trainers: int = bounded(2, 0, 10000)
    """Instructor teams each state may detail at the measure's full effect (teams; a
    team is one patrol unit's personnel). 2 teams train 6 contingents at a time:
    the default joint force (``patrol.joint_share`` 0.4 of 60 units, 24
    contingents) qualifies in about half a year, then needs about one team for
    refreshers."""
    trainees_per_trainer: int = bounded(3, 1, 1000)
    """Contingents (units) one instructor team trains at a time (units): about one
    instructor for three trainees, a small-arms or procedures course's ratio."""
    course_days: int = bounded(5, 1, 365)
    """Days of one course (days; a working week). A course is held within one
    redeployment period (at most ``patrol.redeploy_days`` days of it)."""
    learning_days: float = bounded(20.0, 1.0, 3650.0)
    """Training days that take a contingent 63% of the way to full joint skill
    (e-folding, days): skill after ``d`` days is ``1 - exp(-d / learning_days)``.
    20: four one-week courses, the order of a joint-operations qualification."""
    retention_days: float = bounded(730.0, 1.0, 36500.0)
    """A contingent forgets the training days it received with this e-folding time
    (days): two years, so that a qualified contingent (``proficiency``) needs a
    week's refresher about every hundred days."""
    proficiency: float = bounded(0.8, 0.0, 1.0)
    """Skill at which a contingent takes no more courses until it has forgotten some
    (unitless): a qualification standard; 0.8 takes about 32 training days from none
    (six to seven one-week courses)."""
    value_untrained: float = bounded(0.6, 0.0, 2.0)
    """Search value of a joint contingent without joint training, relative to a
    national unit (unitless). Below 1 for the coordination overhead of two chains
    of command, languages, radios and rules; 0.6 is an assumption (range 0.3-1)."""
    value_trained: float = bounded(1.0, 0.0, 2.0)
    """Search value of a fully trained joint contingent relative to a national unit
    (unitless). 1, parity: nothing shows that a mixed team of the same size
    searches better per person, and what a joint unit does that national ones
    cannot is in the model already (it patrols both sides of the line, what it
    sees is shared by trust, its contingents meet no strangers at the line).
    Sweep 0.8-1.6 for the claim that shared procedures and pursuit across the
    line make it better: 1.6 = 2 / (1 + ``patrol.other_side_share``) would be a
    team that stops crossers leaving either side as its own."""


@dataclass
class GovernmentParams:
    """Trust, tension, retaliation and friction between the two states' forces.

    ``tension_decay`` and ``trust_erosion`` are daily rates; updates are exact
    exponential steps (see ``Government.relax``), so trust stays in
    ``[trust_floor, 1]`` and tension in ``[0, 1]`` for any values in range.
    ``blame`` is the chance, at zero trust, that a state blames the other for an
    attack nobody explained (by a monitor's report or over the hotline).

    Orders and local commanders (:mod:`sim.model.agents.forces`): a government
    whose tension is below ``orders_tension[0]`` orders restraint, above
    ``orders_tension[1]`` permissive rules, in between standard ones. Each of
    the three orders sets (as lists of three, restrained to permissive) the
    share of a unit's patrols that go up to the line (``forward_share``), the
    chance that a commander of average temper opens fire at an encounter
    (``open_fire``), and his daily urge to fire across the line unprovoked
    (``violation_urge``). Commanders' tempers are Gamma-distributed with mean 1
    and shape ``temper_shape`` (lower: more hot-heads). Being fired upon adds
    one to a commander's grievance, which decays with ``grievance_half_life``
    days and adds ``grievance_response`` per unit to both chances: fire begets
    fire locally. A commander bound by a hold-back arrangement holds fire with
    chance ``discipline``. A side holds at most ``line_posts`` positions facing
    the line per sector (observation posts and crossing points; its other units
    there patrol in depth), so encounters between the states' forces saturate
    as forces grow instead of rising with the square of their numbers.
    ``friction_rate`` is the daily chance that one pair
    of forward units of the two sides, out in the same time slot, meets.

    Friction between the two states is a hypothesis of the stylised border, not
    a measurement: the defaults (``friction_rate`` 0.01, sweep 0-0.03) put its
    no-agreement baseline at about two clashes and two to three violations a
    month, a disputed but not warring line; the orders' lists are ordinal
    hypotheses, to be swept. The ``tr_sy`` geography sets friction to what the
    2016-17 data show there: none between the two states.
    """

    initial_trust: float = bounded(0.1, 0.0, 1.0)
    initial_tension: float = bounded(0.4, 0.0, 1.0)
    tension_floor: float = bounded(0.15, 0.0, 1.0)
    tension_decay: float = bounded(0.03, 0.0, 1.0)
    trust_erosion: float = bounded(0.002, 0.0, 1.0)
    trust_floor: float = bounded(0.1, 0.0, 1.0)
    attack_shock: float = bounded(0.015, 0.0, 1.0)
    clash_shock: float = bounded(0.03, 0.0, 1.0)
    violation_shock: float = bounded(0.008, 0.0, 1.0)
    trust_loss_clash: float = bounded(0.02, 0.0, 1.0)
    trust_loss_blame: float = bounded(0.015, 0.0, 1.0)
    trust_loss_violation: float = bounded(0.004, 0.0, 1.0)
    trust_gain_joint_success: float = bounded(0.01, 0.0, 1.0)
    trust_gain_project: float = bounded(0.01, 0.0, 1.0)
    trust_gain_exchange: float = bounded(0.004, 0.0, 1.0)
    blame: float = bounded(0.6, 0.0, 1.0)
    retaliation: float = bounded(0.5, 0.0, 1.0)
    counterstrike: float = bounded(0.4, 0.0, 1.0)
    friction_rate: float = bounded(0.01, 0.0, 10.0)
    orders_tension: list[float] = bounded([0.3, 0.5], 0.0, 1.0)
    forward_share: list[float] = bounded([0.3, 0.6, 0.9], 0.0, 1.0)
    open_fire: list[float] = bounded([0.05, 0.3, 0.6], 0.0, 1.0)
    violation_urge: list[float] = bounded([0.0002, 0.001, 0.004], 0.0, 1.0)
    temper_shape: float = bounded(2.0, 0.01, 1000.0)
    grievance_response: float = bounded(0.05, 0.0, 1.0)
    grievance_half_life: float = bounded(5.0, 0.1, 3650.0)
    discipline: float = bounded(0.85, 0.0, 1.0)
    line_posts: int = bounded(1, 0, 1000)
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

    Spoilers (``spoilers``, one flag per group) answer what threatens their base
    in their reach (joint posts, monitor teams, gate inspectors, projects in
    their recruitment cells; see :class:`sim.model.agents.armed_group.ArmedGroup`),
    not the roadmap's phase:

    - ``threat_response`` (0-5): extra attempts per asset per sector of its reach,
      as a share of its base attempt rate. 0.5 by default: a reach fully covered
      (about one asset per sector, the all-at-once deployment at full ramp)
      raises a spoiler's attempts by half, the size of the phase-3 surge the
      model assumed before, so results stay comparable; no data pins it (sweep it).
    - ``target_value`` (0-1): what striking an asset is worth to a spoiler, in
      units of chance of getting through: 0.1 by default, so one asset in a
      sector pulls like a 10-point better route (at ``choice_temperature`` 0.12
      about 2.3 times the choice weight) and a well-watched sector can still
      repel it; 0 turns targeting off.
    - ``threat_memory_days`` (1-365): how fast its perceived threat follows the
      assets it sees (days, exponential). 30 by default: its picture of what is
      deployed builds and fades over weeks, slower than patrols' weekly
      redeployment and about the monitors' two-week cycle times two.
    - ``threat_review_days`` (1-365): how often a spoiler takes stock of the
      assets in its reach. 7 by default: weekly, as patrols redeploy (joint posts
      move no faster); a daily look would cost run time and see little more.
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
    threat_response: float = bounded(0.5, 0.0, 5.0)
    target_value: float = bounded(0.1, 0.0, 1.0)
    threat_memory_days: float = bounded(30.0, 1.0, 365.0)
    threat_review_days: int = bounded(7, 1, 365)


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

    Where violence strikes: a cell's residents are spread over ``spots`` places
    a strike can land on (homes, roads, fields, a market, a queue at a
    checkpoint); the people within a strike's reach at a spot (its crowd, while
    all residents are at home) are lognormal across spots, median
    ``crowd_median``, log-spread ``crowd_spread`` (the spots are that
    distribution's quantiles, the same in every cell; with 100 spots the
    largest crowd, about 600 people, is a market day's). A strike of scale 1
    harms each person within reach with chance ``harm_share`` (an armed
    group's attack has ``armed_groups.casualty_scale`` times that). The
    defaults keep the victims the model had with a typed-in Lomax law (mean
    about 1.2 a clash, 2.9 an attack; one attack in twelve severe) and give a
    tail exponent of about 2.2 above 6 victims, near what conflict data show
    (Clauset et al. 2007: about 2.5); ``crowd_spread`` is what the
    calibration fits.
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
    spots: int = bounded(100, 1, 100000)
    crowd_median: float = bounded(6.0, 0.0, 1e6)
    crowd_spread: float = bounded(1.8, 0.0, 5.0)
    harm_share: float = bounded(0.05, 0.0, 1.0)
