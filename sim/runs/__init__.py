"""Running replications and sweeps: seeds, worker processes, tidy tables, receipts and locks.

:mod:`~sim.runs.runner` runs a config's replications (seeds, pool, Parquet
parts); :mod:`~sim.runs.draws` gives each replication its parameters (posterior
draws); :mod:`~sim.runs.tables` builds a run's tables; :mod:`~sim.runs.jobs`,
:mod:`~sim.runs.lock` and :mod:`~sim.runs.files` keep finished results whole;
:mod:`~sim.runs.sweep` aggregates a multirun or a comparison.
"""
