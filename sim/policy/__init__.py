"""Robust policy design: many-objective search of the roadmap's levers across uncertain
worlds, and the robustness of what it finds (``python -m sim.policy``)."""
