"""Hydra side of configuration: the schema registration and the conversion to typed parameters.

This is the only module besides the command line that imports Hydra. The
schema is :class:`sim.params.Config`; YAML files under ``conf/`` only select and
override. ``to_config`` is the boundary: a DictConfig goes in, a validated
:class:`~sim.params.Config` comes out, or a :class:`~sim.params.ConfigError`
naming the bad key.
"""

from __future__ import annotations

from pathlib import Path

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

from sim.params import Config, GeographyParams, validate


def config_dir() -> Path:
    """The ``conf/`` directory: inside the installed package, or beside it in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "conf", here.parent / "conf"):
        if (candidate / "config.yaml").is_file():
            return candidate
    raise FileNotFoundError(f"no conf/config.yaml found near {here}")


def register_configs() -> None:
    """Store the structured-config schemas that the YAML files extend."""
    cs = ConfigStore.instance()
    cs.store(name="base_config", node=Config)
    cs.store(group="geography", name="base_geography", node=GeographyParams)


def to_config(cfg: DictConfig) -> Config:
    """Turn a composed Hydra config into validated typed parameters."""
    config = OmegaConf.to_object(cfg)
    assert isinstance(config, Config)
    validate(config)
    return config


register_configs()
