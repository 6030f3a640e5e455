"""Moves: a lever changed on a given day of a run, as a war-game plays it.

A move is part of the config (``moves`` of the model's parameters), so a game
played in the explorer is a config like any other: ``python -m sim`` and sweeps
run it over many replications, and replaying it gives the same numbers. What a
move does to the running model is :mod:`sim.model.moves`; which levers a move may
change, and the check of a move's value against the lever's declared type and
range, are here.

Movable levers are those their owners can take up mid-run: each measure's
intensity and start, the gates' thresholds and the relapse rule, each side's
roadmap money, the patrol units of both states or of one. Others (an armed
group's strength, the geography) shape what the model builds on day 0 and are
set by the scenario.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.config.measures import MeasuresParams
from sim.config.schema import ConfigError, bounded, check_ranges

if TYPE_CHECKING:
    from sim.config.params import ModelParams


@dataclass
class MoveParams:
    """One move: from ``day`` on (the day it first acts, before anything else that day;
    0: the first day), the lever ``key`` is ``value``.

    ``value`` is written as text (``"0.8"``, ``"phase2"``, ``"true"``) and read as the
    lever's declared type; ``by`` names who made it (a team, a player; free text).
    """

    day: int = bounded(1, 0, 100000)
    key: str = ""
    value: str = ""
    by: str = ""


_MEASURES = "|".join(
    name
    for name, f in MeasuresParams.__dataclass_fields__.items()
    if "MeasureParams" in str(f.type)
)
MOVABLE = re.compile(
    rf"measures\.({_MEASURES})\.(intensity|start)"
    r"|phases\.(min_trust|max_incidents_per_month|min_days)\.[01]"
    r"|phases\.(relapse|relapse_trust)"
    r"|costs\.money_per_year\.[01]"
    r"|patrol\.units_per_side|patrol\.extra_units\.[01]"
)
MOVABLE_TEXT = (
    "measures.<measure>.intensity, measures.<measure>.start, "
    "phases.{min_trust,max_incidents_per_month,min_days}.{0,1}, phases.relapse, "
    "phases.relapse_trust, costs.money_per_year.{0,1}, patrol.units_per_side, "
    "patrol.extra_units.{0,1}"
)


def check_moves(params: ModelParams, days: int | None = None) -> None:
    """Each move names a movable lever of an enabled measure, within the horizon, on a day
    after the move before it, with a value the lever allows once the moves before it
    are made (the config's cross-field rules included). ConfigError names the move."""
    from sim.config.overrides import assign
    from sim.config.params import validate

    trial = None
    last = 0
    for i, move in enumerate(params.moves):
        where = f"moves[{i}]"
        try:
            check_ranges(move)
        except ConfigError as e:
            raise ConfigError(f"{where}.{e}") from None
        if not MOVABLE.fullmatch(move.key):
            raise ConfigError(
                f"{where}.key={move.key!r}: not a lever a move can change mid-run; "
                f"allowed: {MOVABLE_TEXT}"
            )
        if move.day < last:
            raise ConfigError(
                f"{where}.day={move.day}: before the move before it (day {last}); "
                "moves are listed in the order of their days"
            )
        last = move.day
        if days is not None and move.day >= days:
            raise ConfigError(f"{where}.day={move.day}: allowed 0 to {days - 1} (the horizon)")
        parts = move.key.split(".")
        if parts[0] == "measures" and not getattr(params.measures, parts[1]).enabled:
            raise ConfigError(
                f"{where}.key={move.key}: measures.{parts[1]} is not enabled in this "
                "scenario; a move changes a measure the scenario has, it cannot create one"
            )
        if move.value == "":
            raise ConfigError(
                f"{where}.value: missing; give {move.key}'s value from day {move.day}"
            )
        if trial is None:
            trial = copy.deepcopy(params)
            trial.moves = []
        try:
            assign(trial, move.key, move.value)
            validate(trial)
        except ConfigError as e:
            raise ConfigError(f"{where}: {e}") from None
