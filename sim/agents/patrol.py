"""Patrol units: where each state's search effort physically is."""

from __future__ import annotations

from mesa.discrete_space import CellAgent


class PatrolUnit(CellAgent):
    """A patrol unit stands in one sector on its own side of the line.

    Its government moves it at each redeployment; a joint unit patrols with the
    other state's forces (no friction, higher effectiveness).

    Attributes:
        side: 0 or 1, the state the unit belongs to.
        joint: whether the unit is currently assigned to joint patrols.
    """

    def __init__(self, model, side: int) -> None:
        super().__init__(model)
        self.side = side
        self.joint = False
