"""pyabc's ABC-SMC run one generation at a time and resumed exactly; its posterior as a table."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyabc
import sqlalchemy.exc

from sim.calibrate.convergence import SETTLED_RUNS, generation_table, settled
from sim.calibrate.history import DB_NAME, finished_generations, remove_history, roll_back
from sim.calibrate.params import CalibrateSettings, PriorParams
from sim.calibrate.problem import Problem
from sim.calibrate.resume import STATE_NAME, read_state, restore_state, save_state
from sim.calibrate.sampler import make_sampler
from sim.calibrate.transition import DefensiveTransition
from sim.calibrate.waves import Matched, Restricted, history_match

log = logging.getLogger(__name__)


class Distance(pyabc.AdaptivePNormDistance):
    """pyabc's adaptive Euclidean distance, infinite where a statistic is NaN (rejected)."""

    def __call__(self, x: dict, x_0: dict, t: int | None = None, par: dict | None = None) -> float:
        d = super().__call__(x, x_0, t, par)
        return float(d) if np.isfinite(d) else np.inf


def run_abc(problem: Problem, out_dir: Path) -> tuple[pyabc.storage.History, str, Matched | None]:
    """Run (or resume) ABC-SMC into ``out_dir/abc.db``, after the history matching waves if
    the settings ask for them; return pyabc's History, why it stopped, and what the waves
    left (None without waves).

    pyabc's own loop (``ABCSMC.run``), one generation at a time, with the
    settled-posterior rule of :mod:`sim.calibrate.convergence` checked after each.

    A resumed fit continues exactly as the uninterrupted one would have (with the
    ``single`` sampler: the same particles and weights). pyabc's ``ABCSMC.load``
    restores only what ``abc.db`` holds, and a fit continued from it alone
    differs from generation ``t0`` on: numpy's global random state (which draws
    every proposal and simulation seed) would restart from ``seed``, and the
    adaptive distance would rescale its statistics by the accepted particles of
    the last generation instead of all its simulations, rejected ones included
    (which pyabc does not store), and so would the epsilon computed with it.
    Before each generation ``t`` those are saved to ``abc_state.json``
    (atomically); a resumed fit restores them and refits the proposal from
    ``abc.db`` as pyabc does after every generation. A generation that was
    stored but whose successor's state was not (a kill in between) is removed
    and run again; with nothing to resume the fit starts afresh.
    """
    for handler in list(logging.getLogger("ABC").handlers):  # its records reach Hydra's log
        logging.getLogger("ABC").removeHandler(handler)
    s = problem.settings
    sampler, client = make_sampler(s)
    try:
        return _run(problem, out_dir, sampler, client)
    finally:
        if client is not None:
            client.close()


def _run(
    problem: Problem, out_dir: Path, sampler, client
) -> tuple[pyabc.History, str, Matched | None]:
    """:func:`run_abc` with its sampler (and Dask client, which the waves use too)."""
    s = problem.settings
    matched = history_match(problem, out_dir, client) if s.waves else None
    if matched is not None:
        prior = Restricted(matched)
        if client is not None:
            prior.publish(client)
    else:
        prior = pyabc.Distribution(
            **{
                p.name: pyabc.RV("uniform", p.bounds[0], p.bounds[1] - p.bounds[0])
                for p in s.parameters
            }  # fmt: skip
        )
    np.random.seed(s.seed)  # noqa: NPY002 (pyabc draws proposals from numpy's global stream)
    abc = pyabc.ABCSMC(
        problem.simulator(),
        prior,
        Distance(p=2),
        population_size=s.population,
        transitions=DefensiveTransition(s.parameters, s.kernel_scaling, s.prior_share),
        sampler=sampler,
    )
    db_path = out_dir / DB_NAME
    db = f"sqlite:///{db_path}"
    state = read_state(out_dir) if db_path.exists() else None
    if state is None or state["t"] == 0:  # no finished generation to go on from
        remove_history(db_path)
        (out_dir / STATE_NAME).unlink(missing_ok=True)
        state = None
        _new_history(abc, db_path, problem.statistics)
        done = 0
    else:
        done = state["t"]
        if finished_generations(db_path) > done:
            log.info("generation %d was stored without its successor's state: again", done)
            roll_back(db_path, done)
        abc.load(db, 1)
        log.info("resuming after %d finished generation(s)", done)
    reason = "generations"
    if done < s.generations:
        reason = _generations(abc, problem, out_dir, s.generations - done, state)
    return abc.history, reason, matched


