"""A war-game played in a real browser (headless Chromium): run to day 200, pause, make a
move, branch two alternatives, read the fans, save, and replay the file to the same numbers."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time

import pytest
import yaml
from conftest import stop, wait_served


@pytest.fixture
def game_server(tmp_path, compiled_kernels):
    """``python -m sim.explorer`` saving games under ``tmp_path``, on a free port."""
    with socket.socket() as s:
        s.bind(("localhost", 0))
        port = s.getsockname()[1]
    games = tmp_path / "games"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.explorer", "--port", str(port), "--games", str(games)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    url = f"http://localhost:{port}/"
    try:
        wait_served(proc, url)
        yield url, games
    finally:
        stop(proc)


@pytest.mark.slow
def test_a_game_is_played_branched_saved_and_replayed(browser, game_server, tmp_path, screenshot):
    from selenium.common.exceptions import (
        ElementClickInterceptedException,
        StaleElementReferenceException,
    )
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    url, games = game_server
    # A control the server replaces while the test reaches for it is looked up again.
    flaky = (StaleElementReferenceException, ElementClickInterceptedException)
    wait = WebDriverWait(browser, 90, poll_frequency=0.2, ignored_exceptions=flaky)

    def body() -> str:
        return browser.find_element(By.TAG_NAME, "body").text

    def shown(text: str, within: WebDriverWait = wait) -> None:
        within.until(lambda d: text in body())

    def click(label: str) -> None:
        found = f"//button[normalize-space()='{label}']"
        wait.until(lambda d: d.find_element(By.XPATH, found).click() or True)

    def slider(label: str):
        found = f"div[role='slider'][aria-label='{label}']"
        return wait.until(lambda d: d.find_element(By.CSS_SELECTOR, found))

    def select(label: str, value: str) -> None:
        """Open the select labelled ``label`` and pick ``value`` (its menu renders items as
        it scrolls: scroll until the item is there)."""
        field = (
            f"//label[normalize-space()='{label}']/parent::div[contains(@class, 'v-select__slot')]"
        )
        wait.until(lambda d: d.find_element(By.XPATH, field).click() or True)
        menu = ".menuable__content__active"

        def item(d):
            found = [
                e
                for e in d.find_elements(By.CSS_SELECTOR, f"{menu} .v-list-item")
                if e.text.strip() == value
            ]
            if not found:
                d.execute_script(
                    f"const m = document.querySelector('{menu}'); if (m) m.scrollTop += 200;"
                )
            return found

        def pick(d) -> bool:
            choice = item(d)[0] if item(d) else None
            if choice is None:
                return False
            d.execute_script("arguments[0].scrollIntoView(true);", choice)
            choice.click()
            return True

        wait.until(pick)
        wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, menu))

    def name(label: str, text: str) -> None:
        """Type a name; the server's answer to an earlier control can re-render the field
        while it is typed, so it is typed again until it stays (the server then holds it)."""
        where = f"//label[normalize-space()='{label}']/following-sibling::input"
        for _ in range(5):
            field = browser.find_element(By.XPATH, where)
            field.send_keys(Keys.CONTROL, "a")
            field.send_keys(text, Keys.ENTER)
            time.sleep(1.5)
            if browser.find_element(By.XPATH, where).get_attribute("value") == text:
                return
        raise AssertionError(f"{label}: the field did not keep {text!r}")

    browser.set_window_size(1400, 1000)
    browser.get(url)
    shown("Day 0 of 1095")
    slider("Render Interval (steps)").send_keys(Keys.END)  # 100 days a step
    wait.until(lambda d: slider("Render Interval (steps)").get_attribute("aria-valuenow") == "100")
    click("Step")
    shown("Day 100 of 1095")
    click("Step")
    shown("Day 200 of 1095")

    select("Move: lever", "measures.drones.start")
    select("Move: value", "phase1")
    select("Made by", "team A")
    click("Make move")
    shown("move: measures.drones.start = phase1 from day 200 (team A)")
    shown("day 200 (next): measures.drones.start = phase1 (team A)")

    name("Alternative 1: name", "open-gate")
    select("Alternative 1: lever", "phases.min_trust.0")
    slider("Alternative 1: value").send_keys(Keys.HOME)
    wait.until(lambda d: float(slider("Alternative 1: value").get_attribute("aria-valuenow")) == 0)
    name("Alternative 2: name", "patrols-now")
    select("Alternative 2: lever", "measures.joint_patrols.start")
    select("Alternative 2: value", "phase1")
    click("Look ahead")
    shown("looked ahead in", WebDriverWait(browser, 240, poll_frequency=0.5))
    text = body()
    for line in ("main", "open-gate", "patrols-now"):
        assert re.search(rf"^{line}: relapse \d+% \[\d+%, \d+%\]", text, re.M), line
    assert "vs main, fewer in" in text
    fans = [i for i in browser.find_elements(By.TAG_NAME, "img") if i.size["height"] > 500]
    assert fans, "the fan charts are on the page"
    browser.set_window_size(1400, 2300)
    browser.execute_script("arguments[0].scrollIntoView(true);", fans[-1])
    browser.save_screenshot(str(screenshot("explorer_wargame.png")))
    browser.set_window_size(1400, 1000)

    click("Resume open-gate")
    shown("Line open-gate (branched from main on day 200)")
    click("Step")
    shown("Day 300 of 1095")
    click("Save game")
    shown("saved: ")
    (path,) = games.glob("*.yaml")
    game = yaml.safe_load(path.read_text())
    assert game["current"] == "open-gate"
    lines = {line["name"]: line for line in game["lines"]}
    assert lines["open-gate"]["played"] == 300 and lines["main"]["played"] == 200
    assert [m["by"] for m in lines["open-gate"]["moves"]] == ["team A", "team A"]

    done = subprocess.run(
        [sys.executable, "-m", "sim.explorer", "--replay", str(path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("same as recorded") == 3, done.stdout
