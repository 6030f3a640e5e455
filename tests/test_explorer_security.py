"""The explorer against a hostile client (issue 23): what its websocket may send, who may open it.

The page's controls are driven here as the websocket drives them: by setting a
widget's value on the server (what a client's ``update`` message does), with
no browser. The server's origin check is exercised with real handshakes.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import stop, wait_served

from sim.config.params import ConfigError

SECRET_NAME = "EXPLORER_PROBE_SECRET"
SECRET = "s3cr3t-from-the-environment"
HOSTILE_NAMES = ("${oc.env:" + SECRET_NAME + "}", "../../conf/geography/tr_sy", "../baseline")


# --- the page's controls, driven as the websocket drives them ------------------------------


@pytest.fixture
def page(monkeypatch):
    """The explorer's page rendered headless; ``configure`` recorded; bands never computed.

    Yields ``(rc, composed, bands)``: the render context, the ``(scenario,
    overrides, kwargs)`` of every composition, and the band keys requested.
    """
    import ipyvuetify as v
    import solara

    import sim.config.overrides as overrides
    import sim.explorer.page as page_module

    monkeypatch.setenv(SECRET_NAME, SECRET)
    composed: list[tuple] = []
    real = overrides.configure

    def configure(scenario, values=None, **kw):
        composed.append((scenario, dict(values or {}), kw))
        return real(scenario, values, **kw)

    monkeypatch.setattr(overrides, "configure", configure)
    release = threading.Event()
    bands: list[tuple] = []

    def band(*key):
        bands.append(key)
        release.wait(60)
        raise RuntimeError("no band in this test")

    monkeypatch.setattr(page_module, "baseline_band", band)
    if hasattr(page_module, "Bands"):
        monkeypatch.setattr(page_module, "_bands", page_module.Bands(band))
    _, rc = solara.render(solara.AppLayout(children=[page_module.Page()]), handle_error=False)
    assert rc.find(v.Select, label="Scenario").widget.v_model == "roadmap"
    try:
        yield rc, composed, bands
    finally:
        rc.close()
        release.set()


def _widget(rc, kind, label):
    import ipyvuetify as v

    return rc.find(getattr(v, kind), label=label).widget


def _refusals(rc) -> list[str]:
    import ipyvuetify as v

    return [str(c) for w in rc.find(v.Alert).widgets for c in w.children]


def _page_text(rc) -> str:
    """Everything the page's widgets hold (what the browser is sent)."""
    import ipywidgets

    return "\n".join(repr(w) for w in rc.find(ipywidgets.Widget).widgets)


def _click(rc, label: str) -> None:
    import ipyvuetify as v

    rc.find(v.Btn, children=[label]).widget.click()


@pytest.mark.parametrize("label, key", [("Scenario", "scenario_name"), ("Geography", "geography")])
def test_a_group_select_takes_only_the_groups_own_options_before_anything_composes(
    page, label, key
):
    rc, composed, _ = page
    from sim.config.compose import config_dir, group_options

    group = "scenario" if key == "scenario_name" else "geography"
    allowed = group_options(group, [config_dir()])
    for hostile in HOSTILE_NAMES:
        _widget(rc, "Select", label).v_model = hostile
        (message,) = _refusals(rc)
        assert message.startswith(f"{key}={hostile!r}: not one of its choices; allowed: ")
        assert message.endswith(", ".join(allowed)) and "\n" not in message
        _click(rc, "Reset")
        assert _widget(rc, "Select", label).v_model != hostile  # the kept value is shown
    assert SECRET not in _page_text(rc)
    assert composed, "the page composes its model through configure"
    for scenario, values, _ in composed:  # only the groups' own names were ever composed
        assert scenario in group_options("scenario", [config_dir()])
        assert values.get("geography") in group_options("geography", [config_dir()])


