"""``python -m sim``: run a scenario (see ``sim.cli``)."""

from sim.cli import main

main()
