"""The explorer's two figures, built once per model and updated in place, and its frames.

A page redraw must be cheap (the explorer's target is 10 model days a second
with every plot and the map), so nothing is re-created per frame: each figure
keeps its artists (an ``imshow`` of search effort, scatter collections for
assets and incidents, bar patches, lines, band polygons) and a frame only sets
their data, then renders one PNG. Axis limits are fixed from the horizon and
the baseline band, so a frame never re-runs autoscaling; the incidents axis
grows only when the run exceeds it.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image

from sim.analysis.plots import PHASE_COLORS, PHASE_LABELS
from sim.explorer.data import (
    MAP_TYPES,
    RECENT_DAYS,
    Band,
    BorderState,
    ExplorerModel,
    LiveSeries,
    border_state,
    month_mid_day,
)
from sim.model.incidents import IncidentType
from sim.model.measures import MEASURE_NAMES
from sim.model.model import RoadmapModel

DPI = 100
WIDTH_IN = 9.2
MAP_HEIGHT_IN = 3.6
PLOTS_HEIGHT_IN = 5.6
UNIT_AREA = 14.0
"""Marker area (points^2) per patrol unit in a sector."""
INCIDENT_AREA = 18.0
"""Marker area per incident of the last days."""
EFFORT_CEILING = 4.0
"""Search effort at the top of the map's colour scale (effort units of one sector-day)."""
EFFORT_ALPHA = 0.6
"""The effort shading stays light so that the markers over it read."""
INCIDENT_HEADROOM = 1.3
"""The incidents axis reaches this factor above the band's (or the run's) highest month."""
LIVE_COLOR = "#c0392b"
BAND_COLOR = "#5d6d7e"
DRONE_AREA = 40.0
UNIT_STYLE = {
    "patrol units": ("o", "#1f77b4"),
    "joint units": ("D", "#ff7f0e"),
    "drone sorties": ("1", "#000000"),
}
"""Marker and colour of what sits on either side: units (area: count), drones over a sector."""
INCIDENT_STYLE = {
    IncidentType.ATTACK: ("X", "#d62728", -0.32),
    IncidentType.INTERDICTION: ("v", "#2ca02c", -0.16),
    IncidentType.CLASH: ("*", "#000000", 0.0),
    IncidentType.CEASEFIRE_VIOLATION: ("P", "#e377c2", 0.16),
    IncidentType.SMUGGLING_SEIZED: ("s", "#8c564b", 0.32),
}
"""Marker, colour and offset within its sector of each mapped incident type."""
LINE_ASSETS = {
    "gates": ("|", "#333333", -0.3, "official gate", 90),
    "corridors": ("D", "#17becf", -0.1, "corridor open", 30),
    "monitors": ("o", "#9467bd", 0.1, "monitor team", 34),
    "sensors": ("^", "#7f7f7f", 0.3, "sensors", 26),
}
"""Assets that sit on the line itself: marker, colour, offset, legend label, area."""


PNG_COMPRESSION = 1
"""zlib level of the frames: fast to encode, and they travel only to a local browser."""


class Blitted:
    """A figure drawn in two layers: static artists once, animated ones every frame.

    The first frame (and any after :meth:`invalidate`: an axis grew, a phase
    line was added) draws everything, fixes the layout and keeps the static
    layer; later frames restore it and draw only the animated artists, then
    encode the canvas as PNG.
    """

    def __init__(self, fig: Figure, animated: list[Artist]) -> None:
        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        self.animated = animated
        for artist in animated:
            artist.set_animated(True)
        self._background = None

    def invalidate(self) -> None:
        """Static content changed: the next frame redraws it."""
        self._background = None

    def png(self) -> bytes:
        """Draw a frame and return it as PNG bytes."""
        canvas = self.canvas
        if self._background is None:
            canvas.draw()
            self.fig.set_layout_engine("none")  # positions are fixed from here on
            self._background = canvas.copy_from_bbox(self.fig.bbox)
        else:
            canvas.restore_region(self._background)
        for artist in self.animated:
            self.fig.draw_artist(artist)
        out = io.BytesIO()
        Image.fromarray(np.asarray(canvas.buffer_rgba())).save(
            out, format="png", compress_level=PNG_COMPRESSION
        )
        return out.getvalue()


