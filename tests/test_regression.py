"""Pinned numbers of a small run: optimisation must not change results for a given seed.

If a deliberate model change moves these numbers, update them in the same commit
and say why in its message.
"""

import pytest
from conftest import config, summaries

PINNED = {
    "border_incidents": [253, 209],
    "attack": [93, 94],
    "clash": [36, 14],
    "ceasefire_violation": [18, 7],
    "smuggling_seized": [112, 121],
    "irregular_crossing": [156, 150],
    "corridor_crossing": [35, 37],
    "casualties": [408, 127],
    "militant_losses": [335, 269],
    "relapses": [0, 0],
    "phase2_day": [270, 270],
    "mediator_interventions": [10, 7],
}
PINNED_FLOAT = {
    "detection_rate": [0.4668094218415418, 0.45454545454545453],
    "final_trust": [0.5686781039289655, 0.6205134489382871],
}


def test_small_run_summary_is_pinned():
    s = summaries(config("scenario=roadmap", "days=365", "seed=7"), 2)
    for key, values in PINNED.items():
        assert s[key].tolist() == values, key
    for key, values in PINNED_FLOAT.items():
        assert s[key].tolist() == pytest.approx(values, rel=1e-12), key
