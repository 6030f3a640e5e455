"""``python -m sim.report``: the HTML report of a run, sweep, design or calibration."""
