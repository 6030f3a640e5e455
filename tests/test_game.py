"""War-gaming without the page: look-aheads from a paused run, the branch tree, the saved
game, its replay and its export to ``python -m sim``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.config.moves import MoveParams
from sim.config.params import ConfigError
from sim.explorer.branches import fan, look_ahead, observe, snapshot
from sim.explorer.game import Game, load, numbers
from sim.explorer.replay import replay
from sim.runs.pool import shutdown_pool, worker_pool

SETUP = {"scenario_name": "roadmap", "geography": "stylised", "versus": "baseline", "days": 730}
AHEAD = 240
GATE = ("phases.min_trust.0", 0.2)


def game(seed: int = 4) -> Game:
    return Game({**SETUP, "rng": seed})


def same(a: dict, b: dict) -> bool:
    return all(np.array_equal(a[k], b[k]) for k in a)


def test_the_current_lines_replication_0_is_the_runs_own_future():
    g = game()
    g.model.run_for(200)
    out = look_ahead(snapshot(g.model), {"main": []}, 3, AHEAD)["main"]
    g.model.run_for(AHEAD)
    own = observe(g.model, 200, AHEAD)
    assert same(own, {k: getattr(out, k)[0] for k in own})
    later = [{k: getattr(out, k)[r] for k in own} for r in (1, 2)]
    assert not same(own, later[0]) and not same(later[0], later[1])


def test_a_branch_with_the_main_lines_move_reproduces_it_day_for_day():
    """Look ahead under the move before making it; then make it and play on: the branch's
    replication 0 is what the main line does."""
    g = game()
    g.model.run_for(200)
    branch = g.look_ahead({"gate": [GATE]}, 2, AHEAD)["gate"]
    g.move(*GATE)
    g.model.run_for(AHEAD)
    own = observe(g.model, 200, AHEAD)
    assert same(own, {k: getattr(branch, k)[0] for k in own})


def test_lines_are_paired_replication_by_replication():
    """A line whose move changes nothing is its parent, replication by replication (common
    random numbers); a line whose move matters differs from it in the same futures."""
    g = game()
    g.model.run_for(250)
    out = g.look_ahead({"idle": [("measures.hotline.intensity", 1.0)], "gate": [GATE]}, 6, AHEAD)
    keys = ("incidents", "casualties", "trust", "relapse", "phase3")
    assert all(np.array_equal(getattr(out["idle"], k), getattr(out["main"], k)) for k in keys)
    assert not np.array_equal(out["gate"].trust, out["main"].trust)
    assert (out["gate"].relapse >= out["main"].relapse).all()  # a gate at 0.2: relapses


def test_look_ahead_numbers_do_not_depend_on_where_the_runs_ran():
    g = game()
    g.model.run_for(150)
    lines = {"main": [], "gate": [MoveParams(0, GATE[0], str(GATE[1]))]}
    serial = look_ahead(snapshot(g.model), lines, 3, 120)
    pooled = look_ahead(snapshot(g.model), lines, 3, 120, worker_pool(2))
    shutdown_pool()
    for name in lines:
        assert same(vars(serial[name]) | {"moves": 0}, vars(pooled[name]) | {"moves": 0})


def test_fan_is_the_quantiles_over_replications():
    values = np.arange(101.0)[:, None] * [1.0, 2.0]
    assert np.allclose(fan(values), [[5, 10], [25, 50], [50, 100], [75, 150], [95, 190]])


def test_resuming_a_branch_plays_its_replication_0_and_the_tree_keeps_every_line():
    g = game()
    g.model.run_for(200)
    g.move("measures.drones.start", "phase1", by="blue")
    g.model.run_for(50)
    branch = g.look_ahead({"gate": [GATE]}, 2, AHEAD)["gate"]
    g.model.run_for(30)
    g.resume("gate")
    assert g.model.steps == 250 and g.lines["main"].played == 280
    g.model.run_for(AHEAD)
    own = observe(g.model, 250, AHEAD)
    assert same(own, {k: getattr(branch, k)[0] for k in own})
    assert [m.key for m in g.line.moves] == ["measures.drones.start", GATE[0]]
    g.resume("main")
    assert g.model.steps == 280 and len(g.line.moves) == 1


def test_bad_branch_names_and_moves_are_refused_before_anything_runs():
    g = game()
    g.model.run_for(20)
    with pytest.raises(ConfigError, match="line name 'main': already a line"):
        g.look_ahead({"main": [GATE]}, 2, 30)
    with pytest.raises(ConfigError, match="allowed letters, digits"):
        g.look_ahead({"../x": [GATE]}, 2, 30)
    with pytest.raises(ConfigError, match="measures.drones.intensity=2"):
        g.look_ahead({"fine": [("measures.drones.intensity", 2)]}, 2, 30)
    assert list(g.lines) == ["main"] and g.model.steps == 20


def _played(tmp_path: Path) -> tuple[Game, Path]:
    g = game(seed=7)
    g.model.run_for(120)
    g.move("measures.hotline.intensity", 0.5, by="red")
    g.look_ahead({"gate": [GATE]}, 2, 60)
    g.model.run_for(60)
    g.resume("gate")
    g.model.run_for(45)
    path = tmp_path / "game.yaml"
    g.save(path)
    return g, path


def test_a_saved_game_replays_every_line_to_its_numbers(tmp_path, capsys):
    g, path = _played(tmp_path)
    again = load(path)
    assert again.current == "gate" and numbers(again.model) == numbers(g.model)
    assert replay(path) == 0
    shown = capsys.readouterr().out
    assert shown.count("same as recorded") == 2
    data = yaml.safe_load(path.read_text())
    data["lines"][0]["numbers"]["border_incidents"] += 1
    path.write_text(yaml.safe_dump(data))
    assert replay(path) == 1
    assert "DIFFERS" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(format="x"), "not a saved game"),
        (lambda d: d["lines"][1].update(parent="nowhere"), "lines[1].parent='nowhere'"),
        (lambda d: d["lines"][1].update(played=10**6), "lines[1].played=1000000: allowed a day"),
        (lambda d: d["lines"][1].update(name="main"), "lines[1].name: line name 'main'"),
        (lambda d: d["lines"][1]["moves"][0].update(value="9"), "line gate: moves[0]"),
        (lambda d: d["setup"].update(geography="mars"), "geography"),
        (lambda d: d.update(current=["main"]), "current=['main']: the name of one"),
        (lambda d: d["lines"][0].update(numbers=5), "lines[0].numbers: a mapping"),
        (lambda d: d["setup"].update(rng="x"), "setup.rng='x': allowed a whole number from 0"),
        (lambda d: d["setup"].update(rng=-1), "setup.rng=-1: allowed a whole number from 0"),
        (lambda d: d["setup"].update(days=200.0), "setup.days=200.0: allowed a whole number"),
        (lambda d: d["setup"].update(moves=[]), "setup.moves: a lever's value is one"),
        (lambda d: d["setup"].pop("geography"), "setup.geography=None: allowed a name"),
    ],
)
def test_a_bad_game_file_is_refused_in_one_line_exit_2(tmp_path, edit, message):
    _, path = _played(tmp_path)
    data = yaml.safe_load(path.read_text())
    edit(data)
    path.write_text(yaml.safe_dump(data))
    done = subprocess.run(
        [sys.executable, "-m", "sim.explorer", "--replay", str(path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_an_exported_line_is_replication_0_of_python_m_sim(tmp_path):
    g, path = _played(tmp_path)
    subprocess.run(
        [sys.executable, "-m", "sim.explorer", "--replay", str(path), "--export", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    out = tmp_path / "run"
    subprocess.run(
        [sys.executable, "-m", "sim", "--config-dir", str(tmp_path / "conf"), "+game=gate",
         "replications=2", "output.figures=false", f"hydra.run.dir={out}"],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )  # fmt: skip
    ts = pd.read_parquet(out / "timeseries.parquet")
    first = ts[ts["replication"] == 0].sort_values("day")
    played = g.model.steps
    rows = g.model.series.rows
    trust = np.array([0.5 * (row[1] + row[2]) for row in rows])
    assert np.array_equal(first["trust"].to_numpy()[:played], trust)
    assert (
        first["border_incidents"].to_numpy()[:played].sum() == numbers(g.model)["border_incidents"]
    )
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs["scenario"].tolist() == ["game_gate", "game_gate"]


def test_the_panels_levers_are_movable_and_their_values_within_the_declared_ranges():
    """Every lever the page offers is one a move can change, and every value its control
    offers passes the model's own checks (the page never offers what the model refuses)."""
    from sim.config.moves import MOVABLE
    from sim.config.overrides import configure
    from sim.explorer.wargame import move_levers

    for key, control in move_levers().items():
        assert MOVABLE.fullmatch(key), key
        values = control.get("values") or [control["min"], control["max"]]
        for value in values:
            move = {"day": 10, "key": key, "value": value}
            configure("all_at_once", {"moves": [move]}, days=30)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"lever": "armed_groups.initial_fighters", "value": 3}, "'armed_groups.initial_fig"),
        ({"lever": "patrol.units_per_side", "value": 900}, "allowed an integer from 0 to 200"),
        ({"lever": "measures.drones.intensity", "value": 7}, "allowed a number from 0 to 1.0"),
        ({"lever": "measures.drones.start", "value": "later"}, "not one of its choices"),
        ({"lever": "phases.relapse", "value": "yes"}, "not one of its choices"),
    ],
)
def test_a_move_from_the_page_is_checked_on_the_server(form, message):
    from sim.explorer.wargame import checked_move

    with pytest.raises(ConfigError) as e:
        checked_move(form, "")
    assert message in str(e.value)


