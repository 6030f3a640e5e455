"""Hydra side of configuration: the schema registration and the conversion to typed parameters.

This is the only module besides the command line that imports Hydra. The
schema is :class:`sim.config.params.Config`; YAML files under ``conf/`` only select and
override. ``to_config`` is the boundary: a DictConfig goes in, a validated
:class:`~sim.config.params.Config` comes out, or a :class:`~sim.config.params.ConfigError`
naming the bad key.
"""

from __future__ import annotations

import dataclasses
import re
import shlex
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import ChoiceSweep, Glob, Override
from hydra.errors import ConfigCompositionException, MissingConfigException, OverrideParseException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.calibrate.params import CalibrateSettings
from sim.config import params as params_module
from sim.config.params import Config, ConfigError, GeographyParams, check_ranges, validate
from sim.explore.params import ExploreConfig
from sim.policy.params import PolicySettings


def config_dir() -> Path:
    """The ``conf/`` directory: inside the installed package, or beside it in a checkout."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "conf", package.parent / "conf"):
        if (candidate / "config.yaml").is_file():
            return candidate
    raise FileNotFoundError(f"no conf/config.yaml found near {package}")


def register_configs() -> None:
    """Store the structured-config schemas that the YAML files extend."""
    cs = ConfigStore.instance()
    cs.store(name="base_config", node=Config)
    cs.store(group="geography", name="base_geography", node=GeographyParams)
    cs.store(name="base_calibrate", node=CalibrateSettings)
    cs.store(name="explore_schema", node=ExploreConfig)
    cs.store(name="policy_schema", node=PolicySettings)


def to_config(cfg: DictConfig) -> Config:
    """Turn a composed Hydra config into validated typed parameters."""
    return validate(_structured(cfg, Config))


def to_settings[T](cfg: DictConfig, schema: type[T]) -> T:
    """An app's typed, range-checked settings (``schema``) from its composed config."""
    settings = _structured(cfg, schema)
    check_ranges(settings)
    return settings


def _structured[T](cfg: DictConfig, schema: type[T]) -> T:
    try:
        obj = OmegaConf.to_object(cfg)
    except OmegaConfBaseException as e:
        raise ConfigError(_first_line(e)) from None
    if not isinstance(obj, schema):  # another command's primary config (--config-name)
        raise ConfigError(
            f"--config-name: the config composed is not a {schema.__name__}; name this "
            "command's own config"
        )
    return obj


INDEX = re.compile(r"\[\d+\]")
INTERPOLATION = re.compile(r"(?<!\\)\$\{")
RESOLVER = re.compile(r"\$\{\s*([\w.]+)\s*:")
HYDRA_RESOLVERS = ("now", "hydra")
"""Resolvers a value of Hydra's own settings may use (``hydra.run.dir=out/${now:%H}``)."""


def config_groups(roots: Sequence[Path]) -> set[str]:
    """The config groups of these config directories (their sub-directories)."""
    return {p.name for root in roots for p in root.iterdir() if p.is_dir()}


def group_options(group: str, roots: Sequence[Path]) -> list[str]:
    """The options of a config group: the names of its own YAML files, nothing else."""
    return sorted({p.stem for root in roots for p in (root / group).glob("*.yaml")})


def check_overrides(overrides: Sequence[str], roots: Sequence[Path]) -> None:
    """Refuse what no override may do, before anything composes or resolves it.

    - a value with an interpolation (``description=${oc.env:SECRET}`` would copy
      the environment into the results); Hydra's own settings may use
      ``${now:...}``, ``${hydra:...}`` and references to other keys;
    - a group option that is not one of the group's own files
      (``scenario=../../elsewhere/x`` would load any YAML file on disk);
    - a change to the commands' callbacks (``~hydra.callbacks.run_lock`` would
      lift the directory lock) or a ``hydra.output_subdir`` outside the run;
    - a key given twice (:func:`refuse_repeats`).

    An override that does not parse is refused naming it (:func:`parse`).
    """
    groups = config_groups(roots)
    parsed = parse(overrides)
    for text, o in zip(overrides, parsed, strict=True):
        key = o.key_or_group
        check_interpolation(text, key, o.value())
        if key == "hydra.callbacks" or key.startswith("hydra.callbacks."):
            raise ConfigError(
                f"{text}: the commands' own callbacks (the directory lock, the sweep's "
                "aggregation) cannot be changed or removed"
            )
        if key == "hydra.output_subdir" and isinstance(o.value(), str):
            sub = Path(o.value())
            if sub.is_absolute() or ".." in sub.parts:
                raise ConfigError(
                    f"{text}: must be a folder inside the run directory (a relative path "
                    "without '..')"
                )
        if key in groups and not o.is_delete():
            _check_group_choice(text, key, o, group_options(key, roots))
    refuse_repeats(parsed)


