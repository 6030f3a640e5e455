"""Where independent pieces of work run: worker processes, a Ray cluster or a Dask cluster.

:func:`as_completed` hands each item to a function on the chosen backend and yields the
results as they finish, so the caller writes each one at once (a killed job keeps what
finished). The function must be a module-level function (it is pickled by reference)
and its result must not depend on where it ran: every result in this package is fixed
by its item's seeds.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, wait
from typing import Any

from sim.config.params import ConfigError
from sim.runs.pool import shutdown_pool, worker_pool

DASK_TIMEOUT = 5.0
"""Seconds to reach a Dask scheduler before the job is refused."""


def as_completed(
    fn: Callable[[Any], Any],
    items: Sequence[Any],
    workers: int,
    backend: str = "processes",
    address: str | None = None,
    where: str = "address",
) -> Iterator[tuple[int, Any]]:
    """(position in ``items``, ``fn(item)``) as each finishes, on ``workers`` processes
    (1: in this process), Ray or Dask (``address``: a running cluster's; none: a local
    one of ``workers`` processes). ``where`` names the address setting in errors."""
    if backend == "ray":
        yield from _ray(fn, items, workers, address, where)
    elif backend == "dask":
        yield from _dask(fn, items, workers, address, where)
    else:
        yield from _processes(fn, items, workers)


def _processes(fn, items, workers) -> Iterator[tuple[int, Any]]:
    pool = worker_pool(workers)
    if pool is None:
        for i, item in enumerate(items):
            yield i, fn(item)
        return
    queue, running = iter(enumerate(items)), {}
    for i, item in queue:
        running[pool.submit(fn, item)] = i
        if len(running) >= 2 * workers:
            break
    while running:
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in done:
            yield running.pop(future), future.result()
            for i, item in queue:
                running[pool.submit(fn, item)] = i
                break


def _ray(fn, items, workers, address, where) -> Iterator[tuple[int, Any]]:
    import ray

    if not ray.is_initialized():
        try:
            ray.init(
                address=address,
                num_cpus=workers if address is None else None,
                include_dashboard=False,
                log_to_driver=False,
            )
        except Exception as e:  # ConnectionError, RuntimeError, ValueError...: one line
            text = str(e).strip().splitlines()
            raise ConfigError(
                f"{where}={address}: Ray could not start or connect "
                f"({text[0] if text else type(e).__name__})"
            ) from None
    remote = ray.remote(fn)
    pending = {remote.remote(item): i for i, item in enumerate(items)}
    while pending:
        done, _ = ray.wait(list(pending), num_returns=1)
        for ref in done:
            yield pending.pop(ref), ray.get(ref)


def _dask(fn, items, workers, address, where) -> Iterator[tuple[int, Any]]:
    from distributed import as_completed as finished

    key = (address, workers)
    if key not in _clients:  # kept for the calls that follow, until close_clients()
        _clients[key] = dask_client(address, where) if address else local_dask_client(workers)
    client = _clients[key]
    futures = {client.submit(fn, item, pure=False): i for i, item in enumerate(items)}
    for future in finished(futures):
        yield futures[future], future.result()


_clients: dict[tuple[str | None, int], Any] = {}
"""Dask clients by (address, workers): a job's batches share one cluster's start-up."""


def close_clients() -> None:
    """Close the Dask clients (and the local clusters they started) and the worker
    processes: a job calls it when it ends, so that nothing idle outlives it."""
    while _clients:
        _, client = _clients.popitem()
        client.close()
    shutdown_pool()


CONNECT_SECONDS = 5.0
"""How long :func:`check_address` waits for a Ray cluster to answer."""
ADDRESS_FORMS = "host:port (a cluster's head), ray://host:port (Ray Client), auto or local"


def check_address(
    backend: str, address: str | None, where: str = "address", clusters: tuple[str, ...] = ("ray",)
) -> None:
    """Refuse a Ray address (the setting ``where``) that is no Ray address, or where nothing
    answers; a Dask scheduler's address is checked by :func:`check_dask`.

    A ``host:port`` or ``ray://host:port`` address is tried with a connection of
    at most :data:`CONNECT_SECONDS` that must answer as a gRPC server does
    (``ray.init`` would wait minutes for a cluster that is not there); ``auto``
    and ``local`` are left to ``ray.init``.
    Raises ConfigError before anything is written.
    """
    if address is None:
        return
    if backend == "dask":
        check_dask(address, where)
        return
    if backend != "ray":
        key = where.replace("address", "backend")
        allowed = " or ".join(f"{key}={c}" for c in clusters)
        raise ConfigError(
            f"{where}={address}: a cluster's address, used only with {allowed} "
            f"(not {backend}); set {key} or leave {where} null"
        )
    if address in ("auto", "local"):
        return
    scheme, sep, rest = address.rpartition("://")
    host, colon, port = rest.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")  # [::1]:6379
    if (sep and scheme != "ray") or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"{where}={address}: not a Ray address; use {ADDRESS_FORMS}")
    try:
        with socket.create_connection((host, int(port)), timeout=CONNECT_SECONDS) as sock:
            sock.sendall(HTTP2_PREFACE)
            answer = sock.recv(9)
        reason = None if len(answer) >= 4 and answer[3] == 4 else "it does not speak gRPC"
    except OSError as e:
        reason = e.strerror or str(e) or type(e).__name__
    if reason is not None:
        raise ConfigError(
            f"{where}={address}: no Ray cluster answers at {host}:{port} ({reason}); "
            f"start it, fix the address, or leave {where}=null for a local Ray"
        )


HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])
"""An HTTP/2 client's opening (an empty SETTINGS frame): a gRPC server, such as Ray's head
or its client server, answers with its own SETTINGS frame (type 4), anything else not."""


def local_dask_client(workers: int):
    """A client with a Dask cluster of its own (``workers`` processes, closed with it)
    whose workers stay quiet and leave Ctrl-C to this process: a worker whose scheduler
    went away with a Ctrl-C logs its failed heartbeat as an error with a traceback,
    while a worker's real failure reaches the client as an exception."""
    from distributed import Client

    # A Ctrl-C that lands while the client waits on its event loop makes tornado
    # log the cancelled wait as an error with a traceback; the interruption itself
    # is reported in one line, and real failures reach us as exceptions.
    logging.getLogger("tornado.application").setLevel(logging.CRITICAL)
    with _sigint_left_to_this_process():
        return Client(
            n_workers=workers,
            threads_per_worker=1,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
        )


def dask_client(address: str, where: str = "dask_address"):
    """A client of the Dask scheduler at ``address`` (checked by :func:`check_dask`)."""
    from distributed import Client

    check_dask(address, where)
    return Client(address, timeout=DASK_TIMEOUT, set_as_default=False)


def check_dask(address: str, where: str = "dask_address") -> None:
    """ConfigError unless a Dask scheduler answers at ``address`` within :data:`DASK_TIMEOUT`
    seconds (a connection and Dask's handshake, then closed); ``where`` names the setting."""
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
        raise ConfigError(f"{where}={address}: not an address ({e}); {expected}") from None

    async def probe() -> None:
        comm = await connect(address, timeout=DASK_TIMEOUT)
        await comm.close()

    try:
        asyncio.run(probe())
    except (OSError, TimeoutError, ValueError) as e:
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ConfigError(
            f"{where}={address}: no Dask scheduler answered within {DASK_TIMEOUT:g} s "
            f"({reason}); {expected}"
        ) from None


@contextlib.contextmanager
def sigint_blocked() -> Iterator[None]:
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
    with sigint_blocked():
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, old)
