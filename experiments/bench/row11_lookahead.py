"""Row 11: the explorer's look-ahead: 12 months of 20 paired futures under two alternative moves.

What a war-gamer waits for after clicking "Look ahead" on day 200 of the explorer's
default run (the roadmap on the stylised border): the current line and two
alternatives (a gate moved, joint patrols brought forward), 20 paired replications
each, 365 days ahead, from one pickled copy of the paused model
(:meth:`sim.explorer.game.Game.look_ahead`), on the page's worker pool (its start-up
paid in the warm-up, as the page pays it once) and in one process for comparison,
with the in-process case's CPU time beside its wall time.
Target: the page's case returns within 10 s.
"""

from __future__ import annotations

import functools
import time

from bench.common import Result, Settings, interleaved, median, reps_note
from sim.explorer.game import Game
from sim.explorer.wargame import LOOK_AHEAD_WORKERS, pool

SETUP = {"scenario_name": "roadmap", "geography": "stylised", "versus": "baseline", "days": 1095}
DAY = 200
ALTERNATIVES = {
    "open-gate": [("phases.min_trust.0", 0.2)],
    "patrols-now": [("measures.joint_patrols.start", "phase1")],
}
TARGET_SECONDS = 10.0


def look(replications: int, days: int, pooled: bool) -> tuple[float, float]:
    """(wall, CPU of this process) seconds of one look-ahead from day ``DAY``."""
    game = Game({**SETUP, "rng": 0})
    game.model.run_for(DAY)
    wall, cpu = time.perf_counter(), time.process_time()
    game.look_ahead(ALTERNATIVES, replications, days, pool() if pooled else None)
    return time.perf_counter() - wall, time.process_time() - cpu


def run(settings: Settings) -> list[Result]:
    """The page's look-ahead on its pool and in one process."""
    reps, days = (5, 90) if settings.quick else (20, 365)
    cases = {
        f"{LOOK_AHEAD_WORKERS} worker processes (page)": functools.partial(look, reps, days, True),
        "1 process": functools.partial(look, reps, days, False),
    }
    times = interleaved(cases, settings.reps, settings.warmup)
    row = "11 look-ahead"
    note = f"3 lines x {reps} futures x {days} days from day {DAY}, {reps_note(settings)}"
    results = []
    for name, samples in times.items():
        wall = [w for w, _ in samples]
        page = name.endswith("(page)")
        target = f"<= {TARGET_SECONDS:g} s" if page else "-"
        met = median(wall) <= TARGET_SECONDS if page else None
        results.append(Result(row, f"{name}: wall", median(wall), "s", target, met, note, wall))
    cpu = [c for _, c in times["1 process"]]
    per_day = median(cpu) / (3 * reps * days) * 1e6
    results.append(
        Result(row, "1 process: CPU per simulated day", per_day, "us/day", detail=note, samples=cpu)
    )
    return results
