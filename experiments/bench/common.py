"""What every benchmark row shares: settings, results, timing, configurations, the command line.

A row is a module ``bench/row<N>_<name>.py`` with ``run(settings) -> list[Result]``,
listed once in ``benchmark.ROWS``; its number and name (for ``--only``, the table
and the JSON file) come from the module's name.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import datetime as dt
import functools
import gc
import importlib
import json
import os
import platform
import pstats
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import mesa
import numpy as np

import sim
from sim.config.compose import load_config
from sim.config.params import Config
from sim.runs.files import write_atomic
from sim.runs.runner import model_params, replication_seeds, simulate

EXPERIMENTS = Path(__file__).resolve().parent.parent
RESULTS_PATH = EXPERIMENTS / "benchmark_results.json"
DAYS = 1095
SCENARIOS = ("baseline", "roadmap", "security_only", "all_at_once")
WORKERS = 2
MEMORY_DAYS = 365


@dataclass(frozen=True)
class Settings:
    """How much work each row does; ``--quick`` trades precision for a fast smoke check."""

    quick: bool
    reps: int  # timed repetitions of each case, in every row
    warmup: int  # untimed repetitions before them
    sweep_seeds: int  # seeds per scenario in rows 3 and 5
    memory_runs: tuple[int, int]  # (small, large) sweep sizes in row 4
    design: tuple[int, int, int]  # (points, replications, days) in row 6
    design_memory_runs: tuple[int, int]  # (small, large) design sizes in row 7
    policy: tuple[int, int, int]  # (policies, worlds, days) of one search batch in row 10
    hydra_joblib: bool = False  # also time per-seed jobs on the joblib launcher


FULL = Settings(
    False,
    5,
    1,
    sweep_seeds=100,
    memory_runs=(100, 1000),
    design=(200, 5, DAYS),
    design_memory_runs=(1000, 10000),
    policy=(20, 20, DAYS),
)
QUICK = Settings(
    True,
    1,
    0,
    sweep_seeds=10,
    memory_runs=(10, 100),
    design=(20, 2, 365),
    design_memory_runs=(100, 1000),
    policy=(6, 5, 365),
)


@dataclass
class Result:
    """One line of the table; ``met`` is None for rows that only inform."""

    row: str
    measurement: str
    value: float
    unit: str
    target: str = "-"
    met: bool | None = None
    detail: str = ""
    samples: list[float] = field(default_factory=list)

    def shown(self) -> str:
        text = f"{self.value:.3g} {self.unit}".rstrip()
        return f"{text} ({self.detail})" if self.detail else text


# --- timing -------------------------------------------------------------------


def wall(fn: Callable[[], object], clock: Callable[[], float] = time.perf_counter) -> float:
    """Seconds of one call: wall clock by default (rows 3-7 use several processes).

    The heap is collected first, untimed: otherwise a case pays for collecting the
    cyclic garbage the case before it left (after Mesa's Epstein example, a default
    run took 0.26-0.44 s instead of 0.19 s)."""
    gc.collect()
    start = clock()
    fn()
    return clock() - start


def interleaved[K, V](cases: dict[K, Callable[[], V]], reps: int, warmup: int) -> dict[K, list[V]]:
    """What each case measures (a function returning its measurement), after a warm-up.

    Cases run round-robin so that drift in machine load affects every case alike;
    the warm-up's measurements are dropped.
    """
    for _ in range(warmup):
        for fn in cases.values():
            fn()
    values: dict[K, list[V]] = {name: [] for name in cases}
    for _ in range(reps):
        for name, fn in cases.items():
            values[name].append(fn())
    return values


def time_cases(
    cases: dict[str, Callable[[], object]],
    reps: int,
    warmup: int,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, list[float]]:
    """Times of each case (see :func:`interleaved`)."""
    timed = {name: functools.partial(wall, fn, clock) for name, fn in cases.items()}
    return interleaved(timed, reps, warmup)


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def reps_note(settings: Settings) -> str:
    """How a value was obtained, for the table."""
    warm = f"after {settings.warmup} warm-up" if settings.warmup else "no warm-up"
    if settings.reps == 1:
        return f"1 rep, {warm}"
    return f"median of {settings.reps} reps {warm}"


def run_checked(cmd: list[str], cwd: Path) -> str:
    """Run a command, returning stdout; fail loudly with its stderr tail."""
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-20:])
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{tail}")
    return proc.stdout


# --- configurations -----------------------------------------------------------


@functools.cache
def scenario_config(scenario: str, days: int = DAYS) -> Config:
    """Composed once per process: Hydra composition costs ~0.1 s, more than a short run."""
    return load_config([f"scenario={scenario}", f"days={days}"])


def first_seed(config: Config) -> int:
    """The seed of replication 0, so that timed runs are the runs a sweep would make."""
    return replication_seeds(config.seed, 1)[0]


def run_default(config: Config) -> Callable[[], object]:
    """One replication including its tables, as the runner makes it."""
    params, days, seed = model_params(config), config.days, first_seed(config)
    return lambda: simulate(params, days, seed)


# --- rows, output -------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """A registered row: its number and name come from its module's name."""

    number: str
    name: str
    module: str

    @classmethod
    def of(cls, module: str) -> Row:
        match = re.fullmatch(r"row(\d+)_(\w+)", module)
        if match is None:
            raise ValueError(f"benchmark row module {module!r}: expected row<N>_<name>")
        return cls(match[1], match[2], module)

    def run(self, settings: Settings) -> list[Result]:
        return importlib.import_module(f"bench.{self.module}").run(settings)


