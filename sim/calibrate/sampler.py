"""pyabc's samplers as the fit uses them: in this process, in local worker processes, on Dask.

Only ``single`` is reproducible: pyabc seeds each worker process of ``local``
and ``dask`` from the operating system's entropy, and which simulations are
accepted depends on which worker finishes first.
"""

from __future__ import annotations

import os
import signal
from ctypes import c_longlong

import numpy as np
import pyabc
from pyabc.sampler.multicore_evaluation_parallel import DONE, work
from pyabc.sampler.multicorebase import get_if_worker_healthy
from pyabc.sampler.util import get_mp_context

from sim.calibrate.params import CalibrateSettings
from sim.runs.backends import check_dask, dask_client, local_dask_client, sigint_blocked

__all__ = ["QuietMulticoreSampler", "check_dask", "make_sampler"]


def make_sampler(settings: CalibrateSettings):
    """pyabc's sampler (and the Dask client to close afterwards, if any)."""
    if settings.sampler == "single":
        return pyabc.SingleCoreSampler(), None
    if settings.sampler == "local":
        return QuietMulticoreSampler(n_procs=settings.workers), None
    if settings.dask_address:
        client = dask_client(settings.dask_address, "dask_address")
    else:
        client = local_dask_client(settings.workers)
    return pyabc.sampler.DaskDistributedSampler(dask_client=client), client


def _quiet_work(parent: int, *args) -> None:
    """pyabc's worker loop, leaving Ctrl-C to the parent and ending with it."""
    from sim.runs.pool import end_with

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # ignored now, not held
    end_with(parent)
    work(*args)


class QuietMulticoreSampler(pyabc.MulticoreEvalParallelSampler):
    """pyabc's ``MulticoreEvalParallelSampler`` whose workers ignore Ctrl-C and are stopped
    by this process.

    Ctrl-C reaches the whole process group: pyabc's workers would each print a
    ``KeyboardInterrupt`` traceback. Here they ignore it, this process stops
    them (and the fit ends with one line), and a worker whose parent was
    killed ends too instead of simulating on. The sampling itself is pyabc's
    (``sample_until_n_accepted`` of pyabc 0.13, with this worker start and stop).
    """

    def sample_until_n_accepted(
        self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None
    ):
        ctx = get_mp_context()
        n_eval = ctx.Value(c_longlong)
        n_eval.value = 0
        n_acc = ctx.Value(c_longlong)
        n_acc.value = 0
        queue = ctx.Queue()
        if self.pickle:
            import cloudpickle

            simulate_one = cloudpickle.dumps(simulate_one)
        args = (
            os.getpid(),
            simulate_one,
            queue,
            n_eval,
            n_acc,
            n,
            self.check_max_eval,
            max_eval,
            all_accepted,
            self._create_empty_sample,
        )
        processes = [
            ctx.Process(target=_quiet_work, args=args, daemon=self.daemon)
            for _ in range(self.n_procs)
        ]
        try:
            with sigint_blocked():
                for proc in processes:
                    proc.start()
            id_results = []
            n_done = 0
            while n_done < len(processes):
                val = get_if_worker_healthy(processes, queue)
                if val == DONE:
                    n_done += 1
                else:
                    id_results.append(val)
            for proc in processes:
                proc.join()
        except BaseException:
            for proc in processes:
                if proc.pid is not None:
                    proc.terminate()
            for proc in processes:
                if proc.pid is not None:
                    proc.join()
            raise
        id_results.sort(key=lambda x: x[0])  # no bias toward short simulations
        id_results = id_results[: min(len(id_results), n)]
        self.nr_evaluations_ = n_eval.value
        sample = self._create_empty_sample()
        for _, result in id_results:
            sample += result
        if sample.n_accepted < n:
            sample.ok = False
        return sample
