"""Armed groups: they plan cross-border attacks where they have learned attempts succeed;
spoilers among them also answer, and strike at, what threatens their base."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.model.agents.crosser import BorderCrosser, pick
from sim.model.compiled import generator, kernel
from sim.model.incidents import IncidentType

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel


class ArmedGroup(BorderCrosser):
    """A non-state armed group based on one side, striking across the line.

    Rule (every group): each day, if it has arms, attempt an attack with
    probability ``attempt_rate * (fighters / reference) * (1 + urge + threat_response *
    menace) * best_expected_success ** deterrence_exponent`` at the sector it
    staged for (chosen as a ``BorderCrosser``, where it has learned attempts
    succeed, when its previous attempt went); if detected the attempt is
    interdicted (fighters lost), otherwise it is an attack with heavy-tailed
    casualties. Success and being struck raise ``urge``, which decays with a
    half-life: violence excites more violence. ``menace`` is 0 for a group that
    is not a spoiler.

    Rule (spoilers): every ``threat_review_days`` a spoiler looks at the sectors of
    its reach for the assets that erode its base: a joint post (both sides' joint units hold the
    sector: its crossings are watched by both), a ceasefire-monitor team (its
    attacks are seen and attributed: it loses cover), customs inspectors at a
    gate (they cut the smuggling route that arms it; counted as the share of the
    gate's traffic they search) and an economic project in its recruitment cell
    (its home side of the sector: less hardship, fewer recruits). Each counts 1.
    Its perceived ``threat`` in a sector moves toward what it sees there with a
    memory of ``threat_memory_days``, so it rises as assets arrive and decays
    after they leave; ``menace`` is its mean over the reach. The spoiler steps up
    attempts with ``menace`` (above), and targets the assets: a sector's pull is
    ``exp((learned success + target_value * threat) / temperature)``.
    It strikes across the line, where joint posts, gates and monitors stand on
    both sides; where a project in its own recruitment cell is the only asset
    it sees in the sector, it strikes the project there, on its home side,
    meeting that side's forces. The roadmap's phase number plays no part.

    Attributes (besides ``BorderCrosser``'s; ``rate`` is today's attempt probability):
        fighters, arms: strength and arms stock (one attempt uses ``arms_per_attempt``).
        urge: self-exciting revenge/momentum term.
        spoiler: whether it perceives and answers threats to its base.
        threat: per sector of its reach, its perceived threat there (spoilers; zeros).
        menace: mean perceived threat over its reach.
        staging: index into ``sectors`` of its next attempt (what informants may hear of).
    """

    def __init__(self, model: RoadmapModel, home: int, centre: int, spoiler: bool) -> None:
        a = model.params.armed_groups
        super().__init__(
            model,
            home,
            centre,
            a.reach_sectors,
            a.initial_success,
            a.choice_temperature,
            a.learning_rate,
            "armed_group",
        )
        self.p = a
        self.fighters = a.initial_fighters
        self.arms = a.initial_arms
        self.urge = 0.0
        self.spoiler = spoiler
        self._urge_decay = 0.5 ** (1.0 / a.urge_half_life)
        # Lists, not arrays, as for the learned values: a dozen sectors.
        self.threat = [0.0] * len(self.sectors)
        self.menace = 0.0
        self._pull = [0.0] * len(self.sectors)  # target_value * threat, for weights()
        self._home_strike = [False] * len(self.sectors)  # a project is all it saw there
        self._threat_step = -math.expm1(-a.threat_review_days / a.threat_memory_days)
        self._gates = model.border.gate[self.reach].tolist()
        self._rule = np.array(
            [
                a.attempt_rate,
                a.reference_fighters,
                a.threat_response,
                a.deterrence_exponent,
                a.arms_per_attempt,
            ]
        )
        self.staging = self.choose(self.stream.random())

    def step(self) -> None:
        """Maybe attempt an attack today (the rule is in the class docstring)."""
        self.urge *= self._urge_decay
        if self.spoiler and self.model.day % self.p.threat_review_days == 0:
            self._perceive()
        self.rate, i, self.staging = _decide(
            self._port.handle,
            self.cdf(),
            self.staging,
            self.fighters,
            self.arms,
            self.urge,
            self.menace,
            self.best,
            self._rule,
        )
        if i >= 0:
            self.arms -= self.p.arms_per_attempt
            self._attempt(i)

    def assets(self) -> tuple[list[float], list[bool]]:
        """What it sees today over its reach: (assets at the line, project in its
        recruitment cell), per sector. The one place that reads other actors' assets."""
        model, reach = self.model, self.reach
        watch = model.customs.inspected_share()
        monitors = model.monitors.present[reach].tolist()
        line = [m + g * watch for m, g in zip(monitors, self._gates, strict=True)]
        for sector in model.search.joint_posts:
            if reach.start <= sector < reach.stop:
                line[sector - reach.start] += 1.0
        return line, model.communities.project[self.home, reach].tolist()

    def _perceive(self) -> None:
        """Move its perceived threat toward today's assets; refresh its targeting."""
        line, project = self.assets()
        if not (self.menace or any(line) or any(project)):
            return
        k, value = self._threat_step, self.p.target_value
        self.threat = [
            t + (x + p - t) * k for t, x, p in zip(self.threat, line, project, strict=True)
        ]
        self.menace = sum(self.threat) / len(self.threat)
        self._pull = [value * t for t in self.threat]
        self._home_strike = [p and not x for x, p in zip(line, project, strict=True)]
        self._cdf = None

    def weights(self) -> list[float]:
        """Softmax weights of its sectors: learned success, plus the pull of the
        assets it targets (a spoiler's; zero otherwise, and then the crosser's own weights)."""
        if not self.spoiler:
            return super().weights()
        utility = [v + b for v, b in zip(self.value, self._pull, strict=True)]
        top, t = max(utility), self.temperature
        return [math.exp((u - top) / t) for u in utility]

    def _attempt(self, i: int) -> None:
        model, a = self.model, self.p
        sector = self.sectors[i]
        side = self.home if self._home_strike[i] else self.target
        tip_u, detect_u = self.stream.random(2).tolist()
        detected, effort = model.search.attempt(side, sector, tip_u, detect_u)
        self.learn([(i, not detected)])
        if detected:
            lost = min(self.fighters, int(self.stream.poisson(a.losses_interdicted)))
            self.fighters -= lost
            model.log.add(
                model.day,
                sector,
                side,
                IncidentType.INTERDICTION,
                self.actor,
                True,
                0,
                effort,
                lost,
            )
            model.on_interdiction(side, sector)
            return
        casualties = model.communities.victims(self.stream, side, sector, a.casualty_scale)
        model.log.add(
            model.day, sector, side, IncidentType.ATTACK, self.actor, False, casualties, effort
        )
        self.urge += a.urge_jump_success
        model.governments[side].respond_to_attack(sector, casualties)
        self._maybe_struck()
        model.report_casualties(side, sector, casualties)

    def _maybe_struck(self) -> None:
        """The attacked state hits back at the group itself: losses, and revenge urge."""
        g, a = self.model.params.governments, self.model.params.armed_groups
        if self.stream.random() < g.counterstrike:
            self.fighters -= min(self.fighters, int(self.stream.poisson(a.losses_counterstrike)))
            self.urge += a.urge_jump_struck

    def ready(self) -> bool:
        """Preparing attacks: willing, and armed for one."""
        return self.rate > 0 and self.arms >= self.p.arms_per_attempt

    def receive_arms(self, amount: float) -> None:
        self.arms += amount

    @property
    def arms_need(self) -> float:
        # Compared, not max(0.0, need): a call to max() costs more than the rest, and each
        # network reads each client's need every day.
        need = self.model.params.smuggling.arms_target - self.arms
        return need if need > 0.0 else 0.0


@kernel
def _decide(
    stream_handle: np.ndarray,
    cdf: np.ndarray,
    staging: int,
    fighters: int,
    arms: float,
    urge: float,
    menace: float,
    best: float,
    rule: np.ndarray,
) -> tuple[float, int, int]:
    """Today's attempt probability and whether it attempts: (probability, index of the
    sector it strikes or -1, index of where it stages next). ``rule``: attempt rate,
    reference fighters, threat response, deterrence exponent, arms per attempt."""
    deterrence = best ** rule[3]
    motive = 1.0 + urge + rule[2] * menace
    rate = min(rule[0] * fighters / rule[1] * motive * deterrence, 1.0)
    if arms < rule[4]:
        return rate, -1, staging
    g = generator(stream_handle)
    if g.random() >= rate:
        return rate, -1, staging
    return rate, staging, pick(cdf, g.random())  # it strikes where it staged; stages anew
