"""Event data in the format of the UCDP Georeferenced Event Dataset (GED).

:func:`load_ged` reads any CSV with GED's columns (another region or period
works the same way) and refuses a malformed one with a single line naming the
file, the row and what is wrong. :func:`observed_events` turns it into the
event records the summary statistics take (:mod:`sim.analysis.events`), exactly as a
run's recorded incidents are turned into them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.events import Events
from sim.config.params import ConfigError
from sim.runs.files import NotAFile, read_bounded

REQUIRED = ("id", "date_start", "date_end", "type_of_violence", "adm_1", "best")
"""GED columns the loader needs; any others are kept as they are."""
VIOLENCE_TYPES = (1, 2, 3)
"""GED's ``type_of_violence``: 1 state-based, 2 non-state, 3 one-sided."""
REPRESENTED = ("Government of Turkey",)
"""GED actors whose events the model's actors make (:mod:`sim.analysis.background_fit` says
which events those are); every other event is the background violence."""
DEATH_COLUMNS = ("best", "low", "high")
MAX_GED_BYTES = 64 * 2**20
"""The largest GED file read (64 MiB). The events of one border region over years take
well under a megabyte (the shipped file: 0.1 MB); the whole global GED (some 300 MB)
would take gigabytes of memory as text: cut it to the region and years to fit first."""


class GedFormatError(ValueError):
    """A CSV that is not in GED's format."""


