"""The explorer's page: SolaraViz around the roadmap model, its controls and the explorer's view.

Served by ``python -m sim.explorer`` (see :mod:`sim.explorer` for what the page shows).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache, lru_cache

import reacton.ipywidgets as rw
import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim.analysis.plots import PHASE_LABELS
from sim.config.compose import config_dir
from sim.config.overrides import parameters
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
"""
"""The page's one component takes the whole width of SolaraViz's grid."""


def _names(group: str) -> list[str]:
    return sorted(p.stem for p in (config_dir() / group).glob("*.yaml"))


@cache
def model_params() -> dict[str, dict]:
    """SolaraViz's controls: every lever by its dotted key, defaults from the schema.

    Slider ranges are the part of each declared range (``sim.parameters()``)
    that is useful to explore interactively.
    """
    defaults = parameters().set_index("key")["default"]

    def select(label: str, value: object, values: Sequence) -> dict:
        return {"type": "Select", "label": label, "value": value, "values": list(values)}

    def slider(kind: str, label: str, value: float, high: float, step: float) -> dict:
        return {"type": kind, "label": label, "value": value, "min": 0, "max": high, "step": step}

    scenarios = _names("scenario")
    controls = {
        "scenario_name": select("Scenario", "roadmap", scenarios),
        "geography": select("Geography", "stylised", _names("geography")),
        "versus": select("Baseline band: scenario", "baseline", scenarios),
        "days": select("Horizon (days)", 1095, HORIZONS),
        "rng": slider("SliderInt", "Seed", 0, SEED_MAX, 1),
        "patrol.units_per_side": slider(
            "SliderInt",
            "Patrol units per side",
            int(defaults["patrol.units_per_side"]),
            UNITS_MAX,
            UNITS_STEP,
        ),
        "armed_groups.initial_fighters": slider(
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
        controls[f"{key}.intensity"] = slider(
            "SliderFloat",
            f"{title}: intensity",
            float(defaults[f"{key}.intensity"]),
            1.0,
            INTENSITY_STEP,
        )
        controls[f"{key}.start"] = select(f"{title}: start", SCENARIO_START, STARTS)
    return controls


_bands = ThreadPoolExecutor(max_workers=1, thread_name_prefix="baseline-band")


@lru_cache(maxsize=16)
def band_future(scenario: str, geography: str, days: int) -> Future[Band]:
    """The band of a scenario, computed once per process in the background."""
    return _bands.submit(baseline_band, scenario, geography, days)


def status(model: ExplorerModel, band: Band | None) -> list[str]:
    """The lines above the map: day and phase, what runs, what the band is, the levers set."""
    end = " (horizon reached)" if not model.running else ""
    band_text = (
        f"band: {band.scenario}, {band.replications} runs from seed {BAND_SEED}"
        if band is not None
        else f"computing the {model.versus} band ({BAND_REPLICATIONS} runs) ..."
    )
    defaults = {k: v["value"] for k, v in model_params().items()}
    changed = [f"{k}={v}" for k, v in model.levers.items() if defaults.get(k) != v]
    return [
        f"Day {model.simulated} of {model.days}{end} · {PHASE_LABELS[model.phases.phase]}",
        f"{model.scenario_name} on {model.geography_name}, seed {model.seed} · {band_text}",
        "levers: " + (", ".join(changed) if changed else "as the scenario sets them"),
    ]


@solara.component
def ExplorerView(model: ExplorerModel):
    """Status line, border map and live plots of the model SolaraViz is running."""
    update_counter.get()  # re-render on every SolaraViz step
    frames = solara.use_memo(lambda: Frames(model), [model])
    future = band_future(model.versus, model.geography_name, model.days)
    _, redraw = solara.use_state(0)

    def wait() -> None:  # a paused page redraws when its band is ready
        future.result()
        redraw(lambda n: n + 1)

    solara.use_thread(wait, dependencies=[future])
    if future.done():
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


@solara.component
def Page():
    """The explorer: SolaraViz around the roadmap model and the explorer's view."""
    defaults = {k: v["value"] for k, v in model_params().items()}
    model = solara.use_memo(lambda: ExplorerModel(**defaults), [])
    solara.Style(CSS)
    SolaraViz(
        model,
        components=[ExplorerView],
        model_params=model_params(),
        play_interval=PLAY_INTERVAL_MS,
        render_interval=RENDER_INTERVAL_DAYS,
        name="Border de-escalation roadmap: explorer",
    )
