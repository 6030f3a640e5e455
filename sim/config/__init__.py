"""Configuration: the typed schema, its Hydra side, overrides and the whole-command-line check.

:mod:`sim.config.params` (with :mod:`~sim.config.actors` and
:mod:`~sim.config.measures`) declares every parameter with its range
(:mod:`~sim.config.schema`); :mod:`~sim.config.compose` registers the schemas
with Hydra's ConfigStore (each command's settings schema lives with its command)
and turns a composed config into typed parameters; :mod:`~sim.config.overrides`
is the Python API's fast path; :mod:`~sim.config.precheck` checks a whole
command line, sweeps included, before Hydra writes anything.
"""
