"""Pinned numbers of a small run: optimisation must not change results for a given seed.

If a deliberate model change moves these numbers, update them in the same commit
and say why in its message.
"""

import pytest
from conftest import config, summaries

PINNED = {
    "border_incidents": [221, 188],
    "attack": [84, 90],
    "clash": [36, 16],
    "ceasefire_violation": [15, 7],
    "smuggling_seized": [89, 105],
    "irregular_crossing": [194, 145],
    "corridor_crossing": [0, 23],
    "casualties": [445, 181],
    "militant_losses": [257, 219],
    "relapses": [1, 0],
    "phase2_day": [270, 270],
    "mediator_interventions": [11, 10],
}
PINNED_FLOAT = {
    "detection_rate": [0.4257907542579075, 0.41379310344827586],
    "final_trust": [0.5343332671887138, 0.5146465402374567],
}


def test_small_run_summary_is_pinned():
    s = summaries(config("scenario=roadmap", "days=365", "seed=7"), 2)
    for key, values in PINNED.items():
        assert s[key].tolist() == values, key
    for key, values in PINNED_FLOAT.items():
        assert s[key].tolist() == pytest.approx(values, rel=1e-12), key
