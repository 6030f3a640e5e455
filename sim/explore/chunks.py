"""Running a design's missing chunks on worker processes or Ray, each part written when done."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

from sim.explore.params import ExploreConfig
from sim.explore.tasks import (
    RUNS,
    Task,
    part_name,
    part_problem,
    run_task,
    set_aside_strays,
    write_part,
    writing,
)
from sim.runs.backends import as_completed
from sim.runs.pool import shutdown_pool

log = logging.getLogger(__name__)


def execute(cfg: ExploreConfig, tasks: list[Task], out: Path, ident: str) -> None:
    """Run the tasks whose part is missing or not intact, each chunk's rows into its own part.

    A part is kept only when it holds exactly the chunk's rows (see
    :func:`part_problem`); any other is run again, with a log line saying why.
    """
    parts = out / RUNS
    with writing(parts):
        parts.mkdir(parents=True, exist_ok=True)
    set_aside_strays(parts, tasks)
    todo = []
    for task in tasks:
        path = parts / part_name(task.index)
        if not path.exists():
            todo.append(task)
            continue
        problem = part_problem(path, task, ident)
        if problem is not None:
            log.warning("%s/%s: %s; running chunk %d again", RUNS, path.name, problem, task.index)
            todo.append(task)
    if len(todo) < len(tasks):
        log.info("resuming: %d of %d chunks done already", len(tasks) - len(todo), len(tasks))
    progress = Progress(len(tasks), len(tasks) - len(todo))
    try:
        ex = cfg.explore
        finished = as_completed(
            run_task, todo, cfg.workers, ex.backend, ex.address, where="explore.address"
        )
        for i, rows in finished:
            write_part(parts, todo[i].index, rows, ident)
            progress.advance()
    finally:
        shutdown_pool()  # no idle worker processes outlive the design


class Progress:
    """Chunks done with elapsed time and time left: a bar on a terminal, lines in the log."""

    def __init__(self, total: int, done: int) -> None:
        self.total, self.done, self.start, self.first = total, done, time.perf_counter(), done

    def advance(self) -> None:
        self.done += 1
        elapsed = time.perf_counter() - self.start
        left = elapsed / (self.done - self.first) * (self.total - self.done)
        text = f"chunks {self.done}/{self.total} ({elapsed:.0f} s elapsed, {left:.0f} s left)"
        log.info(text)
        if sys.stderr.isatty():
            width = 30
            bar = "#" * round(width * self.done / self.total)
            end = "\n" if self.done == self.total else ""
            print(f"\r[{bar:<{width}}] {text}", end=end, file=sys.stderr, flush=True)
