"""Check a whole command line before Hydra runs anything.

A single run and every job of a multirun are composed and validated here, in
the calling process, before Hydra creates an output directory or writes
``multirun.yaml``: a bad key or value anywhere in a sweep ends with one line
naming it and what is allowed, exit code 2, and nothing written.
:func:`checked_main` is that guard for every Hydra app of the package
(``python -m sim``, ``sim.explore``, ``sim.calibrate``); it also writes whole
floats given for integer parameters as integers (``7.0`` -> ``7``), the
Python API's rule, since Hydra refuses any float for an integer field.
"""

from __future__ import annotations

import dataclasses
import itertools
import sys
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import (
    ChoiceSweep,
    Override,
    RangeSweep,
)
from hydra.errors import ConfigCompositionException, MissingConfigException, OverrideParseException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.config.compose import (
    INDEX,
    check_overrides,
    config_dir,
    config_groups,
    explain,
    parse,
    to_config,
)
from sim.config.overrides import coerce
from sim.config.params import Config, ConfigError
from sim.config.sweeps import (
    check_job_dirs,
    check_launcher,
    check_size,
    check_sweeps,
    job_configs,
    own_overrides,
    sweep_values,
)

VALUE_FLAGS = {
    "--config-dir": "config_dir",
    "-cd": "config_dir",
    "--config-name": "config_name",
    "-cn": "config_name",
    "--config-path": "config_path",
    "-cp": "config_path",
    "--cfg": "cfg",
    "-c": "cfg",
    "--package": "package",
    "-p": "package",
}
PASS_FLAGS = ("--help", "-h", "--hydra-help", "--shell-completion", "-sc", "--info", "-i")
"""Flags that only print Hydra's help or information: nothing to check."""
MULTIRUN_FLAGS = ("-m", "--multirun")


@dataclass
class CommandLine:
    """A command line of a Hydra app split into Hydra's flags and the overrides.

    ``args`` is the whole command line; ``positions`` says where in it each override stands.
    """

    args: list[str] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    overrides: list[str] = field(default_factory=list)
    multirun: bool = False
    informational: bool = False
    config_dir: str | None = None
    config_name: str = "config"
    config_path: str | None = None


@dataclass
class Plan:
    """What a command line will run: every job's overrides and validated config."""

    jobs: list[list[str]]
    configs: list[Config]
    total: int
    warnings: list[str]


def split_command_line(args: Sequence[str], config_name: str = "config") -> CommandLine:
    line = CommandLine(args=list(args), config_name=config_name)
    it = iter(enumerate(args))
    for index, arg in it:
        name, eq, value = arg.partition("=")
        if arg in MULTIRUN_FLAGS:
            line.multirun = True
        elif name in PASS_FLAGS:
            line.informational = True
        elif name in VALUE_FLAGS:
            value = value if eq else next(it, (0, ""))[1]
            if VALUE_FLAGS[name] != "cfg" and VALUE_FLAGS[name] != "package":
                setattr(line, VALUE_FLAGS[name], value)
        elif arg.startswith("-"):
            line.informational = True  # a flag of Hydra's we do not know: let Hydra judge it
        else:
            line.overrides.append(arg)
            line.positions.append(index)
    return line


def whole_numbers(line: CommandLine, schema: type = Config) -> None:
    """Write whole floats for integer parameters of ``schema`` as integers, in place.

    The rule is :func:`sim.config.overrides.coerce`'s, so a fraction (``7.5``) raises the
    API's one-line ConfigError. Plain values, lists, choice sweeps (``7.0,14.0``)
    and ranges are rewritten; anything else is left for the checks to judge.
    """
    for i, text in enumerate(line.overrides):
        try:
            (o,) = OverridesParser.create().parse_overrides([text])
        except OverrideParseException:
            continue  # parse() names it
        kind = parameter_type(o.key_or_group, schema)
        if kind is None or int not in (kind, *typing.get_args(kind)):
            continue
        value = _whole(o.key_or_group, o.value(), kind)
        if value is not None:
            line.overrides[i] = f"{o.get_key_element()}={value}"
            line.args[line.positions[i]] = line.overrides[i]


def _whole(key: str, value: typing.Any, kind: typing.Any) -> str | None:
    """Override text of ``value`` with its whole floats as integers; None if it holds no float."""

    def text(v: typing.Any) -> str:
        number = coerce(key, v, kind if typing.get_origin(kind) is list else int)
        return f"[{','.join(map(str, number))}]" if isinstance(number, list) else str(number)

    def has_float(v: typing.Any) -> bool:
        return isinstance(v, float) or (isinstance(v, list) and any(map(has_float, v)))

    if isinstance(value, ChoiceSweep) and value.simple_form and any(map(has_float, value.list)):
        return ",".join(map(text, value.list))
    if isinstance(value, RangeSweep) and any(map(has_float, (value.start, value.stop, value.step))):
        ends = [coerce(key, v, int) for v in (value.start, value.stop, value.step)]
        return f"range({','.join(map(str, ends))})"
    return text(value) if has_float(value) else None


