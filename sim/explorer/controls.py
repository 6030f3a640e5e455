"""The page's controls, and the server-side check of every value a page sends.

A control is a dict as SolaraViz declares one (``type``, ``label``, ``value`` and a
select's ``values`` or a slider's ``min``, ``max``, ``step``). Any client can send any
value for any of them over the websocket, so :func:`check` holds each value to what
its control offers before anything uses it, and :func:`CheckedInputs` shows only
inputs whose values pass it (a refused one is named in one line on the page).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache

import solara

from sim.config.compose import config_dir, group_options
from sim.config.overrides import parameters
from sim.config.params import ConfigError
from sim.explorer.command import PLAY_INTERVAL_MS, RENDER_INTERVAL_DAYS
from sim.explorer.data import SCENARIO_START
from sim.model.measures import MEASURE_NAMES

HORIZONS = (365, 730, 1095, 1825)
STARTS = (SCENARIO_START, "phase1", "phase2", "phase3", "0", "180", "365", "730")
"""A measure's start: the scenario's own, a phase, or a day."""
UNITS_MAX, UNITS_STEP = 200, 5
FIGHTERS_MAX, FIGHTERS_STEP = 400, 10
SEED_MAX = 99
INTENSITY_STEP = 0.05


def _names(group: str) -> list[str]:
    """The group's own options: the names of its YAML files, nothing else."""
    return group_options(group, [config_dir()])


def _select(label: str, value: object, values: Sequence) -> dict:
    return {"type": "Select", "label": label, "value": value, "values": list(values)}


def _slider(kind: str, label: str, value: float, high: float, step: float, low: float = 0) -> dict:
    return {"type": kind, "label": label, "value": value, "min": low, "max": high, "step": step}


@cache
def model_params() -> dict[str, dict]:
    """The model's controls: every lever by its dotted key, defaults from the schema.

    Slider ranges are the part of each declared range (``sim.parameters()``)
    that is useful to explore interactively.
    """
    defaults = parameters().set_index("key")["default"]
    scenarios = _names("scenario")
    controls = {
        "scenario_name": _select("Scenario", "roadmap", scenarios),
        "geography": _select("Geography", "stylised", _names("geography")),
        "versus": _select("Baseline band: scenario", "baseline", scenarios),
        "days": _select("Horizon (days)", 1095, HORIZONS),
        "rng": _slider("SliderInt", "Seed", 0, SEED_MAX, 1),
        "patrol.units_per_side": _slider(
            "SliderInt",
            "Patrol units per side",
            int(defaults["patrol.units_per_side"]),
            UNITS_MAX,
            UNITS_STEP,
        ),
        "armed_groups.initial_fighters": _slider(
            "SliderInt",
            "Fighters per armed group",
            int(defaults["armed_groups.initial_fighters"]),
            FIGHTERS_MAX,
            FIGHTERS_STEP,
        ),
    }
    for name in MEASURE_NAMES:
        title = name.replace("_", " ").capitalize()
        key = f"measures.{name}"
        controls[f"{key}.intensity"] = _slider(
            "SliderFloat",
            f"{title}: intensity",
            float(defaults[f"{key}.intensity"]),
            1.0,
            INTENSITY_STEP,
        )
        controls[f"{key}.start"] = _select(f"{title}: start", SCENARIO_START, STARTS)
    return controls


PLAYER = {
    "play_interval": _slider("SliderInt", "Play Interval (ms)", PLAY_INTERVAL_MS, 500, 10, 1),
    "render_interval": _slider(
        "SliderInt", "Render Interval (steps)", RENDER_INTERVAL_DAYS, 100, 2, 1
    ),
}
"""The player's controls (SolaraViz's ranges): the pause between frames and days per frame."""


def _shown(value: object) -> str:
    """A refused value as the message shows it: its literal text, cut short."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check(key: str, value: object, controls: Mapping[str, dict] | None = None) -> object:
    """``value`` if the control ``key`` offers it, else ConfigError in one line.

    ``controls``: the page's model and player controls unless given. A select's value
    must be one of its choices (same type: ``"1095"`` is not
    1095); a slider's a number (an int for an int slider) within its range.
    The message names the key, the value as sent (never resolved) and what
    the control allows.
    """
    controls = {**model_params(), **PLAYER} if controls is None else controls
    control = controls.get(key) if isinstance(key, str) else None
    if control is None:
        raise ConfigError(
            f"{_shown(key)}: not a control of the page; allowed: {', '.join(controls)}"
        )
    if control["type"] == "Select":
        if not any(type(value) is type(v) and value == v for v in control["values"]):
            allowed = ", ".join(str(v) for v in control["values"])
            raise ConfigError(f"{key}={_shown(value)}: not one of its choices; allowed: {allowed}")
        return value
    kinds = (int,) if control["type"] == "SliderInt" else (int, float)
    if (
        isinstance(value, bool)
        or not isinstance(value, kinds)
        or not control["min"] <= value <= control["max"]
    ):
        kind = "an integer" if control["type"] == "SliderInt" else "a number"
        raise ConfigError(
            f"{key}={_shown(value)}: allowed {kind} from {control['min']} to {control['max']}"
        )
    return value


def checked(values: Mapping[str, object]) -> dict[str, object]:
    """Every value checked (:func:`check`); the first refused raises ConfigError."""
    return {key: check(key, value) for key, value in values.items()}


def _input(control: dict, value: object, on_value: Callable[[object], None]):
    if control["type"] == "Select":
        return solara.Select(
            control["label"], values=control["values"], value=value, on_value=on_value
        )
    slider = solara.SliderInt if control["type"] == "SliderInt" else solara.SliderFloat
    return slider(
        control["label"],
        value=value,
        min=control["min"],
        max=control["max"],
        step=control["step"],
        on_value=on_value,
    )


@solara.component
def CheckedInputs(controls: dict[str, dict], values: solara.Reactive[dict]):
    """An input for each of ``controls``; a value reaches ``values`` only once :func:`check`
    accepts it. A refused one is named in one line above the inputs, which go back to the
    values kept."""
    refused = solara.use_reactive(None)
    shown = solara.use_reactive(0)  # bumped on a refusal: the inputs are made anew

    def accept(key: str, value: object) -> None:
        try:
            check(key, value)
        except ConfigError as e:
            refused.set(str(e))
            shown.set(shown.value + 1)
            return
        refused.set(None)
        values.set({**values.value, key: value})

    current = values.value
    with solara.Column(gap="0px") as column:
        if refused.value:
            solara.Error(refused.value, classes=["explorer-refused"])
        for key, control in controls.items():
            on_value = lambda value, key=key: accept(key, value)  # noqa: E731
            _input(control, current[key], on_value).key(f"{key}#{shown.value}")
    return column


@cache
def default_values() -> dict[str, object]:
    """Every control's default value (not to be changed: values are replaced, never edited)."""
    return {key: control["value"] for key, control in model_params().items()}
