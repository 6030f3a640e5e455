"""Shared helpers: configs composed exactly as the CLI composes them."""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.config.compose import load_config
from sim.config.params import Config
from sim.runs.runner import model_params, replication_seeds, simulate
from sim.runs.tables import RunTables


def config(*overrides: str) -> Config:
    """A validated config from overrides, as ``python -m sim`` would build it."""
    return load_config(list(overrides))


def replicate(cfg: Config, n: int) -> list[RunTables]:
    """``n`` replications with the paired seeds the runner uses."""
    params = model_params(cfg)
    return [simulate(params, cfg.days, s) for s in replication_seeds(cfg.seed, n)]


def summaries(cfg: Config, n: int) -> pd.DataFrame:
    return pd.DataFrame([t.summary for t in replicate(cfg, n)])


@pytest.fixture
def tmp_out(tmp_path):
    """A fresh output directory."""
    return tmp_path / "out"


def monthly_counts(ts: pd.DataFrame, column: str = "border_incidents") -> np.ndarray:
    full = ts.groupby("month")["day"].count() >= 30
    return ts.groupby("month")[column].sum()[full].to_numpy()


FIGURES = Path(__file__).resolve().parents[1] / "experiments" / "figures"


@pytest.fixture
def screenshot(tmp_path):
    """Where a page test saves its screenshot ``name``: the test's own directory, or the
    README's figure in experiments/figures with ``SIM_SCREENSHOTS=1`` (``make
    screenshots``), so that ``make test`` leaves a clone as it found it."""

    def path(name: str) -> Path:
        return (FIGURES if os.environ.get("SIM_SCREENSHOTS") == "1" else tmp_path) / name

    return path


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Selenium, as a reader's browser would open pages.

    The flags keep Chromium off the network (this machine refuses outside
    connections) and out of any existing profile.
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    yield driver
    driver.quit()


def files_of(root: Path) -> dict[str, tuple[str, int]]:
    """Every file under ``root`` (relative path) with its SHA-1 and mtime: equal before
    and after means nothing there was written, not even rewritten unchanged."""
    return {
        str(p.relative_to(root)): (hashlib.sha1(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@contextlib.contextmanager
def within(seconds: int, what: str):
    """Fail (instead of waiting forever) if the block takes longer: a read of a pipe with no
    writer blocks until one comes."""

    def late(signum, frame):
        raise TimeoutError(f"{what}: still waiting after {seconds} s")

    previous = signal.signal(signal.SIGALRM, late)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def locked_elsewhere(directory):
    """Hold ``directory``'s lock in another process (this one's lock is re-entrant)."""
    code = (
        "import sys; from pathlib import Path; from sim.runs.runner import locked\n"
        "with locked(Path(sys.argv[1])):\n    print('held', flush=True); sys.stdin.read()"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(directory)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "held"
        yield
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)


@pytest.fixture(scope="session")
def compiled_kernels() -> None:
    """The model's kernels compiled into their cache before a test starts a page that runs
    the model: the page's process and its workers would otherwise compile them all at once,
    a minute or more each on a fresh clone under a loaded suite."""
    from sim.config.overrides import configure
    from sim.model.model import RoadmapModel

    RoadmapModel(configure("roadmap", {}, days=60), 60, 0).run()


def wait_served(proc: subprocess.Popen, url: str) -> None:
    """Wait until a server started as ``proc`` answers ``url`` (60 s at most)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + 60
    while True:
        try:
            with opener.open(url, timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the explorer did not start") from None
            time.sleep(0.5)


def stop(proc: subprocess.Popen) -> None:
    """End a server process however a test ends: terminate, then kill."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
