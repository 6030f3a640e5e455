"""The explorer's page: Mesa's model controller around the roadmap model, its controls and view.

Served by ``python -m sim.explorer`` (see :mod:`sim.explorer` for what the page shows).

The page's controls are values a browser sends over the websocket, and any
client can send any value for any of them. So every value is checked on the
server against what its control offers (:func:`~sim.explorer.controls.check`: a
select's choices, a slider's range) before anything uses it: a refused value is
named in one line on the page and changes nothing (nothing composes or
resolves it). :class:`PageModel` checks again whatever it is built from, and
baseline bands are computed one at a time, only the latest request waiting
(:class:`Bands`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import wait as wait_for
from typing import Any

import reacton.ipywidgets as rw
import solara
import solara.lab
from mesa.visualization.solara_viz import ComponentsView, ModelController, ShowSteps
from mesa.visualization.utils import update_counter
from solara.toestand import Ref

from sim.analysis.plots import PHASE_LABELS
from sim.explorer.controls import (
    PLAYER,
    CheckedInputs,
    checked,
    default_values,
    model_params,
)
from sim.explorer.data import (
    BAND_REPLICATIONS,
    BAND_SEED,
    Band,
    ExplorerModel,
    baseline_band,
)
from sim.explorer.figures import DPI, WIDTH_IN, Frames
from sim.explorer.game import Game
from sim.explorer.wargame import GamePanel

NAME = "Border de-escalation roadmap: explorer"
FRAME_WIDTH_PX = round(WIDTH_IN * DPI)
CSS = """
.vue-grid-item { width: calc(100% - 20px) !important; height: auto !important; }
.vue-grid-item > .vue-resizable-handle { display: none; }
.v-tabs { display: none; }
"""
"""The page's one component takes the whole width of SolaraViz's grid, with no tab bar
(SolaraViz labels its one page "Page 0")."""


class PageModel(ExplorerModel):
    """The model the page runs: built only from values its controls offer.

    Mesa's reset builds ``type(model)(**values)``; the values are checked
    (:func:`checked`) before the scenario is composed. ``scenario`` is Mesa's
    own scenario object, which the reset adds and the roadmap does not use.
    ``moves`` are a game's (:mod:`sim.explorer.wargame` checks each as it is made;
    the model's config checks them all).
    """

    def __init__(self, scenario: object = None, moves: list | None = None, **values: Any) -> None:
        super().__init__(moves=moves or [], **checked(values))


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


Played = solara.create_context(None)
"""The page's game and the setter of its model (what the war-game panel changes)."""


@solara.component
def View(model: ExplorerModel):
    """The view in SolaraViz's grid: the run (:func:`ExplorerView`), then the war game."""
    game, on_model = solara.use_context(Played)
    with solara.Column(style={"width": f"{FRAME_WIDTH_PX}px"}) as column:
        ExplorerView(model)
        GamePanel(game, model, on_model)
    return column


@solara.component
def Page():
    """The explorer: Mesa's model controller, the page's checked inputs and the view.

    The layout is SolaraViz's (app bar; sidebar with the player, the model's
    parameters and the day; the view in a grid), built here so that every
    input the page shows is one whose values :func:`check` bounds (SolaraViz's
    own inputs take whatever a client sends). Its "Use Threads" box is left
    out: frames are drawn in the play loop's thread. Under the view, the war-game
    panel (:mod:`sim.explorer.wargame`) plays the run as a game: a resumed line
    becomes the model the controller runs.
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
    held = solara.use_ref(None)  # the game around the run: a reset starts a new one
    if held.current is None or held.current.model is not model.value:
        held.current = Game.adopt(model.value)
    Played.provide((held.current, model.set))
    ComponentsView([(View, 0)], model.value)
