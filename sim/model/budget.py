"""Each government's ledger: what its assets cost, day by day, and whether it can pay.

Assets charge their own costs with the unit prices of
:class:`~sim.config.costs.CostParams`: running costs for every day they exist
(:meth:`Budget.book`, once per plan for the plan's days, or :meth:`Budget.charge`
once a day), one-off costs when they happen (:meth:`Budget.charge`: a meeting
held, a drone bought). The ledger keeps money and personnel by day, side and
item; the runs table reads spend by item and in total from it.

A government whose roadmap spending over the trailing year has reached its
``costs.money_per_year`` cannot pay for more: the measures it pays for stop
growing (:meth:`Measures.update <sim.model.measures.Measures.update>` holds their
level) until old spending drops out of the year. What it already runs keeps
running (and costing): an exhausted budget delays or caps a measure, it does not
dismantle one. Regular patrols are not roadmap spending: recorded, never capped.
"""

from __future__ import annotations

import math
from itertools import chain
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel

ITEMS: tuple[str, ...] = (
    "patrol_units",
    "joint_units",
    "trainers",
    "drones",
    "sensors",
    "inspectors",
    "monitors",
    "meetings",
    "projects",
    "exchanges",
    "corridors",
    "mediation",
    "hotline",
    "intel",
)
"""What a government pays for; ``patrol_units`` are its regular forces, the rest the roadmap's."""

ITEM = {name: i for i, name in enumerate(ITEMS)}
ROADMAP_ITEMS = slice(1, len(ITEMS))
YEAR_DAYS = 365
CENT = 1e-5
"""A cent in k$: sums of running costs that end drift by far less; a spend within a cent
of the allowance has reached it (so that an allowance of 0 stays exhausted)."""


