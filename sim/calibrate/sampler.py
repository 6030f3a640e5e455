"""pyabc's samplers as the fit uses them: in this process, in local worker processes, on Dask.

Only ``single`` is reproducible: pyabc seeds each worker process of ``local``
and ``dask`` from the operating system's entropy, and which simulations are
accepted depends on which worker finishes first.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from collections.abc import Iterator
from ctypes import c_longlong

import numpy as np
import pyabc
from pyabc.sampler.multicore_evaluation_parallel import DONE, work
from pyabc.sampler.multicorebase import get_if_worker_healthy
from pyabc.sampler.util import get_mp_context

from sim.calibrate.params import CalibrateSettings
from sim.config.params import ConfigError

DASK_TIMEOUT = 5.0
"""Seconds to reach the Dask scheduler at ``dask_address`` before the fit is refused."""


def make_sampler(settings: CalibrateSettings):
    """pyabc's sampler (and the Dask client to close afterwards, if any)."""
    if settings.sampler == "single":
        return pyabc.SingleCoreSampler(), None
    if settings.sampler == "local":
        return QuietMulticoreSampler(n_procs=settings.workers), None
    from distributed import Client

    if settings.dask_address:
        client = dask_client(settings.dask_address)
    else:  # a cluster of the client's own: closed with it; its workers log errors only
        # A Ctrl-C that lands while the client waits on its event loop makes tornado
        # log the cancelled wait as an error with a traceback; the interruption itself
        # is reported in one line, and real failures reach us as exceptions.
        logging.getLogger("tornado.application").setLevel(logging.CRITICAL)
        with _sigint_left_to_this_process():
            client = Client(
                n_workers=settings.workers,
                threads_per_worker=1,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
    return pyabc.sampler.DaskDistributedSampler(dask_client=client), client


def dask_client(address: str):
    """A client of the Dask scheduler at ``address`` (checked by :func:`check_dask`)."""
    from distributed import Client

    check_dask(address)
    return Client(address, timeout=DASK_TIMEOUT, set_as_default=False)


def check_dask(address: str) -> None:
    """ConfigError unless a Dask scheduler answers at ``address`` within :data:`DASK_TIMEOUT`
    seconds (a connection and Dask's handshake, then closed)."""
    import asyncio

    from distributed.comm import connect
    from distributed.comm.addressing import parse_address, parse_host_port

    expected = (
        "give a running scheduler's address (tcp://host:port), or leave it empty for a "
        "local cluster"
    )
    try:
        scheme, location = parse_address(address)
        if scheme in ("tcp", "tls"):
            parse_host_port(location)
    except (ValueError, TypeError) as e:
        raise ConfigError(f"dask_address={address}: not an address ({e}); {expected}") from None

    async def probe() -> None:
        comm = await connect(address, timeout=DASK_TIMEOUT)
        await comm.close()

    try:
        asyncio.run(probe())
    except (OSError, TimeoutError, ValueError) as e:
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ConfigError(
            f"dask_address={address}: no Dask scheduler answered within {DASK_TIMEOUT:g} s "
            f"({reason}); {expected}"
        ) from None


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Hold back Ctrl-C while worker processes are forked: they inherit the block (and
    ignore it from their first line), this process gets the signal once it is over."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


@contextlib.contextmanager
def _sigint_left_to_this_process() -> Iterator[None]:
    """Start processes that ignore Ctrl-C: they inherit the ignored disposition across
    ``exec`` (Dask's spawned workers), this process gets a Ctrl-C sent meanwhile once it is
    over (a blocked signal stays pending even while ignored)."""
    with _sigint_blocked():
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, old)


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
            with _sigint_blocked():
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
