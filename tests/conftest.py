"""Shared helpers: configs composed exactly as the CLI composes them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.config import load_config
from sim.params import Config
from sim.runner import model_params, replication_seeds, simulate
from sim.tables import RunTables


def config(*overrides: str) -> Config:
    """A validated config from overrides, as ``python -m sim`` would build it."""
    return load_config(list(overrides))


def replicate(cfg: Config, n: int) -> list[RunTables]:
    """``n`` replications with the paired seeds the runner uses."""
    params = model_params(cfg)
    return [simulate(params, cfg.days, s) for s in replication_seeds(cfg.seed, n)]


def summaries(cfg: Config, n: int) -> pd.DataFrame:
    return pd.DataFrame([t.summary for t in replicate(cfg, n)])


@pytest.fixture
def tmp_out(tmp_path):
    """A fresh output directory."""
    return tmp_path / "out"


def monthly_counts(ts: pd.DataFrame, column: str = "border_incidents") -> np.ndarray:
    full = ts.groupby("month")["day"].count() >= 30
    return ts.groupby("month")[column].sum()[full].to_numpy()