def machine_info() -> dict[str, object]:
    """Enough to tell whether two result files are comparable."""
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "sim_version": sim.__version__,
        "mesa_version": mesa.__version__,
        "numpy_version": np.__version__,
    }


def format_table(results: Iterable[Result]) -> str:
    """Plain aligned text: one header, one line per measurement."""
    header = ("row", "measurement", "value", "target", "met?")
    lines = [
        (r.row, r.measurement, r.shown(), r.target, {None: "-", True: "yes", False: "NO"}[r.met])
        for r in results
    ]
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(len(header))]

    def fmt(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(header), rule, *(fmt(line) for line in lines)])


def load_average() -> float | None:
    """1-minute load average: other work on a 2-core machine shows up in every timing."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


def write_json(path: Path, settings: Settings, done: dict[str, list[Result]], run: dict) -> None:
    """The same data as the table, row by row, with when, where and how each row was measured.

    Rows not run this time keep their last measurement, so ``--only 6`` adds to
    the file instead of replacing it; a file in another layout is replaced.
    """
    try:
        data = json.loads(path.read_text())
        rows = data["rows"] if isinstance(data.get("rows"), dict) else {}
    except (OSError, ValueError, AttributeError):
        rows = {}
    measured = {
        "machine": machine_info(),
        "run": run,
        "settings": dataclasses.asdict(settings),
    }
    for name, results in done.items():
        rows[name] = measured | {"results": [dataclasses.asdict(r) for r in results]}
    write_atomic(path, json.dumps({"rows": rows}, indent=2) + "\n")


def profile_default(top: int = 15) -> None:
    """Where a default run's time goes: top functions by cumulative and by own time."""
    fn = run_default(scenario_config("roadmap"))
    fn()  # warm-up: imports and caches are not the run's cost
    profiler = cProfile.Profile()
    profiler.runcall(fn)
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    entries = stats.stats.items()
    print(f"one default run under cProfile: {total:.2f} s")
    for title, index in (("cumulative", 3), ("own (tottime)", 2)):
        print(f"\ntop {top} by {title} time")
        ranked = sorted(entries, key=lambda item: item[1][index], reverse=True)[:top]
        for (path, line, name), values in ranked:
            where = f"{Path(path).name}:{line}({name})" if line else name
            print(f"  {100 * values[index] / total:5.1f} %  {values[1]:>8} calls  {where}")


# --- command line -------------------------------------------------------------


def at_least(low: int) -> Callable[[str], int]:
    """An argparse type: an integer of at least ``low`` (argparse prints the error, exit 2)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{value} is below {low}")
        return value

    return parse


def parse_args(argv: Sequence[str] | None, rows: Sequence[Row], doc: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer reps and runs; smoke check")
    parser.add_argument(
        "--only",
        action="append",
        choices=[*(r.number for r in rows), *(r.name for r in rows)],
        metavar="ROW",
        help="run only this row (repeatable): " + ", ".join(f"{r.number}/{r.name}" for r in rows),
    )
    parser.add_argument(
        "--joblib",
        action="store_true",
        help="row 5 also times per-seed jobs on Hydra's joblib launcher (about 10 more minutes)",
    )
    parser.add_argument(
        "--reps", type=at_least(1), metavar="N", help="timed repetitions of each case, same work"
    )
    parser.add_argument("--warmup", type=at_least(0), metavar="N", help="untimed ones before them")
    parser.add_argument("--output", type=Path, default=RESULTS_PATH, help="JSON results file")
    parser.add_argument("--profile", action="store_true", help="profile one default run and exit")
    return parser.parse_args(argv)


def main(modules: Sequence[str], doc: str, argv: Sequence[str] | None = None) -> None:
    """Run the chosen rows in their registered order; print the table, write the JSON."""
    rows = [Row.of(m) for m in modules]
    args = parse_args(argv, rows, doc)
    if args.profile:
        profile_default()
        return
    settings = dataclasses.replace(QUICK if args.quick else FULL, hydra_joblib=args.joblib)
    for name in ("reps", "warmup"):
        if getattr(args, name) is not None:
            settings = dataclasses.replace(settings, **{name: getattr(args, name)})
    wanted = set(args.only or [r.name for r in rows])
    chosen = [r for r in rows if r.number in wanted or r.name in wanted]
    start, load_start = time.perf_counter(), load_average()
    done: dict[str, list[Result]] = {}
    for row in chosen:
        print(f"running {row.name} ...", file=sys.stderr, flush=True)
        done[row.name] = row.run(settings)
        print(format_table(done[row.name]), file=sys.stderr, flush=True)  # kept if a later fails
    print(format_table([r for results in done.values() for r in results]))
    run = {
        "elapsed_s": round(time.perf_counter() - start, 1),
        "load_average_start": load_start,
        "load_average_end": load_average(),
    }
    write_json(args.output, settings, done, run)
    print(f"\nwritten {args.output}", file=sys.stderr)
