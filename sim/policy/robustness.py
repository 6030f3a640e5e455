"""How robust each policy is across the worlds, by the metrics of McPhail et al. (2018).

Every metric is computed per objective on the policy's value in each world, turned into
a cost (lower is better; an objective to maximise is negated), so that "rank 1" always
means best:

- ``mean`` (Laplace's principle of insufficient reason), ``worst`` (maximin: the worst
  world), ``best`` (maximax), ``hurwicz`` (``alpha * best + (1 - alpha) * worst``),
  ``percentile90`` (the cost that 90% of worlds stay under);
- ``minimax_regret`` and ``regret90``: regret is a policy's cost in a world minus the
  least cost any compared policy reaches there (Savage), then its worst and 90th
  percentile over the worlds; regret depends on which policies are compared, so it is
  computed over the Pareto set and the named scenarios together;
- ``mean_variance``: Hamarat et al.'s signal-to-noise for costs, ``(mean + 1) * (std + 1)``;
- ``undesirable_deviations``: the sum of the costs above the policy's median (Kwakkel
  et al. 2016);
- ``skewness`` and ``peakedness``: percentile-based (Voudouris et al. 2014):
  ``((q90 + q10) / 2 - q50) / ((q90 - q10) / 2)`` and ``(q90 - q10) / (q75 - q25)``;
- ``satisficing`` (Starr's domain criterion), for all objectives together: the share of
  worlds in which the policy meets every threshold of ``robustness.thresholds`` (higher is
  better; only when thresholds are given).

The metrics can disagree about which policy is best; :func:`rank_flips` says where.
:func:`paired` compares the named scenarios world by world.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations

import numpy as np
import pandas as pd
from scipy.stats import kendalltau, spearmanr

from sim.analysis.stats import wilson
from sim.policy.evaluate import outcome
from sim.policy.params import ObjectiveParams

METRICS = (
    "mean",
    "worst",
    "best",
    "hurwicz",
    "percentile90",
    "minimax_regret",
    "regret90",
    "mean_variance",
    "undesirable_deviations",
    "skewness",
    "peakedness",
)


def world_values(runs: pd.DataFrame, objective: ObjectiveParams) -> np.ndarray:
    """The objective's value in each world (runs sorted by world): the column (censored
    for a phase's day), or whether it is above 0 for ``share_positive``."""
    values = outcome(runs.sort_values("world"), objective.column)
    return (values > 0).astype(float) if objective.statistic == "share_positive" else values


def failed(
    runs: pd.DataFrame, objectives: Sequence[ObjectiveParams], thresholds: Mapping[str, float]
) -> np.ndarray:
    """Per world (in order): whether the policy misses any threshold there (a world whose
    value is undefined does not meet it)."""
    met = np.ones(len(runs), dtype=bool)
    for o in objectives:
        if o.name in thresholds:
            values = world_values(runs, o)
            limit = thresholds[o.name]
            met &= values <= limit if o.sense == "min" else values >= limit
    return ~met


def costs(
    runs: Mapping[str, pd.DataFrame], keys: Sequence[str], objective: ObjectiveParams
) -> tuple[np.ndarray, np.ndarray]:
    """Policy x world: each policy's cost in each world (the objective's value, negated
    when it is maximised) and its regret (the cost minus the least any of ``keys`` has
    in that world)."""
    sign = 1.0 if objective.sense == "min" else -1.0
    cost = np.array([sign * world_values(runs[k], objective) for k in keys])
    return cost, cost - cost.min(axis=0)


def robustness(
    runs: Mapping[str, pd.DataFrame],
    objectives: Sequence[ObjectiveParams],
    thresholds: Mapping[str, float],
    hurwicz: float,
) -> pd.DataFrame:
    """One row per policy, objective and metric: ``value`` and ``rank`` (1 = best)."""
    keys = list(runs)
    rows = []
    for o in objectives:
        cost, regret = costs(runs, keys, o)
        for i, key in enumerate(keys):
            for metric, value in _metrics(cost[i], regret[i], hurwicz).items():
                rows.append({"policy": key, "objective": o.name, "metric": metric, "value": value})
    if thresholds:
        for key in keys:
            share = 1.0 - float(failed(runs[key], objectives, thresholds).mean())
            rows.append(
                {"policy": key, "objective": "all", "metric": "satisficing", "value": share}
            )
    table = pd.DataFrame(rows)
    better_high = table["metric"] == "satisficing"
    score = table["value"].where(~better_high, -table["value"])
    table["rank"] = (
        score.groupby([table["objective"], table["metric"]]).rank(method="min").astype("Int64")
    )
    return table


