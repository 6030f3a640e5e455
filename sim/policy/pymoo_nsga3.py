"""pymoo's NSGA-III as the policy search's algorithm (``search.algorithm=pymoo_nsga3``).

The same problem as :mod:`sim.policy.search` (levers in [0, 1], a generation's new
policies run as one batch and written as one part), driven through pymoo's ask-and-tell
interface: the algorithm asks for a generation, the batch runs, the objectives (negated
where they are maximised: pymoo minimises) and constraints are told back. pymoo draws
from its own generator seeded from the search's seed, so a resumed search replays the
same generations from the parts on disk, as with platypus. The trace is the same:
the policies pymoo holds as its result (its non-dominated set) and epsilon progress of
an epsilon-box archive fed with each generation.
"""

from __future__ import annotations

import logging

import numpy as np
import platypus

from sim.policy.levers import decode, policy_key
from sim.policy.search import Evaluations, PolicyProblem, Trace

log = logging.getLogger(__name__)


def run_nsga3(ev: Evaluations) -> Trace:
    """Run pymoo's NSGA-III for ``search.generations`` generations."""
    from pymoo.algorithms.moo.nsga3 import NSGA3
    from pymoo.core.evaluator import Evaluator
    from pymoo.core.problem import Problem
    from pymoo.problems.static import StaticProblem
    from pymoo.util.ref_dirs import get_reference_directions

    cfg, s = ev.cfg, ev.cfg.search
    m = len(cfg.objectives)
    problem = Problem(
        n_var=len(ev.lever_list), n_obj=m, n_ieq_constr=len(cfg.constraints), xl=0.0, xu=1.0
    )
    directions = get_reference_directions("das-dennis", m, n_partitions=s.divisions)
    algorithm = NSGA3(ref_dirs=directions, pop_size=max(s.population, len(directions)))
    algorithm.setup(problem, seed=cfg.seed if s.seed is None else s.seed, verbose=False)
    sign = np.array([1.0 if o.sense == "min" else -1.0 for o in cfg.objectives])
    scorer = PolicyProblem(ev)
    archive = platypus.EpsilonBoxArchive([o.epsilon for o in cfg.objectives])
    trace = Trace()
    for generation in range(s.generations):
        population = algorithm.ask()
        keys, new = [], {}
        for x in population.get("X"):
            values = decode(ev.lever_list, x)
            keys.append(policy_key(values))
            new.setdefault(keys[-1], values)
        ev.run(f"{generation:05d}", [ev.job(k, v) for k, v in new.items()])
        solutions = [scorer.solution(k) for k in keys]
        f = np.array([s_.objectives[:] for s_ in solutions]) * sign
        g = np.array([s_.constraints[:] for s_ in solutions]) if cfg.constraints else None
        Evaluator().eval(StaticProblem(problem, F=f, G=g), population)
        algorithm.tell(infills=population)
        archive.extend(solutions)
        held = sorted({policy_key(decode(ev.lever_list, x)) for x in algorithm.opt.get("X")})
        trace.results.append(held)
        trace.progress.append(archive.improvements)
        log.info(
            "generation %d: %d policies run, %d held, epsilon progress %d",
            generation + 1,
            len(ev.runs),
            len(held),
            archive.improvements,
        )
    return trace
