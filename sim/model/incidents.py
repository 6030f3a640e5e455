"""Incident types, the headline metric "border incidents", and the incident log.

Every event the model produces is one row of the log. "Border incidents" — the
headline metric of every table and figure — is defined here and nowhere else:

    border incidents = armed events at the line that either state records:
    attacks that got through, infiltrations that were interdicted (often with
    an exchange of fire), clashes between the two states' forces (including
    retaliatory strikes) and ceasefire violations (verified or not).

Smuggling, irregular crossings and crossings through humanitarian corridors
are logged too but are not border incidents:
they are mostly unseen and non-violent, and counting them would reward a
scenario for watching less. Background violence (the region's armed violence
that no actor of the model makes, :mod:`sim.model.background`) is logged with
its deaths but is neither a border incident nor a hostile crossing attempt: no
state records it as an event at its line, and no measure acts on it.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
import pandas as pd

from sim.model.compiled import kernel


class IncidentType(IntEnum):
    """Kinds of event in the incident log."""

    ATTACK = 0
    INTERDICTION = 1
    SMUGGLING_DELIVERED = 2
    SMUGGLING_SEIZED = 3
    IRREGULAR_CROSSING = 4
    CLASH = 5
    CEASEFIRE_VIOLATION = 6
    CORRIDOR_CROSSING = 7
    BACKGROUND = 8

    @property
    def label(self) -> str:
        return self.name.lower()


BORDER_INCIDENT_TYPES = (
    IncidentType.ATTACK,
    IncidentType.INTERDICTION,
    IncidentType.CLASH,
    IncidentType.CEASEFIRE_VIOLATION,
)
"""The types counted as "border incidents" (see the module docstring)."""

IS_BORDER_INCIDENT = np.zeros(len(IncidentType), dtype=bool)
IS_BORDER_INCIDENT[list(BORDER_INCIDENT_TYPES)] = True

HOSTILE_ATTEMPT_TYPES = (
    IncidentType.ATTACK,
    IncidentType.INTERDICTION,
    IncidentType.SMUGGLING_DELIVERED,
    IncidentType.SMUGGLING_SEIZED,
)
"""Hostile crossing attempts; the detection rate is the detected share of these."""

TYPE_LABELS = [t.label for t in IncidentType]

ATTACK, INTERDICTION, CLASH, CEASEFIRE_VIOLATION = (int(t) for t in BORDER_INCIDENT_TYPES)
"""The border incident types as plain codes (what a kernel compares)."""

DAYS_PER_MONTH = 30.4375
"""The one month length (365.25 / 12 days): phase gates and summaries count in it."""

_COLUMNS = (
    "day",
    "sector",
    "side",
    "type",
    "actor",
    "detected",
    "casualties",
    "effort",
    "militant_losses",
    "via_gate",
)
_DTYPES = (
    np.int32,
    np.int32,
    np.int8,
    np.int8,
    np.int16,
    bool,
    np.int32,
    np.float32,
    np.int32,
    bool,
)


_INTS = tuple(name for name in _COLUMNS if name != "effort")
"""The log's whole-number columns (flags as 0/1), rows of its ``table``, in column order."""
EFFORT = _COLUMNS.index("effort")


