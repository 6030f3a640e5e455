"""How much wider is a policy effect once parameter uncertainty is carried along?

Reads the runs of sweeps over ``scenario=baseline,roadmap`` (one per way of
setting the parameters) and prints, for each, the roadmap - baseline paired
difference of a metric: its mean with the bootstrap 95% interval, and the
spread of the per-replication differences (standard deviation and central 90%
range: what one future run may show).

    python experiments/calibration_effects.py \
        fixed_defaults=outputs/effects/fixed calibrated=outputs/effects/calibrated
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.stats import paired_difference


def effect_row(runs: pd.DataFrame, metric: str, label: str) -> dict:
    wide = runs.pivot_table(index="replication", columns="scenario", values=metric)
    d = paired_difference(wide["roadmap"].to_numpy(), wide["baseline"].to_numpy())
    diffs = (wide["roadmap"] - wide["baseline"]).dropna().to_numpy()
    lo, hi = np.quantile(diffs, [0.05, 0.95])
    return {
        "parameters": label,
        "n": d.n,
        "baseline": float(wide["baseline"].mean()),
        "effect": d.mean,
        "ci_low": d.low,
        "ci_high": d.high,
        "ci_width": d.high - d.low,
        "sd_of_differences": float(diffs.std(ddof=1)),
        "p05": float(lo),
        "p95": float(hi),
    }


def read_sweep(item: str, metric: str) -> tuple[str, pd.DataFrame]:
    """``label=sweep_dir``'s label and runs, or a one-line ValueError naming what is wrong."""
    label, _, path = item.partition("=")
    if not label or not path:
        raise ValueError(f"{item}: expected label=sweep_dir")
    source = Path(path) / "sweep" / "runs.parquet"
    if not source.is_file():
        raise ValueError(f"{item}: no {source} (the directory of a finished sweep)")
    runs = pd.read_parquet(source)
    if metric not in runs.columns:
        known = ", ".join(c for c in runs.columns if c.endswith("_per_month"))
        raise ValueError(f"--metric={metric}: not a column of {source}; per month: {known}")
    if not {"baseline", "roadmap"} <= set(runs["scenario"]):
        raise ValueError(f"{item}: needs scenario=baseline,roadmap runs")
    return label, runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweeps", nargs="+", help="label=sweep_dir (its sweep/runs.parquet)")
    parser.add_argument("--metric", default="border_incidents_per_month")
    args = parser.parse_args()
    rows = []
    for item in args.sweeps:
        try:
            label, runs = read_sweep(item, args.metric)
        except ValueError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        rows.append(effect_row(runs, args.metric, label))
    table = pd.DataFrame(rows)
    table["ci_width_ratio"] = table["ci_width"] / table["ci_width"].iloc[0]
    pd.set_option("display.width", 200)
    print(f"roadmap - baseline, {args.metric}")
    print(table.round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
