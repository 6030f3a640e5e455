"""The model: the Mesa model, its agents and assets, and the border's bulk state.

:mod:`sim.model.model` holds :class:`~sim.model.model.RoadmapModel` (also
``from sim import RoadmapModel``); each actor or asset owns its mechanism in
one module of :mod:`sim.model.agents` or beside it (communities, search,
detection); :mod:`sim.model.measures` keeps when measures are active and how far
they have ramped; :mod:`sim.model.phases` the roadmap's gates. Agents call back
into the model they belong to and import ``RoadmapModel`` for type hints only
(Mesa's convention), so the model imports them and not the other way round.
"""