class IncidentLog:
    """Append-only log of incidents in the order they happened, one column of each
    field per event.

    Its rows are preallocated arrays (grown when full), so that a kernel can append
    crossings as they happen (:func:`append`) between the events Python adds
    (:meth:`add`); :meth:`columns` gives them as typed arrays. ``side`` is the side of
    the line where the event happened; ``actor`` is an index into the model's actor
    names; ``casualties`` counts victims (of attacks, clashes and violations; the dead
    of a background event), ``militant_losses`` the fighters an interdiction cost its
    group; ``effort`` is the effective search effort the attempt met (NaN where no
    search was involved); ``via_gate`` whether it went through an official crossing
    gate.

    Attributes:
        table: ``(len(_INTS), capacity)`` the whole-number columns of the events so far
            (the first ``size[0]``).
        effort: the effort column.
        size: ``[events so far]``.
        border_per_day: border incidents per day.
    """

    def __init__(self, days: int) -> None:
        self.table = np.zeros((len(_INTS), 1024), dtype=np.int64)
        self.effort = np.zeros(1024)
        self.size = np.zeros(1, dtype=np.int64)
        self.border_per_day = np.zeros(days, dtype=np.int32)
        self._rows: list[tuple] = []  # the events read as tuples so far (``rows``)

    def add(
        self,
        day: int,
        sector: int,
        side: int,
        kind: IncidentType,
        actor: int,
        detected: bool,
        casualties: int = 0,
        effort: float = np.nan,
        militant_losses: int = 0,
        via_gate: bool = False,
    ) -> None:
        """Record one event."""
        if self.size[0] == self.effort.size:
            self.grow()
        append(
            self.arrays, day, sector, side, int(kind), actor, bool(detected), int(casualties),
            float(effort), int(militant_losses), bool(via_gate),
        )  # fmt: skip

    @property
    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """What ``append`` writes to, as kernels take it (anew after ``grow``)."""
        return self.table, self.effort, self.size, self.border_per_day

    def grow(self) -> None:
        """Twice the room (a kernel that finds the log full hands back for it)."""
        n = self.effort.size
        self.table = np.concatenate((self.table, np.zeros_like(self.table)), axis=1)
        self.effort = np.concatenate((self.effort, np.zeros(n)))

    @property
    def rows(self) -> list[tuple]:
        """The events as tuples of the columns (in ``_COLUMNS`` order), in the order they
        happened: read from the arrays once, as they are asked for (no effort is the one
        ``np.nan``, so that rows compare equal as tuples)."""
        rows, n = self._rows, int(self.size[0])
        if len(rows) < n:
            start = len(rows)
            ints = self.table[:, start:n].T.tolist()
            for row, effort in zip(ints, self.effort[start:n].tolist(), strict=True):
                day, sector, side, kind, actor, detected, casualties, losses, gate = row
                rows.append(
                    (
                        day, sector, side, IncidentType(kind), actor, bool(detected),
                        casualties, effort if effort == effort else np.nan, losses, bool(gate),
                    )
                )  # fmt: skip
        return rows

    def columns(self) -> dict[str, np.ndarray]:
        """All events as typed arrays, in the order they happened (hence by day)."""
        n = int(self.size[0])
        found = {name: self.table[i, :n] for i, name in enumerate(_INTS)}
        found["effort"] = self.effort[:n]
        return {
            name: found[name].astype(dtype) for name, dtype in zip(_COLUMNS, _DTYPES, strict=True)
        }


@kernel
def append(
    log: tuple,
    day: int,
    sector: int,
    side: int,
    kind: int,
    actor: int,
    detected: bool,
    casualties: int,
    search_effort: float,
    militant_losses: int,
    via_gate: bool,
) -> bool:
    """Append one event to the log's arrays, and count a border incident on its day.
    Returns False (and appends nothing) when the log is full: ``IncidentLog.grow``.
    ``log``: ``IncidentLog.arrays``."""
    table, effort, size, border_per_day = log
    i = size[0]
    if i == effort.size:
        return False
    table[0, i], table[1, i], table[2, i], table[3, i] = day, sector, side, kind
    table[4, i], table[5, i], table[6, i] = actor, detected, casualties
    table[7, i], table[8, i] = militant_losses, via_gate
    effort[i] = search_effort
    size[0] = i + 1
    if kind in (ATTACK, INTERDICTION, CLASH, CEASEFIRE_VIOLATION):
        border_per_day[day] += 1
    return True


def border_incident_mask(types: np.ndarray | pd.Series) -> np.ndarray:
    """True where an incident type code counts as a border incident."""
    return IS_BORDER_INCIDENT[np.asarray(types, dtype=np.int64)]
