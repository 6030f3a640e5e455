"""``python -m sim.calibrate``: fitting uncertain parameters to event data with ABC-SMC."""
