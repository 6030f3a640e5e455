"""Has an ABC-SMC fit settled? Per-generation diagnostics, the stopping rule and their figure.

pyabc's adaptive distance rescales the statistics every generation, so its
epsilons are not comparable from one generation to the next and cannot say
whether a fit has converged. What can: whether the posterior still moves. Each
generation's weighted 5%, 50% and 95% quantiles of every parameter are
compared with the previous generation's, as a share of the prior's width; a
fit has *settled* when the largest of these shifts stayed below a threshold
for the last ``SETTLED_RUNS`` generations. The effective sample size (Kish's,
of the importance weights) and the acceptance rate say how much each
generation's particles are worth and what the next one costs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim.calibrate.params import PriorParams
from sim.calibrate.plots import weighted_quantiles

QUANTILES = (0.05, 0.5, 0.95)
QUANTILE_NAMES = ("low", "median", "high")
SETTLED_RUNS = 2
"""Generations in a row whose shift must stay below the threshold."""


def ess(weights: np.ndarray) -> float:
    """Kish's effective sample size of importance weights."""
    w = np.asarray(weights, dtype=float)
    return float(w.sum() ** 2 / (w**2).sum()) if w.size else 0.0


def generation_table(
    posterior: pd.DataFrame, priors: Sequence[PriorParams], populations: pd.DataFrame
) -> pd.DataFrame:
    """One row per generation: epsilon, simulations, acceptance rate, ESS, quantiles, shift.

    ``posterior`` is the tidy particle table (generation, weight, parameters);
    ``populations`` is pyabc's ``History.get_all_populations()`` (``t``,
    ``epsilon``, ``samples``, ``particles``). ``shift`` is NaN for the first
    generation, which has nothing to move from.
    """
    pops = populations[populations["t"] >= 0].set_index("t")
    rows = []
    previous: np.ndarray | None = None
    for gen, particles in posterior.groupby("generation", sort=True):
        w = particles["weight"].to_numpy()
        q = np.array(
            [weighted_quantiles(particles[p.name].to_numpy(), w, QUANTILES) for p in priors]
        )
        scaled = np.array(
            [p.to_fit(qs) / (p.bounds[1] - p.bounds[0]) for p, qs in zip(priors, q, strict=True)]
        )
        shift = float(np.abs(scaled - previous).max()) if previous is not None else math.nan
        previous = scaled
        samples = int(pops.at[gen, "samples"]) if gen in pops.index else 0
        row = {
            "generation": int(gen),
            "epsilon": float(pops.at[gen, "epsilon"]) if gen in pops.index else math.nan,
            "simulations": samples,
            "acceptance_rate": len(particles) / samples if samples else math.nan,
            "ess": ess(w),
            "ess_share": ess(w) / len(particles),
            "shift": shift,
        }
        for prior, values in zip(priors, q, strict=True):
            for name, value in zip(QUANTILE_NAMES, values, strict=True):
                row[f"{prior.name} {name}"] = float(value)
        rows.append(row)
    return pd.DataFrame(rows)


def settled(table: pd.DataFrame, within: float) -> bool:
    """The last ``SETTLED_RUNS`` generations each moved every quantile by less than ``within``."""
    shifts = table["shift"].dropna().to_numpy()
    return (
        within > 0 and len(shifts) >= SETTLED_RUNS and bool((shifts[-SETTLED_RUNS:] < within).all())
    )


def convergence_figure(table: pd.DataFrame, priors: Sequence[PriorParams], within: float) -> Figure:
    """Each parameter's median and 90% interval by generation, and what each generation cost."""
    n = len(priors) + 1
    cols = min(3, n)
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(4.2 * cols, 3.0 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    gen = table["generation"].to_numpy() + 1
    for ax, prior in zip(axes, priors, strict=False):
        low, med, high = (table[f"{prior.name} {q}"] for q in QUANTILE_NAMES)
        ax.fill_between(gen, low, high, color="#4c78a8", alpha=0.25, label="90% interval")
        ax.plot(gen, med, color="#4c78a8", marker="o", ms=3, label="median")
        ax.set_ylim(prior.low, prior.high)
        ax.set_yscale("log" if prior.log else "linear")
        ax.set_xlabel("generation")
        ax.set_ylabel(prior.name, fontsize=8)
    axes[0].legend(fontsize=7, loc="best")
    ax = axes[len(priors)]
    ax.plot(gen, table["ess_share"], marker="o", ms=3, color="#4c78a8", label="ESS / population")
    ax.plot(
        gen, table["acceptance_rate"], marker="s", ms=3, color="#e45756", label="acceptance rate"
    )
    ax.plot(
        gen, table["shift"], marker="^", ms=3, color="black", label="largest shift / prior width"
    )
    if within > 0:
        ax.axhline(within, color="black", ls=":", lw=1, label=f"settled below {within:g}")
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("generation")
    ax.set_ylabel("share")
    ax.legend(fontsize=7, loc="best")
    for ax in axes[:n]:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.suptitle("ABC-SMC by generation: posterior quantiles, effective sample size, acceptance")
    return fig
