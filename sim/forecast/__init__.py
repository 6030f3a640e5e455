"""``python -m sim.forecast``: rolling-origin probabilistic forecasts of recorded events and
fatalities by governorate, scored as the ViEWS prediction challenge scores them."""
