"""What the explorer shows, as plain arrays: the border today, the run so far, a baseline band.

No UI here, so that every number the page draws is testable without a
browser. :class:`ExplorerModel` turns the page's controls into the model's
keyword form; :func:`border_state` reads where every asset is today;
:class:`LiveSeries` follows the running model's monthly and daily series
incrementally (a render reads only what happened since the last one);
:func:`baseline_band` runs a quick set of replications through ``sim.run``
and keeps their mean and 95% band, cached per scenario, geography and horizon.
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from sim.model.incidents import DAYS_PER_MONTH, HOSTILE_ATTEMPT_TYPES, IncidentType
from sim.model.model import DailySeries, RoadmapModel
from sim.runs.runner import replication_seeds

SETUP_KEYS = ("scenario_name", "geography", "versus", "days", "rng")
""":class:`ExplorerModel`'s named keyword arguments (the rest are levers)."""
SCENARIO_START = "as scenario"
"""The start control's value that keeps the scenario's own start for a measure."""
MAP_TYPES = (
    IncidentType.ATTACK,
    IncidentType.INTERDICTION,
    IncidentType.CLASH,
    IncidentType.CEASEFIRE_VIOLATION,
    IncidentType.SMUGGLING_SEIZED,
)
"""Incident types marked on the map: the four kinds of border incident, and seizures."""
RECENT_DAYS = 30
"""The map marks the incidents of the last this many days."""
BAND_REPLICATIONS = 20
"""Replications behind the baseline band (about 3 s for a three-year horizon)."""
BAND_SEED = 0
BAND_PERCENTILES = (2.5, 97.5)
_HOSTILE = np.zeros(len(IncidentType), dtype=bool)
_HOSTILE[list(HOSTILE_ATTEMPT_TYPES)] = True
_TRUST = [DailySeries.STATE.index(name) for name in ("trust_a", "trust_b")]


def mean_trust(row: tuple[float, ...]) -> float:
    """The two governments' mean trust on a day of ``DailySeries.rows``."""
    return 0.5 * (row[_TRUST[0]] + row[_TRUST[1]])


_TENSION = [DailySeries.STATE.index(name) for name in ("tension_a", "tension_b")]


