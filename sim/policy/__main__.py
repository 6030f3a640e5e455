"""``python -m sim.policy`` (see :mod:`sim.policy.command`)."""

from sim.policy.command import main

main()
