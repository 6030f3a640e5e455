"""The roadmap model: a Mesa model of two states, their border and the people and groups on it.

One step is one day. The order within a day is fixed and reads like the story:
the day's moves act (:mod:`sim.model.moves`), the phase machine looks at
yesterday, measures ramp, governments relax, communities move, the region's
background violence strikes (an exogenous process, :mod:`sim.model.background`),
smugglers and armed groups act, and the two states' forces meet at the line.
Weekly routines (patrol redeployment, the recruitment tally) run at the end of
their day, after the step, in the order Mesa's event list would run them as events.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from itertools import chain
from numbers import Integral
from typing import Any

import mesa
import numpy as np

from sim.config.params import ConfigError, ModelParams
from sim.model.agents import (
    ArmedGroup,
    Government,
    Mediator,
    MonitorMission,
    PatrolUnit,
    SmugglingNetwork,
    StateForces,
)
from sim.model.agents.armed_group import strength
from sim.model.agents.attacks import strike
from sim.model.agents.customs import Customs
from sim.model.agents.dialogue import MilitaryDialogue
from sim.model.agents.drones import DroneFleet
from sim.model.agents.intelligence import Intelligence
from sim.model.agents.joint_posts import JointPosts
from sim.model.agents.muster import patrol_strength
from sim.model.agents.sensors import SensorNetwork
from sim.model.agents.smuggling import smuggle
from sim.model.agents.training import Training
from sim.model.background import BackgroundViolence
from sim.model.budget import Budget
from sim.model.communities import Communities
from sim.model.geography import BorderSpace, build_border
from sim.model.incidents import IncidentLog
from sim.model.measures import MEASURE_NAMES, Measures
from sim.model.moves import Moves
from sim.model.phases import PhaseMachine
from sim.model.search import Search
from sim.model.streams import Streams, shuffle

_MESA_LOG = mesa.model._mesa_logger
"""Mesa's logger of its model's steps."""


class RoadmapModel(mesa.Model):
    """Border de-escalation roadmap between two neighbouring states.

    Two ways to build one. The runner passes validated ``params``; everyone else
    (scripts, ``mesa.batch_run``, SolaraViz) names a scenario and overrides by
    dotted key, as on the command line::

        RoadmapModel(scenario="roadmap", days=1095, rng=0,
                     **{"measures.joint_patrols.intensity": 0.5, "geography": "tr_sy"})

    The keyword form also collects the daily series in ``datacollector``
    (mesa.DataCollector); the runner's form does not pay for it. ``running``
    turns False at the horizon, and a step after it does nothing.

    Args:
        params: validated model parameters (None: build them from ``scenario``
            and ``overrides``, see :func:`sim.config.overrides.configure`).
        days: horizon in days.
        seed: integer seed (``rng`` is the same, by Mesa's name); every random
            stream of the run is spawned from it, one per agent, so that
            scenarios run with the same seed share their randomness as far as
            their decisions allow (common random numbers). None: fresh entropy.
        scenario: the scenario of the keyword form.
        point: a design point of the keyword form (dotted keys and values), merged with
            ``overrides``: what ``mesa.batch_run`` passes for each row of a design
            (see :func:`sim.api.batch_design`).
        overrides: dotted parameter keys or group choices of the keyword form.
    """

    def __init__(
        self,
        params: ModelParams | None = None,
        days: int = 1095,
        seed: int | None = None,
        *,
        scenario: str = "roadmap",
        rng: int | None = None,
        point: Mapping[str, Any] | None = None,
        **overrides: Any,
    ) -> None:
        seed = rng if seed is None else seed
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0
        ):
            raise ConfigError(f"rng={seed!r}: a seed is a non-negative integer (or None)")
        native = params is None
        if native:
            from sim.config.overrides import configure  # the runner's path never needs it

            params = configure(scenario, {**(point or {}), **overrides}, days=days)
            days = params.days  # checked: a whole float or a numeric string is fine
        elif overrides or point:
            raise TypeError("RoadmapModel: give params or overrides, not both")
        else:  # its own copy: a move changes the run's parameters, never its caller's
            params = copy.deepcopy(params)
        super().__init__(rng=seed)
        self.params = params
        self.moves = Moves(params.moves)
        self.days = days
        self.streams = Streams(seed)
        self.actor_names: list[str] = []
        self.border = build_border(params.geography)
        self.space = BorderSpace(self.border, self.random)
        self.log = IncidentLog(days)
        self.phases = PhaseMachine(params.phases, self.log.border_per_day)
        self.measures = Measures(params.measures)
        self.budget = Budget(self, days)
        self.search = Search(self)
        self.training = Training(self)
        for side in (0, 1):
            self.register_actor(f"state_{params.geography.side_names[side]}_forces")
        self.governments = [Government(self, side) for side in (0, 1)]
        self._create_patrols()
        self.drones = [DroneFleet(self, side) for side in (0, 1)]
        self.sensors = SensorNetwork(self)
        self.intel = Intelligence(self)
        self.customs = Customs(self)
        self.joint_posts = JointPosts(self)
        self.forces = StateForces(self)
        self.monitors = MonitorMission(self)
        self.communities = Communities(self)
        n = self.border.n
        a = params.armed_groups
        self.armed_groups = [
            ArmedGroup(self, home, int((i + 0.5) * n / len(a.home_sides)), spoiler)
            for i, (home, spoiler) in enumerate(zip(a.home_sides, a.spoilers, strict=False))
        ]
        origins = params.smuggling.origin_sides
        self.networks = [
            SmugglingNetwork(self, origin, int((i + 0.5) * n / len(origins)))
            for i, origin in enumerate(origins)
        ]
        for network in self.networks:
            network.clients = [g for g in self.armed_groups if g.home == network.target]
        self.intel.crossers = self.armed_groups
        self._group_rows = [g._row for g in self.armed_groups]
        self.mediator = Mediator(self) if params.measures.mediation.enabled else None
        self.dialogue = MilitaryDialogue(self)
        self.series = DailySeries(days)
        self.datacollector = None
        if native:  # the client's form: daily series, and the runs table's outcomes at the end
            from sim.runs.tables import outcome_reporters

            reporters = REPORTERS | outcome_reporters(daily=REPORTERS)
            self.datacollector = mesa.DataCollector(model_reporters=reporters)
        self._collects = native  # a subclass's own collector (the benchmark's) is its to call
        self.background = BackgroundViolence(self)  # last: exogenous, its own keyed stream
        self._schedule_routines()

    @property
    def day(self) -> int:
        """Today's day index (0-based). The only place that reads Mesa's step counter."""
        return self.steps - 1

    def spawn_rng(self) -> np.random.Generator:
        """A fresh independent random stream for one agent or mechanism."""
        return self.streams.spawn()

    def keyed_rng(self, key: int) -> np.random.Generator:
        """A stream fixed by the seed and ``key`` alone, whatever was spawned before it: an
        exogenous process draws the same in every scenario run with the seed."""
        return self.streams.keyed(key)

    def register_stream(self, stream: np.random.Generator) -> np.random.Generator:
        """Count ``stream`` among the run's streams (those :meth:`reseed` gives new states):
        every stream an agent draws from is made by the two above or registered."""
        return self.streams.register(stream)

    def reseed(self, key: int) -> None:
        """Give every random stream of the run (each agent's, Mesa's two) a new state,
        fixed by the seed, today and ``key`` (:class:`~sim.model.streams.Streams`): a copy
        reseeded with ``key`` is one more replication of the future from today's state.
        The background violence, drawn for the whole horizon when the run starts, is
        drawn anew from today on, continuing its history (:meth:`BackgroundViolence.redraw
        <sim.model.background.BackgroundViolence.redraw>`).

        What was drawn before today stays: the plans units and drones drew up at their
        last redeployment (at most ``patrol.redeploy_days``)."""
        fresh = self.streams.reseed(self.steps, key, self.rng, self.random)
        self.background.redraw(self.steps, fresh)

    def register_actor(self, name: str) -> int:
        """Give an actor a code for the incident log."""
        self.actor_names.append(name)
        return len(self.actor_names) - 1

    def state_actor(self, side: int) -> int:
        return side  # the two states are registered first

    def _schedule_routines(self) -> None:
        """Periodic routines, run at the end of their day (after the step, and after what a
        subclass's ``step`` does after it), as Mesa runs recurring events of low priority.

        Patrols are deployed now and redeployed every ``redeploy_days``; armed
        groups' recruitment is tallied every ``recruit_every_days``; monitors move every
        ``monitors.redeploy_days`` from day 1. Routines due at the same time run in
        the order they were last scheduled (Mesa's event list breaks ties by the
        event's creation): a routine's next time is set when it runs, so of two
        routines due together the one with the longer period runs first.
        """
        self._redeploy()
        p = self.params
        redeploy, recruit = p.patrol.redeploy_days, p.armed_groups.recruit_every_days
        routines = (  # (first time, period, routine)
            (redeploy, redeploy, "_redeploy"),
            (recruit, recruit, "_recruit"),
            (1, p.monitors.redeploy_days, "_deploy_monitors"),
        )
        # [time due, order scheduled, period, routine]
        self._routines: list[list] = [
            [float(first), order, every, name]
            for order, (first, every, name) in enumerate(routines)
        ]
        self._scheduled = len(self._routines)  # routines scheduled so far
        self._next_routine = 1.0

    def _do_step(self) -> None:
        """Mesa's step of the day (``steps`` + 1, its log line, then ``step``), then the
        routines due. Mesa formats its log line every day whether or not it is logged (1.6 %
        of a default run's instructions); this formats it only when it is."""
        self.steps += 1
        if _MESA_LOG.isEnabledFor(logging.INFO):
            _MESA_LOG.info(f"Step {self.steps} at time {self.time}")
        self._user_step()
        if self.time >= self._next_routine:
            self._run_routines()

    def _run_routines(self) -> None:
        now = self.time
        for routine in sorted(r for r in self._routines if r[0] <= now):
            getattr(self, routine[3])()
            routine[0] = now + routine[2]
            routine[1] = self._scheduled
            self._scheduled += 1
        self._next_routine = min(r[0] for r in self._routines)

    def _redeploy(self) -> None:
        for gov in self.governments:
            gov.redeploy()
        self.sensors.install()
        self.search.plan()
        self.forces.on_redeploy()
        self.forces.hotline.roster()

    def _deploy_monitors(self) -> None:
        self.monitors.redeploy()

    def _recruit(self) -> None:
        self.communities.recruit(self.armed_groups, self.params.armed_groups.recruit_every_days)

    def _create_patrols(self) -> None:
        for gov in self.governments:
            units = patrol_strength(self.params.patrol, gov.side)
            gov.station([PatrolUnit(self, gov.side, i) for i in range(units)])

    # --- what agents call -------------------------------------------------
    def mean_trust(self) -> float:
        return 0.5 * (self.governments[0].trust + self.governments[1].trust)

    def on_joint_interdiction(self) -> None:
        """An interdiction where joint units patrol builds both states' trust (the state
        crossed into saw it: ``sim.model.agents.armed_group``)."""
        gain = self.params.governments.trust_gain_joint_success
        for gov in self.governments:
            gov.build_trust(gain)

    def report_casualties(self, side: int, sector: int, casualties: int) -> None:
        """Violence hits communities; the mediator may take the incident up; a severe one
        may set the roadmap back (the phase machine decides, by trust)."""
        self.communities.on_violence(side, sector, casualties)
        if self.mediator is not None:
            self.mediator.consider(self.day, sector, casualties)
        if casualties >= self.params.incidents.severe_casualties:
            self.phases.on_severe_incident(self.day, self.mean_trust(), casualties)

    def delivered(self, kind: str, count: int = 1) -> None:
        """Both governments see ``count`` joint deliveries of ``kind`` ("project" built,
        "exchange" held): trust grows by what they observe, not by a measure's level."""
        gain = getattr(self.params.governments, f"trust_gain_{kind}") * count
        for gov in self.governments:
            gov.build_trust(gain)

    # --- the day ----------------------------------------------------------
    def step(self) -> None:
        day = self.day
        if day >= self.days:  # past the horizon: nothing left to simulate
            self.running = False
            return
        if self.moves.pending:
            self.moves.apply_due(self, day)
        self.phases.update(day, self.mean_trust())
        a, b = self.governments
        cooperating = a.cooperating() and b.cooperating()
        changed = self.measures.update(day, self.phases.phase, cooperating, self.budget.broke)
        for gov in self.governments:
            gov.relax()
        self.dialogue.step(day)
        if self.mediator is not None:
            self.mediator.step(day)
        if changed:
            self.communities.refresh(changed)
        self.search.new_day(day)
        self.intel.step(day)
        self.customs.step(day)
        self.communities.step(day)
        self.background.step(day)
        smuggle(self.networks, self.armed_groups)
        # In random order, as Mesa's shuffle_do("step") would (the same shuffle of a list
        # as long, by the model's generator), without its overhead per call.
        order = self._group_rows.copy()
        shuffle(self.random, order)
        strike(self.armed_groups, tuple(order))
        self.forces.step(day)
        self.budget.close_day(day)
        self.series.record(self)
        if self._collects:
            self.datacollector.collect(self)
        if day == self.days - 1:
            self.running = False

    def run(self) -> RoadmapModel:
        """Run the rest of the horizon: day after day as Mesa's event loop would run them,
        without an event per day (through Mesa's loop when a client scheduled events of
        its own, or moved the clock off whole days)."""
        step = self._default_schedule  # Mesa's event of the next step, the list's only one
        if len(self._event_list) != 1 or self.time != self.steps or not step.is_active:
            self.run_for(self.days - self.steps)
            return self
        step.pause()
        try:
            for _ in range(self.days - self.steps):
                self.time += 1.0
                self._do_step()
        finally:
            step.resume()
        return self


REPORTERS = {
    "day": "day",
    "phase": lambda m: m.phases.phase,
    "border_incidents": lambda m: int(m.log.border_per_day[m.day]),
    "trust": lambda m: m.mean_trust(),
    "tension": lambda m: 0.5 * (m.governments[0].tension + m.governments[1].tension),
    "fighters": lambda m: sum(g.fighters for g in m.armed_groups),
    "arms": lambda m: sum(g.arms for g in m.armed_groups),
    "hardship": lambda m: m.communities.mean_hardship(),
}
"""The keyword form's daily series in ``datacollector`` (as in ``timeseries.parquet``)."""


class DailySeries:
    """Per-day state that is not in the incident log (counts are derived from the log)."""

    STATE = (
        "phase",
        "trust_a",
        "trust_b",
        "tension_a",
        "tension_b",
        "fighters",
        "arms",
        "hardship",
        "recruit_pool",
        "inspected_share",
        "trade_delay_hours",
    )

    def __init__(self, days: int) -> None:
        self.rows: list[tuple[float, ...]] = []  # per day: STATE, then every measure's level
        self.arms_delivered = np.zeros(days)

    def record(self, model: RoadmapModel) -> None:
        """Append today's row (a tuple: far cheaper than writing into an array each day)."""
        a, b = model.governments
        self.rows.append(
            (
                model.phases.phase,
                a.trust,
                b.trust,
                a.tension,
                b.tension,
                *strength(model.armed_groups),
                model.communities.mean_hardship(),
                model.communities.pool_share(),
                model.customs.inspected_share(),
                model.customs.trade_delay_hours(),
                *model.measures.level,
            )
        )

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """The recorded days as arrays: (state, one column per STATE name; measure levels)."""
        width = len(self.STATE) + len(MEASURE_NAMES)
        flat = np.fromiter(chain.from_iterable(self.rows), float, len(self.rows) * width)
        values = flat.reshape(len(self.rows), width)
        return values[:, : len(self.STATE)], values[:, len(self.STATE) :]
