"""``python -m sim.explore`` (see :mod:`sim.explore.command`)."""

from sim import run_command

run_command("sim.explore.command")