def parse(overrides: Sequence[str]) -> list[Override]:
    """Hydra's parse of each override, or one line naming the one that does not parse."""
    parser = OverridesParser.create()
    parsed = []
    for text in overrides:
        try:
            parsed.extend(parser.parse_overrides([text]))
        except OverrideParseException as e:
            reason = str(e).strip().splitlines()[0]
            hint = ""
            if INDEX.search(text):
                hint = "; list items cannot be set by index, set the whole list"
            elif "=" not in text and not text.startswith("~"):
                hint = "; write key=value"
            raise ConfigError(f"{text}: not a valid override ({reason}){hint}") from None
    return parsed


def refuse_repeats(parsed: list[Override]) -> None:
    """A key given twice on one command line, itself or in a mapping given for its parent
    (``patrol.sweep_rate=0.2 patrol={sweep_rate:0.3}``): Hydra would run the last, or every
    job twice. (A group's choice, ``calibration=x``, and a key of its, ``calibration.y=1``,
    are not the same key.)"""
    seen: dict[str, str] = {}
    for o in parsed:
        text = o.input_line or o.key_or_group
        for key in _keys_set(o):
            if key in seen:
                raise ConfigError(f"{key}: given twice ({seen[key]} and {text}); give it once")
        seen |= dict.fromkeys(_keys_set(o), text)


def _keys_set(o: Override) -> list[str]:
    """The dotted keys an override sets: each leaf of a mapping given as its value."""
    value = None if o.is_sweep_override() else o.value()
    if not isinstance(value, dict) or not value:
        return [o.key_or_group]
    return [f"{o.key_or_group}.{k}" for k in _leaves(value)]


def _leaves(mapping: dict) -> list[str]:
    return [
        f"{k}.{inner}" if isinstance(v, dict) and v else str(k)
        for k, v in mapping.items()
        for inner in (_leaves(v) if isinstance(v, dict) and v else [None])
    ]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in (*value.keys(), *value.values()):
            yield from _strings(item)
    elif isinstance(value, ChoiceSweep):
        yield from _strings(value.list)


def check_interpolation(text: str, key: str, value: Any) -> None:
    """Refuse ``${...}`` anywhere in ``value`` (written ``text``), but for the resolvers
    Hydra's own ``hydra.*`` settings may use."""
    for s in _strings(value):
        if not INTERPOLATION.search(s):
            continue
        if key.startswith("hydra.") and all(r in HYDRA_RESOLVERS for r in RESOLVER.findall(s)):
            continue
        raise ConfigError(
            f"{text}: interpolations (${{...}}) are not allowed in values; write the value "
            "itself (Hydra's own hydra.* settings may use ${now:...} and ${hydra:...})"
        )


def _check_group_choice(text: str, group: str, o: Override, options: list[str]) -> None:
    value = o.value()
    if isinstance(value, Glob):
        names = value.filter(options)
        if not names:
            raise ConfigError(f"{text}: matches no {group}; allowed: {', '.join(options)}")
        return
    names = value.list if isinstance(value, ChoiceSweep) else [value]
    for name in names:
        if not isinstance(name, str) or name not in options:
            raise ConfigError(f"{group}={name}: no such {group}; allowed: {', '.join(options)}")


def load_config(overrides: Sequence[str] = ()) -> Config:
    """Compose the config exactly as ``python -m sim`` would, without running anything.

    Overrides of Hydra's own settings (``hydra.*``, ``hydra/...``) are ignored.
    Raises ConfigError with one line naming the bad override and what is allowed.
    """
    return to_config(compose_checked("config", overrides))


