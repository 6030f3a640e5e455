"""``python -m sim.forecast`` (see :mod:`sim.forecast.command`)."""

from sim.forecast.command import main

main()
