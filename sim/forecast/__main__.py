"""``python -m sim.forecast`` (see :mod:`sim.forecast.command`)."""

from sim import run_command

run_command("sim.forecast.command")
