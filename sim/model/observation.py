"""The observation model: what an event dataset such as UCDP GED would record of a run.

GED records organised armed violence with at least one death, at a place and a
date. It never sees most interdictions, undetected crossings, smuggling or
bloodless ceasefire violations, so the model's incident counts and the data's
event counts measure different things. This module states, in one place, which
of the model's incidents such a source would have recorded
(:class:`~sim.config.params.ObservationParams`):

    recorded = type in observation.types             (default: attack, interdiction,
                                                       clash, background)
               and side in observation.sides         (the source's coverage)
               and (deaths >= max(1, observation.min_deaths)   (victims and militants)
                    or (observation.min_deaths == 0 and deaths == 0
                        and (type is background or reported)))

**Events without a death.** GED keeps some events whose best estimate is 0 dead
(46 of the shipped 743): in every one of them a source reported a death (GED's
``high`` is at least 1) that the best estimate discounts. With ``min_deaths`` 0
the data's such events count, and so do the model's: a background event is a GED
event by construction, whatever its deaths; an actor's incident that killed no
one is ``reported`` with probability ``observation.bloodless_reported`` (a draw
per incident on a stream keyed by the run's seed alone,
:data:`STREAM_KEY`, which shifts no agent's draws). With ``min_deaths`` 1 or
more neither side's bloodless events count (the default).

and where: each sector lies opposite one administrative unit (GED's ``adm_1``),
declared per province in the geography (``governorates``). Each recorded incident
carries one of GED's ``type_of_violence`` codes (:func:`ged_types`, the one place
this rule lives):

    clash, ceasefire_violation   1 (state-based: the two states' forces)
    attack, interdiction         3 (one-sided) when its dead are all ``casualties``:
                                 people of the crowd where a strike landed, the border
                                 population (the model has no soldier among them);
                                 else 1 (an armed group against a state's forces): an
                                 interdiction's dead are the group's fighters a state's
                                 forces killed (``militant_losses``; it has no
                                 ``casualties``), and an incident that killed no one
                                 has no death to say it was one-sided, while it
                                 crossed a line a state's forces hold. So an attack
                                 that killed is 3, any other 1.
    background                   1, 2 or 3: the region's violence that no actor of the
                                 model makes (:mod:`sim.model.background`): the civil
                                 war inside a state, non-state groups fighting each
                                 other, one-sided violence by either; a GED event by
                                 construction, its code drawn from its governorate's
                                 shares, fitted to those events
    any other type               0: no GED code (smuggling and crossings are not
                                 organised violence; recorded only if ``types`` says so)

A row with both (fighters and victims dead) would be 1: a state's forces fought
there; the log holds none (an attack's counterstrike losses are not logged). A
calibration compares every recorded incident with the data's events of every code
(``observation.ged_types``: 1, 2, 3), each held to the same ``min_deaths``
(:func:`sim.analysis.ged.observed_events`), and the codes' shares among them.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sim.config.params import GeographyParams, ObservationParams
from sim.model.geography import Border
from sim.model.incidents import TYPE_LABELS, IncidentType

STREAM_KEY = 2**31 + 1
"""The reporting draws' stream key (the background's is 2**31, its types' 2**31 + 2)."""

DEATH_COLUMNS = ("casualties", "militant_losses")
"""Incident-log columns that count dead people; GED's fatality count includes them all."""


def sector_governorates(geo: GeographyParams, border: Border) -> tuple[str, ...]:
    """The administrative unit opposite each sector, west to east.

    A province's sectors are split equally, in order, among its
    ``governorates``; a province that lists none stands for itself.
    """
    names: list[str] = []
    for p_index, prov in enumerate(geo.provinces):
        k = int((border.province == p_index).sum())
        units = prov.governorates or [prov.name]
        names += [units[j * len(units) // k] for j in range(k)]
    return tuple(names)


def incident_deaths(columns: Mapping[str, np.ndarray]) -> np.ndarray:
    """Deaths of each incident: every death column of the log that exists, summed."""
    present = [np.asarray(columns[c], dtype=np.int64) for c in DEATH_COLUMNS if c in columns]
    return np.sum(present, axis=0) if present else np.zeros(0, dtype=np.int64)


STATE_BASED, NON_STATE, ONE_SIDED = 1, 2, 3
"""GED's ``type_of_violence`` codes."""
_GED_TYPE = np.zeros(len(IncidentType), dtype=np.int8)
_GED_TYPE[[IncidentType.CLASH, IncidentType.CEASEFIRE_VIOLATION]] = STATE_BASED
_GED_TYPE[[IncidentType.ATTACK, IncidentType.INTERDICTION]] = STATE_BASED


def ged_types(
    types: np.ndarray,
    casualties: np.ndarray,
    militant_losses: np.ndarray,
    background: np.ndarray,
) -> np.ndarray:
    """The GED code of each incident by the documented rule (module docstring).

    ``types`` are incident type codes, ``casualties`` and ``militant_losses`` the log's
    columns, ``background`` the codes the background drew for its events
    (:attr:`~sim.model.background.BackgroundViolence.ged_types`), one per background
    incident, in the log's order.
    """
    codes = np.asarray(types, dtype=np.int64)
    out = _GED_TYPE[codes]
    civilians_only = (np.asarray(casualties) > 0) & (np.asarray(militant_losses) == 0)
    armed = (codes == IncidentType.ATTACK) | (codes == IncidentType.INTERDICTION)
    out[armed & civilians_only] = ONE_SIDED
    out[codes == IncidentType.BACKGROUND] = background
    return out


def recorded(
    types: np.ndarray,
    deaths: np.ndarray,
    sides: np.ndarray,
    obs: ObservationParams,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """The documented rule (module docstring): which incidents the source records.

    ``types`` are incident type codes (:class:`~sim.model.incidents.IncidentType`),
    ``sides`` the side of the line each incident happened on; ``rng`` (the run's
    :data:`STREAM_KEY` stream) draws which bloodless actor incidents are reported, one
    uniform per incident in the log's order; it is needed only when they can be.
    """
    wanted = np.isin(np.asarray(TYPE_LABELS), obs.types)
    codes = np.asarray(types, dtype=np.int64)
    deaths = np.asarray(deaths)
    counted = deaths >= max(1, obs.min_deaths)
    if obs.min_deaths == 0:
        reported = codes == IncidentType.BACKGROUND
        if obs.bloodless_reported > 0:
            if rng is None:
                raise ValueError("bloodless_reported > 0 needs the reporting stream (rng)")
            reported |= rng.random(codes.size) < obs.bloodless_reported
        counted |= (deaths == 0) & reported
    return wanted[codes] & counted & np.isin(np.asarray(sides), obs.sides)
