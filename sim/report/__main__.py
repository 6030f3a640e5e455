"""``python -m sim.report`` (see :mod:`sim.report.command`)."""

from sim import run_command

run_command("sim.report.command")
