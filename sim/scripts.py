"""The console scripts (``[project.scripts]``: ``sim``, ``sim-compare``, ...). Each enters
its command as ``python -m`` does (:func:`sim.run_command`): the command loads for
seconds, and Ctrl-C meanwhile ends in one line (exit 130), not in an import's traceback."""

from functools import partial

from sim import run_command

sim = partial(run_command, "sim.cli")
compare = partial(run_command, "sim.compare")
explore = partial(run_command, "sim.explore.command")
calibrate = partial(run_command, "sim.calibrate.command")
policy = partial(run_command, "sim.policy.command")
forecast = partial(run_command, "sim.forecast.command")
explorer = partial(run_command, "sim.explorer.command")
