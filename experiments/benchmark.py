"""Performance benchmark of the border roadmap model: one table, the same data as JSON.

Run from the repository root (``make bench`` does this)::

    .venv/bin/python experiments/benchmark.py            # full benchmark, 2-3 hours
    .venv/bin/python experiments/benchmark.py --quick    # smoke check, a few minutes
    .venv/bin/python experiments/benchmark.py --only 6 --reps 1 --warmup 0  # full size, timed once
    .venv/bin/python experiments/benchmark.py --joblib   # row 5 also on Hydra's joblib launcher
    .venv/bin/python experiments/benchmark.py --only scaling --only 4
    .venv/bin/python experiments/benchmark.py --profile  # where one default run spends its time

Each row is a module of ``experiments/bench/`` (its docstring states the row's
target): 1 ``default`` (one default run against Mesa's Epstein example),
2 ``scaling`` (4x/10x the sectors, 4x the days), 3 ``sweep`` (runner against
``mesa.batch_run``), 4 ``memory`` (a 1,000- against a 100-run sweep), 5 ``hydra``
(per-scenario against per-seed Hydra jobs), 6 ``design`` (a design on 2 processes
against 1 process, EMA, batch_run and Ray), 7 ``design_memory`` (a 10,000- against
a 1,000-run design), 8 ``explorer`` (the explorer's model days a second, stepping
and redrawing its map and plots), 9 ``core`` (one default run in instructions and CPU
per simulated day, and the kernels' compile cost), 10 ``policy`` (a policy search's batch
of policies x worlds on 2 processes against 1 process, Ray, Dask and EMA), 11
``lookahead`` (the explorer's look-ahead: 12 months of 20 paired futures under two
alternative moves). The shared
settings, timing and output are in ``bench/common.py``, the memory probes of rows 4 and 7
in ``bench/memory.py``.

Every row reports the median of 5 repetitions after a warm-up (``--quick``: one
repetition, no warm-up), the cases of a row interleaved round-robin so that
drift in machine load hits them alike. Rows 4 and 7's warm-up is a pair of
probes whose peaks are discarded; row 5's is one small multirun of each kind
(one scenario, two seeds), since a full one takes minutes. The table says which.
Everything is written into temporary directories; nothing is left in the
repository but the JSON file, which keeps each row's last measurement with its
date, machine and settings.
"""

from bench.common import main

ROWS = (
    "row1_default",
    "row2_scaling",
    "row3_sweep",
    "row4_memory",
    "row5_hydra",
    "row6_design",
    "row7_design_memory",
    "row8_explorer",
    "row9_core",
    "row10_policy",
    "row11_lookahead",
)
"""The rows in the order they run: a module ``bench/row<N>_<name>.py`` with ``run(settings)``."""

if __name__ == "__main__":
    main(ROWS, __doc__)
