"""Peak memory of a sweep or design against its size (rows 4 and 7).

A process's peak RSS never goes down, so each size runs in a fresh interpreter:
``python -m bench.<row module> RUNS DAYS`` from ``experiments/`` (the row module
calls :func:`probe_main` under ``__main__``), which prints its own and its
children's peak as JSON on its last line.
"""

from __future__ import annotations

import functools
import json
import resource
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench.common import (
    EXPERIMENTS,
    MEMORY_DAYS,
    Result,
    Settings,
    interleaved,
    median,
    reps_note,
    run_checked,
)

LAUNCHER = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"
"""Runs its arguments as a grandchild of the benchmark. Linux carries the peak RSS of
the process image an exec replaces into ru_maxrss, so a probe exec'd straight from
this (large) process would report the benchmark's own peak; a grandchild of a small
interpreter starts from that interpreter's few MB instead."""


def maxrss_mb(who: int) -> float:
    """Peak resident set size in MB (ru_maxrss is KiB on Linux, bytes on macOS)."""
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(who).ru_maxrss * scale / 2**20


def vmhwm_mb() -> float | None:
    """Linux's own peak RSS of this process image, a cross-check of ru_maxrss."""
    status = Path("/proc/self/status")
    if not status.is_file():
        return None
    for line in status.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def stop_forkserver() -> None:
    """Reap the runner's forkserver, so RUSAGE_CHILDREN covers it and the workers it reaped.

    The workers are children of the forkserver, not of this process, and the
    forkserver lives until this process exits; only once it is waited for does
    the kernel fold the workers' peak into our RUSAGE_CHILDREN. Private API,
    acceptable in a benchmark.
    """
    from multiprocessing import forkserver

    forkserver._forkserver._stop()


def probe_main(body: Callable[[int, int, Path], object]) -> None:
    """A probe's process: ``body(runs, days, out_dir)`` from argv, then its peak memory as JSON."""
    runs, days = int(sys.argv[1]), int(sys.argv[2])
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        body(runs, days, Path(tmp))
    stop_forkserver()
    peak = {
        "parent_mb": maxrss_mb(resource.RUSAGE_SELF),
        "child_mb": maxrss_mb(resource.RUSAGE_CHILDREN),
        "parent_vmhwm_mb": vmhwm_mb(),
    }
    print(json.dumps(peak))


def probe(module: str, runs: int, days: int) -> dict[str, float]:
    """The peaks of one probe of ``bench.<module>`` in a fresh interpreter (see LAUNCHER)."""
    cmd = [sys.executable, "-m", f"bench.{module}", str(runs), str(days)]
    out = run_checked([sys.executable, "-c", LAUNCHER, *cmd], cwd=EXPERIMENTS)
    return json.loads(out.strip().splitlines()[-1])


def memory_rows(
    row: str, module: str, sizes: tuple[int, int], settings: Settings, measurement: str
) -> list[Result]:
    """Large-size peak / small-size peak, for the parent and the largest child.

    ``measurement`` is formatted with ``who``, ``small``, ``large`` and ``days``.
    """
    small, large = sizes
    probes = interleaved(
        {n: functools.partial(probe, module, n, MEMORY_DAYS) for n in sizes},
        settings.reps,
        settings.warmup,
    )
    results = []
    for key, who in (("parent_mb", "parent"), ("child_mb", "largest child")):
        peaks = {n: [p[key] for p in probes[n]] for n in sizes}
        low, high = median(peaks[small]), median(peaks[large])
        ratio = high / low
        results.append(
            Result(
                row,
                measurement.format(who=who, small=small, large=large, days=MEMORY_DAYS),
                ratio,
                "x",
                "<= 1.2x",
                ratio <= 1.2,
                detail=f"{low:.0f} -> {high:.0f} MB, {reps_note(settings)}",
                samples=[a / b for a, b in zip(peaks[large], peaks[small], strict=True)],
            )
        )
    return results
