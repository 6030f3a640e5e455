"""The interactive explorer: watch one run of the roadmap model in the browser (Mesa's SolaraViz).

``make explore`` serves it on http://localhost:8765; ``python -m sim.explorer
--port N`` on another port. The sidebar is laid out as SolaraViz lays it out,
with Mesa's controller: play, pause, step and reset (play stops by itself at
the horizon, where the model's ``running`` turns False), the play and render
intervals, and the model's controls (scenario, geography, the scenario the
baseline band shows, horizon, seed, patrol units, armed-group strength, each
measure's intensity and start).

The page is one component (the map needs the page's width, so SolaraViz's
draggable grid cell is stretched to it): the day and phase, the border map
with measure levels, and live plots against a baseline band. Frames are
cheap by design (:mod:`sim.explorer.figures`): artists are updated, not
re-created, and only the moving ones are redrawn. The band is computed in a
background thread the first time a scenario, geography and horizon are
shown, and appears when it is ready.

Under the view, the war-game panel (:mod:`sim.explorer.wargame`) plays the run
as a game: moves, look-aheads under alternative moves, a tree of lines, saved
games (``--games``: where). ``--replay FILE`` serves nothing: it replays a saved
game's lines to their numbers and, with ``--export DIR``, writes each line as a
Hydra config (:mod:`sim.explorer.replay`).

Anything a page sends is checked on the server against what its controls
offer (:func:`sim.explorer.controls.check`), and only the page's own origin may
open its websocket (:mod:`sim.explorer.guard`). ``--host`` other than a
loopback address serves beyond this machine: allowed, with a one-line
warning; ``--host ""`` (every interface, by accident) is refused.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

from sim.config.params import ConfigError
from sim.explorer.guard import is_loopback
from sim.runs.terminal import OneLineParser

DEFAULT_PORT = 8765
PLAY_INTERVAL_MS = 100
"""Pause between frames while playing (SolaraViz's default): it leaves the server time to
send each frame, so the page shows every one instead of jumping ahead."""
RENDER_INTERVAL_DAYS = 5
"""Model days per frame (SolaraViz's render interval, a slider on the page): with the pause,
at most 50 days a second, and about 10 frames a second when a frame takes 0.1 s."""
GAMES_DIR = Path("outputs") / "games"
"""Where the page saves games by default (beside Hydra's ``outputs/``, never in place)."""
GAMES_ENV = "SIM_EXPLORER_GAMES"
"""The variable that tells the served page (another import of this package) where games go."""
PAGE = "sim.explorer.page:Page"
"""The solara component the server serves (its imports are the UI stack's, not the CLI's)."""


def _port(text: str) -> int | None:
    """The port number, or None when ``text`` is not one."""
    return int(text) if text.isdigit() and 1 <= int(text) <= 65535 else None


def _bindable(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be served (one phrase), None when it can (bound as uvicorn
    binds it: IPv6 when the host has a colon)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        try:
            probe.bind((host, port))
        except (OSError, UnicodeError) as e:
            return getattr(e, "strerror", None) or str(e)
    return None


def serve(host: str, port: int) -> None:
    """Run solara's server on ``host:port``, its app wrapped in :class:`OriginGuard`.

    Solara's ``run`` serves the app object of ``solara.server.starlette``; the
    guard is added to it here, in this process, before the server starts.
    ``SOLARA_APP`` (which ``run`` also sets) must be set before that import,
    which registers the page.
    """
    os.environ["SOLARA_APP"] = PAGE
    import solara.server.starlette as served
    from click.exceptions import Abort
    from solara.__main__ import cli

    from sim.explorer.guard import OriginGuard

    served.app.add_middleware(OriginGuard, host=host, port=port)
    args = ["run", PAGE, "--port", str(port), "--host", host, "--production", "--no-open"]
    try:
        cli.main([*args, "--no-check-version"], prog_name="solara", standalone_mode=False)
    except Abort:  # Ctrl-C, as click reports it ("Aborted!", exit 1): stopped as asked
        raise KeyboardInterrupt from None


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m sim.explorer [--port N] [--host H]``: serve the explorer (solara's server).

    ``--host ""`` is refused: an empty host binds every interface (0.0.0.0 and
    [::]), which is never what an empty value (an unset variable) meant; serving
    beyond this machine is asked for by name (``--host 0.0.0.0``), with a warning.
    """
    parser = OneLineParser(prog="python -m sim.explorer", description=__doc__.splitlines()[0])
    parser.add_argument("--port", default=str(DEFAULT_PORT))
    parser.add_argument("--host", default="localhost")
    parser.add_argument("--games", default=str(GAMES_DIR), help="where the page saves games")
    parser.add_argument("--replay", metavar="FILE", help="replay a saved game, serve nothing")
    parser.add_argument("--export", metavar="DIR", help="with --replay: write lines as configs")
    parser.add_argument("--line", help="with --replay: only this line")
    args = parser.parse_args(argv)
    if not args.games.strip():
        parser.error("--games='': empty; allowed: a directory for saved games (outputs/games)")
    if args.replay is None and (args.export or args.line):
        parser.error("--export and --line go with --replay FILE")
    if args.replay is not None:
        from sim.explorer.replay import replay

        try:
            status = replay(Path(args.replay), args.export and Path(args.export), args.line)
        except ConfigError as e:
            parser.error(str(e))
        sys.exit(status)
    port = _port(args.port)
    if port is None:
        parser.error(f"--port={args.port}: not a port, allowed 1 to 65535")
    host = args.host
    if not host.strip():
        parser.error(
            f"--host={host!r}: empty, which would serve on every interface; allowed: a "
            "host name or address (localhost, the default; 0.0.0.0 to serve every interface)"
        )
    reason = _bindable(host, port)
    if reason is not None:
        parser.error(f"--port={port}: cannot serve on {host} ({reason})")
    if not is_loopback(host):
        print(
            f"warning: --host={host} serves the explorer beyond this machine: anyone who can "
            f"reach port {port} can run models on it (localhost keeps it local)",
            file=sys.stderr,
            flush=True,
        )
    os.environ[GAMES_ENV] = str(Path(args.games).resolve())
    try:
        serve(host, port)  # (solara loads here: seconds)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
