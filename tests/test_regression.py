"""Pinned numbers of a small run: optimisation must not change results for a given seed.

If a deliberate model change moves these numbers, update them in the same commit
and say why in its message.
"""

import pytest
from conftest import config, summaries

PINNED = {
    "border_incidents": [219, 214],
    "attack": [83, 95],
    "clash": [21, 17],
    "ceasefire_violation": [12, 5],
    "smuggling_seized": [159, 136],
    "irregular_crossing": [156, 191],
    "corridor_crossing": [35, 2],
    "casualties": [168, 280],
    "militant_losses": [318, 277],
    "relapses": [0, 1],
    "phase2_day": [270, 270],
    "mediator_interventions": [9, 9],
}
PINNED_FLOAT = {
    "detection_rate": [0.5314401622718052, 0.4774590163934426],
    "final_trust": [0.6819096323810241, 0.516025829545365],
}


def test_small_run_summary_is_pinned():
    s = summaries(config("scenario=roadmap", "days=365", "seed=7"), 2)
    for key, values in PINNED.items():
        assert s[key].tolist() == values, key
    for key, values in PINNED_FLOAT.items():
        assert s[key].tolist() == pytest.approx(values, rel=1e-12), key
