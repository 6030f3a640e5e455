"""What a move does to a running model: the lever's owner takes the new value up.

A move (:class:`~sim.config.moves.MoveParams`: a day, a lever, a value) acts at the
start of its day, before anything else that day, so that a move made in the
explorer while the run is paused after day ``d - 1`` and the same move read from a
config on day ``d`` are one and the same. The new value is written into the
model's own copy of its parameters (the agents that read their parameters daily
see it from then on), and the owner of any value derived from it is told:

* a measure's intensity or start: :meth:`Measures.retune
  <sim.model.measures.Measures.retune>` (its effect, hence the assets it runs,
  follows from the next update);
* a gate's threshold or the relapse rule: the phase machine reads its parameters
  each day;
* a side's roadmap money: :meth:`Budget.set_allowance
  <sim.model.budget.Budget.set_allowance>`;
* the states' patrol units: each government raises or stands down units at its next
  redeployment (:mod:`sim.model.agents.muster`).

Every applied move is logged with the value it replaced (``applied``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sim.config.moves import MoveParams, check_moves
from sim.config.schema import ConfigError
from sim.model.measures import Measure

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel


@dataclass(frozen=True)
class AppliedMove:
    """A move as it acted: its day, lever, the value before and after, and who made it."""

    day: int
    key: str
    old: Any
    new: Any
    by: str


class Moves:
    """The model's schedule of moves, in day order, and the log of those applied."""

    def __init__(self, moves: list[MoveParams]) -> None:
        self.pending = sorted(moves, key=lambda m: m.day)  # stable: same-day order kept
        self.applied: list[AppliedMove] = []

    def add(self, model: RoadmapModel, move: MoveParams) -> None:
        """Schedule ``move`` (a move made during the run: not before the next day to
        simulate); ConfigError, naming it, if the model's parameters refuse it."""
        if move.day < model.steps:
            raise ConfigError(
                f"move {move.key}={move.value} on day {move.day}: the run has simulated days "
                f"0 to {model.steps - 1}; a move acts from day {model.steps} on"
            )
        trial = copy.copy(model.params)
        trial.moves = sorted([*model.params.moves, move], key=lambda m: m.day)
        check_moves(trial, model.days)
        model.params.moves = trial.moves
        self.pending = sorted([*self.pending, move], key=lambda m: m.day)

    def apply_due(self, model: RoadmapModel, day: int) -> None:
        """Make the moves of ``day`` (called at the start of the day)."""
        while self.pending and self.pending[0].day <= day:
            self._apply(model, self.pending.pop(0), day)

    def _apply(self, model: RoadmapModel, move: MoveParams, day: int) -> None:
        from sim.config.overrides import assign, lookup  # Hydra's parser: only when moved

        old = lookup(model.params, move.key)
        assign(model.params, move.key, move.value)
        new = lookup(model.params, move.key)
        self.applied.append(AppliedMove(day, move.key, old, new, move.by))
        parts = move.key.split(".")
        if parts[0] == "measures":
            m = Measure[parts[1].upper()]
            model.measures.retune(m, getattr(model.params.measures, parts[1]))
        elif parts[0] == "costs":
            model.budget.set_allowance(int(parts[2]), new)
