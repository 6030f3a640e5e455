"""Pinned numbers of a small run: optimisation must not change results for a given seed.

If a deliberate model change moves these numbers, update them in the same commit
and say why in its message.
"""

import pytest
from conftest import config, summaries

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