def _metrics(cost: np.ndarray, regret: np.ndarray, alpha: float) -> dict[str, float]:
    q10, q25, q50, q75, q90 = np.percentile(cost, [10, 25, 50, 75, 90])
    spread = (q90 - q10) / 2
    return {
        "mean": float(cost.mean()),
        "worst": float(cost.max()),
        "best": float(cost.min()),
        "hurwicz": float(alpha * cost.min() + (1 - alpha) * cost.max()),
        "percentile90": float(q90),
        "minimax_regret": float(regret.max()),
        "regret90": float(np.percentile(regret, 90)),
        "mean_variance": float((cost.mean() + 1) * (cost.std() + 1)),
        "undesirable_deviations": float(np.clip(cost - q50, 0, None).sum()),
        "skewness": float(((q90 + q10) / 2 - q50) / spread) if spread > 0 else 0.0,
        "peakedness": float((q90 - q10) / (q75 - q25)) if q75 > q25 else float("nan"),
    }


def rank_flips(table: pd.DataFrame) -> pd.DataFrame:
    """Per objective and pair of metrics: Kendall's tau between the two rankings of the
    policies, and whether they name the same best policy."""
    rows = []
    for objective, group in table.groupby("objective", sort=False):
        ranks = group.pivot(index="policy", columns="metric", values="rank")
        for a, b in combinations(list(ranks.columns), 2):
            pair = ranks[[a, b]].dropna().astype(float)
            if pair.empty:  # a metric undefined for every policy (e.g. no spread)
                continue
            tau = kendalltau(pair[a], pair[b]).statistic if len(pair) > 1 else np.nan
            rows.append(
                {
                    "objective": objective,
                    "metric_a": a,
                    "metric_b": b,
                    "kendall_tau": float(tau),
                    "best_a": str(pair[a].idxmin()),
                    "best_b": str(pair[b].idxmin()),
                    "same_best": bool(pair[a].idxmin() == pair[b].idxmin()),
                }
            )
    return pd.DataFrame(rows)


def paired(
    runs: Mapping[str, pd.DataFrame],
    first: str,
    others: Sequence[str],
    objectives: Sequence[ObjectiveParams],
    worlds: pd.DataFrame,
) -> pd.DataFrame:
    """Each of ``others`` against ``first``, world by world, per objective: the share of
    worlds in which it does better (Wilson 95% interval), the mean paired difference
    (other minus first), and the world parameter whose value goes most with the
    difference (Spearman), which says which uncertain assumption decides the comparison."""
    factors = [c for c in worlds.columns if "." in c and worlds[c].nunique() > 1]
    rows = []
    for other in others:
        for o in objectives:
            a = world_values(runs[first], o)
            b = world_values(runs[other], o)
            diff = b - a
            better = diff < 0 if o.sense == "min" else diff > 0
            _, low, high = wilson(int(better.sum()), len(diff))
            row = {
                "first": first,
                "second": other,
                "objective": o.name,
                "share_second_better": float(better.mean()),
                "low": low,
                "high": high,
                "ties": float((diff == 0).mean()),
                "mean_difference": float(diff.mean()),
                "deciding_factor": "",
                "spearman": float("nan"),
            }
            if factors and np.ptp(diff) > 0:
                rhos = {f: spearmanr(worlds[f], diff).statistic for f in factors}
                top = max(rhos, key=lambda f: abs(rhos[f]) if np.isfinite(rhos[f]) else -1)
                row["deciding_factor"], row["spearman"] = top, float(rhos[top])
            rows.append(row)
    return pd.DataFrame(rows)