def _new_history(abc: pyabc.ABCSMC, db_path: Path, statistics: dict[str, float]) -> None:
    """Start pyabc's history at ``db_path``: written whole under another name, then renamed,
    so an ``abc.db`` always holds a run (a full disk or a kill leaves none)."""
    tmp = db_path.with_name(f".{db_path.name}.new")
    remove_history(tmp)
    try:
        abc.new(f"sqlite:///{tmp}", statistics)  # each access opens and closes its connection
        tmp.replace(db_path)
    finally:
        remove_history(tmp)
    abc.load(f"sqlite:///{db_path}", 1, observed_sum_stat=statistics)


def _generations(
    abc: pyabc.ABCSMC, problem: Problem, out_dir: Path, left: int, state: dict | None
) -> str:
    """Run up to ``left`` generations; the name of the criterion that stopped them.

    The time limit is a budget: no generation starts that would end after
    ``max_minutes`` if it took as long as the last one (acceptance rates only
    fall, so the next one usually takes longer). ``state``: what a resumed fit
    restores after pyabc's own preparation (which refits the proposal from
    ``abc.db``, and the distance and epsilon from its last generation only).
    """
    s = problem.settings
    t = abc.initialize_components_before_run(
        minimum_epsilon=None,
        max_nr_populations=left,
        min_acceptance_rate=s.min_acceptance,
        max_total_nr_simulations=np.inf,
        max_walltime=None,
        min_eps_diff=0.0,
    )
    if state is not None:
        restore_state(abc, state)
    save_state(out_dir, abc, t)
    budget, started = 60.0 * s.max_minutes, time.perf_counter()
    try:
        while True:
            begun = time.perf_counter()
            ret = abc.run_generation(t=t)
            if not ret["successful"]:  # pyabc gave up: population / min_acceptance simulations
                return "acceptance"
            save_state(out_dir, abc, t + 1)  # nothing below draws random numbers
            if s.settled_shift > 0 and _settled_now(abc.history, s):
                return "settled"
            if abc.check_terminate(t=t, acceptance_rate=ret["acceptance_rate"]):
                return "generations" if t >= abc.max_t else "acceptance"
            now = time.perf_counter()
            if now - started + (now - begun) > budget:
                return "time"
            t += 1
    finally:  # as pyabc's run does (a full disk may refuse the end time: it is not needed)
        with contextlib.suppress(sqlalchemy.exc.SQLAlchemyError):
            abc.history.done(end_time=datetime.now())
        abc.sampler.stop()


def _settled_now(history: pyabc.storage.History, s: CalibrateSettings) -> bool:
    """The settled rule on the last generations only (the ones whose shifts it reads)."""
    recent = posterior_table(history, s.parameters, history.max_t - SETTLED_RUNS)
    return settled(
        generation_table(recent, s.parameters, history.get_all_populations()), s.settled_shift
    )


def posterior_table(history, priors: Sequence[PriorParams], first: int = 0) -> pd.DataFrame:
    """One row per particle of every generation from ``first``: generation, particle, weight,
    and the parameters' values (pyabc holds them in the fit's coordinates)."""
    frames = []
    for t in range(max(first, 0), history.max_t + 1):
        params, weights = history.get_distribution(m=0, t=t)
        frame = pd.DataFrame(
            {p.name: p.to_model(params[p.name].to_numpy(dtype=float)) for p in priors}
        )
        frame.insert(0, "weight", np.asarray(weights, dtype=float))
        frame.insert(0, "particle", np.arange(len(frame)))
        frame.insert(0, "generation", t)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
