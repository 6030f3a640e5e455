"""``python -m sim.explorer`` (see :mod:`sim.explorer.command`)."""

from sim import run_command

run_command("sim.explorer.command")
