"""Armed groups: they plan cross-border attacks where they have learned attempts succeed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.model.agents.crosser import BorderCrosser
from sim.model.incidents import IncidentType

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel


class ArmedGroup(BorderCrosser):
    """A non-state armed group based on one side, striking across the line.

    Rule: each day, if it has arms, attempt an attack with probability
    ``attempt_rate * (fighters / reference) * (1 + urge) * best_expected_success
    ** deterrence_exponent`` (more for a spoiler as the roadmap advances), at
    the sector it staged for (chosen as a ``BorderCrosser``, where it has
    learned attempts succeed, when its previous attempt went); if detected the
    attempt is interdicted (fighters lost), otherwise it is an attack with
    heavy-tailed casualties. Success and being struck raise ``urge``, which
    decays with a half-life: violence excites more violence.

    Attributes (besides ``BorderCrosser``'s; ``rate`` is today's attempt probability):
        fighters, arms: strength and arms stock (one attempt uses ``arms_per_attempt``).
        urge: self-exciting revenge/momentum term.
        spoiler: whether it steps up violence as the roadmap advances.
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
        self.staging = self.choose(self.stream.random())

    def step(self) -> None:
        """Maybe attempt an attack today (the rule is in the class docstring)."""
        a = self.p
        self.urge *= self._urge_decay
        deterrence = self.best**a.deterrence_exponent
        p = a.attempt_rate * self.fighters / a.reference_fighters * (1.0 + self.urge) * deterrence
        if self.spoiler:
            p *= 1.0 + a.spoiler_strength * self.model.phases.phase / 3
        self.rate = min(p, 1.0)
        if self.arms < a.arms_per_attempt or self.stream.random() >= self.rate:
            return
        self.arms -= a.arms_per_attempt
        i, self.staging = self.staging, self.choose(self.stream.random())
        self._attempt(i)

    def _attempt(self, i: int) -> None:
        model, a = self.model, self.p
        sector = self.sectors[i]
        tip_u, detect_u = self.stream.random(), self.stream.random()
        detected, effort = model.search.attempt(self.target, sector, tip_u, detect_u)
        self.learn([(i, not detected)])
        if detected:
            lost = min(self.fighters, int(self.stream.poisson(a.losses_interdicted)))
            self.fighters -= lost
            model.log.add(
                model.day,
                sector,
                self.target,
                IncidentType.INTERDICTION,
                self.actor,
                True,
                0,
                effort,
                lost,
            )
            model.on_interdiction(self.target, sector)
            return
        scale = a.casualty_scale
        if self.spoiler:
            scale *= 1.0 + a.spoiler_strength * model.phases.phase / 3
        casualties = model.communities.victims(self.stream, self.target, sector, scale)
        model.log.add(
            model.day,
            sector,
            self.target,
            IncidentType.ATTACK,
            self.actor,
            False,
            casualties,
            effort,
        )
        self.urge += a.urge_jump_success
        model.governments[self.target].respond_to_attack(sector, casualties)
        self._maybe_struck()
        model.report_casualties(self.target, sector, casualties)

    def _maybe_struck(self) -> None:
        """The attacked state hits back at the group itself: losses, and revenge urge."""
        g, a = self.model.params.governments, self.model.params.armed_groups
        if self.stream.random() < g.counterstrike:
            self.fighters -= min(self.fighters, int(self.stream.poisson(a.losses_counterstrike)))
            self.urge += a.urge_jump_struck

    def on_roadmap_advance(self) -> None:
        """Spoilers answer each step forward of the roadmap with a surge of violence."""
        if self.spoiler:
            self.urge += self.model.params.armed_groups.spoiler_jump

    def ready(self) -> bool:
        """Preparing attacks: willing, and armed for one."""
        return self.rate > 0 and self.arms >= self.p.arms_per_attempt

    def receive_arms(self, amount: float) -> None:
        self.arms += amount

    @property
    def arms_need(self) -> float:
        return max(0.0, self.model.params.smuggling.arms_target - self.arms)