def accept_mappings(
    line: CommandLine, mappings: Sequence[str], check: Callable[[CommandLine], object]
) -> Callable[[CommandLine], None]:
    """Let overrides of the mapping settings ``mappings`` extend them, in place, and
    return ``check`` naming those overrides as the user typed them.

    Hydra refuses a new key of a mapping without ``+`` ("no such parameter"),
    though these settings exist; ``++`` adds or sets it, as the user meant.
    """
    typed = {}
    for i, text in enumerate(line.overrides):
        key = text.partition("=")[0]
        if any(key == m or key.startswith(f"{m}.") for m in mappings):
            line.overrides[i] = f"++{text}"
            line.args[line.positions[i]] = line.overrides[i]
            typed[line.overrides[i]] = text

    def check_as_typed(line: CommandLine) -> None:
        try:
            check(line)
        except ConfigError as e:
            text = str(e)
            for rewritten, original in typed.items():
                text = text.replace(rewritten, original)
            raise ConfigError(text) from None

    return check_as_typed


def one_job(line: CommandLine, program: str) -> None:
    """Refuse ``-m`` and swept values for a command that runs one job (all but ``python -m
    sim``), naming them, instead of Hydra's "Ambiguous value" or a multirun of it."""
    if line.multirun:
        raise ConfigError(
            f"-m/--multirun: python -m {program} runs one job; drop -m (to compare settings, "
            f"run it once per setting, each with its own hydra.run.dir)"
        )
    for o in parse(line.overrides):
        if o.is_sweep_override():
            raise ConfigError(
                f"{o.input_line}: a sweep of values; python -m {program} runs one job: "
                "give one value"
            )
        if o.key_or_group.startswith(("hydra.sweeper", "hydra/sweeper")):
            raise ConfigError(
                f"{o.input_line}: a setting of Hydra's sweeper; python -m {program} runs one "
                "job and sweeps nothing"
            )


def checked_main(
    app: Callable[[], object],
    check: Callable[[CommandLine], object],
    line: CommandLine,
    schema: type = Config,
    root: Path | None = None,
    program: str | None = None,
) -> None:
    """A Hydra app's console entry point: ``check`` the command line, then run ``app``.

    ``schema`` is the app's structured config (for :func:`whole_numbers`), ``root``
    its config directory (default ``conf/``). Every override is first held to
    :func:`~sim.config.compose.check_overrides` (no interpolation, group options
    from the group's own files, the callbacks kept). A ConfigError from these
    checks ends with one line on stderr, exit code 2, before Hydra writes
    anything; Hydra then reads the command line with whole floats written as
    integers. Help and information flags go to Hydra unchecked. Ctrl-C ends with
    one line, exit 130. A command that runs one job names its ``program`` (as in
    ``python -m <program>``): ``-m`` and swept values are refused (:func:`one_job`).
    """
    if not line.informational:
        try:
            if program is not None:
                one_job(line, program)
            check_overrides(line.overrides, roots(line, root))
            whole_numbers(line, schema)
            check(line)
        except ConfigError as e:
            print(f"error: {e}", file=sys.stderr)
            sys.exit(2)
        except KeyboardInterrupt:  # while checking: nothing was written
            print("interrupted", file=sys.stderr)
            sys.exit(130)
        sys.argv[1:] = line.args
    try:
        app()
    except KeyboardInterrupt:  # finished results stay; a job cut short says 'interrupted'
        from sim.runs.pool import stop_pool_now

        stop_pool_now()
        print("interrupted", file=sys.stderr)
        sys.exit(130)


def roots(line: CommandLine, root: Path | None = None) -> list[Path]:
    """The config directories of a command line: the app's and ``--config-dir``'s."""
    found = [Path(line.config_path).resolve() if line.config_path else root or config_dir()]
    if line.config_dir:
        extra = Path(line.config_dir)
        if not extra.is_dir():
            raise ConfigError(f"--config-dir={line.config_dir}: no such directory")
        found.append(extra.resolve())
    primaries = sorted({p.stem for r in found for p in r.glob("*.yaml")})
    if line.config_name not in primaries:  # also a path: a primary config is a file of a root
        raise ConfigError(
            f"--config-name={line.config_name}: no such config; allowed: {', '.join(primaries)}"
        )
    return found


def _field_types(cls: type) -> dict[str, typing.Any]:
    return typing.get_type_hints(cls)


