"""The phase machine: how the roadmap advances, and how it relapses.

Phase 0 is "no agreement"; phases 1-3 are the roadmap (confidence building,
security integration, long-term cooperation). Transitions are decided here and
only here; measures read the phase, never the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config.params import PhaseParams
from sim.model.compiled import kernel
from sim.model.incidents import DAYS_PER_MONTH

FINAL_PHASE = 3


@dataclass(frozen=True)
class Transition:
    """One logged change of phase."""

    day: int
    from_phase: int
    to_phase: int
    kind: str  # "advance" or "relapse"
    reason: str


class PhaseMachine:
    """Tracks the current phase; advances it on schedule or when its gate opens.

    Gates read the rolling border-incident rate (from the incident log's daily
    counter) and the governments' mean trust. After a relapse no advance is
    possible for ``window_days``, so a scheduled roadmap also pays for relapses.
    """

    def __init__(self, params: PhaseParams, border_per_day: np.ndarray) -> None:
        self.p = params
        self.border_per_day = border_per_day
        self.phase = 0
        self.entered_day = 0
        self.hold_until = 0
        self.first_day = {p: np.nan for p in range(1, FINAL_PHASE + 1)}
        self.transitions: list[Transition] = []

    @property
    def relapses(self) -> int:
        return sum(t.kind == "relapse" for t in self.transitions)

    def incident_rate(self, day: int) -> float:
        """Border incidents per month over the trailing window (up to yesterday)."""
        return _incident_rate(self.border_per_day, day, self.p.window_days)

    def update(self, day: int, trust: float) -> bool:
        """Start-of-day check; returns True when the roadmap advanced today."""
        p = self.p
        if p.mode == "none" or self.phase == FINAL_PHASE or day < self.hold_until:
            return False
        if self.phase == 0:
            if day >= p.agreement_day:
                self._move(day, 1, "advance", "agreement signed")
                return True
            return False
        k = self.phase - 1
        if p.mode == "scheduled":
            if day >= p.schedule_days[k]:
                self._move(day, self.phase + 1, "advance", "scheduled date")
                return True
            return False
        rate = self.incident_rate(day)
        if (
            day - self.entered_day >= p.min_days[k]
            and rate <= p.max_incidents_per_month[k]
            and trust >= p.min_trust[k]
        ):
            self._move(
                day,
                self.phase + 1,
                "advance",
                f"gate met: {rate:.1f} incidents/month, trust {trust:.2f}",
            )
            return True
        return False

    def on_severe_incident(self, day: int, trust: float, casualties: int) -> bool:
        """A severe incident while trust is low sends the roadmap back one phase."""
        if not self.p.relapse or self.phase < 2 or trust >= self.p.relapse_trust:
            return False
        self._move(
            day,
            self.phase - 1,
            "relapse",
            f"severe incident ({casualties} casualties) at trust {trust:.2f}",
        )
        self.hold_until = day + self.p.window_days
        return True

    def _move(self, day: int, to: int, kind: str, reason: str) -> None:
        self.transitions.append(Transition(day, self.phase, to, kind, reason))
        self.phase = to
        self.entered_day = day
        if kind == "advance" and np.isnan(self.first_day[to]):
            self.first_day[to] = day


@kernel
def _incident_rate(border_per_day: np.ndarray, day: int, window_days: int) -> float:
    """``PhaseMachine.incident_rate``: the daily counts of the last ``window_days`` days
    before ``day`` (fewer at the start), per month."""
    start = max(0, day - window_days)
    if day == start:
        return 0.0
    window = 0
    for d in range(start, day):
        window += border_per_day[d]
    return window * DAYS_PER_MONTH / (day - start)
