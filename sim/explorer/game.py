"""A war-game: one run played with moves, its branches kept as a tree, saved and replayed.

A game is its setup (what the page's controls chose at reset: scenario, geography,
horizon, seed, levers) and a tree of *lines*. A line is every move made on it, from
day 1, and how far it was played; a branch is a line that shares its parent's moves
up to the day it forked and makes its own on that day. Since a run is fixed by its
config, seed and moves, a line needs no stored state: resuming a line rebuilds its
model from the setup and its moves and runs it to where it was left, to the same
numbers (the game's tests check it day for day).

A saved game (YAML, :meth:`Game.save`) holds the setup, the lines and the numbers
each line had reached (border incidents, casualties, trust), so that ``python -m
sim.explorer --replay FILE`` can replay every line and say whether it reached the
same numbers; a line exports as a Hydra config (:meth:`Game.export`) whose
replication 0 is the played line and whose other replications play the same moves
in other futures.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sim import __version__
from sim.config.export import hydra_config
from sim.config.moves import MoveParams
from sim.config.params import ConfigError
from sim.explorer.branches import Outlook, look_ahead, snapshot
from sim.explorer.data import SCENARIO_START, SETUP_KEYS, ExplorerModel
from sim.model.incidents import IS_BORDER_INCIDENT
from sim.runs.files import write_atomic

FORMAT = "sim.explorer game 1"
"""The first line's value of a saved game: what the file is and its layout's version."""
MAIN = "main"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
"""A line's name: letters, digits, ``_`` and ``-``, at most 40 characters (shown on the
page, written in the file, and the name of its exported config's file)."""


@dataclass
class Line:
    """One line of play: its moves from day 1 on, where it forked from, how far it went."""

    name: str
    parent: str | None = None
    fork: int = 0
    moves: list[MoveParams] = field(default_factory=list)
    played: int = 0
    numbers: dict[str, float] = field(default_factory=dict)


class Game:
    """The game being played: its setup, its lines and the current line's live model.

    ``setup`` is :class:`~sim.explorer.data.ExplorerModel`'s keyword values (levers by
    dotted key). ``outlooks`` keeps each line's latest look-ahead. ``model``: the current
    line's model as it runs (:meth:`adopt`); by default it is rebuilt from the line.
    """

    def __init__(
        self,
        setup: Mapping[str, Any],
        lines: Sequence[Line] = (),
        current: str = MAIN,
        kind: type[ExplorerModel] = ExplorerModel,
        model: ExplorerModel | None = None,
    ) -> None:
        self.setup = dict(setup)
        self.kind = kind
        self.lines = {line.name: line for line in lines} or {MAIN: Line(MAIN)}
        if current not in self.lines:
            raise ConfigError(f"current={current!r}: no such line; lines: {', '.join(self.lines)}")
        self.current = current
        self.outlooks: dict[str, Outlook] = {}
        self.model = self.rebuilt(current) if model is None else model

    @classmethod
    def adopt(cls, model: ExplorerModel) -> Game:
        """A new game whose main line is ``model`` (as a reset of the page built it)."""
        line = Line(MAIN, moves=list(model.params.moves), played=model.steps)
        return cls(model.setup, [line], MAIN, type(model), model)

    @property
    def line(self) -> Line:
        return self.lines[self.current]

    def rebuilt(self, name: str) -> ExplorerModel:
        """Line ``name``'s model, rebuilt and run to where it was left."""
        line = self.lines[name]
        moves = [dataclasses.asdict(m) for m in line.moves]
        try:
            model = self.kind(**self.setup, moves=moves)
        except ConfigError as e:
            raise ConfigError(f"line {name}: {e}") from None
        if line.played:
            model.run_for(line.played)
        return model

    def move(self, key: str, value: Any, by: str = "") -> MoveParams:
        """Set lever ``key`` to ``value`` from the next day on the current line (the run is
        paused); ConfigError names a lever or value the model refuses."""
        with self.model.lock:
            move = MoveParams(self.model.steps, key, str(value), by)
            self.model.moves.add(self.model, move)
            self.line.moves.append(move)
        return move

    def look_ahead(
        self,
        alternatives: Mapping[str, Sequence[tuple[str, Any]]],
        replications: int,
        days: int,
        executor: Executor | None = None,
        by: str = "",
    ) -> dict[str, Outlook]:
        """Branch the current line: each alternative (a new line's name and its moves,
        ``(key, value)``, made by ``by``) becomes a line forked today, and the current
        line and every alternative are looked ahead
        (:func:`~sim.explorer.branches.look_ahead`; the first outlook is the current
        line's)."""
        for name in alternatives:
            check_name(name, self.lines)
        with self.model.lock:  # the state looked ahead from: between two days
            parent, today = self.current, self.model.steps
            state, at_fork = snapshot(self.model), numbers(self.model)
            inherited = list(self.line.moves)
        made = {name: [MoveParams(today, k, str(v), by) for k, v in moves]
                for name, moves in alternatives.items()}  # fmt: skip
        outlooks = look_ahead(state, {parent: [], **made}, replications, days, executor)
        for name, moves in made.items():  # a branch starts where its parent was
            self.lines[name] = Line(name, parent, today, inherited + moves, today, dict(at_fork))
        self.outlooks |= outlooks
        return outlooks

    def keep(self) -> None:
        """Note how far the current line has been played, and its numbers there."""
        with self.model.lock:
            self.line.played = self.model.steps
            self.line.numbers = numbers(self.model)

    def resume(self, name: str) -> None:
        """Make line ``name`` the one played, rebuilt to where it was left."""
        if name not in self.lines:
            raise ConfigError(f"line={name!r}: no such line; lines: {', '.join(self.lines)}")
        self.keep()
        self.model = self.rebuilt(name)
        self.current = name

    # --- the file -----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        self.keep()
        return {
            "format": FORMAT,
            "version": __version__,
            "setup": self.setup,
            "current": self.current,
            "lines": [dataclasses.asdict(line) for line in self.lines.values()],
        }

    def save(self, path: Path) -> None:
        """Write the game (atomically: a file is the whole game or is not there)."""
        write_atomic(path, yaml.safe_dump(self.to_dict(), sort_keys=False))

    def export(self, name: str | None = None, replications: int = 20) -> str:
        """Line ``name`` (the current one by default) as a Hydra config's YAML text."""
        line = self.lines[name or self.current]
        setup = self.setup
        overrides = {
            "geography": setup["geography"],
            **{k: v for k, v in setup.items() if k not in SETUP_KEYS and v != SCENARIO_START},
            "moves": [dataclasses.asdict(m) for m in line.moves],
        }
        settings = {
            "scenario_name": f"game_{line.name}",
            "description": f"line {line.name} of a game played in python -m sim.explorer",
            "days": setup["days"],
            "seed": setup["rng"],
            "replications": replications,
        }
        return hydra_config(setup["scenario_name"], overrides, settings)


