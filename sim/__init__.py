"""Agent-based model of a three-phase border de-escalation roadmap between two states."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("border-roadmap")
except PackageNotFoundError:  # running from a checkout that was not installed
    __version__ = "0+unknown"
