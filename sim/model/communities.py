"""Border communities: hardship, displacement, crossings and recruitment, updated vectorised.

Communities are bulk state (property layers over every cell of both sides), not
per-household agents: their decisions (to cross, to join an armed group) are
drawn as counts from their hardship.

- Hardship relaxes over ``relax_days`` toward a target: ``base_hardship``,
  lowered where a built economic project works, raised by the displaced share
  and by trade held up at a gate (:mod:`sim.model.agents.customs`). Violence
  adds hardship (to those at home) and displaces people where it strikes.
- Where people are: residents move into safe zones and back
  (:mod:`sim.model.agents.corridors`). The victims of a violent incident are
  the people in harm's way at the spot it strikes (:meth:`Communities.victims`):
  a cell's spots hold crowds of very different sizes, so victims are
  heavy-tailed because exposure is; fewer are found where people left, many
  where a strike lands on a camp.
- Rates are per cell of average population: a cell's weight is the people in
  it (at home or in its camp) over the mean cell's residents, so a geography
  changes levels only through how its population is spread, its hardship and
  its sectors, not its absolute size.
- Recruitment: the armed groups draw on a pool of the cells' potential recruits
  (:mod:`sim.model.recruitment`).
- Crossings: each cell sends ``Poisson(crossing_rate * weight *
  hardship**2)`` groups across per day (one Poisson total split over cells by
  their pressure); a group takes a humanitarian corridor if one is open within
  reach and has capacity today, otherwise it crosses irregularly and the other
  side's patrols may detect it.
- Economic projects are built, over ``projects.build_days``, in the
  hardest-hit cells; violence there sets them back. Governments see a
  project completed (``RoadmapModel.delivered``), and so do the people: only a
  working project lowers hardship. Cultural exchanges are held in the most
  populous sectors, one every ``projects.exchange_days`` in each; ties grow
  there (cutting recruitment, :mod:`sim.model.recruitment`), and governments see
  each exchange held. Both cost the two governments alike.

Economic projects lower relapse risk only through these routes (less hardship,
fewer recruits, fewer attacks, fewer severe incidents; trust from projects
delivered); they do not act on the phase machine directly.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np

from sim.model.agents.corridors import Corridors
from sim.model.compiled import OwnViews, Port, allocating_kernel, array_sum, generator, kernel
from sim.model.crossing import attempt
from sim.model.draws import poisson
from sim.model.incidents import IncidentType
from sim.model.measures import Measure
from sim.model.recruitment import Recruitment

if TYPE_CHECKING:
    from sim.model.model import RoadmapModel


@allocating_kernel
def pick(p: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Indices drawn with weights ``p`` from uniforms ``u`` (inverse CDF: the first
    cell whose running total of weights passes ``u`` times their sum)."""
    cdf = np.cumsum(p)
    return np.minimum(np.searchsorted(cdf, u * cdf[-1], side="right"), len(p) - 1)


@allocating_kernel
def _relax(
    stream: np.ndarray,
    hardship: np.ndarray,
    displaced: np.ndarray,
    cells: np.ndarray,
    burden: np.ndarray,
    zones: np.ndarray,
    rates: np.ndarray,
    crossers: np.ndarray,
) -> tuple[int, float]:
    """A day of every cell, in place (``cells``: the rows target hardship, weight at
    home, weight today, crossing pressure): its weight (people at home and in its camp;
    ``zones``: ``Corridors.zones``), hardship relaxing toward its target (raised by the
    displaced share and trade held up, ``burden``), the displaced returning, and its
    crossing pressure ``weight * hardship**2``. Then today's crossers: a Poisson total,
    drawn into ``crossers`` if it has room for them (:func:`_draw_crossers`). Returns
    (the total, the sum of hardship over the cells in memory order, as ``np.add.reduce``
    sums it).
    """
    target, home_weight, weight, pressure = cells[0], cells[1], cells[2], cells[3]
    sheltered, occupants = zones[1], zones[2]
    spread, relax_days, return_days, per_person, crossing_rate = rates
    for s in range(hardship.shape[0]):
        for k in range(hardship.shape[1]):
            # (Nobody away and no trade held up: the same numbers, as x * 1.0 + 0.0 == x.)
            weight[s, k] = home_weight[s, k] * (1.0 - sheltered[s, k])
            weight[s, k] += occupants[s, k] * per_person
            goal = target[s, k] + displaced[s, k] * spread + burden[k]
            if goal > 1.0:
                goal = 1.0
            hardship[s, k] += (goal - hardship[s, k]) / relax_days
            displaced[s, k] -= displaced[s, k] / return_days
            h = hardship[s, k]
            pressure[s, k] = h * h * weight[s, k]
    flat = pressure.ravel()
    g = generator(stream)
    total = poisson(g, crossing_rate * array_sum(flat))
    if 0 < total <= crossers.shape[1]:
        _draw_crossers(stream, flat, total, crossers)
    return total, array_sum(hardship.T.ravel())