def check_name(name: object, lines: Mapping[str, Line]) -> str:
    """``name`` if it can name a new line; ConfigError saying why not."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise ConfigError(
            f"line name {name!r}: allowed letters, digits, _ and - (at most 40, starting "
            "with a letter or digit)"
        )
    if name in lines:
        raise ConfigError(f"line name {name!r}: already a line of this game; pick another")
    return name


def numbers(model: ExplorerModel) -> dict[str, float]:
    """What a line had reached: border incidents and casualties so far, trust today."""
    cols = model.log.columns()
    border = IS_BORDER_INCIDENT[cols["type"].astype(np.int64)]
    return {
        "day": int(model.steps),
        "border_incidents": int(border.sum()),
        "casualties": int(cols["casualties"][border].sum()),
        "trust": round(float(model.mean_trust()), 12),
        "phase": int(model.phases.phase),
    }


def load(path: Path) -> Game:
    """The game saved at ``path``; ConfigError names what is wrong with the file."""
    try:
        data = yaml.safe_load(Path(path).read_text())
    except OSError as e:
        raise ConfigError(f"{path}: cannot read ({e.strerror})") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not a YAML file ({str(e).splitlines()[0]})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ConfigError(f"{path}: not a saved game (its format line is not {FORMAT!r})")
    setup, raw, current = data.get("setup"), data.get("lines"), data.get("current", MAIN)
    if not isinstance(setup, dict) or not isinstance(raw, list) or not raw:
        raise ConfigError(f"{path}: needs a setup mapping and a list of lines")
    _check_setup(f"{path}: setup", setup)
    if not isinstance(current, str):
        raise ConfigError(f"{path}: current={current!r}: the name of one of its lines")
    lines: dict[str, Line] = {}
    for i, item in enumerate(raw):
        try:
            moves = [MoveParams(**m) for m in item.pop("moves", [])]
            line = Line(**item, moves=moves)
        except (TypeError, AttributeError) as e:
            raise ConfigError(f"{path}: lines[{i}]: {e}") from None
        _check_line(f"{path}: lines[{i}]", line, lines, setup.get("days"))
        lines[line.name] = line
    try:
        return Game(setup, list(lines.values()), current)
    except ConfigError as e:
        raise ConfigError(f"{path}: {e}") from None


def _check_setup(where: str, setup: Mapping[str, Any]) -> None:
    """A loaded setup names its scenario, geography and band scenario, a horizon and a
    seed, then levers by dotted key with plain values (moves belong to lines)."""
    kinds = {"scenario_name": str, "geography": str, "versus": str, "days": int, "rng": int}
    for key, kind in kinds.items():
        value = setup.get(key)
        low = 1 if key == "days" else 0
        if isinstance(value, bool) or not isinstance(value, kind) or (kind is int and value < low):
            allowed = "a name" if kind is str else f"a whole number from {low}"
            raise ConfigError(f"{where}.{key}={value!r}: allowed {allowed}")
    for key, value in setup.items():
        if key in kinds:
            continue
        if key == "moves" or not isinstance(value, str | int | float | bool):
            raise ConfigError(
                f"{where}.{key}: a lever's value is one number, name or true/false (moves "
                "belong to lines)"
            )


def _check_line(where: str, line: Line, before: Mapping[str, Line], days: object) -> None:
    """A loaded line names itself and its parent (an earlier line) and was played within
    the horizon, after it forked; its moves are checked when its model is built."""
    try:
        check_name(line.name, before)
    except ConfigError as e:
        raise ConfigError(f"{where}.name: {e}") from None
    if line.parent is not None and line.parent not in before:
        raise ConfigError(f"{where}.parent={line.parent!r}: not a line listed before it")
    horizon = days if isinstance(days, int) else 0
    for key in ("fork", "played"):
        value = getattr(line, key)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= horizon:
            raise ConfigError(f"{where}.{key}={value!r}: allowed a day from 0 to {horizon}")
    if line.played < line.fork:
        raise ConfigError(f"{where}.played={line.played}: before its fork (day {line.fork})")
    numbers = line.numbers
    if not isinstance(numbers, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in numbers.values()
    ):
        raise ConfigError(f"{where}.numbers: a mapping of what the line reached to numbers")
