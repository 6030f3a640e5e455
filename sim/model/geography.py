"""The border as a line of sectors on a Mesa grid, with its bulk state in property layers.

The grid is ``(n_sectors, 2)``: x runs along the border (west to east), y is the
side of the line (0 = state A, 1 = state B). Each province is cut into sectors
of about ``sector_km``; a sector inherits its province's terrain roughness and a
length-proportional share of its population. Gates sit at evenly spaced sectors
inside their province.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from mesa.discrete_space import OrthogonalVonNeumannGrid

from sim.config.params import GeographyParams

SIDES = 2


@dataclass(frozen=True)
class Border:
    """Static description of the sectors (arrays of length ``n``)."""

    n: int
    province: np.ndarray  # index into province_names
    province_names: tuple[str, ...]
    length_km: np.ndarray
    roughness: np.ndarray  # (2, n)
    population: np.ndarray  # (2, n), thousands
    gate: np.ndarray  # (n,) bool
    gate_names: tuple[str, ...]  # one per gate sector, in sector order
    side_names: tuple[str, ...]


def build_border(geo: GeographyParams) -> Border:
    """Cut the provinces into sectors."""
    province, length, rough, pop, gate_at = [], [], [], [], {}
    for p_index, prov in enumerate(geo.provinces):
        k = max(1, round(prov.length_km / geo.sector_km))
        first = len(province)
        province += [p_index] * k
        length += [prov.length_km / k] * k
        rough += [prov.roughness] * k
        pop += [(prov.population_a / k, prov.population_b / k)] * k
        for g, name in enumerate(prov.gates):
            sector = first + int((g + 0.5) * k / len(prov.gates))
            gate_at.setdefault(sector, name)
    n = len(province)
    gate = np.zeros(n, dtype=bool)
    gate[list(gate_at)] = True
    rough_arr = np.asarray(rough, dtype=float)
    return Border(
        n=n,
        province=np.asarray(province),
        province_names=tuple(p.name for p in geo.provinces),
        length_km=np.asarray(length, dtype=float),
        roughness=np.vstack([rough_arr, rough_arr]),
        population=np.asarray(pop, dtype=float).T.copy(),
        gate=gate,
        gate_names=tuple(gate_at[s] for s in sorted(gate_at)),
        side_names=tuple(geo.side_names),
    )


class BorderSpace(OrthogonalVonNeumannGrid):
    """Mesa grid of the border with named property layers viewed as ``(side, sector)`` arrays."""

    LAYERS = (
        "roughness",
        "population",
        "hardship",
        "displaced",
        "patrol_effort",
        "joint_effort",
        "ties",
    )

    def __init__(self, border: Border, random) -> None:
        super().__init__((border.n, SIDES), torus=False, random=random)
        self.views: dict[str, np.ndarray] = {}
        for name in self.LAYERS:
            layer = self.create_property_layer(name, 0.0, float)
            self.views[name] = layer.data.T  # a view: writes go to the layer
        self.views["roughness"][:] = border.roughness
        self.views["population"][:] = border.population

    def __setstate__(self, state: dict[str, Any]) -> None:
        """A copy's layers hold its copies of the views (copied apart from the layers,
        and shared with the agents that read them), so that writes still reach both."""
        for name, view in state["views"].items():
            state["_mesa_property_layers"][name]._data = view.T  # Mesa's setter copies
        super().__setstate__(state)

    def layer(self, name: str) -> np.ndarray:
        """The property layer ``name`` as a writable ``(side, sector)`` view."""
        return self.views[name]
