"""Row 1: one default run (gated roadmap, 40 sectors, 1095 days) against Mesa's Epstein example.

Target: at most 0.3% of the time of Mesa's Epstein civil violence example run for
as many steps.
"""

from __future__ import annotations

from collections.abc import Callable

from bench.common import (
    DAYS,
    Result,
    Settings,
    median,
    reps_note,
    run_default,
    scenario_config,
    time_cases,
)


def run_epstein(steps: int, seed: int = 42) -> Callable[[], object]:
    """Mesa's Epstein civil violence example (40x40 default), stepped ``steps`` times."""
    from mesa.examples.advanced.epstein_civil_violence.model import (
        EpsteinCivilViolence,
        EpsteinScenario,
    )

    def run() -> None:
        model = EpsteinCivilViolence(scenario=EpsteinScenario(rng=seed))
        for _ in range(steps):
            model.step()

    return run


def run(settings: Settings) -> list[Result]:
    """A default run is cheap only relative to something: Mesa's own flagship example."""
    times = time_cases(
        {"ours": run_default(scenario_config("roadmap")), "epstein": run_epstein(DAYS)},
        settings.reps,
        settings.warmup,
    )
    ours, epstein = median(times["ours"]), median(times["epstein"])
    share = 100 * ours / epstein
    row, note = "1 default", reps_note(settings)
    return [
        Result(
            row,
            f"roadmap, 40 sectors, {DAYS} days: wall time",
            ours,
            "s",
            detail=note,
            samples=times["ours"],
        ),
        Result(
            row,
            f"Mesa Epstein civil violence 40x40, {DAYS} steps",
            epstein,
            "s",
            detail=note,
            samples=times["epstein"],
        ),
        Result(row, "default run / Epstein run", share, "%", "<= 0.3 %", share <= 0.3),
    ]