def test_a_move_before_the_first_day_saves_and_replays(tmp_path):
    """Made right after a reset (day 0), a move acts on day 0, as one read from a config."""
    g = game()
    g.move("measures.hotline.intensity", 0.4, by="umpire")
    g.model.run_for(40)
    path = tmp_path / "game.yaml"
    g.save(path)
    assert replay(path) == 0
    assert load(path).lines["main"].moves[0].day == 0


def test_a_move_or_look_ahead_from_another_thread_sees_the_run_between_two_days():
    """Mesa takes a day's event off its list before the day and puts the next one on
    after it: a copy taken in between would have no next day to run. The playing
    thread pauses between days, so the looking one gets turns however fast days run,
    and the interpreter switches threads often, so it would also look within a day
    were the lock missing."""
    import sys
    import threading
    import time

    g = game()
    enough = threading.Event()

    def play() -> None:
        for _ in range(SETUP["days"]):
            if enough.is_set():
                return
            g.model.step()
            time.sleep(1e-4)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        playing = threading.Thread(target=play)
        playing.start()
        seen = []
        while playing.is_alive():
            with g.model.lock:
                seen.append(len(g.model._event_list))
            if len(seen) >= 200:
                enough.set()
        playing.join()
    finally:
        sys.setswitchinterval(interval)
    assert len(seen) >= 200 and set(seen) == {1}, (len(seen), set(seen))


def test_no_look_ahead_from_the_horizon():
    g = Game({**SETUP, "days": 60, "rng": 1})
    g.model.run_for(60)
    with pytest.raises(ConfigError, match="at its horizon"):
        g.look_ahead({"gate": [GATE]}, 2, 30)
