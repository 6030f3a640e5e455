"""The model's decision-making agents, one module per kind."""

from sim.model.agents.armed_group import ArmedGroup
from sim.model.agents.forces import StateForces
from sim.model.agents.government import Government
from sim.model.agents.mediator import Mediator
from sim.model.agents.monitors import MonitorMission
from sim.model.agents.patrol import PatrolUnit
from sim.model.agents.smuggling import SmugglingNetwork

__all__ = [
    "ArmedGroup",
    "Government",
    "Mediator",
    "MonitorMission",
    "PatrolUnit",
    "SmugglingNetwork",
    "StateForces",
]
