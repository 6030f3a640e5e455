"""Overrides applied in Python to a cached base configuration: the fast path of the API.

Composing a config through Hydra costs about as much as a one-year run, so the
Python API, the Mesa-native constructor, designs and the EMA adaptor compose
each combination of group choices (scenario, geography, ablation, gates) once
and apply dotted-key overrides to a copy of it. The keys, the coercions and the
one-line :class:`~sim.config.params.ConfigError` messages are the command line's,
except that a whole float (``7.0``, as samplers produce) is accepted for an
integer parameter.
"""

from __future__ import annotations

import copy
import dataclasses
import numbers
import types
import typing
from collections.abc import Iterable, Mapping
from functools import cache, lru_cache
from typing import Any

import numpy as np
import pandas as pd
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException

from sim.config.compose import check_interpolation, load_config
from sim.config.params import Config, ConfigError, ModelParams, validate

GROUPS = ("scenario", "geography", "calibration", "ablation", "gates")
"""Config groups that may be chosen by name; the first three are in the defaults list."""
IN_DEFAULTS = ("scenario", "geography", "calibration")
TRUE, FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")
Overrides = Mapping[str, Any] | Iterable[str] | None


@cache
def _parser() -> OverridesParser:
    return OverridesParser.create()


def parse(overrides: Overrides) -> dict[str, Any]:
    """Overrides as ``{dotted key: value}``: from a mapping (nested mappings are
    flattened) or from ``key=value`` strings in the command line's syntax."""
    if overrides is None:
        return {}
    if isinstance(overrides, str):
        overrides = [overrides]
    if isinstance(overrides, Mapping):
        parsed = flatten(overrides, "")
        for key, value in parsed.items():
            check_interpolation(f"{key}={_text(value)}", key, value)
        return parsed
    if not isinstance(overrides, Iterable):
        raise ConfigError(
            f"overrides={overrides!r}: expected a mapping or a list of 'key=value' strings"
        )
    parsed = {}
    for text in overrides:
        if not isinstance(text, str) or ("=" not in text and not text.startswith("~")):
            raise ConfigError(f"overrides: {text!r} is not a 'key=value' string")
        try:
            override = _parser().parse_override(text)
        except HydraException as e:
            raise ConfigError(f"{text}: {str(e).strip().splitlines()[0]}") from None
        if override.is_sweep_override():
            raise ConfigError(f"{text}: a sweep; give one value per key")
        if override.is_delete():
            raise ConfigError(f"{text}: deleting a parameter is not allowed")
        key = override.key_or_group.lstrip("+")
        check_interpolation(text, key, override.value())
        if key in parsed:
            raise ConfigError(f"{key}: given twice; give it once")
        parsed[key] = override.value()
    return parsed


def flatten(mapping: Mapping, prefix: str = "") -> dict[str, Any]:
    """Nested mappings as dotted keys: ``{"a": {"b": 1}}`` -> ``{"a.b": 1}``."""
    flat: dict[str, Any] = {}
    for key, value in mapping.items():
        name = f"{prefix}{str(key).lstrip('+')}"
        inner = flatten(value, name + ".") if isinstance(value, Mapping) else {name: value}
        twice = sorted(flat.keys() & inner.keys())
        if twice:
            raise ConfigError(
                f"{twice[0]}: given twice (as a nested and as a dotted key, or as +key and "
                "key); give it once"
            )
        flat |= inner
    return flat


@lru_cache(maxsize=64)
def base(choices: tuple[tuple[str, str], ...]) -> Config:
    """The composed config for these group choices (one Hydra compose per combination).

    Callers get a copy from :func:`configure`; the cached object is never changed.
    """
    args = [f"{'' if g in IN_DEFAULTS else '+'}{g}={name}" for g, name in choices]
    return load_config(args)


def configure(scenario: str = "roadmap", overrides: Overrides = None, **settings: Any) -> Config:
    """A validated config: ``scenario`` plus overrides plus top-level settings.

    ``overrides`` may choose groups (``geography``, ``ablation``, ``gates``, also
    written ``+ablation``) and set any dotted parameter key; ``settings`` sets
    top-level fields such as ``days``, ``seed``, ``replications``, ``workers``.
    Raises ConfigError with one line naming the key, the value and what is allowed.
    """
    if not isinstance(scenario, str):
        raise ConfigError(f"scenario={scenario!r}: one scenario's name (a string)")
    values = parse(overrides)
    if "scenario" in values:
        raise ConfigError(
            f"scenario={values['scenario']}: given in overrides; name the scenario once, as "
            f"the scenario argument (here {scenario!r})"
        )
    twice = sorted(values.keys() & settings.keys())
    if twice:
        key = twice[0]
        raise ConfigError(f"{key}: given in overrides and as the {key}= argument; give it once")
    values |= settings
    choices = {"scenario": scenario} | {
        g: values.pop(g) for g in GROUPS if isinstance(values.get(g), str)
    }
    config = copy.deepcopy(base(tuple(sorted(choices.items()))))
    for key, value in values.items():
        assign(config, key, value)
    validate(config)
    return config


def canonical(overrides: Overrides, config: Config) -> list[str]:
    """Overrides as sorted ``key=value`` strings with the values as ``config`` holds
    them (``7.0`` for an integer reads ``7``): the runs table's ``overrides`` column."""
    values = parse(overrides)
    return [
        f"{key}={_text(value if key in GROUPS else lookup(config, key))}"
        for key, value in sorted(values.items())
    ]


