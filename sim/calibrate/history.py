"""A calibration's pyabc history ``abc.db`` read and repaired with SQLite alone.

Light enough for the report (no pyabc import): how many generations the
history holds, or one line saying why it cannot be read; and, for a resumed
fit, the removal of generations whose successors cannot be reproduced (see
:func:`sim.calibrate.smc.run_abc`).
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

DB_NAME = "abc.db"
WAVES_DIR = "waves"
"""Where the history matching waves' runs are kept (:mod:`sim.calibrate.waves`)."""
JOURNALS = ("-journal", "-wal", "-shm")
"""SQLite's companion files of a database (a hot journal belongs to the file it was written for)."""


class HistoryError(ValueError):
    """``abc.db`` is not a readable pyabc history (one line: the file and why)."""


def _connect(path: Path) -> sqlite3.Connection:
    """A connection to the existing file ``path`` (never creates one).

    Not read-only: a fit killed while it stored a generation leaves a hot journal,
    which SQLite rolls back on the first read, and a read-only connection cannot.
    """
    return sqlite3.connect(f"{path.absolute().as_uri()}?mode=rw", uri=True)


def finished_generations(path: Path) -> int:
    """How many generations (``t >= 0``) the pyabc history ``path`` holds.

    HistoryError if it cannot be read as one: not SQLite, truncated, damaged,
    or without pyabc's tables or its single run.
    """
    try:
        with contextlib.closing(_connect(path)) as con:
            check = con.execute("PRAGMA quick_check").fetchone()
            if not check or check[0] != "ok":
                raise HistoryError(f"{path}: damaged ({check[0] if check else 'no answer'})")
            (runs,) = con.execute("SELECT count(*) FROM abc_smc").fetchone()
            if runs != 1:
                raise HistoryError(f"{path}: holds {runs} ABC-SMC runs, not one")
            (last,) = con.execute("SELECT max(t) FROM populations WHERE abc_smc_id = 1").fetchone()
    except sqlite3.Error as e:
        raise HistoryError(f"{path}: not a readable pyabc history ({e})") from None
    if last is None:
        raise HistoryError(f"{path}: not a readable pyabc history (no populations)")
    return max(int(last) + 1, 0)


def roll_back(path: Path, first: int) -> None:
    """Delete generations ``first`` and later from the history (one transaction)."""
    populations = "SELECT id FROM populations WHERE abc_smc_id = 1 AND t >= :t"
    models = f"SELECT id FROM models WHERE population_id IN ({populations})"
    particles = f"SELECT id FROM particles WHERE model_id IN ({models})"
    samples = f"SELECT id FROM samples WHERE particle_id IN ({particles})"
    with contextlib.closing(_connect(path)) as con, con:
        for table, column, ids in (
            ("summary_statistics", "sample_id", samples),
            ("samples", "particle_id", particles),
            ("parameters", "particle_id", particles),
            ("particles", "model_id", models),
            ("models", "population_id", populations),
        ):
            con.execute(f"DELETE FROM {table} WHERE {column} IN ({ids})", {"t": first})  # noqa: S608
        con.execute("DELETE FROM populations WHERE abc_smc_id = 1 AND t >= :t", {"t": first})


def remove_history(path: Path) -> None:
    """Delete the database ``path``, then SQLite's companion files (a journal left beside no
    database, or beside a new empty one, is discarded by SQLite, never replayed into it)."""
    for name in ("", *JOURNALS):
        Path(f"{path}{name}").unlink(missing_ok=True)
