"""Seeds, determinism across process counts, streamed and atomic output."""

import pandas as pd
import pytest
from conftest import config

from sim.runner import replication_seeds, run_replications


def test_replication_seeds_do_not_depend_on_how_many():
    assert replication_seeds(7, 3) == replication_seeds(7, 10)[:3]
    assert len(set(replication_seeds(7, 100))) == 100


def test_same_config_and_seed_same_numbers_whatever_the_workers(tmp_path):
    cfg = config("replications=4", "days=300")
    one = run_replications(cfg, tmp_path / "one")
    cfg.workers = 3
    three = run_replications(cfg, tmp_path / "three")
    pd.testing.assert_frame_equal(one, three)
    for table in ("timeseries", "incidents", "transitions"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / "one" / f"{table}.parquet"),
            pd.read_parquet(tmp_path / "three" / f"{table}.parquet"),
        )


def test_scenarios_share_seeds_replication_by_replication(tmp_path):
    a = run_replications(config("scenario=baseline", "replications=3", "days=50"), tmp_path / "a")
    b = run_replications(config("scenario=roadmap", "replications=3", "days=50"), tmp_path / "b")
    assert a["seed"].tolist() == b["seed"].tolist()


def test_failure_leaves_no_half_written_table(tmp_path, monkeypatch):
    import sim.runner as runner

    calls = {"n": 0}
    real = runner.simulate

    def flaky(*args):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("boom")
        return real(*args)

    monkeypatch.setattr(runner, "simulate", flaky)
    cfg = config("replications=3", "days=50", "workers=1")
    with pytest.raises(RuntimeError):
        run_replications(cfg, tmp_path / "out")
    assert not list((tmp_path / "out").iterdir())
