"""What ``python -m sim.explore`` makes of a finished design: indices, PRIM, robustness, figures.

Per design point an outcome is the mean over its replications; with a
``versus`` scenario, ``effect_<outcome>`` is the mean paired difference
(versus minus scenario, same seeds) at that point.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sim.explore.designs import Factor
from sim.explore.discovery import prim, robustness
from sim.explore.plots import morris_figure, prim_figure, sobol_figure
from sim.explore.sensitivity import convergence, morris, sobol
from sim.explore.tasks import writing
from sim.runs.files import atomic_path, save_figure

log = logging.getLogger(__name__)


def point_outcomes(
    runs: pd.DataFrame, scenario: str, versus: str | None, outcomes: Sequence[str]
) -> pd.DataFrame:
    """One row per design point: the mean of each outcome (and of each paired effect)."""
    keyed = runs.set_index(["scenario", "point", "replication"])[list(outcomes)]
    means = keyed.loc[scenario].groupby(level="point").mean()
    if versus is not None:
        effect = (keyed.loc[versus] - keyed.loc[scenario]).groupby(level="point").mean()
        means = means.join(effect.add_prefix("effect_"))
    return means.sort_index()


def failures(runs: pd.DataFrame, cfg) -> pd.Series:
    """Whether each run of the main scenario failed (see FailureParams)."""
    rule = cfg.explore.failure
    failed = runs[rule.outcome] > rule.above
    if rule.relapse:
        failed |= runs["relapses"] > 0
    return failed


def save_table(frame: pd.DataFrame, path: Path) -> None:
    """Write a table atomically (:class:`~sim.explore.tasks.NotWritten` if it cannot be)."""
    with writing(path), atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)


def _save_figure(figure, path: Path) -> None:
    with writing(path):
        save_figure(figure, path)


def analyse(
    cfg, factor_list: Sequence[Factor], design: pd.DataFrame, runs: pd.DataFrame, out: Path
) -> None:
    """Write the analysis tables (and figures) that the design supports, each atomically
    (:class:`~sim.explore.tasks.NotWritten` if one cannot be written)."""
    ex = cfg.explore
    names = [f.key for f in factor_list]
    figures = out / "figures"
    outcomes = point_outcomes(runs, cfg.scenario, cfg.versus, ex.outcomes)
    table = None
    if ex.design == "saltelli":
        table = sobol(design, outcomes, factor_list, ex.second_order, seed=cfg.seed)
        figure = sobol_figure(table)
    elif ex.design == "morris":
        table = morris(design, outcomes, factor_list, seed=cfg.seed)
        figure = morris_figure(table)
    if table is not None:
        table = table.assign(design_id=runs["design_id"].iloc[0], version=runs["version"].iloc[0])
        save_table(table, out / "sensitivity.parquet")
        for line in convergence(table):
            log.warning(line)
        if ex.figures:
            _save_figure(figure, figures / "sensitivity.png")
        _log_top(table)
    if ex.prim:
        main = runs[runs["scenario"] == cfg.scenario]
        failed = failures(main, cfg)
        if 0 < failed.sum() < len(failed):
            steps, box = prim(main[names], failed.to_numpy())
            save_table(steps, out / "prim_trajectory.parquet")
            save_table(box, out / "prim_box.parquet")
            if ex.figures:
                _save_figure(prim_figure(steps, box, failed.mean()), figures / "prim.png")
            log.info("PRIM box (%.0f%% of runs fail):\n%s", 100 * failed.mean(), box.to_string())
        else:
            log.info("PRIM skipped: %d of %d runs fail", failed.sum(), len(failed))
    if cfg.versus is not None:
        rows, deciders = [], []
        for outcome in ex.outcomes:
            summary, factors_table = robustness(runs, names, outcome, cfg.scenario, cfg.versus)
            rows.append(summary)
            deciders.append(factors_table.assign(outcome=outcome))
        save_table(pd.DataFrame(rows), out / "robustness.parquet")
        save_table(pd.concat(deciders), out / "robustness_factors.parquet")
        log.info("robustness:\n%s", pd.DataFrame(rows).to_string())


def _log_top(table: pd.DataFrame) -> None:
    main = table[table["index"].isin(["ST", "mu_star"])]
    for outcome, rows in main.groupby("outcome"):
        top = rows.sort_values("value", ascending=False).head(5)
        log.info("%s, top factors:\n%s", outcome, top.to_string(index=False))