def data_dir() -> Path:
    """The shipped ``data/`` directory: inside the installed package, or beside it."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "data", package.parent / "data"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"no data/ directory found near {package}")


def data_path(name: str) -> Path:
    """A path as given, or a bare file name looked up in the shipped ``data/``."""
    path = Path(name)
    return path if path.is_absolute() or path.parent != Path() else data_dir() / path


def load_ged(path: str | Path) -> pd.DataFrame:
    """Read and check a GED-format CSV: dates parsed, deaths and types validated.

    Raises GedFormatError (one line) for a missing file, one that is not a
    regular file (a directory, ``/dev/zero``, a pipe) or is larger than
    :data:`MAX_GED_BYTES`, a missing column, an unparseable or reversed date, a
    negative or non-integer death count, or a ``type_of_violence`` other than 1, 2, 3.
    """
    path = Path(path)
    name = path.name
    try:
        raw = pd.read_csv(io.BytesIO(_read(path)), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise GedFormatError(f"{name}: not a readable CSV ({first})") from None
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise GedFormatError(
            f"{name}: missing column {missing[0]!r} (a GED CSV needs {', '.join(REQUIRED)})"
        )
    df = raw.copy()
    for col in ("date_start", "date_end"):
        df[col] = pd.to_datetime(raw[col], format="%Y-%m-%d", errors="coerce")
        _refuse(name, raw, df[col].isna(), col, "is not a date (YYYY-MM-DD)")
    _refuse(name, raw, df["date_end"] < df["date_start"], "date_end", "is before date_start")
    for col in ("type_of_violence", *(c for c in DEATH_COLUMNS if c in raw.columns)):
        df[col] = pd.to_numeric(raw[col], errors="coerce")
        bad = df[col].isna() | (df[col] % 1 != 0)
        _refuse(name, raw, bad, col, "is not a whole number")
        df[col] = df[col].astype(np.int64)
    _refuse(
        name,
        raw,
        ~df["type_of_violence"].isin(VIOLENCE_TYPES),
        "type_of_violence",
        "is not 1, 2 or 3",
    )
    for col in (c for c in DEATH_COLUMNS if c in raw.columns):
        _refuse(name, raw, df[col] < 0, col, "is a negative number of deaths")
    df["adm_1"] = raw["adm_1"].replace("", None)
    return df


def _read(path: Path) -> bytes:
    """The bytes of ``path``, a regular file of at most :data:`MAX_GED_BYTES` (never a device
    or pipe: see :func:`~sim.runs.files.read_bounded`)."""
    try:
        return read_bounded(path, MAX_GED_BYTES)
    except FileNotFoundError:
        raise GedFormatError(f"{path}: no such file") from None
    except OSError as e:
        raise GedFormatError(f"{path}: {e.strerror or e}") from None
    except NotAFile as e:
        raise GedFormatError(
            f"{path} {e}; expected a GED-format CSV file of at most "
            f"{MAX_GED_BYTES // 2**20} MiB (keep only the events of the region and years to fit)"
        ) from None


def _refuse(name: str, raw: pd.DataFrame, bad: pd.Series, col: str, what: str) -> None:
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise GedFormatError(
            f"{name}: row {row + 2} (id {raw['id'].iloc[row]}): {col}={raw[col].iloc[row]!r} {what}"
        )


def represented(events: pd.DataFrame, actors: Sequence[str] = REPRESENTED) -> np.ndarray:
    """Whether one of ``actors`` is a side (``side_a``, ``side_b``, comma-separated lists)
    of each event; without those columns, no event is."""
    if "side_a" not in events.columns or "side_b" not in events.columns:
        return np.zeros(len(events), dtype=bool)
    names = set(actors)

    def ours(side: str) -> bool:
        return any(a.strip() in names for a in str(side).split(","))

    return (events["side_a"].map(ours) | events["side_b"].map(ours)).to_numpy(dtype=bool)


def observed_events(
    events: pd.DataFrame, start: str, days: int, ged_types: list[int], min_deaths: int = 0
) -> Events:
    """The events of ``ged_types`` with at least ``min_deaths`` dead that began in the
    ``days`` days from ``start``.

    An event is placed on its ``date_start`` (in the shipped data 96% have an
    exact date); its deaths are GED's ``best`` estimate; its place is ``adm_1``;
    the model's actors made it when one of :data:`REPRESENTED` is a side; its type is
    ``type_of_violence``.
    A calibration passes the observation model's ``min_deaths``, so that data
    and model are held to one rule (:mod:`sim.model.observation`): GED keeps some
    events whose best estimate is 0 dead (46 of the shipped 743), which count only
    with ``min_deaths`` 0.
    """
    day = (events["date_start"] - pd.Timestamp(start)).dt.days.to_numpy()
    keep = (
        events["type_of_violence"].isin(ged_types).to_numpy()
        & (events["best"].to_numpy() >= min_deaths)
        & (day >= 0)
        & (day < days)
    )
    chosen = events[keep]
    return Events(
        day=day[keep],
        unit=chosen["adm_1"].to_numpy(dtype=object),
        deaths=chosen["best"].to_numpy(),
        actor=represented(chosen),
        days=days,
        ged_type=chosen["type_of_violence"].to_numpy(),
    )


def load_data(name: str, units: Sequence[str] = ()) -> pd.DataFrame:
    """The GED events of a command's ``data`` setting (a CSV path, or a bare name in the
    shipped ``data/``), each of ``units`` checked to be one of its administrative units;
    else a ConfigError naming the setting and what is expected (:func:`load_ged` reads only
    a regular file of bounded size)."""
    if not name.strip():
        expected = "a GED-format CSV file (a path, or a bare name in data/: " + ", ".join(
            sorted(p.name for p in data_dir().glob("*.csv"))
        )
        raise ConfigError(f"data={name}: empty; expected {expected})")
    try:
        events = load_ged(data_path(name))
    except GedFormatError as e:
        raise ConfigError(f"data={name}: {e}") from None
    except OSError as e:  # a read that fails midway
        raise ConfigError(f"data={name}: {e.strerror or e}") from None
    places = sorted(set(events["adm_1"].dropna()))
    for unit in units:
        if unit not in places:
            raise ConfigError(
                f"units: {unit!r} is not an administrative unit (adm_1) of data={name}; "
                f"allowed: {', '.join(places)}"
            )
    return events
