"""The runner's worker processes: one forkserver pool, kept across a sweep's calls or not.

Workers start from a forkserver that preloads :mod:`sim.runs.runner` (the parent's
``__main__`` is not re-run, so scripts and notebooks need no ``__main__``
guard), end as soon as the process that started them ends, and are stopped at
exit.
"""

from __future__ import annotations

import atexit
import multiprocessing as mp
import os
import select
import signal
import threading
import weakref
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import popen_forkserver, spawn
from multiprocessing.context import ForkServerContext, ForkServerProcess

_pool: tuple[int, int, Executor] | None = None  # (owning pid, workers, executor)
_kept = False
_started: weakref.WeakKeyDictionary[Executor, int] = weakref.WeakKeyDictionary()
"""Every pool :func:`process_pool` started, with its owner's pid, until it is garbage: so
that Ctrl-C stops one that was being shut down or replaced when it came."""


def keep_pool(keep: bool) -> None:
    """Let the ``run_replications`` calls that follow share one worker pool, or stop sharing.

    Starting workers costs about a second, as much as several runs, so a sweep
    (the scenarios of a script, the jobs of a Hydra basic-launcher multirun)
    keeps one pool for all its calls; ``keep_pool(False)`` stops it. Outside
    such a block every call starts and stops its own pool, so an idle process
    never holds worker processes.
    """
    global _kept
    _kept = keep
    if not keep:
        shutdown_pool()


def pool_kept() -> bool:
    """Whether the pool is kept between calls (see :func:`keep_pool`)."""
    return _kept


def worker_pool(workers: int) -> Executor | None:
    """A process pool of ``workers`` processes (None: run in process).

    The kept pool is reused only by the process that started it (a forked child
    starts its own), with the same size, and while it is not broken. A daemonic
    process (which may not have children) runs in process.
    """
    global _pool
    if workers <= 1 or mp.current_process().daemon:
        return None
    if _pool is not None:
        pid, size, pool = _pool
        if pid != os.getpid():
            _pool = None  # inherited through fork: not ours to use or stop
        elif size == workers and not getattr(pool, "_broken", False):
            return pool
    shutdown_pool()
    pool = process_pool(workers, "sim.runs.runner")
    _pool = (os.getpid(), workers, pool)
    return pool


def process_pool(workers: int, preload: str) -> ProcessPoolExecutor:
    """A pool of ``workers`` forkserver processes, ``preload`` imported by the forkserver,
    that end with this process (a pool of one's own: the explorer's look-aheads)."""
    ctx = _WorkerContext()
    ctx.set_forkserver_preload([preload])
    pool = _Pool(
        max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=(os.getpid(),)
    )
    _started[pool] = os.getpid()
    return pool


@contextmanager
def _plain_preparation() -> Iterator[None]:
    """Start children without the parent's ``__main__`` and start method.

    A forkserver child normally re-runs the user's script as ``__mp_main__``
    (a script without a ``__main__`` guard then starts pools recursively and
    breaks) and takes over the parent's start method (``loky`` inside a joblib
    worker, unknown to the child). Workers need neither: their task is a
    function of :mod:`sim.runs.runner`.
    """
    original = spawn.get_preparation_data

    def prepare(name: str) -> dict:
        data = original(name)
        for key in ("init_main_from_path", "init_main_from_name", "start_method"):
            data.pop(key, None)
        return data

    spawn.get_preparation_data = prepare
    try:
        yield
    finally:
        spawn.get_preparation_data = original


@contextmanager
def _ctrl_c_after_start() -> Iterator[None]:
    """Start a child whole, then take Ctrl-C.

    The child (the forkserver, started with the first worker, and each worker forked
    from it) inherits SIGINT blocked from this thread: Ctrl-C reaches the whole process
    group, and a child that took it while importing printed its traceback (its
    initializer comes too late). In the main thread, a Ctrl-C meanwhile is held and
    raised again once the pool has counted the worker, so that stopping or shutting
    down the pool finds it; a worker cut off half-counted was left waiting, and the exit
    with it.
    """
    main = threading.current_thread() is threading.main_thread()
    handler = signal.getsignal(signal.SIGINT) if main else None
    caught: list[int] = []
    if handler is not None:  # (None: a handler installed from C, left alone)
        signal.signal(signal.SIGINT, lambda n, _: caught.append(n))
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        if handler is not None:
            signal.signal(signal.SIGINT, handler)
            if caught:
                signal.raise_signal(signal.SIGINT)  # as it would have come, to that handler


class _WorkerProcess(ForkServerProcess):
    @staticmethod
    def _Popen(process_obj):  # noqa: N802 (multiprocessing's name)
        with _plain_preparation():
            return popen_forkserver.Popen(process_obj)


class _Pool(ProcessPoolExecutor):
    """A process pool that starts and counts each worker before it takes Ctrl-C."""

    def _spawn_process(self) -> None:
        with _ctrl_c_after_start():
            super()._spawn_process()


class _WorkerContext(ForkServerContext):
    """The forkserver context with :func:`_plain_preparation` (works nested and unguarded)."""

    Process = _WorkerProcess


def _init_worker(parent: int) -> None:
    """Worker initializer: leave Ctrl-C to the parent, and end this worker as soon as
    the process that started the pool ends.

    Ctrl-C reaches the whole process group; the parent stops the work and
    reports it once, instead of every worker printing its own traceback. A
    SIGKILLed parent cannot stop its pool, and the workers (children of the
    forkserver) would otherwise wait for tasks forever.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    end_with(parent)


def end_with(parent: int) -> None:
    """End this process as soon as process ``parent`` ends (a thread waits on its pidfd).

    For worker processes that outlive a SIGKILLed parent otherwise: this pool's
    workers, and the joblib launcher's, which would go on running jobs.
    """

    def watch() -> None:
        try:
            fd = os.pidfd_open(parent)
            select.select([fd], [], [])
        except OSError:  # no pidfd: poll
            while alive(parent):
                threading.Event().wait(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="watch-parent").start()


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists (another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def shutdown_pool() -> None:
    """Stop the worker processes (waiting for running tasks, dropping queued ones)."""
    global _pool
    held, _pool = _pool, None
    if held is not None and held[0] == os.getpid():
        held[2].shutdown(wait=True, cancel_futures=True)


def stop_pool_now() -> None:
    """Stop every pool this process started at once, dropping their running tasks (after
    Ctrl-C: the user asked to stop, not to wait for the chunks in flight), also one being
    shut down when Ctrl-C came, whose idle workers would otherwise keep the exit waiting."""
    global _pool
    _pool = None
    for process in mp.active_children():  # also one its pool had not counted yet
        if isinstance(process, _WorkerProcess):
            process.terminate()
    for pool, owner in list(_started.items()):
        if owner == os.getpid():  # (not one inherited through fork)
            pool.shutdown(wait=False, cancel_futures=True)


atexit.register(shutdown_pool)
