"""Armed groups: they plan cross-border attacks where they have learned attempts succeed;
spoilers among them also answer, and strike at, what threatens their base."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.model.agents.crosser import COLUMNS as CROSSER_COLUMNS
from sim.model.agents.crosser import FRESH, BorderCrosser
from sim.model.agents.crosser import PLANES as CROSSER_PLANES
from sim.model.agents.roster import PULL, Column, Plane
from sim.model.agents.sums import python_sum
from sim.model.compiled import allocating_kernel

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel

FIGHTERS, ARMS, URGE, MENACE, STAGING, URGE_DECAY, SPOILER = range(
    CROSSER_COLUMNS, CROSSER_COLUMNS + 7
)
"""A group's columns in its roster's ``state``, after a crosser's."""
COLUMNS = CROSSER_COLUMNS + 7
THREAT, HOME_STRIKE = range(CROSSER_PLANES, CROSSER_PLANES + 2)
"""A group's planes in its roster's ``sectors``, after a crosser's: its perceived threat,
and 1.0 where a project in its recruitment cell is all it saw there (it strikes it)."""
PLANES = CROSSER_PLANES + 2
(
    ATTEMPT_RATE, REFERENCE, RESPONSE, DETERRENCE, PER_ATTEMPT, LOSSES_INTERDICTED,
    JUMP_SUCCESS, COUNTERSTRIKE, LOSSES_STRUCK, JUMP_STRUCK, HARM, CAMP_CROWD,
) = range(12)  # fmt: skip
"""The groups' ``_rule``: attempt rate, reference fighters, threat response, deterrence
exponent, arms per attempt, mean losses when interdicted, urge jump after a success, the
attacked state's chance to strike back, mean losses when struck, urge jump when struck,
the chance an exposed person is harmed, the people a full camp exposes."""


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
    (A group's day: ``sim.model.agents.attacks``.)

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
            COLUMNS,
            PLANES,
        )
        self.p = a
        state = self._roster.state[self._row]
        state[FIGHTERS] = a.initial_fighters
        state[ARMS] = a.initial_arms
        state[URGE_DECAY] = 0.5 ** (1.0 / a.urge_half_life)
        state[SPOILER] = spoiler
        self.spoiler = spoiler
        self._threat_step = -math.expm1(-a.threat_review_days / a.threat_memory_days)
        self._gates = model.border.gate[self.reach].copy()
        g, c = model.params.governments, model.params.communities
        self._rule = np.array(
            [
                a.attempt_rate,
                a.reference_fighters,
                a.threat_response,
                a.deterrence_exponent,
                a.arms_per_attempt,
                a.losses_interdicted,
                a.urge_jump_success,
                g.counterstrike,
                a.losses_counterstrike,
                a.urge_jump_struck,
                min(1.0, c.harm_share * a.casualty_scale),
                model.params.corridors.camp_crowd,
            ]
        )
        self.staging = self.choose(self.stream.random())

    fighters = Column(FIGHTERS, int, settable=True)
    arms = Column(ARMS, settable=True)
    urge = Column(URGE, settable=True)
    threat = Plane(THREAT)
    menace = Column(MENACE)
    staging = Column(STAGING, int, settable=True)

    def _perceive(self) -> None:
        """Move its perceived threat toward today's assets; refresh its targeting. The one
        place that reads other actors' assets."""
        model, roster, row = self.model, self._roster, self._row
        _review(
            roster.sectors[row], roster.state[row], model.monitors.present, self._gates,
            model.customs.inspected_share(), np.array(model.search.joint_posts, dtype=np.int64),
            model.communities.project[self.home], self.reach.start, self._threat_step,
            self.p.target_value,
        )  # fmt: skip

    def ready(self) -> bool:
        """Preparing attacks: willing, and armed for one."""
        return self.rate > 0 and self.arms >= self.p.arms_per_attempt


def strength(groups: list[ArmedGroup]) -> tuple[int, float]:
    """All groups' fighters and arms (the daily series), read from their roster at once:
    the same sums, in the same order, as over their attributes."""
    if not groups:
        return 0, 0.0
    state = groups[0]._roster.state
    return int(sum(state[:, FIGHTERS].tolist())), sum(state[:, ARMS].tolist())


@allocating_kernel
def _review(
    sectors: np.ndarray,
    state: np.ndarray,
    monitors: np.ndarray,
    gates: np.ndarray,
    watch: float,
    joint_posts: np.ndarray,
    project: np.ndarray,
    start: int,
    step: float,
    target_value: float,
) -> None:
    """A spoiler's review of the assets over its reach (sectors from ``start``): at the
    line a monitor team, a gate's customs (the share ``watch`` of traffic searched) and a
    joint post count 1 each; a ``project`` in its recruitment cell counts 1. Its threat
    moves toward what it sees by ``step``; ``MENACE`` is the threat's mean, ``PULL`` the
    threat times ``target_value``, ``HOME_STRIKE`` where a project is all it saw. Nothing
    changes while it sees nothing and feels no menace."""
    width = sectors.shape[1]
    line = np.empty(width)
    for s in range(width):
        line[s] = (1.0 if monitors[start + s] else 0.0) + (watch if gates[s] else 0.0)
    for sector in joint_posts:
        if start <= sector < start + width:
            line[sector - start] += 1.0
    cell = project[start : start + width]
    if state[MENACE] == 0.0 and not np.any(line != 0.0) and not np.any(cell):
        return
    threat = sectors[THREAT]
    for s in range(width):
        seen = line[s] + (1.0 if cell[s] else 0.0)
        threat[s] = threat[s] + (seen - threat[s]) * step
        sectors[PULL, s] = target_value * threat[s]
        sectors[HOME_STRIKE, s] = 1.0 if cell[s] and line[s] == 0.0 else 0.0
    state[MENACE] = python_sum(threat, width) / width
    state[FRESH] = 0.0