def parameter_type(key: str, schema: type = Config) -> typing.Any | None:
    """The declared type of a dotted key of ``schema``, or None when there is no such parameter."""
    node: typing.Any = schema
    for part in INDEX.sub("", key).split("."):
        if not (isinstance(node, type) and dataclasses.is_dataclass(node)):
            return None
        types = _field_types(node)
        if part not in types:
            return None
        node = types[part]
        if typing.get_origin(node) is list:
            (item,) = typing.get_args(node)
            if dataclasses.is_dataclass(item):
                node = item
    return node


def check_override(o: Override, groups: set[str]) -> None:
    """Refuse what Hydra would silently accept: deletions, additions of unknown keys, non-bools."""
    key = o.key_or_group
    if key.startswith(("hydra.", "hydra/")) or key == "hydra":
        return
    text = o.input_line or key
    if o.is_delete():
        raise ConfigError(f"{text}: parameters cannot be deleted; set a value instead")
    if key in groups:
        if o.value() is None:
            options = ", ".join(sorted(p.stem for p in (config_dir() / key).glob("*.yaml")))
            raise ConfigError(f"{key}=null: choose a {key}; allowed: {options}")
        return
    kind = parameter_type(key)
    if kind is None:
        raise ConfigError(
            f"{text}: no such parameter or config group (list them with: python -m sim --cfg job)"
        )
    if kind is bool and not o.is_sweep_override() and not isinstance(o.value(), bool):
        raise ConfigError(f"{text}: allowed values are true or false")


def _sweeper_params(hydra_cfg: DictConfig) -> list[str]:
    params = OmegaConf.select(hydra_cfg, "hydra.sweeper.params") or {}
    return [f"{k}={v}" for k, v in params.items()]


def _compose(line: CommandLine, overrides: list[str], hydra: bool = False) -> DictConfig:
    try:
        return compose(line.config_name, overrides=overrides, return_hydra_config=hydra)
    except (MissingConfigException, ConfigCompositionException, OmegaConfBaseException) as e:
        raise ConfigError(explain(e, line.config_name)) from None
    except ValueError as e:
        raise ConfigError(str(e).strip().splitlines()[0]) from None
    except (AssertionError, AttributeError, TypeError) as e:
        # Hydra's own settings pass unchecked (check_override), and a few of them crash
        # its composition, such as keys set under hydra.sweeper.params while it is null.
        given = [o for o in overrides if o.lstrip("+~").startswith("hydra.")]
        if not given:  # not the user's settings: a fault to report as it is
            raise
        why = str(e).strip().splitlines()[0]
        raise ConfigError(
            f"{' '.join(given)}: Hydra cannot compose this ({why}); give swept values as "
            "key=a,b on the command line (e.g. scenario=baseline,roadmap)"
        ) from None


def plan(line: CommandLine) -> Plan:
    """Compose and validate every job the command line will run; raise ConfigError if any fails.

    A multirun's jobs are checked in time that grows little with their number:
    each distinct choice of config groups is composed once, and each job's swept
    parameters are set on a copy of it, as the Python API sets them.
    """
    from sim.config.inert import inert_overrides, warnings_for

    paths = roots(line)
    groups = config_groups(paths)
    extra = []
    if line.config_dir:
        extra = [f"hydra.searchpath=[file://{paths[-1]}]"]
    check_overrides(line.overrides, paths)
    parsed = parse(line.overrides)
    for o in parsed:
        check_override(o, groups)
    with initialize_config_dir(str(paths[0]), version_base="1.3"):
        fixed = [o.input_line for o in parsed if not o.is_sweep_override()]
        base = _compose(line, extra + fixed, hydra=True)
        total = None
        if line.multirun:
            check_launcher(base)
            from_config = _sweeper_params(base)
            check_overrides(from_config, paths)
            swept = parse(from_config) + parsed
            for o in swept:
                check_override(o, groups)
            trials = OmegaConf.select(base, "hydra.sweeper.n_trials")
            check_sweeps(swept, trials)
            values = [sweep_values(o, groups, paths) for o in swept]
            check_size(list(map(len, values)))
            jobs = [list(j) for j in itertools.product(*values)]
            total = int(trials) if trials is not None else len(jobs)
            check_job_dirs(base)
            configs = job_configs(
                jobs, groups, lambda overrides: to_config(_compose(line, extra + overrides))
            )
        else:
            jobs = [[o.input_line for o in parsed]]
            configs = [to_config(_compose(line, extra + own_overrides(jobs[0])))]
    warnings = [w for c in configs for w in warnings_for(c)]
    for job, c in zip(jobs, configs, strict=True):
        warnings += inert_overrides(c, (o.split("=", 1)[0] for o in own_overrides(job)))
    warnings = list(dict.fromkeys(warnings))
    return Plan(jobs, configs, total or len(jobs), warnings)
