"""The explorer's war-game panel: make moves, look ahead under alternatives, keep the tree.

Everything a player does here goes through :class:`~sim.explorer.game.Game`; this
module is the page around it. A move names a lever the model can change mid-run
(:func:`move_levers`, each with a control like the page's others, checked on the
server by :func:`~sim.explorer.controls.check`) and acts from the next day the run
simulates. A look-ahead branches the current line into up to two named
alternatives and runs paired futures of each on a pool of worker processes kept for
the server's life; the fans and the paired comparison appear when it is done. Every
line stays in the tree and can be resumed; the game saves as a YAML file in the
games directory (``--games``) and downloads as one.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import Executor
from functools import cache
from pathlib import Path
from typing import Any

import reacton.ipywidgets as rw
import solara
import solara.lab
import yaml

from sim.config.overrides import lookup
from sim.config.params import ConfigError
from sim.explorer.command import GAMES_DIR, GAMES_ENV
from sim.explorer.controls import _input, _select, _slider, check, model_params
from sim.explorer.data import SCENARIO_START
from sim.explorer.fans import comparison, describe, fan_png
from sim.explorer.game import Game, check_name
from sim.model.incidents import DAYS_PER_MONTH
from sim.model.measures import MEASURE_NAMES

TEAMS = ("umpire", "team A", "team B")
"""Who makes a move (logged with it): an umpire, or the team playing state A or B."""
REPLICATIONS = (5, 10, 20, 40)
MONTHS = (3, 6, 12, 24)
NO_MOVE = "(no alternative)"

LOOK_AHEAD_WORKERS = max(1, min(4, os.cpu_count() or 1))


def _text(text: str, bold: bool = False, classes: list[str] | None = None) -> None:
    """One line of the panel's text (a block of its own)."""
    style = {"display": "block", **({"font-weight": "bold"} if bold else {})}
    solara.Text(text, style=style, classes=classes or [])


@cache
def move_levers() -> dict[str, dict]:
    """The levers a move can change (:data:`sim.config.moves.MOVABLE`), each a control."""
    page = model_params()
    controls: dict[str, dict] = {}
    for name in MEASURE_NAMES:
        key = f"measures.{name}"
        controls[f"{key}.intensity"] = page[f"{key}.intensity"]
        start = page[f"{key}.start"]
        starts = [v for v in start["values"] if v != SCENARIO_START]
        controls[f"{key}.start"] = _select(start["label"], starts[0], starts)
    for k, gate in enumerate(("phase 2", "phase 3")):
        into = f"Gate into {gate}"
        controls[f"phases.min_trust.{k}"] = _slider(
            "SliderFloat", f"{into}: trust at least", 0.5, 1.0, 0.05
        )
        controls[f"phases.max_incidents_per_month.{k}"] = _slider(
            "SliderFloat", f"{into}: border incidents a month at most", 20.0, 100.0, 1.0
        )
        controls[f"phases.min_days.{k}"] = _slider(
            "SliderInt", f"{into}: days in the phase before, at least", 180, 730, 10
        )
    controls["phases.relapse"] = _select("Relapse after a severe incident", True, [True, False])
    controls["phases.relapse_trust"] = _slider(
        "SliderFloat", "Relapse only while trust is below", 0.45, 1.0, 0.05
    )
    for side, which in enumerate(("A", "B")):
        controls[f"costs.money_per_year.{side}"] = _slider(
            "SliderFloat", f"Roadmap money a year, state {which} (k$)", 60000.0, 300000.0, 1000.0
        )
    controls["patrol.units_per_side"] = page["patrol.units_per_side"]
    fewest = page["patrol.units_per_side"]["value"]  # a whole default force stood down
    for side, which in enumerate(("A", "B")):
        controls[f"patrol.extra_units.{side}"] = _slider(
            "SliderInt", f"Patrol units state {which} has beyond that", 0, 100, 5, low=-fewest
        )
    return controls


FORM = {
    "lever": _select("Lever", "measures.drones.intensity", list(move_levers())),
    "by": _select("Made by", TEAMS[0], TEAMS),
    "replications": _select("Paired futures per line", 20, REPLICATIONS),
    "months": _select("Months ahead", 12, MONTHS),
}
"""The panel's own selects (checked like every control)."""


