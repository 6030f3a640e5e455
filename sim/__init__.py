"""Agent-based model of a three-phase border de-escalation roadmap between two states."""

import os
import select
import signal
import sys
from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import NoReturn

try:
    __version__ = version("border-roadmap")
except PackageNotFoundError:  # running from a checkout that was not installed
    __version__ = "0+unknown"

_API = {
    "run": "sim.api",
    "Results": "sim.api",
    "parameters": "sim.config.overrides",
    "RoadmapModel": "sim.model.model",
    "read": "sim.runs.read",
}
__all__ = ["Results", "RoadmapModel", "__version__", "parameters", "read", "run"]


def __getattr__(name: str):
    """``sim.run``, ``sim.read``, ``sim.Results``, ``sim.parameters``, ``sim.RoadmapModel``:
    imported on first use, so that ``import sim`` stays cheap and ``sim.runs.runner`` can
    import ``sim.__version__``."""
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


INFORMATION = {"--help", "-h", "--hydra-help", "--cfg", "-c", "--info", "-i", "--resolve"}
"""Flags with which a command prints and exits (Hydra's, argparse's)."""


def run_command(module: str) -> None:
    """``python -m``'s entry: import ``module`` and run its ``main``. Loading takes seconds
    (NumPy, Mesa, Hydra, matplotlib); Ctrl-C meanwhile ends with one line and exit code
    130, as it does once the command runs, not with the traceback of an import. Output
    piped into a reader that stops early (``--help | head``) ends quietly, exit 141 (as a
    shell reports SIGPIPE)."""
    try:
        main = import_module(module).main
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    if INFORMATION & {a.split("=")[0] for a in sys.argv[1:]}:  # printing only, no sockets:
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # end as CLIs do (Hydra would report)
    try:
        main()
    except BrokenPipeError as e:
        if not output_closed(e):  # a worker's or a cluster's connection, not the output
            raise
        end_piped_output()


def output_closed(error: BaseException) -> bool:
    """Whether ``error`` is a broken pipe because the reader of this process's standard
    output has closed it (``| head``), not another connection (a worker's, a cluster's)."""
    if not isinstance(error, BrokenPipeError):
        return False
    try:
        poll = select.poll()
        poll.register(sys.stdout.fileno(), select.POLLOUT)
        return any(event & select.POLLERR for _, event in poll.poll(0))
    except (OSError, ValueError, AttributeError):  # no file descriptor, or no poll
        return False


def end_piped_output() -> NoReturn:
    """Exit quietly, code 141 (as a shell reports SIGPIPE): the output was piped into a
    reader that closed it (``| head``), so there is nothing more to say."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # (flushes nothing)
    sys.exit(141)
