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


class IncidentLog:
    """Append-only log of incidents in the order they happened, one tuple per event.

    A day brings a handful of events, so appending tuples is the cheapest way
    to record them; :meth:`columns` turns them into typed arrays once, at the
    end. ``side`` is the side of the line where the event happened; ``actor``
    is an index into the model's actor names; ``casualties`` counts victims
    (of attacks, clashes and violations; the dead of a background event),
    ``militant_losses`` the fighters an
    interdiction cost its group; ``effort`` is the effective search effort the
    attempt met (NaN where no search was involved); ``via_gate`` whether it
    went through an official crossing gate.
    """

    def __init__(self, days: int) -> None:
        self.rows: list[tuple] = []
        self.border_per_day = np.zeros(days, dtype=np.int32)

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
        self.rows.append(
            (
                day,
                sector,
                side,
                kind,
                actor,
                detected,
                casualties,
                effort,
                militant_losses,
                via_gate,
            )
        )
        if kind in BORDER_INCIDENT_TYPES:
            self.border_per_day[day] += 1

    def columns(self) -> dict[str, np.ndarray]:
        """All events as typed arrays, in the order they happened (hence by day).

        ``np.fromiter``, not ``np.array``: it converts the ``IncidentType`` codes
        an order of magnitude faster.
        """
        if not self.rows:
            return {
                name: np.zeros(0, dtype=dtype)
                for name, dtype in zip(_COLUMNS, _DTYPES, strict=True)
            }
        n = len(self.rows)
        return {
            name: np.fromiter(values, dtype, n)
            for name, values, dtype in zip(
                _COLUMNS, zip(*self.rows, strict=True), _DTYPES, strict=True
            )
        }


def border_incident_mask(types: np.ndarray | pd.Series) -> np.ndarray:
    """True where an incident type code counts as a border incident."""
    return IS_BORDER_INCIDENT[np.asarray(types, dtype=np.int64)]