@allocating_kernel
def _draw_crossers(stream: np.ndarray, pressure: np.ndarray, total: int, crossers: np.ndarray):
    """Today's ``total`` crossers into ``crossers[:, :total]``, each with the cell it
    leaves and its two uniforms (sensors' alert, detection): the uniforms of
    ``stream.random((3, total))``, the first row's turned into cells by ``pressure``."""
    g = generator(stream)
    for i in range(3):
        for j in range(total):
            crossers[i, j] = g.random()
    crossers[0, :total] = pick(pressure, crossers[0, :total])


@kernel
def exposed(
    crowd: np.ndarray,
    zones: np.ndarray,
    capacity: float,
    camp_crowd: float,
    side: int,
    sector: int,
    u: float,
) -> int:
    """The people in harm's way where a strike at ``(side, sector)`` lands (the spot
    chosen by the uniform ``u``): ``Communities.victims``' rule, before the binomial
    draw of the harmed (``zones``: ``Corridors.zones``, ``capacity``: a camp's)."""
    camp = zones[2, side, sector]  # the camp's occupants
    spots = crowd.size + (1 if camp > 0 else 0)
    spot = int(u * spots)
    if spot == crowd.size:
        people = camp_crowd * min(1.0, camp / capacity) if capacity > 0 else 0.0
    else:
        people = crowd[spot] * (1.0 - zones[1, side, sector])  # those not sheltered
    return int(people + 0.5)


