"""The explorer's page: Mesa's model controller around the roadmap model, its controls and view.

Served by ``python -m sim.explorer`` (see :mod:`sim.explorer` for what the page shows).

The page's controls are values a browser sends over the websocket, and any
client can send any value for any of them. So every value is checked here,
on the server, against what its control offers (:func:`check`: a select's
choices, a slider's range) before anything uses it: a refused value is
named in one line on the page and changes nothing (nothing composes or
resolves it). :class:`PageModel` checks again whatever it is built from, and
baseline bands are computed one at a time, only the latest request waiting
(:class:`Bands`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from concurrent.futures import wait as wait_for
from functools import cache
from typing import Any

import reacton.ipywidgets as rw
import solara
import solara.lab
from mesa.visualization.solara_viz import ComponentsView, ModelController, ShowSteps
from mesa.visualization.utils import update_counter
from solara.toestand import Ref

from sim.analysis.plots import PHASE_LABELS
from sim.config.compose import config_dir, group_options
from sim.config.overrides import parameters
from sim.config.params import ConfigError
from sim.explorer.command import PLAY_INTERVAL_MS, RENDER_INTERVAL_DAYS
from sim.explorer.data import (
    BAND_REPLICATIONS,
    BAND_SEED,
    SCENARIO_START,
    Band,
    ExplorerModel,
    baseline_band,
)
from sim.explorer.figures import DPI, WIDTH_IN, Frames
from sim.model.measures import MEASURE_NAMES

NAME = "Border de-escalation roadmap: explorer"
HORIZONS = (365, 730, 1095, 1825)
STARTS = (SCENARIO_START, "phase1", "phase2", "phase3", "0", "180", "365", "730")
"""A measure's start: the scenario's own, a phase, or a day."""
UNITS_MAX, UNITS_STEP = 200, 5
FIGHTERS_MAX, FIGHTERS_STEP = 400, 10
SEED_MAX = 99
INTENSITY_STEP = 0.05
FRAME_WIDTH_PX = round(WIDTH_IN * DPI)
CSS = """
.vue-grid-item { width: calc(100% - 20px) !important; height: auto !important; }
.vue-grid-item > .vue-resizable-handle { display: none; }
.v-tabs { display: none; }
"""
"""The page's one component takes the whole width of SolaraViz's grid, with no tab bar
(SolaraViz labels its one page "Page 0")."""


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


def check(key: str, value: object) -> object:
    """``value`` if the control ``key`` offers it, else ConfigError in one line.

    A select's value must be one of its choices (same type: ``"1095"`` is not
    1095); a slider's a number (an int for an int slider) within its range.
    The message names the key, the value as sent (never resolved) and what
    the control allows.
    """
    controls = {**model_params(), **PLAYER}
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


class PageModel(ExplorerModel):
    """The model the page runs: built only from values its controls offer.

    Mesa's reset builds ``type(model)(**values)``; the values are checked
    (:func:`checked`) before the scenario is composed. ``scenario`` is Mesa's
    own scenario object, which the reset adds and the roadmap does not use.
    """

    def __init__(self, scenario: object = None, **values: Any) -> None:
        super().__init__(**checked(values))


class Bands:
    """Baseline bands computed one at a time, in one background thread.

    Of the requests waiting for the thread, only the latest is kept: a new
    request cancels the one waiting before it (its future is cancelled; the
    page asks again when it still needs it). The one computing finishes.
    Finished bands are kept, the latest ``keep`` of them.
    """

    def __init__(self, compute: Callable[..., Band], keep: int = 16) -> None:
        self._compute = compute
        self._keep = keep
        self._lock = threading.Condition()
        self._done: OrderedDict[tuple, Future] = OrderedDict()
        self._running: tuple[tuple, Future] | None = None
        self._waiting: tuple[tuple, Future] | None = None
        self._thread: threading.Thread | None = None

    def request(self, *key: object) -> Future:
        """The future of the band of ``key`` (``compute``'s arguments)."""
        with self._lock:
            if key in self._done:
                self._done.move_to_end(key)
                return self._done[key]
            for slot in (self._running, self._waiting):
                if slot is not None and slot[0] == key:
                    return slot[1]
            if self._waiting is not None:
                self._waiting[1].cancel()
            self._waiting = (key, Future())
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, name="baseline-band", daemon=True
                )
                self._thread.start()
            self._lock.notify()
            return self._waiting[1]

    def computing(self) -> Future | None:
        """The future of the band computing now, if any."""
        with self._lock:
            return self._running[1] if self._running is not None else None

    def _work(self) -> None:
        while True:
            with self._lock:
                while self._waiting is None:
                    self._lock.wait()
                key, future = self._waiting
                self._waiting = None
                if not future.set_running_or_notify_cancel():
                    continue
                self._running = (key, future)
            try:
                future.set_result(self._compute(*key))
            except BaseException as e:  # the page shows it, as it shows any error
                future.set_exception(e)
            with self._lock:
                self._running = None
                self._done[key] = future
                while len(self._done) > self._keep:
                    self._done.popitem(last=False)


