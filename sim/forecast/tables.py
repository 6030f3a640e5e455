"""The forecasts' tables: one row per origin x month x governorate x quantity x method with
the observed value, the forecast's summary and its three scores; and the mean scores.

Scores (:mod:`sim.analysis.scores`; lower is better): CRPS (in the quantity's unit),
ignorance in bits on ViEWS's bins, and the interval score of the central 90% interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim import __version__
from sim.analysis.scores import crps, ignorance, interval_score
from sim.forecast.baselines import METHODS
from sim.forecast.params import INTERVAL_ALPHA, QUANTILES
from sim.forecast.problem import Problem
from sim.model.incidents import DAYS_PER_MONTH

SCORES = ("crps", "ignorance", "interval_score")


def quantile_column(q: float) -> str:
    """``median``, or ``q05`` for the 5% quantile and so on."""
    return "median" if q == 0.5 else f"q{round(100 * q):02d}"


def forecast_rows(
    problem: Problem, origin: int, samples: dict[str, dict[str, np.ndarray]]
) -> pd.DataFrame:
    """The rows of one origin: ``samples[method][quantity]`` of shape (units, ahead, draws)."""
    s = problem.settings
    ahead = problem.ahead(origin)
    start = pd.Timestamp(s.start)
    frames = []
    for method, by_quantity in samples.items():
        for quantity, x in by_quantity.items():
            observed = problem.observed[quantity][:, origin : origin + ahead]
            unit, k = np.meshgrid(np.arange(len(s.units)), np.arange(ahead), indexing="ij")
            q = np.quantile(x, QUANTILES, axis=-1)
            frame = pd.DataFrame(
                {
                    "origin": origin,
                    "origin_date": start + pd.Timedelta(days=int(np.ceil(origin * DAYS_PER_MONTH))),
                    "month": (origin + k).ravel(),
                    "ahead": (k + 1).ravel(),
                    "unit": np.asarray(s.units, dtype=object)[unit.ravel()],
                    "quantity": quantity,
                    "method": method,
                    "observed": observed.ravel(),
                    "mean": x.mean(axis=-1).ravel(),
                }
            )
            for level, values in zip(QUANTILES, q, strict=True):
                frame[quantile_column(level)] = values.ravel()
            frame["crps"] = crps(x, observed).ravel()
            frame["ignorance"] = ignorance(x, observed).ravel()
            frame["interval_score"] = interval_score(x, observed, INTERVAL_ALPHA).ravel()
            frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out["month_date"] = start + pd.to_timedelta(np.ceil(out["month"] * DAYS_PER_MONTH), unit="D")
    out["version"] = __version__
    out["seed"] = s.seed
    out["data"] = s.data
    out["draws"] = s.draws
    return out


def score_table(forecasts: pd.DataFrame) -> pd.DataFrame:
    """Mean scores per quantity x method x months ahead (``ahead`` 0: all months ahead)."""
    keys = ["quantity", "method"]
    agg = {name: (name, "mean") for name in SCORES} | {"targets": ("crps", "size")}
    by_ahead = forecasts.groupby([*keys, "ahead"]).agg(**agg).reset_index()
    overall = forecasts.groupby(keys).agg(**agg).reset_index().assign(ahead=0)
    table = pd.concat([by_ahead, overall], ignore_index=True)
    order = table["method"].map({m: i for i, m in enumerate(METHODS)})
    table = table.assign(order=order).sort_values(["quantity", "ahead", "order"], kind="stable")
    return table.drop(columns="order").reset_index(drop=True)[[*keys, "ahead", *agg]]
