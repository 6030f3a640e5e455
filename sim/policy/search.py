"""The many-objective search over policies (platypus), resumable by replay.

The algorithm (platypus's NSGA-II, epsilon-NSGA-II or NSGA-III here; pymoo's NSGA-III in
:mod:`sim.policy.pymoo_nsga3`) proposes a generation of decision
vectors; each becomes a policy (:mod:`sim.policy.levers`), and the policies not run yet
are run in every world as one batch on the chosen backend (:mod:`sim.policy.evaluate`),
written as one part (:mod:`sim.policy.store`). The algorithm draws from Python's
``random``, seeded from the search's seed, and from nothing else; so a killed search,
started again, replays the generations it finished from the parts on disk (no run is
repeated) and goes on exactly as an uninterrupted search would have.

Convergence is tracked per generation: the hypervolume of the algorithm's current
result (normalised by the range of every objective over all policies run, so the
curve is comparable across generations) and epsilon progress (how many times an
epsilon-box archive of everything run so far gained or improved a box, cumulative; a
flat curve means the search stopped finding anything new at the objectives'
``epsilon`` resolution).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import platypus

from sim.policy.evaluate import Job, objectives, run_job
from sim.policy.levers import Lever, decode, policy_key
from sim.policy.params import PolicySettings
from sim.policy.store import read_batches, write_batch
from sim.runs.backends import as_completed

log = logging.getLogger(__name__)


@dataclass
class Evaluations:
    """Every policy run so far: its runs (one row per world) and its objectives."""

    cfg: PolicySettings
    lever_list: list[Lever]
    worlds: tuple
    out: Path
    search_id: str
    runs: dict[str, pd.DataFrame] = field(default_factory=dict)
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)

    def load(self) -> None:
        """Take in the parts a previous attempt of this search wrote."""
        table = read_batches(self.out, self.search_id)
        if table.empty:
            return
        for key, runs in table.groupby("policy", sort=False):
            self._keep(str(key), runs.sort_values("world").reset_index(drop=True))
        log.info("resuming: %d policies run already", len(self.runs))

    def _keep(self, key: str, runs: pd.DataFrame) -> None:
        self.runs[key] = runs
        self.scores[key] = objectives(runs, self.cfg.objectives, self.cfg.constraints)
        self.values[key] = {lever.key: runs[lever.key].iloc[0] for lever in self.lever_list}

    def run(self, batch: str, jobs: list[Job]) -> None:
        """Run the jobs not run yet, as one batch written as one part."""
        jobs = [j for j in jobs if j.policy not in self.runs]
        if not jobs:
            return
        cfg = self.cfg
        rows: list[dict] = []
        finished = as_completed(run_job, jobs, cfg.workers, cfg.backend, cfg.address, "address")
        for i, job_rows in finished:
            rows += [{**r, **jobs[i].values} for r in job_rows]
        rows.sort(key=lambda r: (r["policy"], r["world"]))
        write_batch(self.out, batch, rows, self.search_id)
        frame = pd.DataFrame(rows)
        for key, runs in frame.groupby("policy", sort=False):
            self._keep(str(key), runs.reset_index(drop=True))
        log.info("batch %s: %d policies x %d worlds run", batch, len(jobs), len(self.worlds))

    def job(self, key: str, values: dict[str, Any]) -> Job:
        cfg = self.cfg
        return Job(key, "search", cfg.scenario, cfg.overrides, values, cfg.days, self.worlds)


class PolicyProblem(platypus.Problem):
    """The search's problem: levers in [0, 1], objectives read from the evaluations."""

    def __init__(self, evaluations: Evaluations) -> None:
        cfg = evaluations.cfg
        super().__init__(len(evaluations.lever_list), len(cfg.objectives), len(cfg.constraints))
        self.types[:] = platypus.Real(0.0, 1.0)
        for i, o in enumerate(cfg.objectives):
            self.directions[i] = (
                platypus.Direction.MINIMIZE if o.sense == "min" else platypus.Direction.MAXIMIZE
            )
        if cfg.constraints:
            self.constraints[:] = "<=0"
        self.evaluations = evaluations

    def solution(self, key: str) -> platypus.Solution:
        """An evaluated solution carrying policy ``key``'s objectives and constraints."""
        s = platypus.Solution(self)
        self._score(s, self.evaluations.scores[key])
        s.constraint_violation = sum(max(0.0, c) for c in s.constraints)
        s.feasible = s.constraint_violation == 0.0
        s.evaluated = True
        return s

    def evaluate(self, solution: platypus.Solution) -> None:
        ev = self.evaluations
        self._score(solution, ev.scores[policy_key(decode(ev.lever_list, solution.variables))])

    def _score(self, solution: platypus.Solution, score: dict[str, float]) -> None:
        cfg = self.evaluations.cfg
        solution.objectives[:] = [score[o.name] for o in cfg.objectives]
        if cfg.constraints:
            solution.constraints[:] = [
                score[f"constraint_{i}"] - c.max for i, c in enumerate(cfg.constraints)
            ]


