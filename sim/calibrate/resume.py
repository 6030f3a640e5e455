"""Resuming a fit exactly: the state beyond ``abc.db`` a generation draws from, and the
check that a directory's earlier fit is this fit and can be resumed.

``ABCSMC.load`` restores only what ``abc.db`` holds. numpy's global random state
(which draws every proposal and simulation seed) and the adaptive distance's
scale weights with the epsilon fitted on them (pyabc fits them on all of the
last generation's simulations, rejected ones included, which it does not store)
would otherwise differ on resume; :func:`save_state` keeps them beside the
database before each generation and :func:`restore_state` puts them back.

The state is plain JSON of numbers, checked field by field when read: a pickle
loaded from a directory someone else can write would run whatever code they put in it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pyabc

from sim import __version__
from sim.calibrate.history import DB_NAME, WAVES_DIR, HistoryError, finished_generations
from sim.calibrate.params import CalibrateSettings
from sim.config.params import ConfigError
from sim.runs.files import NotAFile, read_bounded, read_json, write_atomic

STATE_NAME = "abc_state.json"
"""What the next generation draws from beyond ``abc.db``: numpy's global random state, the
adaptive distance's scale weights and the epsilons (see :func:`run_abc`)."""
STATE_FORMAT = 2
MAX_STATE_BYTES = 2**20
"""A resume state holds 624 numbers of numpy's generator and a few per generation: ~10 kB."""
MT_WORDS = 624


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
        state = json.loads(read_bounded(path, MAX_STATE_BYTES))
    except (OSError, NotAFile, ValueError) as e:
        reason = e.strerror if isinstance(e, OSError) else str(e).splitlines()[0]
        raise HistoryError(f"{path}: not a readable resume state ({reason})") from None
    if not _is_state(state):
        raise HistoryError(f"{path}: not a resume state of this version")
    return state


def _is_state(state: object) -> bool:
    """Whether ``state`` has exactly the fields and kinds of numbers :func:`save_state` writes."""
    if not (isinstance(state, dict) and state.keys() == {"format", "t", "numpy", "weights", "eps"}):
        return False
    rng, weights, eps = state["numpy"], state["weights"], state["eps"]
    return (
        state["format"] == STATE_FORMAT
        and _whole(state["t"])
        and state["t"] >= 0
        and isinstance(rng, dict)
        and rng.keys() == {"key", "pos", "has_gauss", "gauss"}
        and isinstance(rng["key"], list)
        and len(rng["key"]) == MT_WORDS
        and all(_whole(k) and 0 <= k < 2**32 for k in rng["key"])
        and _whole(rng["pos"])
        and 0 <= rng["pos"] <= MT_WORDS
        and rng["has_gauss"] in (0, 1)
        and _real(rng["gauss"])
        and isinstance(weights, dict)
        and isinstance(eps, dict)
        and all(k.isdigit() for k in [*weights, *eps])
        and all(isinstance(w, list) and all(map(_real, w)) for w in weights.values())
        and all(_real(e) and not math.isnan(e) for e in eps.values())
    )


def _whole(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _real(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def save_state(out_dir: Path, abc: pyabc.ABCSMC, t: int) -> None:
    """What generation ``t`` draws from beyond ``abc.db`` (see :func:`run_abc`); every
    float is written as the shortest text that reads back to the same float."""
    rng = np.random.get_state(legacy=False)  # noqa: NPY002 (pyabc's global stream)
    state = {
        "format": STATE_FORMAT,
        "t": t,
        "numpy": {
            "key": rng["state"]["key"].tolist(),
            "pos": int(rng["state"]["pos"]),
            "has_gauss": int(rng["has_gauss"]),
            "gauss": float(rng["gauss"]),
        },
        "weights": {
            str(g): np.asarray(w, dtype=float).tolist()
            for g, w in abc.distance_function.scale_weights.items()
        },
        "eps": {str(g): float(e) for g, e in abc.eps._look_up.items()},
    }
    write_atomic(out_dir / STATE_NAME, json.dumps(state))


def restore_state(abc: pyabc.ABCSMC, state: dict) -> None:
    """Put back what :func:`save_state` kept, over what pyabc refitted from ``abc.db``."""
    abc.distance_function.scale_weights = {
        int(g): np.array(w, dtype=float) for g, w in state["weights"].items()
    }
    abc.eps._look_up = {int(g): e for g, e in state["eps"].items()}
    rng = state["numpy"]
    np.random.set_state(  # noqa: NPY002 (pyabc's global stream)
        {
            "bit_generator": "MT19937",
            "state": {"key": np.array(rng["key"], dtype=np.uint32), "pos": rng["pos"]},
            "has_gauss": rng["has_gauss"],
            "gauss": rng["gauss"],
        }
    )


def check_resumable(out_dir: Path, settings: CalibrateSettings) -> dict:
    """The receipt of an earlier fit in ``out_dir`` ({} if none); ConfigError if it differs,
    or if its history cannot be read or resumed exactly."""
    where = f"hydra.run.dir={out_dir}"
    path = out_dir / "calibration.json"
    previous = {}
    if path.exists():
        try:
            previous = read_json(path)
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
    if not db.exists() and not (out_dir / WAVES_DIR).exists():
        return previous
    if previous.get("fingerprint") != fingerprint(settings):
        raise ConfigError(f"{where}: holds a calibration with other settings; use a new directory")
    if not db.exists():
        return previous
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
