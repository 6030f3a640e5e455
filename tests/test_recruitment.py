"""Recruitment draws on a pool of potential recruits that groups share and deplete.

Each test holds hardship fixed and tallies recruitment directly (no attacks,
no attrition), so what it measures is the pool and the catchments alone.
"""

from types import SimpleNamespace

import numpy as np
from conftest import config

from sim.model.model import RoadmapModel
from sim.runs.runner import model_params


def _communities(*overrides: str):
    cfg = config("scenario=baseline", "armed_groups.attrition=0", *overrides)
    model = RoadmapModel(model_params(cfg), cfg.days, 5)
    c = model.communities
    c.hardship[:] = 1.0
    return c


def _group(sectors: range, home: int = 1) -> SimpleNamespace:
    return SimpleNamespace(home=home, sectors=list(sectors), fighters=0)


def _recruited(c, groups: list, weeks: int) -> int:
    for _ in range(weeks):
        c.recruit(groups, 7)
    return sum(g.fighters for g in groups)


def test_overlapping_groups_compete_for_one_pool():
    """Two groups over the same cells recruit together what one group alone would
    (an additive catchment per group would give twice as many)."""
    alone = _recruited(_communities(), [_group(range(10))], 52)
    pair = [_group(range(10)), _group(range(10))]
    together = _recruited(_communities(), pair, 52)
    assert alone > 200
    assert 0.9 < together / alone < 1.1
    assert min(g.fighters for g in pair) > 0.35 * together  # shared, not taken by one


def test_pool_depletes_and_recruits_are_bounded_by_its_refill():
    """At a recruit rate far above what the pool can supply, a year's recruits are the
    pool plus its refill (not rate x days), and the pool empties: kept empty, every
    week a share ``1 - exp(-7 / recovery)`` of the places is taken again."""
    c = _communities("armed_groups.recruit_rate=100")
    group = _group(range(10))
    first = _recruited(c, [group], 1)
    size = c.pool_size.sum()  # its 10 cells' pools
    assert len(c.pool_size) == 10
    assert first > 0.95 * size
    assert c.pool_share() < 0.05
    year = _recruited(c, [group], 51) - first
    refill = 51 * size * (1 - np.exp(-7 / c.p.pool_recovery_days))
    assert 0.9 * refill < year < 1.1 * refill
    cells = [group.home * c.model.border.n + s for s in group.sectors]
    demand = c.model.params.armed_groups.recruit_rate * c.weight.ravel()[cells].sum() * 51 * 7
    assert year < 0.01 * demand


def test_pool_refills_over_its_recovery_time():
    c = _communities("armed_groups.recruit_rate=100")
    group = _group(range(10))
    _recruited(c, [group], 1)  # empties it
    c.hardship[:] = 0.0  # nobody joins any more
    weeks = round(c.p.pool_recovery_days / 7)
    _recruited(c, [group], weeks)
    assert abs(c.pool_share() - (1 - np.exp(-weeks * 7 / c.p.pool_recovery_days))) < 0.05


def test_cross_border_ties_cut_joining_only_where_they_are():
    """Ties in half a group's cells (as cultural exchanges leave them) slow the
    draw-down of the pool there and nowhere else."""
    c = _communities()
    c.ties[1, :10] = 1.0  # home side 1, the first half of the reach
    group = _group(range(20))
    _recruited(c, [group], 8)
    left = c.pool / c.pool_size
    with_ties, without = 1 - left[:10].mean(), 1 - left[10:].mean()
    assert without > 0.1
    cut = c.model.params.projects.tie_recruit_cut
    assert with_ties < (1 - 0.7 * cut) * without
    assert with_ties > 0.2 * without  # cut, not stopped
