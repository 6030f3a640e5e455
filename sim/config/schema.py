"""How a parameter is declared and checked: ranges and choices carried in field metadata.

:func:`bounded` and :func:`choice` declare a field's allowed values;
:func:`check_ranges` walks a tree of dataclasses and raises :class:`ConfigError`
naming the first key outside them. Every structured config of the package
(model, explore and calibrate settings) is declared with these.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import field
from typing import Any


class ConfigError(ValueError):
    """A configuration value outside what the model accepts."""


def bounded(default: Any, lo: float | None = None, hi: float | None = None) -> Any:
    """A field whose value (or every element of a list value) must lie in [lo, hi]."""
    meta = {"range": (lo, hi)}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


def choice(default: str, allowed: tuple[str, ...]) -> Any:
    """A string field restricted to a set of names."""
    return field(default=default, metadata={"choices": allowed})


def _check_value(key: str, value: Any, meta: Any) -> None:
    lo, hi = meta.get("range", (None, None))
    items = enumerate(value) if isinstance(value, list) else [(None, value)]
    for i, v in items:
        if v is None:  # an optional setting left unset
            continue
        shown = f"{key}={v}" if i is None else f"{key}.{i}={v}"  # a list's element by index
        if isinstance(v, float) and not math.isfinite(v):
            raise ConfigError(f"{shown}: must be a finite number")
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise ConfigError(f"{shown}: out of range, allowed {_describe(lo, hi)}")
    allowed = meta.get("choices")
    if allowed is not None and value not in allowed:
        raise ConfigError(f"{key}={value}: allowed values are {', '.join(allowed)}")
    pattern = meta.get("pattern")
    if pattern is not None and not pattern.match(str(value)):
        raise ConfigError(
            f"{key}={value}: allowed values are phase1, phase2, phase3 or a day number (0 or more)"
        )


def _describe(lo: float | None, hi: float | None) -> str:
    if hi is None:
        return f">= {lo}"
    if lo is None:
        return f"<= {hi}"
    return f"{lo} to {hi}"


def _walk(obj: Any, prefix: str) -> None:
    for f in dataclasses.fields(obj):
        key = f"{prefix}{f.name}"
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            _walk(value, key + ".")
        elif isinstance(value, list) and value and dataclasses.is_dataclass(value[0]):
            for i, item in enumerate(value):
                _walk(item, f"{key}[{i}].")
        else:
            _check_value(key, value, f.metadata)


def check_ranges(obj: Any) -> None:
    """Check every declared range and choice in a tree of dataclasses; ConfigError names the key."""
    _walk(obj, "")
