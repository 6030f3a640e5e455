"""Seeds, determinism across process counts, streamed and atomic output."""

import pandas as pd
import pytest
from conftest import config

from sim.model.incidents import IncidentType
from sim.runs.runner import replication_seeds, run_replications


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


def test_tables_read_back_typed_and_incidents_in_the_order_they_happened(tmp_path):
    run_replications(config("replications=3", "days=200", "workers=2"), tmp_path)
    inc = pd.read_parquet(tmp_path / "incidents.parquet")
    for _, rows in inc.groupby("replication"):
        assert rows["day"].is_monotonic_increasing
    for column in ("scenario", "province", "side", "type", "actor"):
        assert pd.api.types.is_string_dtype(inc[column]), column
    assert set(inc["type"]) <= {t.label for t in IncidentType}
    ts = pd.read_parquet(tmp_path / "timeseries.parquet")
    assert len(ts) == 3 * 200 and ts["phase"].dtype == "int8"
    assert ts.groupby("replication")["day"].apply(lambda d: d.tolist() == list(range(200))).all()


def test_scenarios_share_seeds_replication_by_replication(tmp_path):
    a = run_replications(config("scenario=baseline", "replications=3", "days=50"), tmp_path / "a")
    b = run_replications(config("scenario=roadmap", "replications=3", "days=50"), tmp_path / "b")
    assert a["seed"].tolist() == b["seed"].tolist()


def test_failure_leaves_no_half_written_table(tmp_path, monkeypatch):
    import sim.runs.runner as runner

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
    assert [p.name for p in (tmp_path / "out").iterdir()] == []  # no table, no staging


def test_chunks_cover_every_replication_once_and_shrink_to_single_runs():
    from sim.runs.runner import MAX_CHUNK, chunks_of

    for n, workers in [(1, 2), (7, 2), (100, 2), (1000, 8)]:
        chunks = chunks_of(n, workers)
        assert [i for c in chunks for i in c] == list(range(n))
        sizes = [len(c) for c in chunks]
        assert sizes == sorted(sizes, reverse=True)
        assert max(sizes) <= MAX_CHUNK and sizes[-1] == 1


def test_a_failing_worker_stops_the_pool_and_the_next_sweep_starts_a_new_one(tmp_path, monkeypatch):
    import types

    import sim.runs.pool as pool
    import sim.runs.runner as runner

    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(runner.uuid, "uuid4", lambda: types.SimpleNamespace(hex="deadbeef"))
    staging = out / ".staging-deadbeef"
    staging.write_text("not a directory: workers cannot write their parts")
    cfg = config("replications=4", "days=30", "workers=2")
    pool.keep_pool(True)
    try:
        with pytest.raises(OSError):
            run_replications(cfg, out)
        assert pool._pool is None
        assert sorted(p.name for p in out.iterdir()) == [staging.name]  # no table
        staging.unlink()
        assert len(run_replications(cfg, out)) == 4
        kept = pool._pool
        assert kept is not None  # kept for the next call of the sweep
        run_replications(cfg, tmp_path / "again")
        assert pool._pool is kept
    finally:
        pool.keep_pool(False)
    assert pool._pool is None
    run_replications(cfg, tmp_path / "alone")
    assert pool._pool is None  # outside a sweep no worker outlives its call


def test_rerun_replaces_earlier_tables_whatever_their_layout(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    for name in ("runs", "timeseries", "incidents", "transitions"):
        (out / f"{name}.parquet").write_text("an earlier version's single-file table")
    run_replications(config("replications=2", "days=30", "output.incidents=false"), out)
    assert (out / "timeseries.parquet").is_dir() and (out / "transitions.parquet").is_dir()
    assert not (out / "incidents.parquet").exists()  # not written this time: no stale table
    assert len(pd.read_parquet(out / "runs.parquet")) == 2


def test_part_writer_puts_each_runs_identity_columns_in_front_as_with_ids_does(
    tmp_path, monkeypatch
):
    """Identity columns built once per row group (not per run) are the same columns, values
    and types as each run's table through ``with_ids``, whatever varies between runs and
    however the runs fall into row groups."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from sim.runs.runner import PartWriter, with_ids

    runs = [
        (
            pa.table(
                {"day": pa.array(range(n), pa.int64()), "x": pa.array([0.5] * n, pa.float64())}
            ),
            ids,
        )
        for n, ids in [
            (3, {"scenario": "a", "replication": 0, "seed": 2**62, "draw": -1, "overrides": ""}),
            (0, {"scenario": "a", "replication": 1, "seed": 5, "draw": -1, "overrides": ""}),
            (4, {"scenario": "a", "replication": 2, "seed": 7, "draw": 3, "overrides": ""}),
            (2, {"scenario": "b", "replication": 3, "seed": 7, "draw": 3, "overrides": "k=1"}),
        ]
    ]
    expected = pa.concat_tables([with_ids(table, ids) for table, ids in runs])
    for rows_per_group in (1, 4, 1000):
        monkeypatch.setattr(PartWriter, "ROW_GROUP_ROWS", rows_per_group)
        path = tmp_path / f"part-{rows_per_group}.parquet"
        writer = PartWriter(path)
        for table, ids in runs:
            writer.write(table, ids)
        writer.close()
        got = pq.read_table(path)
        assert got.schema == expected.schema
        assert got.to_pydict() == expected.to_pydict()
