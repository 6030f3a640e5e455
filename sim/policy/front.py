"""The search's results as tables: the Pareto set beside the named scenarios, and the
convergence of the search generation by generation."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import platypus

from sim.policy.search import Evaluations, PolicyProblem, Trace


def _solutions(ev: Evaluations, keys: Sequence[str]) -> dict[str, platypus.Solution]:
    """A platypus solution per policy, carrying its objectives and constraint violation."""
    problem = PolicyProblem(ev)
    return {key: problem.solution(key) for key in keys}


def pareto_table(ev: Evaluations, named: Sequence[str]) -> pd.DataFrame:
    """One row per policy of the epsilon-Pareto set of every policy the search ran (at the
    objectives' ``epsilon`` resolution, feasible ones first, as platypus's archive keeps
    them) and per named scenario: ``policy``, ``source``, ``feasible``, ``dominated``
    (whether a policy of the set is at least as good on every objective and better on
    one), the lever values and the objectives."""
    searched = [k for k, runs in ev.runs.items() if runs["source"].iloc[0] == "search"]
    solutions = _solutions(ev, [*searched, *named])
    archive = platypus.EpsilonBoxArchive([o.epsilon for o in ev.cfg.objectives])
    archive.extend([solutions[k] for k in sorted(searched)])
    kept = {id(s) for s in archive}
    front = [k for k in sorted(searched) if id(solutions[k]) in kept]
    dominance = platypus.ParetoDominance()
    rows = []
    for key in [*front, *named]:
        s = solutions[key]
        beaten = any(dominance.compare(solutions[f], s) < 0 for f in front if f != key)
        rows.append(
            {
                "policy": key,
                "source": "named" if key in named else "search",
                "feasible": bool(s.feasible),
                "dominated": bool(beaten),
                **ev.values[key],
                **ev.scores[key],
            }
        )
    return pd.DataFrame(rows)


def generations_table(ev: Evaluations, trace: Trace) -> pd.DataFrame:
    """Per generation: the policies the algorithm held, their hypervolume (objectives
    normalised to the range over every policy run, named ones included) and the
    cumulative epsilon progress."""
    solutions = _solutions(ev, list(ev.runs))
    feasible = [s for s in solutions.values() if s.feasible] or list(solutions.values())
    n = len(ev.cfg.objectives)
    low = [min(s.objectives[i] for s in feasible) for i in range(n)]
    high = [max(s.objectives[i] for s in feasible) for i in range(n)]
    high = [h if h > lo else lo + 1.0 for lo, h in zip(low, high, strict=True)]
    indicator = platypus.Hypervolume(minimum=low, maximum=high)
    rows = []
    for g, (held, progress) in enumerate(zip(trace.results, trace.progress, strict=True)):
        chosen = [solutions[k] for k in held if solutions[k].feasible]
        volume = indicator.calculate(chosen) if chosen else 0.0
        rows.append(
            {
                "generation": g + 1,
                "held": len(held),
                "hypervolume": volume,
                "epsilon_progress": progress,
            }
        )
    return pd.DataFrame(rows)