def compose_checked(
    name: str, overrides: Sequence[str] = (), root: Path | None = None
) -> DictConfig:
    """Compose the primary config ``name`` of ``root`` (default ``conf/``), or raise a
    one-line ConfigError.

    Overrides of Hydra's own settings are ignored. Works inside a running Hydra
    app too (then with the app's compose context).
    """
    own = [o for o in overrides if not o.lstrip("+~").startswith(("hydra.", "hydra/"))]
    check_overrides(own, [root or config_dir()])
    with _compose_context(root or config_dir()):
        try:
            return compose(name, overrides=own)
        except (MissingConfigException, ConfigCompositionException, OmegaConfBaseException) as e:
            raise ConfigError(explain(e, name)) from None
        except (ValueError, OverrideParseException) as e:  # malformed override syntax
            raise ConfigError(_first_line(e)) from None


@contextmanager
def _compose_context(root: Path) -> Iterator[None]:
    if GlobalHydra.instance().is_initialized():  # inside a Hydra app: compose with its search path
        yield
        return
    with initialize_config_dir(str(root), version_base="1.3"):
        yield


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


MODEL_KEYS = {"calibrate": "model=[{key}=...]", "forecast": "model=[{key}=...]"}
"""Where a command other than ``python -m sim`` takes the model's parameters (default:
its ``overrides`` mapping)."""


def explain(error: Exception, config_name: str = "config") -> str:
    """One line saying which override is wrong and what is allowed (``config_name``: the
    command's primary config, for where its keys are listed)."""
    if isinstance(error, MissingConfigException) and error.missing_cfg_file:
        group, _, name = error.missing_cfg_file.rpartition("/")
        options = ", ".join(o for o in error.options or [] if not o.startswith("base_"))
        return f"{group}={name}: no such {group}; allowed: {options}"
    cause = error.__cause__
    head = _first_line(error).removeprefix("Error merging override ")
    if head.startswith("Could not override"):
        key = head.split("'")[1]
        inner = re.search(r"full_key: (\S+)", str(cause)) if cause else None
        if inner and not f"{key}.".startswith(f"{inner.group(1)}."):  # a field of a value's
            return f"{key}: {_fields_hint(_first_line(cause))}"  # element (a move's, say)
        group = config_dir() / key
        primary = (group / f"{key}.yaml").is_file()  # another command's config (sim.policy)
        options = sorted(p.stem for p in group.glob("*.yaml") if not p.stem.startswith("base_"))
        if config_name == "config" and options and not primary:  # a group the defaults omit
            return (
                f"{key}: a config group the defaults leave out; add it with a + "
                f"(+{key}={options[0]}); allowed: {', '.join(options)}"
            )
        if config_name == "config":
            return f"{key}: no such parameter (list them with: python -m sim --cfg job)"
        where = MODEL_KEYS.get(config_name, "overrides.{key}=...").format(key=key)
        return (
            f"{key}: no such setting of python -m sim.{config_name} (list them with: "
            f"python -m sim.{config_name} --cfg job); the model's parameters go in {where}"
        )
    if not cause:
        return head
    reason = _first_line(cause)
    plain = next((words for start, words in PLAIN.items() if reason.startswith(start)), None)
    return f"{head}: {reason}" if plain is None else f"{head}: {plain} ({reason})"


PLAIN = {
    "Cannot merge DictConfig with ListConfig": "a list is required, written [...]",
    "Cannot merge ListConfig with DictConfig": "a mapping is required, written {...}",
    "Incompatible value 'None'": "a value is required, not null",
    "Cannot convert 'ListConfig' to string": "one value is required, not a list",
}
"""OmegaConf's reasons for a value of the wrong shape, in plain words (kept beside them)."""


def _fields_hint(message: str) -> str:
    """``message``, with the fields allowed when it names a field no element has."""
    found = re.fullmatch(r"Key '(.+)' not in '(\w+)'", message)
    schema = found and getattr(params_module, found.group(2), None)
    if not dataclasses.is_dataclass(schema):
        return message
    return f"{message}; allowed: {', '.join(f.name for f in dataclasses.fields(schema))}"


register_configs()


def command_line(program: str, args: Sequence[str], multirun: bool = False) -> str:
    """The shell command that repeats a run: ``python -m <program> [-m] args`` (quoted).

    Hydra adds the override ``hydra.mode=RUN`` or ``MULTIRUN`` itself; ``-m`` stands for it.
    """
    rest = [a for a in args if not a.startswith("hydra.mode=")]
    return shlex.join(["python", "-m", program, *(["-m"] if multirun else []), *rest])
