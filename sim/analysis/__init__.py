"""Statistics and figures over finished runs: intervals, paired differences, event statistics.

:mod:`~sim.analysis.stats` (intervals and paired comparisons),
:mod:`~sim.analysis.headline` (the five headline metrics and their change per M$),
:mod:`~sim.analysis.headline_plots` (their figures, and spend by item),
:mod:`~sim.analysis.plots` (the comparison figures), :mod:`~sim.analysis.events`
(summary statistics of an event series, the same for real data and the model),
:mod:`~sim.analysis.ged` (UCDP GED event data), :mod:`~sim.analysis.tail`
(power-law tails).
"""
