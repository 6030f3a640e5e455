"""``python -m sim.calibrate`` (see :mod:`sim.calibrate.command`)."""

from sim.calibrate.command import main

main()
