"""``python -m sim.explore`` (see :mod:`sim.explore.command`)."""

from sim.explore.command import main

main()
