"""Resuming a fit exactly: the state beyond ``abc.db`` a generation draws from, and the
check that a directory's earlier fit is this fit and can be resumed.

``ABCSMC.load`` restores only what ``abc.db`` holds. numpy's global random state
(which draws every proposal and simulation seed) and the adaptive distance's
scale weights with the epsilon fitted on them (pyabc fits them on all of the
last generation's simulations, rejected ones included, which it does not store)
would otherwise differ on resume; :func:`save_state` keeps them beside the
database before each generation and :func:`restore_state` puts them back.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pickle
from pathlib import Path

import cloudpickle
import numpy as np
import pyabc

from sim import __version__
from sim.calibrate.history import DB_NAME, HistoryError, finished_generations
from sim.calibrate.params import CalibrateSettings
from sim.config.params import ConfigError
from sim.runs.files import atomic_path

STATE_NAME = "abc_state.pkl"
"""What the next generation draws from beyond ``abc.db``: numpy's global random state and
the fitted distance, epsilon and acceptor (see :func:`run_abc`)."""
STATE_FORMAT = 1


def fingerprint(settings: CalibrateSettings) -> str:
    """Hash of the settings that determine the fit (not how it is spread or how long it may run)."""
    data = dataclasses.asdict(settings)
    for key in ("sampler", "workers", "dask_address", "max_minutes", "settled_shift"):
        data.pop(key)
    return hashlib.sha1(json.dumps([data, __version__], sort_keys=True).encode()).hexdigest()[:12]


def read_state(out_dir: Path) -> dict | None:
    """The resume state saved beside ``abc.db`` (None: none); HistoryError if unreadable."""
    path = out_dir / STATE_NAME
    if not path.exists():
        return None
    try:
        state = pickle.loads(path.read_bytes())  # noqa: S301 (written by this fit)
    except Exception as e:  # noqa: BLE001 (whatever the bytes make pickle raise)
        raise HistoryError(f"{path}: not a readable resume state ({type(e).__name__})") from None
    if not (isinstance(state, dict) and state.get("format") == STATE_FORMAT):
        raise HistoryError(f"{path}: not a resume state of this version")
    return state


def save_state(out_dir: Path, abc: pyabc.ABCSMC, t: int) -> None:
    """What generation ``t`` draws from beyond ``abc.db`` (see :func:`run_abc`)."""
    state = {
        "format": STATE_FORMAT,
        "t": t,
        "numpy": np.random.get_state(),  # noqa: NPY002 (pyabc's global stream)
        "distance": abc.distance_function,
        "eps": abc.eps,
        "acceptor": abc.acceptor,
    }
    data = cloudpickle.dumps(state)  # pyabc's scale functions are closures
    with atomic_path(out_dir / STATE_NAME) as tmp:
        tmp.write_bytes(data)


def restore_state(abc: pyabc.ABCSMC, state: dict) -> None:
    abc.distance_function = state["distance"]
    abc.eps, abc.acceptor = state["eps"], state["acceptor"]
    abc.distance_function.configure_sampler(abc.sampler)
    abc.eps.configure_sampler(abc.sampler)
    np.random.set_state(state["numpy"])  # noqa: NPY002 (pyabc's global stream)


def check_resumable(out_dir: Path, settings: CalibrateSettings) -> dict:
    """The receipt of an earlier fit in ``out_dir`` ({} if none); ConfigError if it differs,
    or if its history cannot be read or resumed exactly."""
    where = f"hydra.run.dir={out_dir}"
    path = out_dir / "calibration.json"
    previous = {}
    if path.exists():
        try:
            previous = json.loads(path.read_text())
        except (OSError, ValueError) as e:
            reason = e.strerror if isinstance(e, OSError) else "not JSON"
            raise ConfigError(
                f"{where}: calibration.json cannot be read ({reason}); use a new directory"
            ) from None
        if not isinstance(previous, dict):
            raise ConfigError(
                f"{where}: calibration.json is not a calibration's receipt; use a new directory"
            )
    db = out_dir / DB_NAME
    if not db.exists():
        return previous
    if previous.get("fingerprint") != fingerprint(settings):
        raise ConfigError(f"{where}: holds a calibration with other settings; use a new directory")
    try:
        stored = finished_generations(db)
        state = read_state(out_dir)
    except HistoryError as e:
        raise ConfigError(f"{where}: {e}; move it away or use a new directory") from None
    if stored > 0 and state is None:
        raise ConfigError(
            f"{where}: {DB_NAME} holds {stored} generation(s) but no {STATE_NAME} to resume "
            "them exactly; use a new directory"
        )
    if state is not None and stored > 0 and not state["t"] <= stored <= state["t"] + 1:
        raise ConfigError(
            f"{where}: {DB_NAME} holds {stored} generation(s), {STATE_NAME} resumes "
            f"generation {state['t']}; they are not one fit: use a new directory"
        )
    return previous
