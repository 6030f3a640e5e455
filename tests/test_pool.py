"""The runner's worker processes: Ctrl-C is the parent's to handle, and it stops them all."""

import os
import signal
import time

import pytest

import sim.runs.pool as pool_module
from sim.runs.pool import alive, process_pool, stop_pool_now, worker_pool


@pytest.fixture
def ctrl_c_raises():
    """Python's own Ctrl-C handler (a test runner's worker may ignore SIGINT)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _blocked(pid: int) -> set[int]:
    """The signals process ``pid`` blocks (from /proc)."""
    with open(f"/proc/{pid}/status") as status:
        mask = int(next(line for line in status if line.startswith("SigBlk:")).split()[1], 16)
    return {n for n in range(1, 65) if mask >> (n - 1) & 1}


def _worker_pids(pool, n: int) -> set[int]:
    pids: set[int] = set()
    deadline = time.monotonic() + 60
    while len(pids) < n and time.monotonic() < deadline:  # the pool starts them one by one
        pids |= {f.result() for f in [pool.submit(os.getpid) for _ in range(4 * n)]}
    return pids


def test_workers_and_their_forkserver_block_ctrl_c_and_the_parent_does_not():
    """The terminal sends Ctrl-C to the whole process group: a worker or the forkserver that
    took it printed its own traceback while it imported its modules."""
    before = signal.pthread_sigmask(signal.SIG_BLOCK, set())
    pool = process_pool(2, "sim.runs.runner")
    try:
        workers = _worker_pids(pool, 2)
        assert len(workers) == 2
        with open(f"/proc/{next(iter(workers))}/status") as status:
            server = int(next(line for line in status if line.startswith("PPid:")).split()[1])
        for pid in (*workers, server):
            assert signal.SIGINT in _blocked(pid), pid
        assert signal.pthread_sigmask(signal.SIG_BLOCK, set()) == before
    finally:
        pool.shutdown(wait=True)


def test_ctrl_c_stops_a_pool_caught_in_its_shutdown():
    """``shutdown_pool`` lets go of the kept pool before it waits for it: a Ctrl-C in that
    wait found no pool to stop, and its idle workers kept the exit waiting for them."""
    pool = worker_pool(2)
    workers = _worker_pids(pool, 2)
    pool_module._pool = None  # as shutdown_pool leaves it while it waits
    stop_pool_now()
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in workers)


def test_ctrl_c_while_a_worker_starts_comes_once_the_pool_counts_it(monkeypatch, ctrl_c_raises):
    """A Ctrl-C raised as soon as it came, inside the worker's start, left a started
    worker the pool did not know: nothing stopped it, and the exit waited for it."""
    from multiprocessing.context import ForkServerProcess

    start = ForkServerProcess.start

    def interrupted_start(self) -> None:
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the worker starts
        start(self)

    monkeypatch.setattr(pool_module._WorkerProcess, "start", interrupted_start)
    pool = process_pool(2, "sim.runs.runner")
    try:
        with pytest.raises(KeyboardInterrupt):
            pool.submit(os.getpid)
        workers = list(pool._processes.values())
        assert len(workers) == 1 and workers[0].is_alive()
    finally:
        stop_pool_now()


def test_ctrl_c_in_a_run_from_python_leaves_no_worker_behind(monkeypatch, ctrl_c_raises):
    """Ctrl-C as the first worker started: the pool's manager had not started, so a
    shutdown sent the worker nothing, and the exit waited for it forever."""
    import multiprocessing as mp
    from multiprocessing.context import ForkServerProcess

    import sim

    start = ForkServerProcess.start

    def interrupted_start(self) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        start(self)

    monkeypatch.setattr(pool_module._WorkerProcess, "start", interrupted_start)
    with pytest.raises(KeyboardInterrupt):
        sim.run("baseline", replications=4, days=30, workers=2)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if not [p for p in mp.active_children() if isinstance(p, pool_module._WorkerProcess)]:
            break
        time.sleep(0.05)
    assert not [p for p in mp.active_children() if isinstance(p, pool_module._WorkerProcess)]


def test_the_explorers_look_ahead_pool_is_started_anew_after_ctrl_c_stopped_it():
    """Ctrl-C of a run in the process that serves the explorer stops every pool there: the
    look-ahead then found its pool shut down ("cannot schedule new futures")."""
    from sim.explorer import wargame

    first = wargame.pool()
    try:
        assert first.submit(os.getpid).result(timeout=120) != os.getpid()
        first.shutdown(wait=False, cancel_futures=True)  # as stop_pool_now shuts every pool
        again = wargame.pool()
        assert again is not first  # (it was handed out shut down: not broken, only stopped)
        assert again.submit(os.getpid).result(timeout=120) != os.getpid()
        stop_pool_now()  # and the whole stop: its workers terminated too
        assert wargame.pool().submit(os.getpid).result(timeout=120) != os.getpid()
    finally:
        wargame.pool().shutdown(wait=True)
        wargame._pool.clear()
