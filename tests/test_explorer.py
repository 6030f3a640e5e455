"""The explorer: what it draws from a model (fast), and the page in a real browser (slow)."""

from __future__ import annotations

import io
import re
import socket
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from conftest import stop, wait_served

from sim.explorer.command import RENDER_INTERVAL_DAYS
from sim.explorer.data import (
    MAP_TYPES,
    RECENT_DAYS,
    SCENARIO_START,
    ExplorerModel,
    LiveSeries,
    band_from,
    border_state,
    recent_incidents,
)
from sim.model.incidents import DAYS_PER_MONTH, IncidentType
from sim.model.measures import Measure


def stepped(days: int, horizon: int = 365, **kw) -> ExplorerModel:
    model = ExplorerModel(days=horizon, **kw)
    for _ in range(days):
        model.step()
    return model


# --- the model the page builds --------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def test_scenario_start_keeps_the_scenarios_start_and_a_chosen_one_applies():
    kept = ExplorerModel(days=30, **{"measures.drones.start": SCENARIO_START})
    moved = ExplorerModel(days=30, **{"measures.drones.start": "phase1"})
    assert kept.params.measures.drones.start == "phase2"  # the roadmap's own
    assert moved.params.measures.drones.start == "phase1"


def test_mesa_scenario_object_from_solaraviz_reset_does_not_replace_the_roadmap_scenario():
    from mesa.experimental.scenarios import Scenario

    model = ExplorerModel(scenario_name="baseline", days=30, scenario=Scenario())
    assert model.params.phases.mode == "none"


def test_playing_stops_at_the_horizon_without_error():
    model = ExplorerModel(days=40)
    steps = 0
    while model.running and steps < 100:  # SolaraViz's play loop
        model.step()
        steps += 1
    assert steps == 40 and model.simulated == 40
    model.step()  # one more click does nothing
    live = LiveSeries(40)
    live.update(model)
    assert len(live.trust) == 40 and model.simulated == 40


# --- the map's data comes from where the assets are ---------------------------------


def test_map_units_are_the_units_where_they_patrol_today():
    model = stepped(20)
    state = border_state(model)
    for side, gov in enumerate(model.governments):
        force = gov.patrols
        where = force.where[force.row(model.day)]
        n = model.border.n
        national = np.bincount(where[~force.joint], minlength=n + 1)[:n]  # n: off duty
        assert np.array_equal(state.units[side], national)
    on_duty = sum(int((~g.patrols.off[g.patrols.row(model.day)]).sum()) for g in model.governments)
    assert state.units.sum() + state.joint_units.sum() == on_duty


def test_map_drones_mark_only_the_sectors_flown_today():
    model = stepped(200, scenario_name="all_at_once")
    state = border_state(model)
    assert model.measures.level[Measure.DRONES] > 0
    flown = model.search.flown[model.search.row] > 0
    assert state.drones.any() and not state.drones.all()
    assert np.array_equal(state.drones, flown)


def test_map_monitors_sensors_corridors_follow_their_measures():
    early = border_state(stepped(1, scenario_name="all_at_once"))
    late_model = stepped(300, scenario_name="all_at_once", rng=2)
    late = border_state(late_model)
    assert not early.monitors.any() and not early.sensors.any() and not early.corridors.any()
    assert np.array_equal(late.monitors, late_model.monitors.present)
    assert late.sensors.sum() == len(late_model.sensors.installed) > 0
    assert late.corridors.sum() == len(late_model.communities.corridors.open) > 0
    assert late.gates.sum() == late_model.border.gate.sum() > 0


def test_recent_incidents_count_the_last_days_by_type_side_and_sector():
    model = stepped(120)
    found = recent_incidents(model, RECENT_DAYS)
    since = model.simulated - RECENT_DAYS
    rows = [r for r in model.log.rows if r[0] >= since and r[3] in MAP_TYPES]
    assert sum(int(found[k][2].sum()) for k in MAP_TYPES) == len(rows) > 0
    attacks = [(r[2], r[1]) for r in rows if r[3] == IncidentType.ATTACK]
    side, sector, count = found[IncidentType.ATTACK]
    got = {(int(a), int(b)): int(c) for a, b, c in zip(side, sector, count, strict=True)}
    assert got == pd.Series(attacks).value_counts().to_dict() if attacks else got == {}


# --- live series and band ----------------------------------------------------------------


def test_live_series_match_the_runs_tables():
    from sim.runs.tables import collect

    model = stepped(365, horizon=365)
    live = LiveSeries(365)
    for _ in range(3):  # incremental updates read nothing twice
        live.update(model)
    ts = collect(model).timeseries
    months = live.complete_months
    expected = ts[ts["month"] < months].groupby("month")["border_incidents"].sum()
    assert np.array_equal(live.monthly_incidents(), expected.to_numpy())
    assert np.allclose(live.trust, ts["trust"]) and np.allclose(live.tension, ts["tension"])


