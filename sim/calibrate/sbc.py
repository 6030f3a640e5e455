"""Simulation-based calibration of the fitting method: does it find parameters it knows?

Talts et al. (2018, arXiv:1804.06788): draw a true parameter set from the prior, simulate
data with it, fit those data with the method exactly as configured (history matching
waves, if any, then ABC-SMC), and note the *rank* of each true value among ``draws``
draws from the fitted posterior. If the method's posteriors are right, the ranks are
uniform on ``0..draws``. A U shape means posteriors too narrow (overconfident), a hump
too wide (ABC's tolerance makes them conservative), a slope a bias. Each fit's true
values and ranks are a row of ``sbc.parquet``; each fit runs in ``fit_<i>/`` and, killed,
resumes there (its truth comes from ``seed`` and ``i`` alone).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from sim.analysis.events import event_statistics
from sim.calibrate.params import CalibrateSettings
from sim.calibrate.problem import Problem
from sim.calibrate.simulator import Simulator
from sim.calibrate.smc import posterior_table, run_abc
from sim.config.params import Config
from sim.runs.files import atomic_path
from sim.runs.runner import model_params

MAX_TRIES = 20
"""Prior draws tried for one fit before giving up on data whose statistics can be computed."""


def synthetic_problem(
    settings: CalibrateSettings, model: Config, fit: int, seed: int
) -> tuple[Problem, dict[str, float]]:
    """Fit ``fit``'s problem: data simulated at a prior draw (redrawn while a statistic
    cannot be computed from them: such data would be refused), and the draw."""
    rng = np.random.default_rng([seed, fit])
    simulator = Simulator(model_params(model), settings.days, settings.units, settings.tail_min)
    for _ in range(MAX_TRIES):
        truth = {p.name: float(p.to_model(rng.uniform(*p.bounds))) for p in settings.parameters}
        observed = simulator.events(truth, seed=int(rng.integers(2**62)))
        statistics = event_statistics(observed, settings.units, settings.tail_min)
        if all(np.isfinite(v) for v in statistics.values()):
            fitted = dataclasses.replace(settings, seed=(settings.seed + fit) % 2**32)
            return Problem(fitted, model, observed, statistics), truth
    raise ValueError(f"fit {fit}: {MAX_TRIES} prior draws gave data without every statistic")


def run_sbc(
    settings: CalibrateSettings, model: Config, fits: int, draws: int, out_dir: Path, seed: int
) -> pd.DataFrame:
    """``fits`` fits of synthetic data; one row per fit and parameter: its true value and
    rank among ``draws`` posterior draws (from the final generation, by weight)."""
    names = [p.name for p in settings.parameters]
    rows = []
    for fit in range(fits):
        problem, truth = synthetic_problem(settings, model, fit, seed)
        fit_dir = out_dir / f"fit_{fit}"
        fit_dir.mkdir(parents=True, exist_ok=True)
        history, stopped, _ = run_abc(problem, fit_dir)
        final = posterior_table(history, settings.parameters, history.max_t)
        rng = np.random.default_rng([seed, fit, 1])
        weights = final["weight"].to_numpy() / final["weight"].sum()
        picked = final.iloc[rng.choice(len(final), size=draws, p=weights)]
        for name in names:
            rows.append(
                {
                    "fit": fit,
                    "parameter": name,
                    "truth": truth[name],
                    "rank": int((picked[name].to_numpy() < truth[name]).sum()),
                    "draws": draws,
                    "generations": history.max_t + 1,
                    "stopped": stopped,
                }
            )
        table = pd.DataFrame(rows)
        with atomic_path(out_dir / "sbc.parquet", ".parquet") as tmp:
            table.to_parquet(tmp, index=False)
    return pd.DataFrame(rows)


def uniformity(ranks: pd.DataFrame, bins: int) -> pd.DataFrame:
    """Per parameter: the chi-square test of uniform ranks over ``bins`` bins, the mean
    normalised rank (0.5 unbiased) and how often the truth fell in the central 90% of the
    posterior draws (0.9 calibrated; above: conservative, below: overconfident)."""
    out = []
    for name, group in ranks.groupby("parameter", sort=False):
        u = group["rank"].to_numpy() / group["draws"].to_numpy()
        counts = np.bincount(np.minimum((u * bins).astype(int), bins - 1), minlength=bins)
        out.append(
            {
                "parameter": name,
                "fits": len(u),
                "chi2_p": float(stats.chisquare(counts).pvalue),
                "mean_rank": float(u.mean()),
                "coverage_90": float(((u >= 0.05) & (u <= 0.95)).mean()),
            }
        )
    return pd.DataFrame(out)


def sbc_figure(ranks: pd.DataFrame, bins: int) -> Figure:
    """Rank histograms, each with the band 99% of histograms of uniform ranks fall in."""
    names = list(dict.fromkeys(ranks["parameter"]))
    cols = min(3, len(names))
    rows = -(-len(names) // cols)
    fig = Figure(figsize=(4.4 * cols, 3.3 * rows + 0.4), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    for ax, name in zip(axes, names, strict=False):
        group = ranks[ranks["parameter"] == name]
        u = group["rank"].to_numpy() / group["draws"].to_numpy()
        lo, hi = stats.binom.ppf([0.005, 0.995], len(u), 1.0 / bins)
        ax.axhspan(lo, hi, color="#bbbbbb", alpha=0.5, label="99% band of uniform ranks")
        ax.axhline(len(u) / bins, color="#555555", lw=1, label="expected if uniform")
        ax.hist(u, bins=np.linspace(0, 1, bins + 1), color="#4c78a8", label="fits")
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("rank of the truth among posterior draws (share)")
        ax.set_ylabel("fits")
        ax.set_xlim(0, 1)
    axes[0].legend(fontsize=8, loc="upper left")
    fig.suptitle(f"Simulation-based calibration: {len(u)} fits of data simulated from the prior")
    return fig
