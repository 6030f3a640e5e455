"""Armed groups: they plan cross-border attacks where they have learned attempts succeed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from sim.incidents import IncidentType

if TYPE_CHECKING:
    from sim.model import RoadmapModel


def softmax(values: np.ndarray, temperature: float) -> np.ndarray:
    """Choice probabilities that favour higher values more as temperature falls."""
    z = np.exp((values - values.max()) / temperature)
    return z / z.sum()


def pick(rng: np.random.Generator, p: np.ndarray, size: int | None = None) -> np.ndarray | int:
    """Draw indices with probabilities ``p`` (inverse CDF; cheaper than ``Generator.choice``)."""
    cdf = np.cumsum(p)
    u = rng.random(size) * cdf[-1]
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(p) - 1)


def reach_window(n: int, centre: int, width: int) -> np.ndarray:
    """Indices of ``width`` contiguous sectors around ``centre``, kept inside the border."""
    width = min(width, n)
    start = min(max(0, centre - width // 2), n - width)
    return np.arange(start, start + width)


class ArmedGroup(Agent):
    """A non-state armed group based on one side, striking across the line.

    Rule: each day, if it has arms, attempt an attack with probability
    ``attempt_rate * (fighters / reference) * (1 + urge) * best_expected_success
    ** deterrence_exponent`` (more for a spoiler as the roadmap advances); pick the
    sector by a softmax over the success it has learned there; if detected the
    attempt is interdicted (fighters lost), otherwise it is an attack with
    heavy-tailed casualties. Success and being struck raise ``urge``, which
    decays with a half-life: violence excites more violence.

    Attributes:
        home: side the group is based on; it attacks side ``1 - home``.
        reach: sectors it can operate in.
        value: learned chance of success per sector of its reach.
        fighters, arms: strength and arms stock (one attempt uses ``arms_per_attempt``).
        urge: self-exciting revenge/momentum term.
        spoiler: whether it steps up violence as the roadmap advances.
    """

    def __init__(self, model: RoadmapModel, home: int, centre: int, spoiler: bool) -> None:
        super().__init__(model)
        a = model.params.armed_groups
        self.home = home
        self.target = 1 - home
        self.reach = reach_window(model.border.n, centre, a.reach_sectors)
        self.value = np.full(len(self.reach), a.initial_success)
        self.fighters = a.initial_fighters
        self.arms = a.initial_arms
        self.urge = 0.0
        self.spoiler = spoiler
        self.stream = model.spawn_rng()
        self.actor = model.register_actor(f"group_{self.unique_id}")
        self._urge_decay = 0.5 ** (1.0 / a.urge_half_life)
        self.propensity = 0.0

    def step(self) -> None:
        """Maybe attempt an attack today."""
        a = self.model.params.armed_groups
        self.urge *= self._urge_decay
        self.propensity = self._attempt_probability()
        if self.arms < a.arms_per_attempt or self.stream.random() >= self.propensity:
            return
        self.arms -= a.arms_per_attempt
        self._attempt(int(pick(self.stream, softmax(self.value, a.choice_temperature))))

    def _attempt_probability(self) -> float:
        a = self.model.params.armed_groups
        deterrence = self.value.max() ** a.deterrence_exponent
        p = a.attempt_rate * self.fighters / a.reference_fighters * (1.0 + self.urge) * deterrence
        if self.spoiler:
            p *= 1.0 + a.spoiler_strength * self.model.phases.phase / 3
        return min(p, 1.0)

    def _attempt(self, i: int) -> None:
        model = self.model
        a = model.params.armed_groups
        sector = int(self.reach[i])
        detected, effort = model.search.attempt(self.stream, self.target, sector)
        self.value[i] += a.learning_rate * ((not detected) - self.value[i])
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
                lost,
                effort,
            )
            model.on_interdiction(self.target, sector)
            return
        scale = a.casualty_scale * model.communities.civilian_exposure()
        if self.spoiler:
            scale *= 1.0 + a.spoiler_strength * model.phases.phase / 3
        casualties = model.draw_casualties(self.stream, scale)
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

    def planned(self) -> np.ndarray:
        """Expected attempts per day on each border sector (what intelligence can reveal)."""
        plan = np.zeros(self.model.border.n)
        a = self.model.params.armed_groups
        plan[self.reach] = self.propensity * softmax(self.value, a.choice_temperature)
        return plan

    def receive_arms(self, amount: float) -> None:
        self.arms += amount

    @property
    def arms_need(self) -> float:
        return max(0.0, self.model.params.smuggling.arms_target - self.arms)