def current_value(model: Any, key: str) -> Any:
    """The lever's value in the running model, as its control offers it (nearest)."""
    control = move_levers()[key]
    value = lookup(model.params, key)
    if control["type"] == "Select":
        return value if value in control["values"] else control["value"]
    value = min(max(value, control["min"]), control["max"])
    return int(value) if control["type"] == "SliderInt" else float(value)


_pool: list[Executor] = []


def pool() -> Executor:
    """The look-ahead's worker processes, started on first use and kept (started anew if
    a worker died, the pool then broken, or if Ctrl-C of another run in this process
    stopped it: ``sim.runs.pool.stop_pool_now``)."""
    from sim.runs.pool import process_pool

    held = _pool[0] if _pool else None
    if held is None or getattr(held, "_broken", False) or getattr(held, "_shutdown_thread", False):
        _pool[:] = [process_pool(LOOK_AHEAD_WORKERS, "sim.explorer.branches")]
    return _pool[0]


def games_dir() -> Path:
    return Path(os.environ.get(GAMES_ENV) or GAMES_DIR)


@solara.component
def MoveForm(
    prefix: str, title: str, model: Any, values: solara.Reactive[dict], optional: bool = False
):
    """A lever and its value, labelled ``title``: lever and ``title``: value (the value's
    control follows the lever chosen)."""
    levers = list(move_levers())
    lever = values.value.get(f"{prefix}lever", NO_MOVE if optional else FORM["lever"]["value"])
    choices = ([NO_MOVE] if optional else []) + levers

    def choose(key: object) -> None:
        check(f"{prefix}lever", key, {f"{prefix}lever": _select("Lever", key, choices)})
        fresh = {f"{prefix}lever": key}
        if key != NO_MOVE:
            fresh[f"{prefix}value"] = current_value(model, key)
        values.set({**values.value, **fresh})

    solara.Select(f"{title}: lever", values=choices, value=lever, on_value=choose)
    if lever != NO_MOVE:
        value = values.value.get(f"{prefix}value", current_value(model, lever))
        control = {**move_levers()[lever], "label": f"{title}: value"}
        _input(control, value, lambda v: values.set({**values.value, f"{prefix}value": v}))
        _text(f"{value} (now {lookup(model.params, lever)})", classes=["wargame-value"])


def checked_move(values: dict, prefix: str) -> tuple[str, Any] | None:
    """The form's ``(lever, value)`` if the server accepts both; None for no move."""
    key = values.get(f"{prefix}lever", FORM["lever"]["value"])
    if key == NO_MOVE:
        return None
    check("lever", key, {"lever": FORM["lever"]})
    return key, check(key, values.get(f"{prefix}value"), move_levers())


