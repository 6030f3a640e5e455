"""Pinned numbers of a small run: optimisation must not change results for a given seed.

If a deliberate model change moves these numbers, update them in the same commit
and say why in its message.
"""

import pytest
from conftest import config, summaries

PINNED = {
    "border_incidents": [239, 230],
    "attack": [92, 106],
    "clash": [33, 12],
    "ceasefire_violation": [21, 11],
    "smuggling_seized": [116, 124],
    "irregular_crossing": [171, 150],
    "corridor_crossing": [14, 29],
    "casualties": [363, 185],
    "militant_losses": [310, 318],
    "relapses": [0, 0],
    "phase2_day": [322, 270],
    "mediator_interventions": [9, 10],
}
PINNED_FLOAT = {
    "detection_rate": [0.4553376906318083, 0.4411764705882353],
    "final_trust": [0.5403023614323819, 0.6463592540306898],
}


def test_small_run_summary_is_pinned():
    s = summaries(config("scenario=roadmap", "days=365", "seed=7"), 2)
    for key, values in PINNED.items():
        assert s[key].tolist() == values, key
    for key, values in PINNED_FLOAT.items():
        assert s[key].tolist() == pytest.approx(values, rel=1e-12), key
