"""A multirun's sweep, checked before the sweeper expands it: its values, its size, its
launcher and its job directories, and each job's config, composed as few times as
its choices of config groups require."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from pathlib import Path

from hydra.core.override_parser.types import Glob, IntervalSweep, Override, RangeSweep
from omegaconf import DictConfig, OmegaConf

from sim.config.compose import group_options
from sim.config.params import Config, ConfigError, validate


def own_overrides(overrides: list[str]) -> list[str]:
    """The overrides of the config itself (not of Hydra's own settings)."""
    return [o for o in overrides if not o.lstrip("+~").startswith(("hydra.", "hydra/"))]


def check_sweeps(swept: list[Override], trials: int | None) -> None:
    """Refuse sweeps the sweeper would reject with a traceback: an ``interval()``
    without an optimising sweeper, an empty interval, fewer than one trial."""
    if trials is not None and int(trials) < 1:
        raise ConfigError(f"hydra.sweeper.n_trials={trials}: at least 1 trial")
    for o in swept:
        if not isinstance(o.value(), IntervalSweep):
            continue
        text, sweep = o.input_line or o.key_or_group, o.value()
        if trials is None:
            raise ConfigError(
                f"{text}: interval() needs an optimising sweeper (hydra/sweeper=optuna); "
                "the basic sweeper takes lists, e.g. key=0,0.5,1, or range()"
            )
        if not sweep.start < sweep.end:
            raise ConfigError(f"{text}: the interval's low end must be below its high end")


def sweep_values(o: Override, groups: set[str], roots: list[Path]) -> list[str]:
    """The values a sweep override takes (an interval's two ends), each as override text.

    An empty or endless ``range()`` is refused, and ``glob()`` is taken only for a
    config group (it matches the group's options).
    """
    key, text, value = o.get_key_element(), o.input_line or o.key_or_group, o.value()
    if not o.is_sweep_override():
        return [f"{key}={o.get_value_element_as_str()}"]
    if isinstance(value, IntervalSweep):
        return [f"{key}={value.start}", f"{key}={value.end}"]
    if isinstance(value, Glob):
        if o.key_or_group not in groups:
            raise ConfigError(f"{text}: glob() selects options of a config group; list the values")
        return [f"{key}={v}" for v in value.filter(group_options(o.key_or_group, roots))]
    if isinstance(value, RangeSweep):
        if value.step == 0:
            raise ConfigError(f"{text}: a range's step must not be 0")
        check_size([max(0, math.ceil((value.stop - value.start) / value.step))])
    values = [f"{key}={v}" for v in o.sweep_string_iterator()]
    if not values:
        raise ConfigError(f"{text}: an empty range; the end is not reached from the start")
    twice = next((v for i, v in enumerate(values) if v in values[:i]), None)
    if twice is not None:  # its jobs would run the same config twice
        raise ConfigError(f"{text}: {twice.split('=', 1)[1]} is listed twice; list each value once")
    return values


MAX_JOBS = 10_000
"""The most jobs a multirun may have: each is a Hydra job with its own directory. More
seeds go in ``replications=``; larger designs in ``python -m sim.explore``."""


def check_size(sizes: list[int]) -> None:
    """Refuse a sweep of more than MAX_JOBS jobs (the product of each key's number of
    values) before anything expands it."""
    jobs = math.prod(sizes)
    if jobs > MAX_JOBS:
        raise ConfigError(
            f"the sweep has {jobs:,} jobs, more than {MAX_JOBS:,}; put seeds in "
            "replications= and designs in python -m sim.explore"
        )


def _key(text: str) -> str:
    return text.split("=", 1)[0].lstrip("+~")


def job_configs(
    jobs: list[list[str]], groups: set[str], compose: Callable[[list[str]], Config]
) -> list[Config]:
    """Each job's validated config: one composition per distinct choice of groups (and
    the overrides every job shares), then the job's own parameter values set on a copy."""
    from sim.config.overrides import assign
    from sim.config.overrides import parse as values_of

    shared = set.intersection(*(set(own_overrides(job)) for job in jobs))
    bases: dict[tuple[str, ...], Config] = {}
    configs = []
    for job in jobs:
        own = own_overrides(job)
        choice = tuple(o for o in own if _key(o) in groups or o in shared)
        if choice not in bases:
            bases[choice] = compose(list(choice))
        config = copy.deepcopy(bases[choice])
        for o in own:
            if o not in choice:
                ((key, value),) = values_of([o]).items()
                try:
                    assign(config, key, value)
                except ConfigError as e:
                    raise ConfigError(_with_value(str(e), o)) from None
        configs.append(validate(config))
    return configs


def _with_value(message: str, override: str) -> str:
    """An assignment's message led by the override as written (as composition words it)."""
    return message if message.startswith(override) else f"{override}: {message.split(': ', 1)[-1]}"


def check_launcher(base: DictConfig) -> None:
    """Settings of the joblib launcher that joblib would refuse with a traceback."""
    target = str(OmegaConf.select(base, "hydra.launcher._target_") or "")
    n_jobs = OmegaConf.select(base, "hydra.launcher.n_jobs")
    if "joblib" in target.lower() and n_jobs is not None and int(n_jobs) == 0:
        raise ConfigError(
            "hydra.launcher.n_jobs=0: the number of processes; at least 1 (or -1: every core)"
        )


JOB_SUBDIR = "job${hydra.job.num}"
"""Each job's directory in its sweep: ``job0``, ``job1``, ... (resume, progress and
aggregation find the jobs by these names)."""


def check_job_dirs(base: DictConfig) -> None:
    """Refuse any ``hydra.sweep.subdir`` but :data:`JOB_SUBDIR`: another template can give
    jobs the same directory (each overwriting the one before), put them outside the
    sweep (``../``, an absolute path), or name them where aggregation cannot find them."""
    node = base.hydra.sweep._get_node("subdir")
    template = str(node._value()) if node is not None else ""
    if template != JOB_SUBDIR:
        raise ConfigError(
            f"hydra.sweep.subdir={template}: a sweep's jobs are {JOB_SUBDIR} (job0, job1, ...) "
            "inside hydra.sweep.dir; choose where the sweep goes with hydra.sweep.dir"
        )