_bands = Bands(lambda *key: baseline_band(*key))


def band_future(scenario: str, geography: str, days: int) -> Future[Band]:
    """The band of a scenario, computed once per process in the background (:class:`Bands`).

    Only choices the page offers are computed: anything else is refused
    (ConfigError) before it is queued.
    """
    checked({"versus": scenario, "geography": geography, "days": days})
    return _bands.request(scenario, geography, days)


def status(model: ExplorerModel, band: Band | None) -> list[str]:
    """The lines above the map: day and phase, what runs, what the band is, the levers set."""
    end = " (horizon reached)" if not model.running else ""
    band_text = (
        f"band: {band.scenario}, {band.replications} runs from seed {BAND_SEED}"
        if band is not None
        else f"computing the {model.versus} band ({BAND_REPLICATIONS} runs) ..."
    )
    defaults = default_values()
    changed = [f"{k}={v}" for k, v in model.levers.items() if defaults.get(k) != v]
    return [
        f"Day {model.simulated} of {model.days}{end} · {PHASE_LABELS[model.phases.phase]}",
        f"{model.scenario_name} on {model.geography_name}, seed {model.seed} · {band_text}",
        "levers: " + (", ".join(changed) if changed else "as the scenario sets them"),
    ]


@solara.component
def ExplorerView(model: ExplorerModel):
    """Status line, border map and live plots of the model the page is running."""
    update_counter.get()  # re-render on every step
    frames = solara.use_memo(lambda: Frames(model), [model])
    future = band_future(model.versus, model.geography_name, model.days)
    _, redraw = solara.use_state(0)

    def wait() -> None:  # a paused page redraws when its band is ready
        # Short waits: solara stops this thread (at a line) once the view moves on.
        awaited = future
        while not awaited.done():
            wait_for([awaited], timeout=0.5)
        if awaited.cancelled():  # a later request took its place: ask again once that is done
            awaited = _bands.computing() or awaited
            while not awaited.done():
                wait_for([awaited], timeout=0.5)
        redraw(lambda n: n + 1)

    solara.use_thread(wait, dependencies=[future])
    if future.done() and not future.cancelled():
        frames.with_band(future.result())
    map_png, plots_png = frames.render()
    head, *lines = status(model, frames.band)
    with solara.Column(style={"width": f"{FRAME_WIDTH_PX}px"}, gap="4px") as view:
        solara.Text(head, classes=["explorer-status"], style={"font-weight": "bold"})
        for line in lines:
            solara.Text(line)
        rw.Image(value=map_png, format="png")
        rw.Image(value=plots_png, format="png")
    return view


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


@solara.component
def Page():
    """The explorer: Mesa's model controller, the page's checked inputs and the view.

    The layout is SolaraViz's (app bar; sidebar with the player, the model's
    parameters and the day; the view in a grid), built here so that every
    input the page shows is one whose values :func:`check` bounds (SolaraViz's
    own inputs take whatever a client sends). Its "Use Threads" box is left
    out: frames are drawn in the play loop's thread.
    """
    first = solara.use_memo(lambda: PageModel(**default_values()), [])
    model = solara.use_reactive(first)
    values = solara.use_reactive(default_values())
    player = solara.use_reactive({key: control["value"] for key, control in PLAYER.items()})
    play_interval, render_interval = solara.use_memo(
        lambda: (Ref(player.fields["play_interval"]), Ref(player.fields["render_interval"])), []
    )
    threads = solara.use_reactive(False)
    solara.Style(CSS)
    with solara.AppBar():
        solara.AppBarTitle(NAME)
        solara.lab.ThemeToggle()
    with solara.Sidebar(), solara.Column():
        with solara.Card("Controls"):
            CheckedInputs(PLAYER, player)
            ModelController(
                model,
                model_parameters=values,
                play_interval=play_interval,
                render_interval=render_interval,
                use_threads=threads,
            )
        with solara.Card("Model Parameters"):
            CheckedInputs(model_params(), values)
        with solara.Card("Information"):
            ShowSteps(model.value)
    ComponentsView([(ExplorerView, 0)], model.value)
