"""Agent-based model of a three-phase border de-escalation roadmap between two states."""

from importlib.metadata import PackageNotFoundError, version

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
        from importlib import import_module

        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
