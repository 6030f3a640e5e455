"""``python -m sim.explorer`` (see :mod:`sim.explorer.command`)."""

from sim.explorer.command import main

main()