def test_a_page_model_refuses_a_hostile_name_without_composing(monkeypatch):
    import sim.config.overrides as overrides
    from sim.explorer.page import PageModel

    monkeypatch.setenv(SECRET_NAME, SECRET)
    composed = []
    monkeypatch.setattr(overrides, "configure", lambda *a, **k: composed.append(a))
    for key in ("scenario_name", "geography", "versus"):
        for hostile in HOSTILE_NAMES:
            with pytest.raises(ConfigError) as refused:
                PageModel(**{key: hostile})
            assert str(refused.value).startswith(f"{key}={hostile!r}: not one of its choices")
            assert SECRET not in str(refused.value)
    with pytest.raises(ConfigError, match=r"^days=100000: not one of its choices"):
        PageModel(days=100000)
    assert composed == []


def _beyond(control: dict) -> object:
    """A value the control does not offer: past a slider's end, a name not among a select's."""
    if control["type"] == "Select":
        return 100000 if isinstance(control["values"][0], int) else "${oc.env:HOME}"
    return control["max"] + 1000 * control["step"]


def test_every_control_is_bounded_on_the_server(page):
    rc, composed, bands = page
    from sim.explorer.controls import PLAYER, model_params

    controls = {**model_params(), **PLAYER}
    first = composed[0]
    for key, control in controls.items():
        kind = "Select" if control["type"] == "Select" else "Slider"
        hostile = _beyond(control)
        _widget(rc, kind, control["label"]).v_model = hostile
        (message,) = [m for m in _refusals(rc) if m.startswith(f"{key}=")]
        assert message.startswith(f"{key}={hostile!r}: "), message
        if kind == "Slider":
            assert message.endswith(f"from {control['min']} to {control['max']}"), message
    _click(rc, "Reset")
    assert composed[-1] == first  # nothing refused reached the model
    assert all(days == 1095 for *_, days in bands)  # nor the band (not 100,000 days)
    _click(rc, "Step")  # one render interval: the kept 5 days, not 100 x 1000 more
    assert any("Day 5 of 1095" in t for t in _texts(rc)), _texts(rc)


def _texts(rc) -> list[str]:
    import ipyvuetify as v

    return [str(c) for w in rc.find(v.Html).widgets for c in w.children]


def test_an_offered_value_still_applies(page):
    rc, composed, _ = page
    _widget(rc, "Select", "Scenario").v_model = "baseline"
    _widget(rc, "Select", "Horizon (days)").v_model = 365
    assert _refusals(rc) == []
    _click(rc, "Reset")
    scenario, _, kw = composed[-1]
    assert scenario == "baseline" and kw["days"] == 365


# --- baseline bands: one at a time, only the latest waits -----------------------------------


def test_band_requests_compute_one_at_a_time_and_only_the_latest_waiting_one(monkeypatch):
    import sim.explorer.page as page_module

    running, most, computed = [0], [0], []
    lock, started = threading.Lock(), threading.Event()

    def band(*key):
        started.set()
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.3)
        with lock:
            running[0] -= 1
            computed.append(key)
        return key

    monkeypatch.setattr(page_module, "baseline_band", band)
    monkeypatch.setattr(page_module, "_bands", page_module.Bands(band))
    keys = [("baseline", "stylised", d) for d in (365, 730, 1095, 1825)]
    keys.append(("roadmap", "tr_sy", 365))
    futures = [page_module.band_future(*keys[0])]
    assert started.wait(30)  # the first is computing; four more come while it does
    futures += [page_module.band_future(*key) for key in keys[1:]]
    assert futures[-1].result(timeout=30) == keys[-1]
    assert futures[0].result(timeout=30) == keys[0]  # already computing when the rest came
    assert all(f.cancelled() for f in futures[1:-1])  # superseded while waiting: skipped
    assert computed == [keys[0], keys[-1]] and most[0] == 1
    assert page_module.band_future(*keys[-1]) is futures[-1]  # kept: not computed again
    assert page_module.band_future(*keys[1]).result(timeout=30) == keys[1]  # asked again: done


