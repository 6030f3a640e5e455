"""``python -m sim.policy`` (see :mod:`sim.policy.command`)."""

from sim import run_command

run_command("sim.policy.command")