class Budget:
    """Money (k$) and personnel (people) spent by each side on each item, per day.

    The ledger's open day is the first day not yet closed: today during a step,
    tomorrow in the routines run at the end of a day (a plan drawn up then starts
    tomorrow), day 0 while the model is built. Charges land on the open day.

    Entries are kept as they come (a few thousand a run) and laid out by day only
    when ``money`` or ``personnel`` is read: booking costs no array arithmetic, and
    a run's tables need only the totals by item (:meth:`spend`) and the daily
    roadmap spend (:meth:`roadmap_per_day`), both kept in plain floats as the
    entries come and the days close.

    Attributes:
        money: ``(days, 2, items)`` money spent (built on first read).
        personnel: ``(days, 2, items)`` people tied up on that day (built on first read).
        allowance: each side's roadmap money per trailing year.
        broke: per side, whether it has spent its allowance over the trailing year.
    """

    def __init__(self, model: RoadmapModel, days: int) -> None:
        self.days = days
        self.allowance = [float(a) for a in model.params.costs.money_per_year]
        self.broke = [a <= CENT for a in self.allowance]
        self._open = 0
        # (first day, end day, side, item, money a day, personnel a day)
        self._entries: list[tuple[int, int, int, int, float, float]] = []
        self._totals = [0.0] * len(ITEMS)  # money per item over the run, both sides
        self._laid_out: tuple[int, np.ndarray, np.ndarray] = (-1, np.empty(0), np.empty(0))
        # Roadmap money per side (a list per side: booking and closing a day touch plain
        # floats, no list per day): the change of the daily spend starting each day (a
        # running cost books its start and end), the running daily spend, each closed
        # day's spend, the spend of the trailing year.
        self._change = ([0.0] * (days + 1), [0.0] * (days + 1))
        self._rate = [0.0, 0.0]
        self._spent: tuple[list[float], list[float]] = ([], [])
        self._year = [0.0, 0.0]

    def charge(self, side: int | None, item: str, money: float, personnel: float = 0.0) -> None:
        """Book a cost of ``item`` to ``side`` (None: both sides, half each) on the open day."""
        self.book(side, item, 1, money, personnel)

    def book(
        self, side: int | None, item: str, days: int, money: float, personnel: float = 0.0
    ) -> None:
        """Book ``money`` and ``personnel`` of ``item`` a day for ``days`` days from the open
        day (a plan's running cost; negative: what an asset let go no longer costs), to
        ``side`` (None: half each), within the horizon."""
        first = self._open
        last = first + days
        if last > self.days:  # (no min(): this runs thousands of times a run)
            if first >= self.days:
                return
            last = self.days
        i = ITEM[item]
        self._entries.append((first, last, -1 if side is None else side, i, money, personnel))
        self._totals[i] += money * (last - first)
        if i:  # roadmap spending: counts against the allowance
            if side is None:
                money *= 0.5
                a, b = self._change
                a[first] += money
                b[first] += money
                a[last] -= money
                b[last] -= money
            else:
                change = self._change[side]
                change[first] += money
                change[last] -= money

    @property
    def money(self) -> np.ndarray:
        return self._ledger()[0]

    @property
    def personnel(self) -> np.ndarray:
        return self._ledger()[1]

    def _ledger(self) -> tuple[np.ndarray, np.ndarray]:
        """Lay the entries out by day, side and item: (money, personnel)."""
        n = len(self._entries)
        if self._laid_out[0] != n:
            flat = chain.from_iterable(self._entries)  # cheaper than np.array on tuples
            rows = np.fromiter(flat, float, 6 * n).reshape(n, 6)
            first, last, side, item = rows[:, :4].astype(np.int64).T
            both = side < 0  # a cost for both sides: half to each
            value = rows[:, 4:] * np.where(both, 0.5, 1.0)[:, None]
            first, last, item = (np.concatenate([a, a[both]]) for a in (first, last, item))
            side = np.concatenate([np.where(both, 0, side), np.ones(both.sum(), np.int64)])
            value = np.concatenate([value, value[both]])
            shape = (self.days + 1, 2, len(ITEMS))
            cells = (np.concatenate([first, last]) * 2 + np.tile(side, 2)) * len(ITEMS)
            cells += np.tile(item, 2)

            def by_day(v: np.ndarray) -> np.ndarray:  # a day's amount: the changes up to it
                change = np.bincount(cells, np.concatenate([v, -v]), math.prod(shape))
                return np.cumsum(change.reshape(shape)[:-1], axis=0)

            self._laid_out = (n, by_day(value[:, 0]), by_day(value[:, 1]))
        return self._laid_out[1:]

    def close_day(self, day: int) -> None:
        """Roll the trailing year forward past ``day`` (called at the end of each day)."""
        (change_a, change_b), rate, year = self._change, self._rate, self._year
        spent_a, spent_b = self._spent
        rate[0] += change_a[day]
        rate[1] += change_b[day]
        spent_a.append(rate[0])
        spent_b.append(rate[1])
        year[0] += rate[0]
        year[1] += rate[1]
        if day >= YEAR_DAYS:
            year[0] -= spent_a[day - YEAR_DAYS]
            year[1] -= spent_b[day - YEAR_DAYS]
        self.broke[0] = year[0] + CENT >= self.allowance[0]
        self.broke[1] = year[1] + CENT >= self.allowance[1]
        self._open = day + 1

    def set_allowance(self, side: int, allowance: float) -> None:
        """A move set ``side``'s roadmap money per trailing year: whether it can pay is
        judged against it from now on (today's measures already see it)."""
        self.allowance[side] = float(allowance)
        self.broke[side] = self._year[side] + CENT >= self.allowance[side]

    def exhausted(self, side: int) -> bool:
        """Whether ``side`` has spent its roadmap allowance over the trailing year."""
        return self.broke[side]

    def spend(self) -> dict[str, float]:
        """Money spent over the run by item (both sides), and in total."""
        out = {f"spend_{name}": v for name, v in zip(ITEMS, self._totals, strict=True)}
        out["spend_total"] = sum(self._totals)
        out["spend_roadmap"] = sum(self._totals[ROADMAP_ITEMS])
        return out

    def roadmap_per_day(self) -> np.ndarray:
        """Roadmap money spent on each closed day (both sides): the daily series, without
        laying the ledger out by item."""
        return np.add(*self._spent)