class Communities(Recruitment, OwnViews):
    """Hardship, displacement, crossings and ties of the border population on both sides,
    and what the roadmap builds among them.

    Rules (the module docstring has the rates): people cross and join armed groups
    as counts drawn from their hardship; they move into and out of safe zones by
    the rule of :class:`~sim.model.agents.corridors.Corridors`. A strike lands on
    one of a cell's spots at random and harms those within reach there
    (:meth:`victims`). The projects programme starts projects in the hardest-hit
    cells without one as its level rises, pays for each when started and for
    its upkeep every day from then on, and builds it over ``projects.build_days`` (no work
    while the programme is stopped, none for ``setback_days`` after violence in
    the cell); exchanges are held in the host sectors one every
    ``projects.exchange_days``, each paid for when held.
    """

    MEASURES = (Measure.HUMANITARIAN_CORRIDORS, Measure.ECONOMIC_PROJECTS)
    """The effects :meth:`refresh` reads."""

    def __init__(self, model: RoadmapModel) -> None:
        self.model = model
        c = model.params.communities
        self.p = c
        self.projects_p = model.params.projects
        self.stream = model.spawn_rng()
        self._port = Port(self.stream)
        self.actor = model.register_actor("communities")
        self.hardship = model.space.layer("hardship")
        self.displaced = model.space.layer("displaced")
        self.population = model.space.layer("population")
        self.ties = model.space.layer("ties")  # cross-border community ties, 0-1
        self.hardship[:] = c.base_hardship
        self.corridors = Corridors(model)
        levels = ((k + 0.5) / c.spots for k in range(c.spots))
        self.crowd = c.crowd_median * np.exp(
            c.crowd_spread * np.array([NormalDist().inv_cdf(q) for q in levels])
        )  # people within a strike's reach at each spot of a cell, all at home
        shape = self.hardship.shape
        self.project = np.zeros(shape, dtype=bool)  # started (under construction or built)
        self.working = np.zeros(shape, dtype=bool)  # built and in service
        self._ready = np.full(shape, np.inf)  # day each project is (again) in service
        self._delivered = np.zeros(shape, dtype=bool)  # completed once: seen by governments
        self._next_ready = math.inf
        self._built = 0
        mean = self.population.mean()
        self._per_cell = 1.0 / mean if mean > 0 else 0.0  # weight per thousand people
        # Each cell's target hardship, weight at home, weight where people are today, and
        # crossing pressure: one (side, sector) block, each attribute a view of its row.
        self._cells = np.empty((4, *shape))
        self._view()
        self._target[:] = c.base_hardship
        self.home_weight[:] = self.population * self._per_cell
        self.weight[:] = self.home_weight
        self._pressure[:] = self.weight * self.hardship**2
        self._open_pool()
        self._rates = np.array(
            [
                c.displacement_hardship,
                c.relax_days,
                c.displacement_return_days,
                self._per_cell,
                c.crossing_rate,
            ]
        )
        self._crossers = np.empty((3, 8))  # today's: cell left (a whole number), uniforms
        self._hardship_sum: float | None = None  # today's, until violence changes hardship

    def mean_hardship(self) -> float:
        """Mean hardship over all cells (``ndarray.mean`` gives the same number, slower):
        the day's sum, kept from :meth:`step` until violence changes hardship."""
        if self._hardship_sum is None:
            self._hardship_sum = float(np.add.reduce(self.hardship, axis=None))
        return self._hardship_sum / self.hardship.size

    def _view(self) -> None:
        self._target, self.home_weight, self.weight, self._pressure = self._cells
        self.pressure = self._pressure.ravel()  # a flat view, by (side, sector)

    def refresh(self, changed: tuple[int, ...]) -> None:
        """Corridors open and projects are started as their measures ramp. A programme
        that stops starts no more projects and halts work on those being built
        (:meth:`step`); those built stay."""
        if Measure.HUMANITARIAN_CORRIDORS in changed:
            self.corridors.refresh()
        if Measure.ECONOMIC_PROJECTS in changed:
            level = self.model.measures.effect[Measure.ECONOMIC_PROJECTS]
            wanted = round(self.projects_p.project_share * level * self.project.size)
            if wanted > self._built:
                self._start(wanted - self._built)

    def _start(self, k: int) -> None:
        """Start ``k`` projects in the hardest-hit cells without one; each is paid for now."""
        model, flat = self.model, self.project.ravel()
        hardest = np.argsort(-np.where(flat, -np.inf, self.hardship.ravel()), kind="stable")[:k]
        flat[hardest] = True
        ready = model.day + self.projects_p.build_days
        self._ready.ravel()[hardest] = ready
        self._next_ready = min(self._next_ready, ready)
        self._built += k
        costs = model.params.costs
        model.budget.charge(None, "projects", costs.project * k)
        model.budget.book(None, "projects", model.days, costs.project_per_day * k)  # upkeep

    def _complete(self, day: int) -> None:
        """Projects whose building (or repair) is done go into service; governments see
        those completed for the first time."""
        done = self.project & ~self.working & (self._ready <= day)
        self.working |= done
        first = int(np.add.reduce(done & ~self._delivered, axis=None))
        self._delivered |= done
        pending = self._ready[self.project & ~self.working]
        self._next_ready = float(pending.min()) if len(pending) else math.inf
        self._relieve()
        if first:
            self.model.delivered("project", first)

    def _relieve(self) -> None:
        """The hardship each cell relaxes to: lower where a project works."""
        relief = self.projects_p.economic_relief
        self._target[:] = self.p.base_hardship * (1.0 - relief * self.working)

    def step(self, day: int) -> None:
        """Projects come into service; people move; relax hardship and displacement;
        draw today's crossings."""
        if (
            self._next_ready < math.inf
            and not self.model.measures.active[Measure.ECONOMIC_PROJECTS]
        ):
            self._ready[self._ready > day] += 1.0  # the programme stopped: no work today
            self._next_ready += 1.0
        if day >= self._next_ready:
            self._complete(day)
        corridors = self.corridors
        if corridors.open:
            corridors.step(day)
        total, self._hardship_sum = _relax(
            self._port.handle,
            self.hardship,
            self.displaced,
            self._cells,
            self.model.customs.burden,
            corridors.zones,
            self._rates,
            self._crossers,
        )
        if not total:
            return
        if total > self._crossers.shape[1]:  # more than ever before: room for them
            self._crossers = np.empty((3, 2 * total))
            _draw_crossers(self._port.handle, self.pressure, total, self._crossers)
        n, log = self.model.border.n, self.model.log
        route = corridors.route if corridors.open else None
        for at, tip, detect in zip(*self._crossers[:, :total].tolist(), strict=True):
            cell = int(at)
            side, sector = 1 - cell // n, cell % n  # they cross into the other side
            via = route(day, sector) if route else -1
            if via >= 0:
                log.add(day, via, side, IncidentType.CORRIDOR_CROSSING, self.actor, False)
                continue
            detected, effort = attempt(self.model, side, sector, tip, detect)
            log.add(
                day, sector, side, IncidentType.IRREGULAR_CROSSING, self.actor, detected, 0, effort
            )

    def victims(self, rng: np.random.Generator, side: int, sector: int, scale: float) -> int:
        """Victims of a violent incident at ``(side, sector)``: the people in harm's way
        where it strikes.

        The strike lands on one of the cell's spots at random, its camp (if a safe
        zone there holds anyone) being one more spot. At a home spot the people
        within reach are its crowd times the share of the cell's residents at
        home; at the camp, ``corridors.camp_crowd`` times how full the camp is.
        Each of them is harmed with chance ``harm_share * scale`` (at most 1).
        """
        z = self.corridors
        u = rng.random()  # the spot it lands on
        people = exposed(self.crowd, z.zones, z.capacity, z.p.camp_crowd, side, sector, u)
        return int(rng.binomial(people, min(1.0, self.p.harm_share * scale)))

    def on_violence(self, side: int, sector: int, casualties: int) -> None:
        """Violence where people live: hardship rises for those at home, some flee, fear
        grows (toward a safe zone), and a project there is set back."""
        c = self.p
        self._hardship_sum = None
        home = 1.0 - self.corridors.sheltered[side, sector]
        self.hardship[side, sector] = min(
            1.0, self.hardship[side, sector] + c.violence_shock * home
        )
        self.displaced[side, sector] = min(
            1.0, self.displaced[side, sector] + c.displacement_per_casualty * casualties
        )
        self.corridors.on_violence(side, sector)
        setback = self.projects_p.setback_days
        if self.project[side, sector] and setback > 0:
            ready = max(self._ready[side, sector], self.model.day) + setback
            self._ready[side, sector] = ready
            self._next_ready = min(self._next_ready, ready)
            if self.working[side, sector]:  # out of service until repaired
                self.working[side, sector] = False
                self._relieve()
