"""Incident types, the headline metric "border incidents", and the incident log.

Every event the model produces is one row of the log. "Border incidents" — the
headline metric of every table and figure — is defined here and nowhere else:

    border incidents = armed events at the line that either state records:
    attacks that got through, infiltrations that were interdicted (often with
    an exchange of fire), clashes between the two states' forces (including
    retaliatory strikes) and ceasefire violations (verified or not).

Smuggling and irregular crossings are logged too but are not border incidents:
they are mostly unseen and non-violent, and counting them would reward a
scenario for watching less.
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

_COLUMNS = ("day", "sector", "side", "type", "actor", "detected", "casualties", "effort")
_DTYPES = (np.int32, np.int32, np.int8, np.int8, np.int16, bool, np.int32, np.float32)


class IncidentLog:
    """Columnar, append-only log of incidents, cheap to fill one event or a batch at a time.

    ``side`` is the side of the line where the event happened; ``actor`` is an
    index into the model's actor names; ``effort`` is the effective search
    effort the attempt met (NaN where no search was involved).
    """

    def __init__(self, days: int) -> None:
        self._rows: list[tuple] = []
        self._batches: list[tuple[np.ndarray, ...]] = []
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
    ) -> None:
        """Record one event."""
        self._rows.append((day, sector, side, int(kind), actor, detected, casualties, effort))
        if IS_BORDER_INCIDENT[kind]:
            self.border_per_day[day] += 1

    def add_batch(
        self,
        day: int,
        sectors: np.ndarray,
        side: int | np.ndarray,
        kind: IncidentType | np.ndarray,
        actor: int,
        detected: np.ndarray,
        effort: np.ndarray,
    ) -> None:
        """Record many events of one day and actor (no casualties).

        ``side`` and ``kind`` may be one value for all or an array per event.
        """
        n = len(sectors)
        if n == 0:
            return
        self._batches.append((day, sectors, side, kind, actor, detected, effort))
        if np.ndim(kind) == 0:
            if IS_BORDER_INCIDENT[kind]:
                self.border_per_day[day] += n
        else:
            self.border_per_day[day] += int(IS_BORDER_INCIDENT[kind].sum())

    def columns(self) -> dict[str, np.ndarray]:
        """All events as typed arrays, sorted by day (stable within a day)."""
        parts = [
            tuple(np.broadcast_to(np.asarray(v), len(b[1])) for v in (*b[:5], b[5], 0, b[6]))
            for b in self._batches
        ]
        if self._rows:
            parts.append(tuple(np.array(col) for col in zip(*self._rows, strict=False)))
        cols = {}
        for i, (name, dtype) in enumerate(zip(_COLUMNS, _DTYPES, strict=False)):
            arrays = [p[i] for p in parts]
            cols[name] = (
                np.concatenate(arrays).astype(dtype) if arrays else np.zeros(0, dtype=dtype)
            )
        order = np.argsort(cols["day"], kind="stable")
        return {k: v[order] for k, v in cols.items()}


def border_incident_mask(types: np.ndarray | pd.Series) -> np.ndarray:
    """True where an incident type code counts as a border incident."""
    return IS_BORDER_INCIDENT[np.asarray(types, dtype=np.int64)]
