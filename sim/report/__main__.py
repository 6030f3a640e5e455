"""``python -m sim.report`` (see :mod:`sim.report.command`)."""

from sim.report.command import main

main()