@solara.component
def GamePanel(game: Game, model: Any, on_model: Callable[[Any], None]):
    """Moves, look-ahead, the branch tree and saving, for the game around the page's run
    (``model``: the game's model now, so that the panel is drawn anew when it changes)."""
    form = solara.use_reactive({})
    message = solara.use_reactive("")
    saved = solara.use_reactive("")
    _, redraw = solara.use_state(0)

    def setter(key: str) -> Callable[[object], None]:
        return lambda value: form.set({**form.value, key: value})

    def make_move() -> None:
        try:
            key, value = checked_move(form.value, "")
            by = check("by", form.value.get("by", TEAMS[0]), FORM)
            move = game.move(key, value, by)
        except ConfigError as e:
            message.set(f"refused: {e}")
            return
        message.set(f"move: {move.key} = {move.value} from day {move.day} ({move.by})")
        redraw(lambda n: n + 1)

    def look() -> dict | None:
        try:
            chosen = []
            for i in (1, 2):
                move = checked_move(form.value, f"alt{i}.")
                if move is not None:
                    chosen.append((form.value.get(f"alt{i}.name", f"alt-{i}"), move))
            if not chosen:
                raise ConfigError("look ahead: choose a lever for at least one alternative")
            names = [name for name, _ in chosen]
            if len(set(names)) < len(names):
                raise ConfigError(f"look ahead: both alternatives are named {names[0]!r}")
            alternatives = {check_name(name, game.lines): [move] for name, move in chosen}
            reps = check("replications", form.value.get("replications", 20), FORM)
            months = check("months", form.value.get("months", 12), FORM)
            message.set("")
            began = time.perf_counter()
            by = check("by", form.value.get("by", TEAMS[0]), FORM)
            ahead = round(months * DAYS_PER_MONTH)
            out = game.look_ahead(alternatives, reps, ahead, pool(), by)
        except ConfigError as e:  # the page's checks, then the model's (its config rules)
            message.set(f"refused: {e}")
            return None
        seconds = time.perf_counter() - began
        parent = next(iter(out))  # the line looked ahead from (the current one, then)
        rows = describe(comparison(out, parent), parent)
        return {"png": fan_png(out, parent), "rows": rows, "seconds": seconds}

    task = solara.lab.use_task(look, dependencies=None)

    def resume(name: str) -> None:
        try:
            game.resume(name)
        except ConfigError as e:
            message.set(f"refused: {e}")
            return
        on_model(game.model)

    def save() -> None:
        folder = games_dir()
        path = folder / f"game-{time.strftime('%Y%m%d-%H%M%S')}-{game.setup['scenario_name']}.yaml"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            game.save(path)
        except OSError as e:
            message.set(f"not saved: {path} ({e.strerror})")
            return
        saved.set(str(path))

    with solara.Card("War game", style={"width": "100%"}) as card:
        line = game.line
        origin = f"branched from {line.parent} on day {line.fork}" if line.parent else "from day 0"
        _text(f"Line {game.current} ({origin}); {len(game.lines)} lines in the game")
        for applied in model.moves.applied:
            _text(f"day {applied.day}: {applied.key} {applied.old} -> {applied.new} ({applied.by})")
        for pending in model.moves.pending:
            _text(f"day {pending.day} (next): {pending.key} = {pending.value} ({pending.by})")
        if message.value:
            solara.Error(message.value, classes=["wargame-message"])
        with solara.Row():
            with solara.Column():
                _text("Make a move (acts from the next day simulated)", bold=True)
                MoveForm("", "Move", model, form)
                by = form.value.get("by", TEAMS[0])
                solara.Select("Made by", values=list(TEAMS), value=by, on_value=setter("by"))
                solara.Button("Make move", on_click=make_move, color="primary")
            for i in (1, 2):
                with solara.Column():
                    _text(f"Alternative {i}", bold=True)
                    name = form.value.get(f"alt{i}.name", f"alt-{i}")
                    solara.InputText(
                        f"Alternative {i}: name", value=name, on_value=setter(f"alt{i}.name")
                    )
                    MoveForm(f"alt{i}.", f"Alternative {i}", model, form, optional=True)
            with solara.Column():
                _text("Look ahead", bold=True)
                for key in ("replications", "months"):
                    control = FORM[key]
                    _input(control, form.value.get(key, control["value"]), setter(key))
                solara.Button("Look ahead", on_click=task, color="primary", disabled=task.pending)
        if task.error:
            solara.Error(f"look-ahead failed: {task.exception}", classes=["wargame-message"])
        if task.pending:
            _text("looking ahead ...", classes=["wargame-busy"])
        elif task.finished and task.value:
            result = task.value
            _text(f"looked ahead in {result['seconds']:.1f} s", classes=["wargame-done"])
            rw.Image(value=result["png"], format="png")
            for row in result["rows"]:
                _text(row)
        _text("Lines", bold=True)
        for name, each in list(game.lines.items()):  # (a look-ahead may add lines meanwhile)
            with solara.Row():
                where = f"from {each.parent} on day {each.fork}" if each.parent else "main line"
                played = "being played" if name == game.current else f"left on day {each.played}"
                _text(f"{name}: {where}, {played}, {len(each.moves)} moves")
                if name != game.current:
                    solara.Button(f"Resume {name}", on_click=lambda name=name: resume(name))
        with solara.Row():
            solara.Button("Save game", on_click=save, color="primary")
            solara.FileDownload(
                lambda: yaml.safe_dump(game.to_dict(), sort_keys=False),
                filename=f"game-{game.setup['scenario_name']}.yaml",
                label="Download game",
            )
        if saved.value:
            _text(f"saved: {saved.value}", classes=["wargame-saved"])
    return card