def test_a_band_outside_the_pages_choices_is_refused_before_it_is_queued(monkeypatch):
    import sim.explorer.page as page_module

    asked = []
    monkeypatch.setattr(page_module, "baseline_band", lambda *key: asked.append(key))
    for key in [
        ("baseline", "stylised", 100000),
        ("${oc.env:HOME}", "stylised", 1095),
        ("baseline", "../geography/tr_sy", 1095),
    ]:
        with pytest.raises(ConfigError):
            page_module.band_future(*key)
    time.sleep(0.2)
    assert asked == []


def _small_band(scenario: str, geography: str, days: int):
    """A band of two flat runs (what the page draws; no model run)."""
    import numpy as np
    import pandas as pd

    from sim.explorer.data import band_from
    from sim.model.incidents import DAYS_PER_MONTH

    day = np.tile(np.arange(days), 2)
    ts = pd.DataFrame(
        {
            "replication": np.repeat([0, 1], days),
            "day": day,
            "month": (day // DAYS_PER_MONTH).astype(int),
            "border_incidents": 1,
            "trust": 0.5,
            "tension": 0.5,
        }
    )
    incidents = pd.DataFrame({"replication": [0], "day": [1], "type": ["attack"], "detected": [1]})
    return band_from(ts, incidents, scenario, days)


def test_a_page_whose_band_was_superseded_while_waiting_asks_again_and_shows_it(monkeypatch):
    import ipywidgets
    import solara

    import sim.explorer.page as page_module

    first_done = threading.Event()

    def band(*key):
        if key[2] == 365:
            first_done.wait(30)
        return _small_band(*key)

    bands = page_module.Bands(band)
    monkeypatch.setattr(page_module, "_bands", bands)
    futures: dict[tuple, list] = {}
    request = bands.request

    def recorded(*key):
        futures.setdefault(key, []).append(request(*key))
        return futures[key][-1]

    monkeypatch.setattr(bands, "request", recorded)
    elsewhere = bands.request("roadmap", "stylised", 365)  # another page's, computing
    while bands.computing() is not elsewhere:
        time.sleep(0.05)
    _, rc = solara.render(solara.AppLayout(children=[page_module.Page()]), handle_error=False)
    try:
        mine = futures[("baseline", "stylised", 1095)][0]
        bands.request("roadmap", "tr_sy", 730)  # yet another page's: the latest waiting
        assert mine.cancelled()
        first_done.set()
        deadline = time.monotonic() + 30
        while "band: baseline, 2 runs" not in repr(rc.find(ipywidgets.Widget).widgets[0]):
            assert time.monotonic() < deadline, "the page never showed its band"
            time.sleep(0.2)
    finally:
        first_done.set()
        rc.close()


# --- who may open the websocket --------------------------------------------------------------


def test_origin_and_host_rules():
    from sim.explorer.guard import refusal, served_names

    local, port = served_names("localhost"), 8765
    assert refusal("websocket", "localhost:8765", "http://localhost:8765", local, port) is None
    assert refusal("websocket", "127.0.0.1:8765", "http://127.0.0.1:8765", local, port) is None
    assert refusal("websocket", "[::1]:8765", "http://[::1]:8765", local, port) is None
    assert refusal("http", "localhost:8765", None, local, port) is None
    for host, origin in [
        ("localhost:8765", "http://evil.example"),
        ("localhost:8765", None),
        ("localhost:8765", "null"),
        ("localhost:8765", "http://localhost:8766"),
        ("localhost:8765", "https://localhost:8765"),
        ("localhost:8765", "http://127.0.0.1:8765"),  # another origin than the page's
        ("evil.example:8765", "http://evil.example:8765"),  # DNS rebinding
        ("localhost:9999", "http://localhost:9999"),
        (None, "http://localhost:8765"),
    ]:
        assert refusal("websocket", host, origin, local, port) is not None, (host, origin)
    assert refusal("http", "evil.example:8765", None, local, port) is not None
    everywhere = served_names("0.0.0.0")
    assert refusal("websocket", "10.1.2.3:8765", "http://10.1.2.3:8765", everywhere, port) is None
    assert refusal("websocket", "10.1.2.3:8765", "http://6.6.6.6:8765", everywhere, port)
    assert refusal("websocket", "evil.example:8765", "http://evil.example:8765", everywhere, port)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def _start(tmp_path: Path, *args: str) -> tuple[subprocess.Popen, Path]:
    err = tmp_path / "stderr.txt"
    with err.open("w") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim.explorer", *args],
            stdout=subprocess.DEVNULL,
            stderr=sink,
            env={**os.environ, "NO_PROXY": "*"},
        )
    return proc, err


