"""``python -m sim.explorer``: the interactive explorer (Mesa's SolaraViz)."""