class _BatchEvaluator(platypus.evaluator.Evaluator):
    """Runs a generation's new policies as one batch, then scores every solution."""

    def __init__(self, evaluations: Evaluations) -> None:
        super().__init__()
        self.evaluations = evaluations
        self.generation = 0

    def evaluate_all(self, jobs, **kwargs):
        ev = self.evaluations
        new = {}
        for job in jobs:
            values = decode(ev.lever_list, job.solution.variables)
            new.setdefault(policy_key(values), values)
        ev.run(f"{self.generation:05d}", [ev.job(k, v) for k, v in new.items()])
        for job in jobs:
            job.run()
        return jobs


class _Generations(platypus.TerminationCondition):
    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count

    def shouldTerminate(self, algorithm) -> bool:  # noqa: N802 (platypus's name)
        return algorithm.evaluator.generation >= self.count


@dataclass
class Trace:
    """Per generation: the policies the algorithm holds as its result (their keys) and
    the cumulative epsilon progress."""

    results: list[list[str]] = field(default_factory=list)
    progress: list[int] = field(default_factory=list)


@contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """Python's ``random`` seeded for the search and restored after it."""
    state = random.getstate()
    random.seed(seed)
    try:
        yield
    finally:
        random.setstate(state)


def run_search(evaluations: Evaluations) -> Trace:
    """Run the search (resuming from the parts on disk) and return its trace."""
    cfg, s = evaluations.cfg, evaluations.cfg.search
    if s.algorithm == "pymoo_nsga3":
        from sim.policy.pymoo_nsga3 import run_nsga3

        return run_nsga3(evaluations)
    problem = PolicyProblem(evaluations)
    evaluator = _BatchEvaluator(evaluations)
    epsilons = [o.epsilon for o in cfg.objectives]
    trace = Trace()
    with _seeded(cfg.seed if s.seed is None else s.seed):
        algorithm = _algorithm(s.algorithm, problem, evaluator, s.population, epsilons, s.divisions)
        own = s.algorithm == "eps_nsga2"  # then the algorithm feeds its own archive
        archive = algorithm.archive if own else platypus.EpsilonBoxArchive(epsilons)

        def after_generation(algo) -> None:
            evaluator.generation += 1
            held = [_key(evaluations, x) for x in algo.result]
            trace.results.append(sorted(set(held)))
            if not own:
                archive.extend(algo.population)
            trace.progress.append(archive.improvements)
            log.info(
                "generation %d: %d policies run, %d held, epsilon progress %d",
                evaluator.generation,
                len(evaluations.runs),
                len(set(held)),
                archive.improvements,
            )

        algorithm.run(_Generations(s.generations), callback=after_generation)
    return trace


def _key(evaluations: Evaluations, solution: platypus.Solution) -> str:
    return policy_key(decode(evaluations.lever_list, solution.variables))


def _algorithm(name, problem, evaluator, population, epsilons, divisions):
    if name == "nsga2":
        return platypus.NSGAII(problem, population_size=population, evaluator=evaluator)
    if name == "nsga3":
        return platypus.NSGAIII(problem, divisions_outer=divisions, evaluator=evaluator)
    return platypus.EpsNSGAII(problem, epsilons, population_size=population, evaluator=evaluator)
