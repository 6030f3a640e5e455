"""History matching in waves: rule out implausible parameters before ABC-SMC runs.

ABC-SMC spends most of its simulations learning where the posterior is *not*. The best
practice for agent-based models (McCulloch et al. 2022, JASSS 25(2) 1; Andrianakis et al.
2015) first rules that space out with emulators, which cost milliseconds where a run
costs a fifth of a second: each wave runs ``wave_points`` parameter sets drawn evenly
(a scrambled Sobol sequence) from the space no earlier wave ruled out, ``wave_replications``
times each, fits emulators of every statistic to them (:mod:`sim.calibrate.emulator`),
and rules out where any statistic's implausibility exceeds ``cutoff``. Later waves fit
where the earlier ones left room, so their emulators are sharper there. The waves stop
after ``waves`` waves, or once a wave keeps more than ``wave_keep`` of what the one before
it left (the emulators no longer tell more than the model's own noise and discrepancy).
ABC-SMC then draws from the prior restricted to the space left (:class:`Restricted`).

Each wave's runs are written to ``waves/wave_<k>.parquet`` when done (whole or not at
all); a resumed fit reads them back and refits the same emulators, so it continues
exactly. Every run's seed comes from the fit's ``seed``, the wave, the point and the
replication: the same numbers whichever number of processes ran them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyabc
from scipy.stats import qmc
from threadpoolctl import threadpool_limits

from sim.calibrate.emulator import Wave, fit_wave
from sim.calibrate.history import WAVES_DIR
from sim.calibrate.params import CalibrateSettings
from sim.calibrate.problem import Problem
from sim.calibrate.simulator import Simulator
from sim.runs.files import atomic_path
from sim.runs.pool import worker_pool

log = logging.getLogger(__name__)

CANDIDATE_BITS = 14
"""2**14 Sobol points on which each wave's share of the space left is estimated."""
MAX_CANDIDATES = 2**22
"""Most Sobol points searched for a wave's design before the space left is called empty."""


@dataclass(frozen=True)
class Space:
    """The priors' box; points are handled in the unit cube and mapped to it."""

    names: tuple[str, ...]
    low: np.ndarray
    high: np.ndarray

    def values(self, unit: np.ndarray) -> list[dict[str, float]]:
        """Parameter values of unit-cube points."""
        x = self.low + unit * (self.high - self.low)
        return [dict(zip(self.names, row.tolist(), strict=True)) for row in x]

    def unit(self, values: np.ndarray) -> np.ndarray:
        return (values - self.low) / (self.high - self.low)


@dataclass
class Matched:
    """What the waves left: their emulators, the cut-off, and each wave's share of the box."""

    space: Space
    waves: list[Wave]
    cutoff: float
    shares: list[float]
    simulations: int

    def plausible(self, unit: np.ndarray) -> np.ndarray:
        """Whether each unit-cube point is left by every wave (none: everything is)."""
        keep = np.ones(len(unit), dtype=bool)
        for wave in self.waves:
            wave.keep(unit, keep, self.cutoff)
        return keep


def history_match(problem: Problem, out_dir: Path, client=None) -> Matched:
    """Run (or resume) the settings' waves; what they leave of the prior. Runs go to the
    Dask ``client``'s cluster if there is one, else to ``workers`` local processes."""
    with threadpool_limits(1):  # the emulators' matrices are small: BLAS threads only cost
        return _history_match(problem, out_dir, client)


