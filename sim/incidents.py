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
        self._batch_keys: list[tuple[int, int, int]] = []  # (day, actor, size)
        self._batch_arrays: list[tuple[np.ndarray, ...]] = []
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
        sides = np.full(n, side) if np.ndim(side) == 0 else side
        kinds = np.full(n, int(kind)) if np.ndim(kind) == 0 else kind
        self._batch_keys.append((day, actor, n))
        self._batch_arrays.append((sectors, sides, kinds, detected, effort))
        self.border_per_day[day] += int(IS_BORDER_INCIDENT[kinds].sum())

    def columns(self) -> dict[str, np.ndarray]:
        """All events as typed arrays, sorted by day (stable within a day)."""
        cols: dict[str, list[np.ndarray]] = {name: [] for name in _COLUMNS}
        if self._batch_keys:
            day, actor, size = np.array(self._batch_keys).T
            cols["day"].append(np.repeat(day, size))
            cols["actor"].append(np.repeat(actor, size))
            cols["casualties"].append(np.zeros(size.sum()))
            for name, parts in zip(
                ("sector", "side", "type", "detected", "effort"),
                zip(*self._batch_arrays, strict=True),
                strict=True,
            ):
                cols[name].append(np.concatenate(parts))
        if self._rows:
            for name, values in zip(_COLUMNS, zip(*self._rows, strict=True), strict=True):
                cols[name].append(np.array(values))
        typed = {
            name: np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)
            for (name, parts), dtype in zip(cols.items(), _DTYPES, strict=True)
        }
        order = np.argsort(typed["day"], kind="stable")
        return {k: v[order] for k, v in typed.items()}


def border_incident_mask(types: np.ndarray | pd.Series) -> np.ndarray:
    """True where an incident type code counts as a border incident."""
    return IS_BORDER_INCIDENT[np.asarray(types, dtype=np.int64)]
