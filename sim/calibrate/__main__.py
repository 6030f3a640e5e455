"""``python -m sim.calibrate`` (see :mod:`sim.calibrate.command`)."""

from sim import run_command

run_command("sim.calibrate.command")