def test_live_series_split_complete_months_from_the_month_under_way():
    model = stepped(45, horizon=365)
    live = LiveSeries(365)
    live.update(model)
    assert live.complete_months == 1
    month, so_far = live.month_so_far()
    first = int(np.ceil(DAYS_PER_MONTH))
    assert month == 1 and so_far == model.log.border_per_day[first:45].sum()


def test_band_is_mean_and_percentiles_of_runs():
    days = 61  # two complete months
    reps = 4
    ts = pd.DataFrame(
        {
            "replication": np.repeat(np.arange(reps), days),
            "day": np.tile(np.arange(days), reps),
            "month": np.tile((np.arange(days) // DAYS_PER_MONTH).astype(int), reps),
            "border_incidents": np.repeat([0, 1, 2, 3], days),
            "trust": np.repeat([0.1, 0.2, 0.3, 0.4], days),
            "tension": 0.5,
        }
    )
    incidents = pd.DataFrame(
        {
            "replication": [0, 0, 1, 3],
            "day": [1, 2, 40, 5],
            "type": ["attack", "interdiction", "interdiction", "smuggling_delivered"],
            "detected": [False, True, True, False],
        }
    )
    band = band_from(ts, incidents, "baseline", days)
    per_month = np.array([0, 1, 2, 3]) * 30  # month 0 holds 31 days, month 1 holds 30
    assert band.incidents.shape == (3, 2)
    assert band.incidents[0, 1] == pytest.approx(per_month.mean())
    lo, hi = np.percentile(per_month, (2.5, 97.5))
    assert band.incidents[1, 1] == pytest.approx(lo) and band.incidents[2, 1] == pytest.approx(hi)
    assert band.detection[0, 0] == pytest.approx(np.mean([0.5, 0.0]))  # runs 0 and 3 in month 0
    assert band.detection[0, 1] == pytest.approx(1.0)  # only run 1 tried in month 1
    assert band.trust.shape == (3, days) and band.trust[0, 0] == pytest.approx(0.25)
    assert (band.trust[1] <= band.trust[0]).all() and (band.trust[0] <= band.trust[2]).all()


def test_frames_render_pngs_that_change_as_the_model_runs():
    from sim.explorer.figures import Frames

    model = ExplorerModel(days=365, scenario_name="all_at_once")
    frames = Frames(model)
    first = frames.render()
    for _ in range(40):
        model.step()
    second = frames.render()
    assert all(png.startswith(b"\x89PNG") for png in first + second)
    assert first[0] != second[0] and first[1] != second[1]


def test_controls_stay_within_declared_ranges():
    from sim import parameters
    from sim.explorer.controls import model_params

    declared = parameters().set_index("key")
    for key, control in model_params().items():
        if key in declared.index and control["type"].startswith("Slider"):
            low, high = declared.loc[key, ["low", "high"]]
            assert low <= control["min"] <= control["value"] <= control["max"] <= high, key


@pytest.mark.parametrize(
    "args",
    [
        ["--port", "0"],
        ["--port", "abc"],
        ["--nope"],
        ["--games", ""],
        ["--export", "somewhere"],
        ["--line", "main"],
        ["--replay", "no-such-game.yaml"],
    ],
)
def test_bad_arguments_one_line_exit_2(args):
    run = subprocess.run(
        [sys.executable, "-m", "sim.explorer", *args], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("error: ")
    assert "Traceback" not in run.stderr


def test_a_port_in_use_is_refused_in_one_line():
    with socket.socket() as taken:
        taken.bind(("localhost", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.run(
            [sys.executable, "-m", "sim.explorer", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert run.returncode == 2 and run.stderr.count("\n") == 1
    assert run.stderr.startswith(f"error: --port={port}: cannot serve on localhost")


def test_ctrl_c_while_solara_loads_ends_in_one_line(monkeypatch, capsys):
    """The command imports solara only once its arguments are checked (seconds): Ctrl-C
    then printed the import's traceback."""
    from sim.explorer import command

    def loading(host: str, port: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(command, "serve", loading)
    monkeypatch.setenv(command.GAMES_ENV, "")  # (main sets it: undone after the test)
    try:
        command.main(["--port", str(_free_port()), "--games", "games"])
    except KeyboardInterrupt:
        pytest.fail("Ctrl-C went through main")
    except SystemExit as ended:
        assert ended.code == 130 and capsys.readouterr().err == "interrupted\n"
    else:
        pytest.fail("main went on")


@pytest.mark.slow
def test_ctrl_c_stops_the_server_with_one_line_and_exit_130(compiled_kernels, tmp_path):
    """Solara's command line reported Ctrl-C as "Aborted!" with exit code 1."""
    import signal

    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.explorer", "--port", str(port), "--games", "games"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as in a terminal
    )
    try:
        wait_served(proc, f"http://localhost:{port}/")
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        stop(proc)
    assert proc.returncode == 130 and err.strip().splitlines()[-1] == "interrupted", err
    assert "Traceback" not in err and "Aborted" not in err


# --- the page in a browser -----------------------------------------------------------------


@pytest.fixture
def server(compiled_kernels):
    """``python -m sim.explorer`` on a free port; ended however the test ends."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.explorer", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://localhost:{port}/"
    try:
        wait_served(proc, url)
        yield url
    finally:
        stop(proc)


@pytest.mark.slow
def test_page_plays_steps_resets_and_redraws(browser, server, screenshot):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    # A Reset with another force runs the new setup's baseline band: on a fresh clone
    # under a loaded suite that may compile kernels first (a minute or more).
    wait = WebDriverWait(browser, 240, poll_frequency=0.2)

    def text_shown(text: str) -> None:
        wait.until(lambda d: text in d.find_element(By.TAG_NAME, "body").text)

    def day_shown() -> int:
        found = re.search(r"Day (\d+) of", browser.find_element(By.TAG_NAME, "body").text)
        return int(found.group(1)) if found else -1

    def button(label: str):
        return browser.find_element(By.XPATH, f"//button[normalize-space()='{label}']")

    def frames() -> list[bytes]:  # the map, then the plots, as the browser drew them
        images = [
            i
            for i in browser.find_elements(By.TAG_NAME, "img")
            if i.size["width"] > 600 and i.get_attribute("complete") == "true"
        ]
        return [i.screenshot_as_png for i in images]

    browser.set_window_size(1400, 1000)
    browser.get(server)
    text_shown("Day 0 of 1095")
    body = browser.find_element(By.TAG_NAME, "body").text
    for control in ("RESET", "STEP", "Scenario", "Geography", "Patrol units per side"):
        assert control in body
    assert "Drones: intensity" in body and "Fighters per armed group" in body
    wait.until(lambda d: len(frames()) == 2)
    start = frames()

    for day in (5, 10, 15):  # a step is one render interval of 5 days
        button("Step").click()
        text_shown(f"Day {day} of 1095")
    wait.until(lambda d: all(a != b for a, b in zip(frames(), start, strict=True)))

    slider = browser.find_element(
        By.CSS_SELECTOR, "div[role='slider'][aria-label='Patrol units per side']"
    )
    slider.send_keys(*[Keys.ARROW_RIGHT] * 4)  # 60 -> 80 units a side, in steps of 5
    wait.until(lambda d: slider.get_attribute("aria-valuenow") == "80")
    button("Reset").click()
    text_shown("levers: patrol.units_per_side=80")
    text_shown("Day 0 of 1095")
    wait.until(lambda d: len(frames()) == 2 and frames()[0] != start[0])  # more units on the map

    # Frames at the slowest pace, so that the horizon (110 s away) cannot come before the
    # pause, however loaded the machine.
    def pace(key: str, value: str) -> None:
        found = "div[role='slider'][aria-label='Play Interval (ms)']"
        browser.find_element(By.CSS_SELECTOR, found).send_keys(key)
        wait.until(
            lambda d: d.find_element(By.CSS_SELECTOR, found).get_attribute("aria-valuenow") == value
        )

    pace(Keys.END, "500")
    button("▶").click()
    wait.until(lambda d: day_shown() >= 30)
    button("❚❚").click()
    wait.until(lambda d: button("▶").is_enabled())
    paused = day_shown()
    # A frame under way when pause was clicked may still arrive (one render
    # interval later); after that the day must stay where it is.
    # (Mesa's loop, woken after its play interval, steps once more whether paused or not.)
    settled = -1
    for _ in range(20):
        settled = day_shown()
        time.sleep(3.0)
        if day_shown() == settled:
            break
    assert settled - paused <= RENDER_INTERVAL_DAYS
    time.sleep(3.0)
    assert day_shown() == settled  # pausing stops the model
    text_shown("band: baseline, 20 runs")
    assert not [t for t in browser.find_elements(By.CSS_SELECTOR, ".v-tab") if t.is_displayed()]
    pace(Keys.HOME, "1")  # at full pace into the roadmap's phases, for the screenshot
    button("▶").click()
    wait = WebDriverWait(browser, 300, poll_frequency=0.5)
    wait.until(lambda d: day_shown() >= 800)
    time.sleep(1.0)  # the last frame reaches the page
    browser.set_window_size(1400, 1560)
    browser.save_screenshot(str(screenshot("explorer.png")))
    browser.set_window_size(1400, 1000)


def test_a_blitted_frame_is_the_picture_a_full_redraw_gives():
    from PIL import Image

    from sim.explorer.figures import Frames

    model = ExplorerModel(days=365, scenario_name="all_at_once")
    frames = Frames(model)
    frames.render()  # the static layer is drawn here; later frames draw only what moves
    for _ in range(150):
        model.step()
    blitted = frames.render()
    frames.map.frame.invalidate()
    frames.plots.frame.invalidate()
    redrawn = frames.render()  # everything drawn again, same layout
    for a, b in zip(blitted, redrawn, strict=True):
        pixels = [np.asarray(Image.open(io.BytesIO(png))) for png in (a, b)]
        assert np.array_equal(pixels[0], pixels[1])
