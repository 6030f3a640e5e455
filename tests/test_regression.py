"""Pinned numbers of a small run: optimisation must not change results for a given seed.

If a deliberate model change moves these numbers, update them in the same commit
and say why in its message.
"""

import json
from pathlib import Path

import pytest
from conftest import config, replicate, summaries

PINNED = {
    "border_incidents": [260, 232],
    "attack": [126, 107],
    "clash": [11, 5],
    "ceasefire_violation": [29, 9],
    "smuggling_seized": [83, 69],
    "irregular_crossing": [141, 179],
    "corridor_crossing": [25, 0],
    "casualties": [429, 229],
    "militant_losses": [301, 325],
    "relapses": [0, 0],
    "mediator_interventions": [12, 9],
    "hostile_attempts": [484, 480],
    "state_incidents": [40, 14],
}
PINNED_FLOAT = {
    "phase2_day": [271.0, float("nan")],
    "detection_rate": [0.365702479338843, 0.375],
    "final_trust": [0.3415810640133431, 0.24692773633908144],
    "spend_roadmap": [11892.800000000001, 3765.600000000001],
}


def test_small_run_summary_is_pinned():
    s = summaries(config("scenario=roadmap", "days=365", "seed=7"), 2)
    for key, values in PINNED.items():
        assert s[key].tolist() == values, key
    for key, values in PINNED_FLOAT.items():
        assert s[key].tolist() == pytest.approx(values, rel=1e-12, nan_ok=True), key


TR_SY = (
    "scenario=baseline", "geography=tr_sy", "days=365", "seed=7", "observation.sides=[1]",
    "observation.min_deaths=0", "observation.bloodless_reported=0.5",
)  # fmt: skip
PINNED_TR_SY = [  # per replication: incidents, background events (their deaths, the sums of
    # their days and sectors), recorded events (the sum of their days, the actors' of them)
    (1241, 529, 3044, 95394, 8847, 589, 107862, 60),
    (1296, 544, 2939, 92153, 9146, 602, 103720, 58),
]


def test_a_tr_sy_run_with_its_background_and_reporting_draws_is_pinned():
    """Numbers of a calibration-like run pinned before the background events drew GED
    types: that draw, on a stream of its own, moves no event, death, day or report."""
    for t, pinned in zip(replicate(config(*TR_SY), 2), PINNED_TR_SY, strict=True):
        inc = t.incidents
        bg, rec = inc[inc["type"] == "background"], inc[inc["recorded"]]
        found = (
            len(inc), len(bg), bg["casualties"].sum(), bg["day"].sum(), bg["sector"].sum(),
            len(rec), rec["day"].sum(), (rec["type"] != "background").sum(),
        )  # fmt: skip
        assert tuple(int(x) for x in found) == pinned
        assert int(t.timeseries["recorded_events"].sum()) == pinned[5]


def test_the_exactness_check_finds_a_changed_run_and_refuses_a_mismatched_one(
    tmp_path, capsys, monkeypatch
):
    """``experiments/exactness.py``: saved hashes check clean against the same code, a
    changed hash is named, and a check of another horizon or of no file is refused."""
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "experiments"))
    from exactness import CONFIGS, main

    saved = tmp_path / "hashes.json"
    assert main(["save", str(saved), "--days", "20", "--seeds", "1"]) == 0
    assert main(["check", str(saved), "--days", "20", "--seeds", "1"]) == 0
    assert f"all {len(CONFIGS)} runs unchanged" in capsys.readouterr().out
    data = json.loads(saved.read_text())
    changed = next(iter(data["runs"]))
    data["runs"][changed] = "0" * 64
    saved.write_text(json.dumps(data))
    assert main(["check", str(saved), "--days", "20", "--seeds", "1"]) == 1
    assert f"1 of {len(CONFIGS)} runs differ:\n  {changed}\n" in capsys.readouterr().out
    assert main(["check", str(saved), "--days", "30", "--seeds", "1"]) == 2
    assert "check with --days 20 --seeds 1" in capsys.readouterr().err
    assert main(["check", str(tmp_path / "none.json")]) == 2
    assert "no saved hashes to check against" in capsys.readouterr().err
