"""The model's decision-making agents, one module per kind."""

from sim.agents.armed_group import ArmedGroup
from sim.agents.forces import StateForces
from sim.agents.government import Government
from sim.agents.mediator import Mediator
from sim.agents.monitors import MonitorMission
from sim.agents.patrol import PatrolUnit
from sim.agents.smuggling import SmugglingNetwork

__all__ = [
    "ArmedGroup",
    "Government",
    "Mediator",
    "MonitorMission",
    "PatrolUnit",
    "SmugglingNetwork",
    "StateForces",
]