def _empty() -> np.ndarray:
    return np.empty((0, 2))


class MapFigure:
    """The border: sectors of both sides, what is where today, recent incidents, measure levels.

    Side A is the upper row, side B the lower; the line between them is the
    border. Shading is today's search effort (units and drones, after terrain).
    """

    def __init__(self, model: RoadmapModel) -> None:
        border = model.border
        n = border.n
        self.n = n
        self.fig = Figure(figsize=(WIDTH_IN, MAP_HEIGHT_IN), dpi=DPI, layout="constrained")
        grid = self.fig.add_gridspec(1, 2, width_ratios=(3.3, 1))
        ax = self.fig.add_subplot(grid[0])
        self.ax = ax
        self.effort = ax.imshow(
            np.zeros((2, n)),
            cmap="Greens",
            alpha=EFFORT_ALPHA,
            vmin=0.0,
            vmax=EFFORT_CEILING,
            aspect="auto",
            extent=(-0.5, n - 0.5, 1.5, -0.5),
            interpolation="nearest",
        )
        cbar = self.fig.colorbar(self.effort, ax=ax, location="left", pad=0.01, fraction=0.02)
        cbar.set_label("search effort today", fontsize=7)
        cbar.ax.tick_params(labelsize=6)
        ax.axhline(0.5, color="black", linewidth=2)
        starts = np.flatnonzero(np.diff(border.province)) + 0.5
        for x in starts:
            ax.axvline(x, color="0.55", linewidth=0.8, linestyle=":")
        edges = np.concatenate([[-0.5], starts, [n - 0.5]])
        ax.set_xticks((edges[:-1] + edges[1:]) / 2, border.province_names, fontsize=7)
        ax.set_yticks([0, 1], border.side_names, fontsize=8)
        ax.set_xlim(-0.5, n - 0.5)
        ax.set_ylim(1.5, -0.5)
        ax.tick_params(length=0)
        ax.set_xlabel("sectors along the border, west to east, by province", fontsize=8)
        self.units, self.joint, self.drones = (
            ax.scatter([], [], s=DRONE_AREA, marker=marker, c=color)
            for marker, color in UNIT_STYLE.values()
        )
        self.line_assets: dict[str, PathCollection] = {}
        for name, (marker, color, _, _, area) in LINE_ASSETS.items():
            self.line_assets[name] = ax.scatter(
                [], [], s=area, marker=marker, c=color, linewidths=1.5
            )
        self.incidents: dict[IncidentType, PathCollection] = {}
        for kind, (marker, color, _) in INCIDENT_STYLE.items():
            self.incidents[kind] = ax.scatter([], [], s=[], marker=marker, c=color)
        self.fig.legend(
            handles=self._legend_handles(),
            loc="outside lower center",
            ncol=7,
            fontsize=6.5,
            frameon=False,
            title=f"markers: today; incidents: last {RECENT_DAYS} days (area: count)",
            title_fontsize=7,
        )
        self.title = ax.set_title("", fontsize=9, loc="left")
        bars = self.fig.add_subplot(grid[1])
        names = [name.replace("_", " ") for name in MEASURE_NAMES]
        rows = range(len(names))
        self.levels = bars.barh(rows, np.zeros(len(names)), color="#aec7e8", label="level")
        self.effects = bars.barh(
            rows, np.zeros(len(names)), height=0.4, color="#1f4e79", label="effect (x intensity)"
        )
        bars.set_yticks(range(len(names)), names, fontsize=6.5)
        bars.invert_yaxis()
        bars.set_xlim(0, 1)
        bars.set_xticks([0, 0.5, 1])
        bars.tick_params(axis="x", labelsize=6.5)
        bars.set_xlabel("level (light), effect (dark)", fontsize=7)
        bars.set_title("Measures", fontsize=9)
        self.frame = Blitted(
            self.fig,
            [
                self.effort,
                self.units,
                self.joint,
                self.drones,
                *self.line_assets.values(),
                *self.incidents.values(),
                self.title,
                *self.levels,
                *self.effects,
            ],
        )

    @staticmethod
    def _legend_handles() -> list[Line2D]:
        """Fixed-size proxies from the style tables (the markers on the map are sized by counts)."""
        styles = [(marker, color, label) for label, (marker, color) in UNIT_STYLE.items()]
        styles += [(m, c, label) for m, c, _, label, _ in LINE_ASSETS.values()]
        styles += [
            (m, c, kind.label.replace("_", " ")) for kind, (m, c, _) in INCIDENT_STYLE.items()
        ]
        return [
            Line2D([], [], linestyle="none", marker=m, color=c, markersize=6, label=label)
            for m, c, label in styles
        ]

    def update(self, model: RoadmapModel, state: BorderState) -> None:
        """Set every artist from today's state."""
        self.effort.set_data(state.effort)
        self._counts(self.units, state.units, -0.15)
        self._counts(self.joint, state.joint_units, 0.15)
        side, sector = np.nonzero(state.drones)
        self.drones.set_offsets(np.column_stack([sector, side]) if len(side) else _empty())
        for name, collection in self.line_assets.items():
            offset = LINE_ASSETS[name][2]
            where = np.flatnonzero(getattr(state, name))
            xy = np.column_stack([where + offset, np.full(len(where), 0.5)])
            collection.set_offsets(xy if len(where) else _empty())
        for kind in MAP_TYPES:
            side, sector, count = state.incidents[kind]
            near = np.where(side == 0, 0.22, 0.78)  # incidents sit near the line
            xy = np.column_stack([sector + INCIDENT_STYLE[kind][2], near])
            self.incidents[kind].set_offsets(xy if len(side) else _empty())
            self.incidents[kind].set_sizes(INCIDENT_AREA * np.sqrt(count))
        phase = PHASE_LABELS[model.phases.phase]
        self.title.set_text(f"Day {len(model.series.rows)} of {model.days} · {phase}")
        measures = model.measures
        for bar, level in zip(self.levels, measures.level, strict=True):
            bar.set_width(level)
        for bar, effect in zip(self.effects, measures.effect, strict=True):
            bar.set_width(effect)

    def _counts(self, collection: PathCollection, counts: np.ndarray, offset: float) -> None:
        side, sector = np.nonzero(counts)
        y = np.where(side == 0, -0.3, 1.3)  # units sit away from the line
        collection.set_offsets(np.column_stack([sector + offset, y]) if len(side) else _empty())
        collection.set_sizes(UNIT_AREA * counts[side, sector])


