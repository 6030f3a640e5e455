"""``python -m sim.explore``: experimental designs over model parameters and their analysis."""