def _history_match(problem: Problem, out_dir: Path, client) -> Matched:
    s = problem.settings
    space = Space(  # in the fit's coordinates (a log-scale prior's: its logarithm)
        tuple(p.name for p in s.parameters),
        np.array([p.bounds[0] for p in s.parameters]),
        np.array([p.bounds[1] for p in s.parameters]),
    )
    names = tuple(problem.statistics)
    observed = [problem.statistics[k] for k in names]
    sobol = qmc.Sobol(len(space.names), scramble=True, seed=np.random.default_rng([s.seed, 1]))
    candidates = sobol.random_base2(CANDIDATE_BITS)
    matched = Matched(space, [], s.cutoff, [], 0)
    simulator = problem.simulator()
    for k in range(s.waves):
        design = _design(matched, candidates, sobol, s.wave_points)
        if design is None:
            raise NoPlausibleSpace(matched, _ruling_out(matched, candidates))
        runs = _wave_runs(out_dir, k, space, names, design, simulator, s, client)
        matched.simulations += runs.shape[0] * runs.shape[1]
        matched.waves.append(fit_wave(names, design, runs, observed, s.discrepancy, s.seed + k))
        share = float(matched.plausible(candidates).mean())
        before = matched.shares[-1] if matched.shares else 1.0
        matched.shares.append(share)
        log.info(
            "wave %d: %.4f of the prior left (%d simulations)",
            k,
            share,
            runs.shape[0] * runs.shape[1],
        )
        if share == 0.0:
            raise NoPlausibleSpace(matched, _ruling_out(matched, candidates))
        if share > s.wave_keep * before:
            break
    return matched


class NoPlausibleSpace(Exception):
    """The waves ruled out the whole prior: no parameter set brings the model within the
    stated discrepancy of the data (a finding about the model, not a failure to hide)."""

    def __init__(self, matched: Matched, ruled_out: dict[str, float]) -> None:
        worst = ", ".join(f"{name} {100 * share:.0f}%" for name, share in ruled_out.items())
        super().__init__(
            f"history matching ruled out every parameter set after {len(matched.shares)} "
            f"wave(s) at cut-off {matched.cutoff} (share of the prior each statistic rules "
            f"out: {worst}): the model cannot reach the data within the stated discrepancy "
            "(widen the priors or raise discrepancy)"
        )
        self.matched = matched


def _ruling_out(matched: Matched, candidates: np.ndarray, most: int = 3) -> dict[str, float]:
    """The statistics that rule out the largest shares of the prior in the last wave."""
    wave = matched.waves[-1]
    out = (wave.implausibility(candidates) > matched.cutoff).mean(axis=0)
    order = np.argsort(-out, kind="stable")[:most]
    return {wave.names[j]: float(out[j]) for j in order}


def _design(
    matched: Matched, candidates: np.ndarray, sobol: qmc.Sobol, n: int
) -> np.ndarray | None:
    """``n`` points left by the waves so far: the first such of the candidates, then of the
    Sobol sequence beyond them; None if none are found within :data:`MAX_CANDIDATES`."""
    kept = [candidates[matched.plausible(candidates)]]
    found, drawn = len(kept[0]), len(candidates)
    while found < n and drawn < MAX_CANDIDATES:
        more = sobol.random(len(candidates))
        drawn += len(more)
        kept.append(more[matched.plausible(more)])
        found += len(kept[-1])
    if found == 0:
        return None
    return np.concatenate(kept)[:n]


def _wave_runs(
    out_dir: Path,
    k: int,
    space: Space,
    names: Sequence[str],
    design: np.ndarray,
    simulator: Simulator,
    settings: CalibrateSettings,
    client=None,
) -> np.ndarray:
    """``(points, replications, statistics)`` of wave ``k``: read back if written whole for
    this very design, else run (on ``client``'s Dask cluster, or local processes) and
    written."""
    path = out_dir / WAVES_DIR / f"wave_{k}.parquet"
    r = settings.wave_replications
    x = space.low + design * (space.high - space.low)
    seeds = [_seed(settings.seed, k, i, j) for i in range(len(x)) for j in range(r)]
    if path.exists():
        frame = pd.read_parquet(path)
        if (
            set(names) <= set(frame.columns)
            and frame["seed"].tolist() == seeds
            and np.array_equal(frame[list(space.names)].to_numpy()[::r], x)
        ):
            return frame[list(names)].to_numpy().reshape(len(x), r, len(names))
        log.info("%s holds another design: run again", path)
    values = space.values(design)
    points = [values[i] for i in range(len(x))]
    chunks = [seeds[i * r : (i + 1) * r] for i in range(len(x))]
    if client is not None:  # parts, not a job tuple: Dask would run a (callable, ...) tuple
        futures = client.map(_dask_point, points, chunks, simulator=simulator, names=names,
                             pure=False)  # fmt: skip
        runs = np.array(client.gather(futures))
    else:
        jobs = [(simulator, p, c, names) for p, c in zip(points, chunks, strict=True)]
        pool = worker_pool(settings.workers)
        runs = np.array(list(pool.map(_point, jobs, chunksize=4) if pool else map(_point, jobs)))
    frame = pd.DataFrame(
        {
            "wave": k,
            "point": np.repeat(np.arange(len(x)), r),
            "replication": np.tile(np.arange(r), len(x)),
            "seed": seeds,
        }
    )
    for j, name in enumerate(space.names):
        frame[name] = np.repeat(x[:, j], r)
    for j, name in enumerate(names):
        frame[name] = runs[:, :, j].ravel()
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path, ".parquet") as tmp:
        frame.to_parquet(tmp, index=False)
    return runs


