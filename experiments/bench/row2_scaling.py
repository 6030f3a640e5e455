"""Row 2: 4x and 10x the sectors (patrol units scaled alike) and 4x the horizon.

Target: each costs at most 1.3x linear time.
"""

from __future__ import annotations

import dataclasses

from bench.common import (
    Result,
    Settings,
    median,
    reps_note,
    run_default,
    scenario_config,
    time_cases,
)
from sim.config.params import Config, validate


def scaled(config: Config, sectors: int = 1, horizon: int = 1) -> Config:
    """The config with ``sectors`` times the border length and patrol units, ``horizon`` x days.

    Provinces are lengthened (sector_km stays 20 km) so the number of sectors
    grows by the factor; patrol units per side grow alike to keep their density.
    Armed groups and smuggling networks keep their number and reach.
    """
    geo = config.geography
    provinces = [dataclasses.replace(p, length_km=p.length_km * sectors) for p in geo.provinces]
    units = config.patrol.units_per_side * sectors
    new = dataclasses.replace(
        config,
        geography=dataclasses.replace(geo, provinces=provinces),
        patrol=dataclasses.replace(config.patrol, units_per_side=units),
        days=config.days * horizon,
    )
    validate(new)
    return new


def describe(config: Config) -> str:
    """What a scaling variant contains, so the table says what was scaled."""
    sectors = sum(
        round(p.length_km / config.geography.sector_km) for p in config.geography.provinces
    )
    return f"{sectors} sectors, {config.patrol.units_per_side} units/side, {config.days} days"


def run(settings: Settings) -> list[Result]:
    """Cost should grow linearly with sectors and days; superlinear growth flags an O(n^2)."""
    base = scenario_config("roadmap")
    variants = {
        "x1": (base, 1),
        "sectors x4": (scaled(base, sectors=4), 4),
        "sectors x10": (scaled(base, sectors=10), 10),
        "days x4": (scaled(base, horizon=4), 4),
    }
    times = time_cases(
        {name: run_default(cfg) for name, (cfg, _) in variants.items()},
        settings.reps,
        settings.warmup,
    )
    t1 = median(times["x1"])
    row = "2 scaling"
    results = [
        Result(
            row,
            f"x1: {describe(base)}: wall time",
            t1,
            "s",
            detail=reps_note(settings),
            samples=times["x1"],
        )
    ]
    for name, (cfg, k) in variants.items():
        if k == 1:
            continue
        ratio = median(times[name]) / t1
        results.append(
            Result(
                row,
                f"{name}: {describe(cfg)}: time / x1",
                ratio,
                "x",
                f"<= {1.3 * k:g}x (1.3 x linear)",
                ratio <= 1.3 * k,
                detail=f"{ratio / k:.2f} of linear",
                samples=times[name],
            )
        )
    return results
