"""Row 9: what one default run costs, in figures that do not depend on the machine's load.

Targets: at most 300 M instructions (callgrind) and 50 µs of CPU per simulated day
for one warm default run (gated roadmap, 40 sectors, 1095 days). Informational:
the one-off cost of compiling the kernels, as the first run of a fresh process
with an empty numba cache against one with the cache filled.

Instructions are counted in one process that makes the run twice: callgrind dumps
its counters at a marker call before and after the second run, so imports,
compiling the kernels for valgrind's virtual CPU and the first run's warm-up fall
outside the count. The kernels are compiled for a generic x86-64 CPU for this
count (``NUMBA_CPU_NAME=generic``), so that a native process can compile them
and valgrind load them; the count is of that code, the same on every machine.
Valgrind is installed by ``make bench`` where missing; without it the row says so.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import (
    DAYS,
    EXPERIMENTS,
    Result,
    Settings,
    median,
    reps_note,
    run_default,
    scenario_config,
    time_cases,
)

PROBE = (
    "import os, sys; sys.path.insert(0, {experiments!r});"
    "from bench.common import scenario_config, run_default;"
    "f = run_default(scenario_config('roadmap'));"
    "f(); os.getppid(); [f() for _ in range({runs} - 1)]; os.getppid()"
)
"""A process that makes ``runs`` default runs (the first one compiles or loads the kernels),
calling the marker ``getppid`` after the first and after the last."""
MARKER = "getppid"


def probe(runs: int, env: dict[str, str] | None = None, prefix: tuple[str, ...] = ()) -> str:
    """Run the probe (under ``prefix``, e.g. valgrind); its stderr."""
    code = PROBE.format(experiments=str(EXPERIMENTS), runs=runs)
    proc = subprocess.run(
        [*prefix, sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark probe exited {proc.returncode}: {proc.stderr[-2000:]}")
    return proc.stderr


def instructions() -> float | None:
    """Instructions of one warm default run, or None without valgrind."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        # The kernels are compiled for a generic x86-64 CPU into a private cache by a native
        # process first: valgrind's virtual CPU is not the host's, and compiling under
        # valgrind takes tens of minutes; with the CPU named the same both ways, the counted
        # process only loads them. setarch -R: the same address layout every time.
        env = {"NUMBA_CPU_NAME": "generic", "NUMBA_CACHE_DIR": str(Path(tmp) / "numba")}
        probe(1, env=env)
        out = Path(tmp) / "callgrind.out"
        prefix = ("setarch", "-R", valgrind, "--tool=callgrind", f"--dump-before={MARKER}")
        probe(2, env=env, prefix=(*prefix, f"--callgrind-out-file={out}"))
        # Dumps .1 (to the first marker) and .2 (between the markers: the second run).
        text = (out.parent / f"{out.name}.2").read_text()
        totals = re.search(r"^(?:summary|totals):\s+(\d+)", text, re.M)
    if totals is None:
        raise RuntimeError("callgrind wrote no count between the markers")
    return float(totals[1])


def cold_start() -> tuple[float, float]:
    """Wall seconds of a fresh process's first run: empty numba cache, then filled."""
    with tempfile.TemporaryDirectory() as cache:
        times = []
        for _ in ("empty", "filled"):
            start = time.perf_counter()
            probe(1, env={"NUMBA_CACHE_DIR": cache})
            times.append(time.perf_counter() - start)
    return times[0], times[1]


def run(settings: Settings) -> list[Result]:
    """The time of row 1 moves with the load; instructions and CPU per day much less."""
    row, note = "9 core", reps_note(settings)
    cpu = time_cases(
        {"cpu": run_default(scenario_config("roadmap"))},
        settings.reps,
        settings.warmup,
        clock=time.process_time,
    )["cpu"]
    per_day = 1e6 * median(cpu) / DAYS
    results = [
        Result(
            row,
            "CPU per simulated day, default run",
            per_day,
            "µs",
            "<= 50 µs",
            per_day <= 50,
            detail=note,
            samples=[1e6 * t / DAYS for t in cpu],
        )
    ]
    counted = instructions()
    if counted is None:
        results.append(
            Result(
                row,
                "instructions, one warm default run",
                float("nan"),
                "M",
                "<= 300 M",
                None,
                detail="not measured: valgrind missing",
            )
        )
    else:
        millions = counted / 1e6
        results.append(
            Result(
                row,
                "instructions, one warm default run (callgrind)",
                millions,
                "M",
                "<= 300 M",
                millions <= 300,
            )
        )
    empty, filled = cold_start()
    results += [
        Result(row, "fresh process, first run: empty kernel cache", empty, "s", detail="1 rep"),
        Result(row, "fresh process, first run: kernels cached", filled, "s", detail="1 rep"),
        Result(row, "compiling the kernels (the difference)", empty - filled, "s"),
    ]
    return results
