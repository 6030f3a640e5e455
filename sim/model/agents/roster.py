"""A kind's crossers in arrays: one row per agent, so that one kernel call decides the day
for all of them.

The armed groups (or the smuggling networks) of a model share a ``Roster``: their scalar
state in the columns of ``state``, their learned values and choice weights per sector of
their reach in ``sectors``, their random streams in ``handles``. The agents' attributes
(``fighters``, ``arms``, ``value``, ...) are properties over their row.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.model.compiled import Port

VALUE, PULL, CDF = range(3)
"""A crosser's planes of ``sectors``: learned success, a spoiler's pull toward the assets
it targets (zero otherwise), cumulative choice weights; a kind's own planes follow them."""


class Roster:
    """The state of one kind of crossers in one model, one row per member, in the order
    they were created.

    Attributes:
        members: the agents, by row.
        state: ``(members, columns)`` floats, the kind's scalar state by column.
        sectors: ``(members, planes, width)``: per sector of a member's reach, by plane.
        links: ``(members, k)`` rows of another roster each member deals with (-1: none).
        handles: each member's stream for kernels (rebuilt from its ``Port`` in a copy).
        cursor, work: where the kind's day kernel stopped to hand back to Python (all
            zeros: at the start of a day), and the floats it holds meanwhile.
    """

    def __init__(self, columns: int, planes: int, width: int) -> None:
        self.members: list = []
        self.ports: list[Port] = []
        self.state = np.zeros((0, columns))
        self.sectors = np.zeros((0, planes, width))
        self.links = np.full((0, 0), -1, dtype=np.int64)
        self.handles = np.zeros((0, 5), dtype=np.uint64)
        self.cursor = np.zeros(8, dtype=np.int64)
        self.work = np.zeros(8)

    @staticmethod
    def join(agent: Any, columns: int, planes: int, width: int) -> tuple[Roster, int]:
        """The roster of ``agent``'s kind in its model (created with the first member),
        and ``agent``'s row in it. ``agent`` has its ``_port`` and is registered in the model."""
        first = next(iter(agent.model.agents_by_type[type(agent)]))
        roster = Roster(columns, planes, width) if first is agent else first._roster
        if roster.sectors.shape[2] != width:
            raise ValueError("a roster's members share the width of their reach")
        return roster, roster._add(agent)

    def _add(self, agent: Any) -> int:
        self.members.append(agent)
        self.ports.append(agent._port)
        self.state = np.vstack([self.state, np.zeros((1, self.state.shape[1]))])
        self.sectors = np.concatenate([self.sectors, np.zeros((1, *self.sectors.shape[1:]))])
        self.links = np.vstack([self.links, np.full((1, self.links.shape[1]), -1)])
        self.handles = np.vstack([self.handles, agent._port.handle])
        return len(self.members) - 1

    def link(self, row: int, rows: list[int]) -> None:
        """Set the rows (of another roster) that member ``row`` deals with."""
        k = max(self.links.shape[1], len(rows))
        links = np.full((len(self.members), k), -1, dtype=np.int64)
        links[:, : self.links.shape[1]] = self.links
        links[row] = -1
        links[row, : len(rows)] = rows
        self.links = links

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["handles"]  # addresses of this process's streams: rebuilt from the ports
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        handles = [port.handle for port in self.ports]
        self.handles = np.array(handles, dtype=np.uint64).reshape(len(handles), 5)


class Column:
    """A member's attribute that is its value in a column of the roster's ``state``
    (``kind``: how it reads, e.g. ``int``); writable if ``settable``."""

    def __init__(self, index: int, kind: type = float, settable: bool = False) -> None:
        self.index, self.kind, self.settable = index, kind, settable

    def __get__(self, agent: Any, owner: type | None = None) -> Any:
        if agent is None:
            return self
        value = agent._roster.state.item(agent._row, self.index)
        return value if self.kind is float else self.kind(value)

    def __set__(self, agent: Any, value: float) -> None:
        if not self.settable:
            raise AttributeError("read-only: the kind's kernels set it")
        agent._roster.state[agent._row, self.index] = value


class Plane:
    """A member's per-sector attribute: its row of one plane of the roster's ``sectors``."""

    def __init__(self, index: int) -> None:
        self.index = index

    def __get__(self, agent: Any, owner: type | None = None) -> Any:
        if agent is None:
            return self
        return agent._roster.sectors[agent._row, self.index]