def _handshake(port: int, origin: str | None, host: str = "localhost") -> int:
    """The HTTP status of a websocket handshake to the page's kernel channel (101: open)."""
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    url = f"ws://{host}:{port}/jupyter/api/kernels/probe-kernel/channels?session_id=probe"
    try:
        with connect(url, origin=origin, proxy=None, open_timeout=20):
            return 101
    except InvalidStatus as e:
        return e.response.status_code


def _http_status(port: int, host_header: str) -> int:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(f"http://localhost:{port}/", headers={"Host": host_header})
    try:
        with opener.open(request, timeout=20) as reply:
            return reply.status
    except urllib.error.HTTPError as e:
        return e.code


@pytest.mark.slow
def test_the_websocket_refuses_foreign_origins(tmp_path):
    port = _free_port()
    proc, err = _start(tmp_path, "--port", str(port))
    try:
        wait_served(proc, f"http://localhost:{port}/")
        assert _handshake(port, "http://evil.example") == 403
        assert _handshake(port, None) == 403  # no browser opens a websocket without Origin
        assert _handshake(port, f"http://localhost:{port}") == 101  # the page's own
        assert _http_status(port, f"evil.example:{port}") == 403  # DNS rebinding
        assert _http_status(port, f"localhost:{port}") == 200
    finally:
        stop(proc)
    assert "warning:" not in err.read_text()  # localhost: no warning


def _first_line(proc: subprocess.Popen, err: Path, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        text = err.read_text()
        if "\n" in text:
            return text.split("\n", 1)[0]
        if proc.poll() is not None:
            return text
        time.sleep(0.1)
    raise AssertionError("nothing on stderr")


@pytest.mark.slow
def test_a_host_beyond_loopback_warns_in_one_line_and_still_refuses_foreign_origins(tmp_path):
    port = _free_port()
    proc, err = _start(tmp_path, "--port", str(port), "--host", "0.0.0.0")
    try:
        line = _first_line(proc, err)
        assert line == (
            f"warning: --host=0.0.0.0 serves the explorer beyond this machine: anyone who "
            f"can reach port {port} can run models on it (localhost keeps it local)"
        )
        wait_served(proc, f"http://127.0.0.1:{port}/")
        assert _handshake(port, "http://evil.example", host="127.0.0.1") == 403
        assert _handshake(port, f"http://127.0.0.1:{port}", host="127.0.0.1") == 101
    finally:
        stop(proc)
    assert err.read_text().count("warning:") == 1


def test_an_empty_host_is_refused_in_one_line():
    run = subprocess.run(
        [sys.executable, "-m", "sim.explorer", "--port", str(_free_port()), "--host", ""],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert run.returncode == 2 and run.stderr.count("\n") == 1
    assert run.stderr.startswith("error: --host='': empty, which would serve on every interface")
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST", "::1", "127.0.0.2"])
def test_loopback_hosts_are_not_warned_about(host):
    from sim.explorer.guard import is_loopback

    assert is_loopback(host)
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "10.0.0.1", "example.org"))
