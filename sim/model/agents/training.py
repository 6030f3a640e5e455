"""Joint task-force training: instructors taken off patrols, courses, and the skill they build."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.model.compiled import kernel
from sim.model.measures import Measure

if TYPE_CHECKING:
    from sim.model.agents.patrol import PatrolForce
    from sim.model.model import RoadmapModel


class Training:
    """Each state's joint training (measure ``task_force_training``, run by both states).

    Rule: a contingent's skill is ``1 - exp(-D / learning_days)``, ``D`` the training
    days it has received, of which it forgets ``1 - exp(-days / retention_days)``
    over each period: without refreshers skill is lost. At each redeployment a
    state details up to ``round(training.trainers * effect)`` instructor teams, as
    many as its contingents below ``proficiency`` fill (``trainees_per_trainer``
    seats a team): patrol units its government leaves without a post
    (``Government.redeploy``), so they patrol nowhere. Its contingents in joint
    service below ``proficiency``, the least skilled first, take the seats and
    spend the first ``course_days`` days of the period in the course, off patrol.
    A joint contingent's search value is ``value_untrained + (value_trained -
    value_untrained) * skill``; its skill is also the chance that it follows the
    shared procedure when its joint unit stops a crosser (``JointPosts``). The
    measure's level sets how many instructors there may be, nothing else.

    Attributes:
        delivered: training days given to each side's contingents so far.
    """

    def __init__(self, model: RoadmapModel) -> None:
        self.model = model
        self.p = model.params.training
        self.delivered = [0, 0]
        days = model.params.patrol.redeploy_days
        self._course = min(self.p.course_days, days)
        self._keep = math.exp(-days / self.p.retention_days)
        # A contingent's value: untrained, and what full skill adds (``contingent_value``).
        self.values = np.array(
            [self.p.value_untrained, self.p.value_trained - self.p.value_untrained]
        )

    def teams(self) -> int:
        """Instructor teams the measure allows a state to detail (``instructors``: how
        many it does)."""
        return round(self.p.trainers * self.model.measures.effect[Measure.TASK_FORCE_TRAINING])

    def schedule(self, force: PatrolForce, days: int) -> np.ndarray | None:
        """Forget, then seat ``force``'s least skilled joint contingents below
        proficiency in this period's course and train them; ``(days, units)``
        whether each is in the course each day (None: nobody is)."""
        p, trained, skill = self.p, force.trained, force.skill
        if self.delivered[force.side]:
            trained *= self._keep
            np.exp(trained / -p.learning_days, out=skill)
            np.subtract(1.0, skill, out=skill)
        teams = force.instructors
        if teams == 0 or not force.any_joint:
            return None
        short = np.flatnonzero(force.joint & (skill < p.proficiency))
        seated = short[np.argsort(skill[short], kind="stable")[: teams * p.trainees_per_trainer]]
        trained[seated] += self._course
        skill[seated] = -np.expm1(trained[seated] / -p.learning_days)
        self.delivered[force.side] += self._course * len(seated)
        course = np.zeros((days, len(force.units)), dtype=bool)
        course[: self._course, seated] = True
        return course


@kernel
def instructors(
    teams: int,
    joint: int,
    serving: np.ndarray,
    skill: np.ndarray,
    proficiency: float,
    per_team: int,
) -> int:
    """Instructor teams a state details when its force (units ``serving`` jointly, their
    ``skill``) will have ``joint`` contingents: enough for those below ``proficiency``
    (a newcomer is), ``per_team`` seats a team, within the ``teams`` allowed."""
    if teams == 0:
        return 0
    short, count = 0, 0
    for i in range(serving.size):
        if serving[i]:
            count += 1
            short += skill[i] < proficiency
    short += max(0, joint - count)
    return min(teams, -(-short // per_team))


@kernel
def contingent_value(skill: np.ndarray, values: np.ndarray, value: np.ndarray) -> None:
    """Write into ``value`` the search value of a joint contingent of each ``skill``,
    relative to a national unit: ``values`` are the untrained value and what full skill
    adds."""
    for i in range(skill.size):
        value[i] = values[0] + values[1] * skill[i]
