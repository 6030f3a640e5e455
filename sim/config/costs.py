"""What the roadmap's assets cost each government (see :mod:`sim.model.budget`).

Money is in thousands of US dollars, personnel in people. Running costs are per
asset and day, one-off costs per event. The figures are orders of magnitude for
a middle-income state's border forces, not audited prices: sweep them, and read
effects per unit of cost as comparisons between scenarios priced alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.config.schema import bounded


@dataclass
class CostParams:
    """Unit costs (money: k$; personnel: people) and each government's yearly budget.

    ``money_per_year`` is what each government (A, B) can spend on the roadmap's
    measures in a year (k$), on top of its regular patrols; a measure that would
    overspend it stops growing until the spending of the trailing year falls back.
    Personnel for joint units and trainers comes out of the national forces.
    The default allowance, 60 M$ a year each, is about 1.5 times the most either
    government spent over any 365 days of a default gated roadmap (41 M$ over 8
    seeds, in the year its projects are built; ``all_at_once`` peaks at 42 M$),
    so it binds only when set lower: a lever, not a default constraint.

    Assets of :mod:`sim.model.agents` (drones, sensors, monitors, hotline, intel):

    - ``drone_purchase`` (k$ a drone, once, when the fleet grows past what its
      state owns; grounded drones are kept and fly again without a new purchase)
      and ``drone_per_day`` (k$ a drone flying a day: crew, fuel, maintenance),
      ``drone_personnel`` (people a drone: pilot, sensor operator, mechanics):
      a mid-size surveillance drone's airframe and ground station, about 1 M$,
      and about 1 M$ a year to fly it.
    - ``sensor_sector_install`` (k$ once, the first time a sector is covered:
      cameras, radar and a mast; the hardware stays when it is switched off),
      ``sensor_sector_per_day`` (k$ a covered sector a day: power, links,
      upkeep) and ``sensor_sector_personnel`` (people watching a sector's feed:
      its share of a watch room staffed round the clock, about two).
    - ``monitor_team_per_day`` (k$ a team fielded a day): four international
      monitors with vehicles, about 0.3 k$ a monitor-day (OSCE SMM's budget over
      its staff); the monitors are not the states' personnel.
    - ``hotline_operator_per_day`` (k$ an officer on the desk's roster a day; one
      person each): an officer's pay and overheads, about 110 k$ a year.
    - ``intel_hub_per_day`` (k$ a day while sharing runs: links, the joint
      cell) and ``intel_hub_personnel`` (analysts and liaison officers, both
      sides: a cell of ten, five a side, about what a 24-hour desk needs).
    """

    money_per_year: list[float] = bounded([60000.0, 60000.0], 0.0, 1e12)
    patrol_unit_per_day: float = bounded(1.5, 0.0, 1e6)
    patrol_unit_personnel: float = bounded(30.0, 0.0, 1e6)
    joint_unit_per_day: float = bounded(0.6, 0.0, 1e6)
    trainer_per_day: float = bounded(0.8, 0.0, 1e6)
    drone_purchase: float = bounded(1000.0, 0.0, 1e9)
    drone_per_day: float = bounded(3.0, 0.0, 1e6)
    drone_personnel: float = bounded(4.0, 0.0, 1e6)
    sensor_sector_install: float = bounded(150.0, 0.0, 1e9)
    sensor_sector_per_day: float = bounded(0.8, 0.0, 1e6)
    sensor_sector_personnel: float = bounded(2.0, 0.0, 1e6)
    inspector_per_day: float = bounded(0.15, 0.0, 1e6)
    monitor_team_per_day: float = bounded(1.2, 0.0, 1e6)
    meeting: float = bounded(25.0, 0.0, 1e6)
    project: float = bounded(400.0, 0.0, 1e9)
    project_per_day: float = bounded(0.4, 0.0, 1e6)
    exchange: float = bounded(30.0, 0.0, 1e6)
    corridor_per_day: float = bounded(2.0, 0.0, 1e6)
    mediator_team_per_day: float = bounded(1.5, 0.0, 1e6)
    hotline_operator_per_day: float = bounded(0.3, 0.0, 1e6)
    intel_hub_per_day: float = bounded(0.8, 0.0, 1e6)
    intel_hub_personnel: float = bounded(10.0, 0.0, 1e6)