class ExplorerModel(RoadmapModel):
    """The roadmap model as the page's controls build it (Mesa's keyword form).

    Args:
        scenario_name, geography: group choices, as on the command line.
            (SolaraViz's reset passes Mesa's own ``scenario`` object, which
            this model does not use: the roadmap's scenario is a name.)
        versus: the scenario whose replications form the baseline band.
        days: horizon; rng: seed, as ``python -m sim seed=...`` takes it: the run is
            that command's replication 0 (so a game's config repeats it).
        levers: dotted parameter keys (and ``moves``); a measure's ``start`` equal to
            :data:`SCENARIO_START` is left as the scenario sets it.
    """

    def __init__(
        self,
        scenario_name: str = "roadmap",
        geography: str = "stylised",
        versus: str = "baseline",
        days: int = 1095,
        rng: int | None = 0,
        scenario: object = None,
        **levers: Any,
    ) -> None:
        chosen = {k: v for k, v in levers.items() if v != SCENARIO_START}
        super().__init__(
            scenario=scenario_name,
            days=int(days),
            rng=None if rng is None else replication_seeds(rng, 1)[0],
            geography=geography,
            **chosen,
        )
        self.scenario_name = scenario_name
        self.seed = rng
        self.levers = {k: v for k, v in levers.items() if k != "moves"}
        self.geography_name = geography
        self.versus = versus
        self.lock = threading.RLock()

    def _advance_time(self, until: float) -> None:
        """Days under the model's lock: a move or a look-ahead from the page (another
        thread) sees the model between days, never within one (nor between Mesa taking
        a day's event off its list and putting the next one on)."""
        with self.lock:
            super()._advance_time(until)

    def _do_step(self) -> None:
        with self.lock:  # run() steps without Mesa's event list
            super()._do_step()

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        del state["lock"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.lock = threading.RLock()

    @property
    def setup(self) -> dict[str, Any]:
        """The keyword values that build this model again (its moves apart)."""
        named = (self.scenario_name, self.geography_name, self.versus, self.days, self.seed)
        return dict(zip(SETUP_KEYS, named, strict=True)) | self.levers

    @property
    def simulated(self) -> int:
        """Days simulated so far (0 before the first step; ``days`` at the horizon)."""
        return len(self.series.rows)


@dataclass
class BorderState:
    """Where everything is on the last simulated day: ``(side, sector)`` or ``(sector,)`` arrays.

    ``incidents`` maps each of :data:`MAP_TYPES` to ``(side, sector, count)``
    arrays over the last :data:`RECENT_DAYS` days.
    """

    effort: np.ndarray
    units: np.ndarray
    joint_units: np.ndarray
    drones: np.ndarray
    monitors: np.ndarray
    sensors: np.ndarray
    gates: np.ndarray
    corridors: np.ndarray
    incidents: dict[IncidentType, tuple[np.ndarray, np.ndarray, np.ndarray]]


def border_state(model: RoadmapModel) -> BorderState:
    """Read today's positions from the agents and assets that own them."""
    search, n = model.search, model.border.n
    row = search.row
    corridors = np.zeros(n, dtype=bool)
    corridors[model.communities.corridors.open] = True
    return BorderState(
        effort=search.effort[row].copy(),
        units=search.units[row].copy(),
        joint_units=search.joint_units[row].copy(),
        drones=search.flown[row] > 0,
        monitors=model.monitors.present.copy(),
        sensors=model.sensors.covered.copy(),
        gates=model.border.gate.copy(),
        corridors=corridors,
        incidents=recent_incidents(model, RECENT_DAYS),
    )


def recent_incidents(
    model: RoadmapModel, days: int
) -> dict[IncidentType, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Counts of each mapped type by ``(side, sector)`` over the last ``days`` simulated days.

    The log is in day order, so it is read backwards only as far as needed.
    """
    rows, n = model.log.rows, model.border.n
    since = len(model.series.rows) - days
    counts = np.zeros((len(IncidentType), 2, n), dtype=np.int64)
    for row in reversed(rows):
        if row[0] < since:
            break
        counts[row[3], row[2], row[1]] += 1
    found = {}
    for kind in MAP_TYPES:
        side, sector = np.nonzero(counts[kind])
        found[kind] = (side, sector, counts[kind][side, sector])
    return found


class LiveSeries:
    """The running model's plotted series, read incrementally from its log and daily rows.

    Monthly border incidents and detection rates count complete months only
    (the current month is shown apart as ``month_so_far``); trust and tension
    are daily means of the two governments.
    """

    def __init__(self, days: int) -> None:
        months = int(np.ceil(days / DAYS_PER_MONTH))
        self.days = days
        self.attempts = np.zeros(months)
        self.detected = np.zeros(months)
        self.trust: list[float] = []
        self.tension: list[float] = []
        self._log_read = 0
        self.border = np.zeros(months)
        self.simulated = 0

    def update(self, model: RoadmapModel) -> None:
        """Take in the days simulated since the last update."""
        rows = model.log.rows
        for row in rows[self._log_read :]:
            if _HOSTILE[row[3]]:
                month = int(row[0] // DAYS_PER_MONTH)
                self.attempts[month] += 1
                self.detected[month] += bool(row[5])
        self._log_read = len(rows)
        for row in model.series.rows[self.simulated :]:
            self.trust.append(mean_trust(row))
            self.tension.append(0.5 * (row[_TENSION[0]] + row[_TENSION[1]]))
        self.simulated = len(model.series.rows)
        per_day = model.log.border_per_day[: self.simulated]
        month = (np.arange(self.simulated) // DAYS_PER_MONTH).astype(np.int64)
        self.border = np.bincount(month, weights=per_day, minlength=len(self.border))

    @property
    def complete_months(self) -> int:
        """Months whose last day has been simulated."""
        return int(np.floor(self.simulated / DAYS_PER_MONTH))

    def monthly_incidents(self) -> np.ndarray:
        return self.border[: self.complete_months]

    def month_so_far(self) -> tuple[int, float] | None:
        """(month, border incidents so far) of the month under way, None at a month's end."""
        month = self.complete_months
        if month >= len(self.border) or self.simulated == 0:
            return None
        return month, float(self.border[month])

    def monthly_detection(self) -> np.ndarray:
        """Detected share of hostile attempts per complete month (NaN: no attempt)."""
        m = self.complete_months
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.attempts[:m] > 0, self.detected[:m] / self.attempts[:m], np.nan)


@dataclass(frozen=True)
class Band:
    """Mean and 95% band (2.5th-97.5th percentiles of single runs) of each plotted series.

    Runs, not the mean's confidence interval: one live run is compared with
    the spread of runs. Monthly arrays cover complete months; daily ones every day.
    """

    scenario: str
    replications: int
    incidents: np.ndarray  # (3, months): mean, low, high
    detection: np.ndarray
    trust: np.ndarray  # (3, days)
    tension: np.ndarray


def month_mid_day(months: np.ndarray | list[int] | int) -> np.ndarray:
    """The middle day of each month index (where monthly values are drawn); an int: that many."""
    index = np.arange(months) if np.isscalar(months) else np.asarray(months)
    return (index + 0.5) * DAYS_PER_MONTH


@lru_cache(maxsize=16)
def baseline_band(scenario: str, geography: str, days: int) -> Band:
    """The band of ``scenario`` on ``geography`` over ``days``, from a quick ``sim.run``."""
    from sim.api import run

    res = run(
        scenario,
        {"geography": geography},
        replications=BAND_REPLICATIONS,
        days=days,
        seed=BAND_SEED,
    )
    return band_from(res.timeseries, res.incidents, scenario, days)


def band_from(ts: pd.DataFrame, incidents: pd.DataFrame, scenario: str, days: int) -> Band:
    """The band from the runner's timeseries and incidents tables (one run per replication)."""
    reps = ts["replication"].nunique()
    months = int(np.floor(days / DAYS_PER_MONTH))
    full = ts[ts["month"] < months]
    monthly = full.pivot_table(
        index="replication", columns="month", values="border_incidents", aggfunc="sum"
    ).to_numpy(float)
    hostile = incidents[incidents["type"].isin([t.label for t in HOSTILE_ATTEMPT_TYPES])]
    hostile = hostile.assign(month=(hostile["day"] // DAYS_PER_MONTH).astype(int))
    hostile = hostile[hostile["month"] < months]
    grid = pd.MultiIndex.from_product([range(reps), range(months)], names=["replication", "month"])
    by = hostile.groupby(["replication", "month"])["detected"]
    attempts = by.size().reindex(grid, fill_value=0).to_numpy(float).reshape(reps, months)
    found = by.sum().reindex(grid, fill_value=0).to_numpy(float).reshape(reps, months)
    with np.errstate(invalid="ignore", divide="ignore"):
        detection = np.where(attempts > 0, found / attempts, np.nan)
    daily = {
        name: ts.pivot(index="replication", columns="day", values=name).to_numpy(float)
        for name in ("trust", "tension")
    }
    return Band(
        scenario=scenario,
        replications=reps,
        incidents=_summary(monthly),
        detection=_summary(detection),
        trust=_summary(daily["trust"]),
        tension=_summary(daily["tension"]),
    )


def _summary(values: np.ndarray) -> np.ndarray:
    """Mean and percentile band over replications (rows), ignoring NaN; ``(3, columns)``.

    All-NaN columns (months without an attempt in any run) stay NaN, without a warning.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(values, axis=0)
        low, high = np.nanpercentile(values, BAND_PERCENTILES, axis=0)
    return np.vstack([mean, low, high])