def lookup(config: Config, key: str) -> Any:
    """The value ``config`` holds at a dotted key (list elements by index)."""
    node: Any = config
    for part in key.split("."):
        node = node[int(part)] if isinstance(node, list) else getattr(node, part)
    return node


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "[" + ",".join(_text(v) for v in value) + "]"
    if isinstance(value, np.generic):
        value = value.item()
    return str(value).lower() if isinstance(value, bool) else str(value)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def assign(config: Config, key: str, value: Any) -> None:
    """Set the parameter at a dotted key (list elements by index: ``phases.min_days.0``)."""
    node: Any = config
    kind: Any = Config
    parts = key.split(".")
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ConfigError(f"{key}: no such parameter (list them with: sim.parameters())")
            kind = _element(kind)
            if last:
                node[int(part)] = coerce(key, value, kind)
            node = node[int(part)]
            continue
        kind = _field_kind(node, key, part)
        if last:
            setattr(node, part, coerce(key, value, kind))
        node = getattr(node, part)


def _field_kind(node: Any, key: str, part: str) -> Any:
    """The declared type of ``node``'s field ``part``; ConfigError naming ``key`` if none."""
    fields = {f.name for f in dataclasses.fields(node)} if dataclasses.is_dataclass(node) else ()
    if part not in fields:
        raise ConfigError(f"{key}: no such parameter (list them with: python -m sim --cfg job)")
    return _hints(type(node))[part]


def assign_field(node: Any, key: str, part: str, value: Any) -> None:
    """Set ``node``'s field ``part`` (``key`` is its dotted name, for messages)."""
    setattr(node, part, coerce(key, value, _field_kind(node, key, part)))


def _element(kind: Any) -> Any:
    args = typing.get_args(kind)
    return args[0] if args else Any


def coerce(key: str, value: Any, kind: Any) -> Any:
    """``value`` as the declared type ``kind``, or a ConfigError naming the key."""
    if isinstance(value, np.generic):
        value = value.item()
    shown = f"{key}={_text(value)}"
    if typing.get_origin(kind) in (types.UnionType, typing.Union):
        if value is None and type(None) in typing.get_args(kind):
            return None
        kind = next(k for k in typing.get_args(kind) if k is not type(None))
    if typing.get_origin(kind) is list:
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{shown}: a list is required")
        return [coerce(f"{key}.{i}", v, _element(kind)) for i, v in enumerate(value)]
    if dataclasses.is_dataclass(kind) and isinstance(value, kind):
        value = dataclasses.asdict(value)  # checked field by field, as a mapping is
    if dataclasses.is_dataclass(kind) and isinstance(value, Mapping):
        made = kind()
        for name, item in value.items():
            assign_field(made, f"{key}.{name}", str(name), item)
        return made
    if dataclasses.is_dataclass(kind):
        raise ConfigError(
            f"{shown}: Invalid type assigned: {type(value).__name__} is not a subclass of "
            f"{kind.__name__}. value: {_text(value)}"
        )
    if kind is bool:
        return _boolean(shown, value)
    if kind in (int, float) and not isinstance(value, bool):
        number = _number(value)
        if kind is float and number is not None:
            return float(number)
        if kind is int and number is not None and float(number).is_integer():
            return int(number)
    if kind is str and value is not None and not isinstance(value, list | dict):
        return _text(value)
    names = {int: "Integer", float: "Float", str: "String"}
    numeric_text = isinstance(value, str) and _number(value) is not None  # a move's "12.5"
    typed = "" if numeric_text else f" of type '{type(value).__name__}'"
    raise ConfigError(
        f"{shown}: Value '{_text(value)}'{typed} could not be converted to {names.get(kind, kind)}"
    )


def _number(value: Any) -> float | int | None:
    if isinstance(value, numbers.Real):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return None
    return None


def _boolean(shown: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    if text in TRUE or text in FALSE:
        return text in TRUE
    raise ConfigError(f"{shown}: Value '{value}' is not a valid bool (type {type(value).__name__})")


def parameters(scenario: str = "roadmap", geography: str = "stylised") -> pd.DataFrame:
    """Every numeric model parameter: ``key``, ``type``, ``default`` and the declared
    ``low``/``high`` (from ``bounded()``; NaN where a side is open).

    ``default`` is an object column, so an integer parameter's default stays an int.

    List elements appear by index (``phases.min_days.0``), as do the provinces'
    fields (``geography.provinces.2.roughness``); every key can be overridden.
    """
    config = base((("geography", geography), ("scenario", scenario)))
    rows: list[dict] = []
    model = {f.name for f in dataclasses.fields(ModelParams)}
    _collect(config, "", rows, skip={f.name for f in dataclasses.fields(Config)} - model)
    table = pd.DataFrame(rows, columns=["key", "type", "default", "low", "high"])
    table["default"] = pd.Series([r["default"] for r in rows], dtype=object)
    return table


def _collect(node: Any, prefix: str, rows: list[dict], skip: set[str] = frozenset()) -> None:
    hints = _hints(type(node))
    for f in dataclasses.fields(node):
        if f.name in skip:
            continue
        value, key = getattr(node, f.name), f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value):
            _collect(value, key + ".", rows)
            continue
        kind = hints[f.name]
        items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        element = _element(kind) if isinstance(value, list) else kind
        for i, item in items:
            name = key if i is None else f"{key}.{i}"
            if dataclasses.is_dataclass(item):
                _collect(item, name + ".", rows)
            elif element in (int, float):
                lo, hi = f.metadata.get("range", (None, None))
                low, high = (np.nan if b is None else b for b in (lo, hi))
                rows.append(dict(key=name, type=element.__name__, default=item, low=low, high=high))