def _seed(seed: int, wave: int, point: int, replication: int) -> int:
    """A run's seed from the fit's, independent of how the runs are spread over processes."""
    ss = np.random.SeedSequence(seed, spawn_key=(wave, point, replication))
    return int(ss.generate_state(1, np.uint64)[0] >> 2)


def _dask_point(values, seeds, simulator: Simulator, names) -> list[list[float]]:
    """:func:`_point` with its job's parts as arguments (how Dask's ``map`` passes them)."""
    return _point((simulator, values, seeds, names))


def _point(job: tuple) -> list[list[float]]:
    """One design point's statistics in each of its replications."""
    simulator, values, seeds, names = job
    out = []
    for seed in seeds:
        stats = simulator.fit_statistics(values, seed)
        out.append([stats[k] for k in names])
    return out


class Restricted(pyabc.Distribution):
    """The uniform prior restricted to what history matching left: proposals outside it have
    density 0 (pyabc draws again without simulating them); first-generation draws are the
    prior's, redrawn until plausible.

    Its emulators weigh megabytes (one Cholesky factor per statistic and wave), and pyabc's
    Dask sampler pickles the prior into every task: :meth:`publish` hands them to a Dask
    cluster once, and the prior then pickles as the box and their name, fetched once per
    worker process on first use (never where a task is only unpacked: the scheduler).
    """

    def __init__(self, matched: Matched | None, space: Space | None = None, name: str = ""):
        s = matched.space if matched is not None else space
        super().__init__(
            **{
                n: pyabc.RV("uniform", lo, hi - lo)
                for n, lo, hi in zip(s.names, s.low, s.high, strict=True)
            }
        )
        self.space = s
        self.published = name
        self._matched = matched

    @property
    def matched(self) -> Matched:
        if self._matched is None:
            if self.published not in _MATCHED:
                from distributed import get_client

                _MATCHED[self.published] = get_client().get_dataset(self.published)
            self._matched = _MATCHED[self.published]
        return self._matched

    def publish(self, client) -> None:
        """Send the emulators to ``client``'s cluster once; tasks carry only their name."""
        name = f"sim-calibrate-matched-{os.getpid()}-{id(self)}"
        client.publish_dataset(self.matched, name=name, override=True)
        _MATCHED[name] = self.matched
        self.published = name

    def __reduce__(self):
        if self.published:
            return (Restricted, (None, self.space, self.published))
        return (Restricted, (self.matched,))

    def copy(self) -> Restricted:
        return Restricted(self._matched, self.space, self.published)

    def _unit(self, x) -> np.ndarray:
        return self.space.unit(np.array([[float(x[name]) for name in self.space.names]]))

    def rvs(self, *args, **kwargs) -> pyabc.Parameter:
        while True:
            x = super().rvs(*args, **kwargs)
            if self.matched.plausible(self._unit(x))[0]:
                return x

    def pdf(self, x) -> float:
        density = super().pdf(x)
        if density == 0 or not self.matched.plausible(self._unit(x))[0]:
            return 0.0
        return density


_MATCHED: dict[str, Matched] = {}
"""Published emulators this process has already fetched (or sent), by name."""
