"""A single run's output directory, held before Hydra writes into it.

Hydra saves ``.hydra/`` (the config and overrides) into the run directory
before the task starts, so a lock taken by the task would come too late: a
second run refused there would already have overwritten the first run's
record of its config. This callback takes the lock in ``on_run_start``.
"""

from __future__ import annotations

import copy
import json
import os
import sys
from collections.abc import Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, open_dict, read_write

from sim.config.params import ConfigError
from sim.runs.runner import Busy, locked

MULTIRUN_MARK = "multirun.yaml"
"""What Hydra writes at the top of a multirun's directory."""
KINDS = {
    "multirun": (MULTIRUN_MARK,),
    "comparison": ("aggregate.json",),
    "design": ("explore.json", "design.parquet"),
    "calibration": ("calibration.json", "abc.db"),
    "forecast": ("forecast.json", "forecasts.parquet"),
    "policy": ("policy.json", "worlds.parquet", "evaluations.parquet"),
    "run": ("job.json", "runs.parquet"),
}
"""Each kind of output directory, by the files that mark it (checked in this order)."""
NAME_MAX = 255
"""The longest file or directory name (bytes) of the usual Linux filesystems."""


def held_kind(out: Path) -> str | None:
    """Which kind of results ``out`` holds (None: none, or it does not exist)."""
    return next((k for k, marks in KINDS.items() if any((out / m).exists() for m in marks)), None)


def check_destination(out: Path, kind: str) -> None:
    """Refuse to write ``kind`` results where they would mix with others: the working
    directory, inside a multirun or a table's directory, or into a directory holding
    another kind of results (a run may write again where a run was, and so on)."""
    out = Path(os.path.abspath(out))
    if out == Path.cwd():
        raise ConfigError(f"{out}: the working directory; name a directory for the results")
    if out == Path(out.anchor):
        raise ConfigError(f"{out}: the filesystem root; name a directory for the results")
    longest = max(out.parts, key=len)
    if len(longest.encode()) > NAME_MAX:
        raise ConfigError(
            f"{out.parent}/{longest[:20]}...: a name {len(longest.encode())} bytes long; "
            f"the filesystem allows {NAME_MAX}"
        )
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out}: exists and is not a directory")
    if out.is_dir() and not os.access(out, os.W_OK | os.X_OK):  # (a read-only filesystem too)
        raise ConfigError(f"{out}: cannot be written (read-only, or no permission)")
    for parent in out.parents:
        if (parent / MULTIRUN_MARK).exists():
            raise ConfigError(f"{out}: inside the multirun {parent}; choose a directory outside it")
        if parent.suffix == ".parquet":
            raise ConfigError(f"{out}: inside the table {parent}; choose another directory")
    held = held_kind(out)
    if held not in (None, kind):
        raise ConfigError(f"{out}: holds a {held}'s results; choose another directory")


def holds_another(out: Path, what: str, held: Mapping | None, now: Mapping) -> ConfigError:
    """The refusal of a directory holding another ``what`` (design, search), naming the
    settings (dotted keys) whose values differ between ``held`` (None: not known) and
    ``now``, so that the user can tell a mistyped value from a new study."""
    differ = []
    if isinstance(held, Mapping):  # (not a mapping: unreadable, nothing to name)
        for key in sorted(held.keys() | now.keys()):
            there, here = (_shown(m[key]) if key in m else "unset" for m in (held, now))
            if there != here:  # as the designs' and searches' ids see them (1 is not 1.0)
                differ.append(f"{key}={there} there, {here} here")
    named = f" ({'; '.join(differ)})" if differ else ""
    return ConfigError(f"{out}: holds another {what}{named}; choose a new hydra.run.dir")


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)


def creation_error(out: Path, error: OSError) -> str:
    """One line for a directory that cannot be created or written (read-only, full, ...)."""
    return f"{out}: cannot be written ({error.strerror or error})"


def refuse(message: str) -> None:
    """One line on stderr, exit 2: how every command refuses bad input."""
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def keyed(key: str, text: str, out: Path, message: str) -> str:
    """``message`` about directory ``out`` as the setting ``key=text`` that named it."""
    shown = str(out)
    rest = message[len(shown) :] if message.startswith(shown) else f": {message}"
    return f"{key}={text}{rest}"


class RunDirLock(Callback):
    """Refuse an empty run directory (the working directory) or one this command must
    not write into (:meth:`check`), and hold the run directory's lock from before
    Hydra writes there until the run ends.

    Registered under ``hydra.callbacks`` of each command's primary config, with
    the ``kind`` of results the command writes (see :data:`KINDS`).
    """

    def __init__(self, kind: str = "run") -> None:
        self.kind = kind
        self._held: AbstractContextManager | None = None

    def check(self, out: Path, config: DictConfig) -> None:
        """Raise ConfigError if ``out`` is no place for this command's results."""
        check_destination(out, self.kind)

    @staticmethod
    def settings[T](config: DictConfig, schema: type[T]) -> T:
        """The command's typed settings from the config a callback is given (which also
        holds Hydra's own node), for a subclass's :meth:`check`."""
        from sim.config.compose import to_settings

        task = copy.deepcopy(config)
        with read_write(task), open_dict(task):
            del task["hydra"]
        return to_settings(task, schema)

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        HydraConfig.instance().set_config(config)  # as run_job will, for ${hydra:...} in the dir
        text = str(config.hydra.run.dir)
        if not text.strip():
            refuse("hydra.run.dir='': an empty path (the working directory); name a directory")
        out = Path(os.path.abspath(text))  # as run_job makes it
        try:
            self.check(out, config)  # before locked() creates the directory or its lock file
            held = locked(out)
            held.__enter__()
            self._held = held
            self.check(out, config)  # again: another process may have written there meanwhile
        except (ConfigError, Busy) as e:
            refuse(keyed("hydra.run.dir", text, out, str(e)))
        except OSError as e:
            refuse(keyed("hydra.run.dir", text, out, creation_error(out, e)))

    def on_run_end(self, config: DictConfig, **kwargs: Any) -> None:
        held, self._held = self._held, None
        if held is not None:
            held.__exit__(None, None, None)
