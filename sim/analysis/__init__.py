"""Statistics and figures over finished runs: intervals, paired differences, event statistics.

:mod:`~sim.analysis.stats` (intervals and paired comparisons),
:mod:`~sim.analysis.plots` (the comparison figures), :mod:`~sim.analysis.events`
(summary statistics of an event series, the same for real data and the model),
:mod:`~sim.analysis.ged` (UCDP GED event data), :mod:`~sim.analysis.tail`
(power-law tails).
"""
