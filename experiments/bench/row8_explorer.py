"""Row 8: the explorer's frame rate: model days a second, stepping and redrawing the map and plots.

Target: playing at the page's defaults advances at least 10 model days a
second with the map and every plot redrawn. A frame is what the page does
between two pauses of its play loop: step the model ``days_per_frame`` days,
update the figures' artists from the model and render both PNGs
(:class:`sim.explorer.figures.Frames`). The baseline band is computed before timing
(the page computes it once per scenario, geography and horizon, in the
background). The browser's own drawing is not included.
"""

from __future__ import annotations

import functools
import time

from bench.common import DAYS, MEMORY_DAYS, Result, Settings, interleaved, median, reps_note
from sim.explorer.command import PLAY_INTERVAL_MS, RENDER_INTERVAL_DAYS
from sim.explorer.data import ExplorerModel, baseline_band
from sim.explorer.figures import Frames

SCENARIO = "all_at_once"
"""Every measure acts early: the most assets on the map."""
PAGE_CASE = f"every {RENDER_INTERVAL_DAYS} days (page default)"
CASES = {"every day": 1, PAGE_CASE: RENDER_INTERVAL_DAYS}
"""Model days per frame of each case."""
TARGET = 10.0


def frame_seconds(days: int, days_per_frame: int) -> float:
    """Wall time of playing ``days`` days with a frame every ``days_per_frame`` days."""
    model = ExplorerModel(scenario_name=SCENARIO, days=days)
    frames = Frames(model)
    frames.with_band(baseline_band(model.versus, model.geography_name, days))
    start = time.perf_counter()
    while model.running:
        for _ in range(days_per_frame):
            model.step()
        frames.render()
    return time.perf_counter() - start


def playing_rate(days: int, seconds: float) -> float:
    """Days a second of the page's play loop at its defaults: frames plus the pause between them."""
    frames = -(-days // RENDER_INTERVAL_DAYS)
    return days / (seconds + frames * PLAY_INTERVAL_MS / 1000)


def run(settings: Settings) -> list[Result]:
    """Step and redraw the explorer's map and plots, as the page's play loop does."""
    days = MEMORY_DAYS if settings.quick else DAYS
    cases = {name: functools.partial(frame_seconds, days, every) for name, every in CASES.items()}
    times = interleaved(cases, settings.reps, settings.warmup)
    results = [  # information: what a frame costs at each render interval
        Result(
            "8 explorer",
            f"step + redraw {name}: model days per second",
            days / median(t),
            "days/s",
            detail=f"{days} days, {reps_note(settings)}",
            samples=t,
        )
        for name, t in times.items()
    ]
    rate = playing_rate(days, median(times[PAGE_CASE]))
    results.append(
        Result(
            "8 explorer",
            "playing at the page's defaults, with its pause",
            rate,
            "days/s",
            f">= {TARGET:g}",
            rate >= TARGET,
            "frames plus the play interval between them",
        )
    )
    return results