class PlotsFigure:
    """Live series of the run against the baseline band: incidents, detection, trust, tension."""

    def __init__(self, days: int, band: Band | None) -> None:
        self.days = days
        self.fig = Figure(figsize=(WIDTH_IN, PLOTS_HEIGHT_IN), dpi=DPI, layout="constrained")
        axes = self.fig.subplots(2, 2, sharex=True)
        self.axes = axes.ravel()
        titles = (
            ("Border incidents per month", "incidents / month", None),
            ("Detection rate per month", "share of hostile attempts", (0, 1)),
            ("Trust (mean of both governments)", "trust (0-1)", (0, 1)),
            ("Tension (mean of both governments)", "tension (0-1)", (0, 1)),
        )
        for ax, (title, ylabel, ylim) in zip(self.axes, titles, strict=True):
            ax.set_title(title, fontsize=9)
            ax.set_ylabel(ylabel, fontsize=8)
            ax.tick_params(labelsize=7)
            ax.set_xlim(0, days)
            ax.grid(alpha=0.3)
            if ylim:
                ax.set_ylim(*ylim)
        for ax in self.axes[2:]:
            ax.set_xlabel("day", fontsize=8)
        self.lines = [
            ax.plot([], [], color=LIVE_COLOR, linewidth=1.4, marker=m, markersize=3)[0]
            for ax, m in zip(self.axes, ("o", "o", "", ""), strict=True)
        ]
        self.so_far = self.axes[0].plot(
            [], [], linestyle="none", marker="o", markerfacecolor="white", color=LIVE_COLOR
        )[0]
        self._top = 1.0
        self._phases_drawn = 0
        self._legend(band)
        if band is not None:
            self._draw_band(band)
        self.frame = Blitted(self.fig, [*self.lines, self.so_far])

    def _legend(self, band: Band | None) -> None:
        handles = [Line2D([], [], color=LIVE_COLOR, marker="o", markersize=3, label="this run")]
        if band is not None:
            handles += [
                Line2D([], [], color=BAND_COLOR, linestyle="--", label=f"{band.scenario}: mean"),
                Line2D(
                    [],
                    [],
                    color=BAND_COLOR,
                    alpha=0.3,
                    linewidth=8,
                    label=f"{band.scenario}: 95% of {band.replications} runs",
                ),
            ]
        handles.append(Line2D([], [], color="0.3", linestyle=":", label="phase change (this run)"))
        self.fig.legend(handles=handles, loc="outside upper center", ncol=4, fontsize=8)

    def _draw_band(self, band: Band) -> None:
        monthly = month_mid_day(band.incidents.shape[1])
        daily = np.arange(band.trust.shape[1])
        series = (
            (monthly, band.incidents),
            (monthly, band.detection),
            (daily, band.trust),
            (daily, band.tension),
        )
        for ax, (x, (mean, low, high)) in zip(self.axes, series, strict=True):
            ax.fill_between(x, low, high, color=BAND_COLOR, alpha=0.25, linewidth=0)
            ax.plot(x, mean, color=BAND_COLOR, linestyle="--", linewidth=1)
        self._top = float(np.nanmax(band.incidents[2])) if band.incidents.size else 1.0
        self.axes[0].set_ylim(0, max(self._top, 1.0) * INCIDENT_HEADROOM)

    def update(self, model: RoadmapModel, live: LiveSeries) -> None:
        """Set the live lines from the series so far; mark new phase changes."""
        incidents = live.monthly_incidents()
        months = month_mid_day(len(incidents))
        self.lines[0].set_data(months, incidents)
        self.lines[1].set_data(months, live.monthly_detection())
        days = np.arange(len(live.trust))
        self.lines[2].set_data(days, live.trust)
        self.lines[3].set_data(days, live.tension)
        partial = live.month_so_far()
        if partial is None:
            self.so_far.set_data([], [])
        else:
            self.so_far.set_data(month_mid_day([partial[0]]), [partial[1]])
        highest = max(incidents.max(initial=0.0), partial[1] if partial else 0.0)
        if highest > self._top:  # the run left the axis: grow it (the only rescale)
            self._top = highest
            self.axes[0].set_ylim(0, highest * INCIDENT_HEADROOM)
            self.frame.invalidate()
        for move in model.phases.transitions[self._phases_drawn :]:
            for ax in self.axes:
                ax.axvline(move.day, color="0.3", linestyle=":", linewidth=1)
            label = self.axes[0].annotate(
                f"P{move.to_phase}",
                (move.day, 1.0),
                xycoords=("data", "axes fraction"),
                fontsize=7,
                ha="left",
                va="top",
                color="0.2",
                backgroundcolor=PHASE_COLORS[move.to_phase],
            )
            label.set_in_layout(False)  # the layout stays that of the first frame
        if len(model.phases.transitions) > self._phases_drawn:
            self.frame.invalidate()
        self._phases_drawn = len(model.phases.transitions)


class Frames:
    """One model's figures and live series; a frame updates them and renders two PNGs."""

    def __init__(self, model: ExplorerModel) -> None:
        self.model = model
        self.live = LiveSeries(model.days)
        self.map = MapFigure(model)
        self.band: Band | None = None
        self.plots = PlotsFigure(model.days, None)

    def with_band(self, band: Band) -> None:
        """Redraw the plots' static layer with the band behind the live curves."""
        if band is not self.band:
            self.band = band
            self.plots = PlotsFigure(self.model.days, band)

    def render(self) -> tuple[bytes, bytes]:
        """Read the model's new days and today's positions; return the map and plots PNGs."""
        model = self.model
        self.live.update(model)
        self.map.update(model, border_state(model))
        self.plots.update(model, self.live)
        return self.map.frame.png(), self.plots.frame.png()
