"""Settings allowed but idle: the warnings for a config, and for overrides that cannot act."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from sim.config.measures import MeasureParams, MeasuresParams
from sim.config.params import MIN_SUMMARY_DAYS, Config


def warnings_for(config: Config) -> list[str]:
    """One line per setting that is allowed but cannot act within the horizon."""
    days, ph, out = config.days, config.phases, []
    g = config.governments
    for floor, start in (("trust_floor", "initial_trust"), ("tension_floor", "initial_tension")):
        if getattr(g, floor) > getattr(g, start):
            out.append(
                f"governments.{floor}={getattr(g, floor)} is above governments.{start}="
                f"{getattr(g, start)}: it starts below its floor"
            )
    if ph.mode != "none" and ph.agreement_day >= days:
        out.append(
            f"phases.agreement_day={ph.agreement_day} is not before days={days}: no run "
            "reaches an agreement"
        )
    if ph.mode == "scheduled":
        late = [d for d in ph.schedule_days if d >= days]
        if late:
            out.append(f"phases.schedule_days={ph.schedule_days}: {late} not before days={days}")
    if ph.mode == "gated" and max(ph.min_trust) >= 1:
        out.append(f"phases.min_trust={ph.min_trust}: a gate at trust 1 is practically never met")
    enabled = [
        (f.name, m)
        for f in dataclasses.fields(MeasuresParams)
        if isinstance(m := getattr(config.measures, f.name), MeasureParams)
        and m.enabled
        and (ph.mode != "none" or m.start.isdigit())  # else it never starts: see inert_overrides
    ]
    late = [n for n, m in enabled if m.start.isdigit() and int(m.start) >= days]
    if late:
        out.append(f"measures.*.start not before days={days} (never start): {', '.join(late)}")
    slow = [n for n, m in enabled if n not in late and m.ramp_days >= days]
    if slow:
        out.append(
            f"measures.*.ramp_days not shorter than days={days} (never at full level): "
            + ", ".join(slow)
        )
    if days < MIN_SUMMARY_DAYS:
        out.append(f"days={days}: shorter than a month; monthly outcomes are empty (NaN)")
    return out + inert_moves(config)


def inert_moves(config: Config) -> list[str]:
    """One line per move that cannot act within the horizon: on a measure the scenario
    never starts (no move gives it a start it reaches), on the gates of a scenario without
    an agreement, a start moved past the horizon, or patrol units whose next redeployment
    (when they join or leave) falls after it."""
    scenario, mode, days, out = config.scenario_name, config.phases.mode, config.days, []
    dated = {  # measures some move starts on a day number
        m.key.split(".")[1] for m in config.moves if m.key.endswith(".start") and m.value.isdigit()
    }
    every = config.patrol.redeploy_days
    for i, move in enumerate(config.moves):
        where, parts = f"moves[{i}] {move.key}={move.value}", move.key.split(".")
        if parts[0] == "phases" and mode == "none":
            out.append(f"{where}: scenario {scenario} has no agreement; it cannot act")
        elif parts[0] == "measures":
            m = getattr(config.measures, parts[1])
            if mode == "none" and not m.start.isdigit() and parts[1] not in dated:
                out.append(
                    f"{where}: measures.{parts[1]} starts at {m.start}, which scenario "
                    f"{scenario} never reaches; it cannot act"
                )
            elif move.key.endswith(".start") and move.value.isdigit() and int(move.value) >= days:
                out.append(f"{where}: not before days={days}; the measure never starts")
        elif parts[0] == "patrol":
            joins = -(-(move.day + 1) // every) * every  # the next redeployment's first day
            if joins >= days:
                out.append(
                    f"{where}: units join or leave at the next redeployment (day {joins}), "
                    f"not before days={days}; it cannot act"
                )
    return out


def inert_overrides(config: Config, keys: Iterable[str]) -> list[str]:
    """One line per overridden key (dotted) that cannot act in ``config``'s scenario: a
    setting of a measure that is off or never starts, or of the phases of a scenario
    without an agreement. Such runs come out identical whatever the value."""
    scenario, mode, out = config.scenario_name, config.phases.mode, []
    for key in dict.fromkeys(k.lstrip("+~") for k in keys):
        parts = key.split(".")
        if parts[0] == "phases" and mode == "none" and key != "phases.mode":
            out.append(
                f"{key}: scenario {scenario} has no agreement (phases.mode=none); it cannot act"
            )
            continue
        m = getattr(config.measures, parts[1], None) if parts[0] == "measures" else None
        if not isinstance(m, MeasureParams) or parts[2:3] == ["enabled"]:
            continue
        if not m.enabled:
            out.append(
                f"{key}: measures.{parts[1]} is off in scenario {scenario} "
                f"(measures.{parts[1]}.enabled=false); it cannot act"
            )
        elif mode == "none" and not m.start.isdigit():
            out.append(
                f"{key}: measures.{parts[1]} starts at {m.start}, which scenario {scenario} "
                "never reaches (phases.mode=none); it cannot act"
            )
    return out
