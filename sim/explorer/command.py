"""The interactive explorer: watch one run of the roadmap model in the browser (Mesa's SolaraViz).

``make explore`` serves it on http://localhost:8765; ``python -m sim.explorer
--port N`` on another port. The sidebar is SolaraViz's: play, pause, step and
reset (play stops by itself at the horizon, where the model's ``running``
turns False), its play and render intervals, and the model's controls
(scenario, geography, the scenario the baseline band shows, horizon, seed,
patrol units, armed-group strength, each measure's intensity and start).

The page is one component (the map needs the page's width, so SolaraViz's
draggable grid cell is stretched to it): the day and phase, the border map
with measure levels, and live plots against a baseline band. Frames are
cheap by design (:mod:`sim.explorer.figures`): artists are updated, not
re-created, and only the moving ones are redrawn. The band is computed in a
background thread the first time a scenario, geography and horizon are
shown, and appears when it is ready.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from collections.abc import Sequence

DEFAULT_PORT = 8765
PLAY_INTERVAL_MS = 100
"""Pause between frames while playing (SolaraViz's default): it leaves the server time to
send each frame, so the page shows every one instead of jumping ahead."""
RENDER_INTERVAL_DAYS = 5
"""Model days per frame (SolaraViz's render interval, a slider on the page): with the pause,
at most 50 days a second, and about 10 frames a second when a frame takes 0.1 s."""
PAGE = "sim.explorer.page:Page"
"""The solara component the server serves (its imports are the UI stack's, not the CLI's)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, no usage block
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)


def _port(text: str) -> int | None:
    """The port number, or None when ``text`` is not one."""
    return int(text) if text.isdigit() and 1 <= int(text) <= 65535 else None


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m sim.explorer [--port N] [--host H]``: serve the explorer (solara's server)."""
    parser = _Parser(prog="python -m sim.explorer", description=__doc__.splitlines()[0])
    parser.add_argument("--port", default=str(DEFAULT_PORT))
    parser.add_argument("--host", default="localhost")
    args = parser.parse_args(argv)
    port = _port(args.port)
    if port is None:
        parser.error(f"--port={args.port}: not a port, allowed 1 to 65535")
    with socket.socket() as probe:
        try:
            probe.bind((args.host, port))
        except OSError as e:
            parser.error(f"--port={port}: cannot serve on {args.host} ({e.strerror})")
    command = [sys.executable, "-m", "solara", "run", PAGE]
    command += ["--port", str(port), "--host", args.host, "--production", "--no-open"]
    os.execv(sys.executable, command)
