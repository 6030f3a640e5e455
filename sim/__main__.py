"""``python -m sim``: run a scenario (see ``sim.cli``)."""

from sim import run_command

run_command("sim.cli")
