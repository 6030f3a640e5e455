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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweeps", nargs="+", help="label=sweep_dir (its sweep/runs.parquet)")
    parser.add_argument("--metric", default="border_incidents_per_month")
    args = parser.parse_args()
    rows = []
    for item in args.sweeps:
        label, _, path = item.partition("=")
        runs = pd.read_parquet(Path(path) / "sweep" / "runs.parquet")
        rows.append(effect_row(runs, args.metric, label))
    table = pd.DataFrame(rows)
    table["ci_width_ratio"] = table["ci_width"] / table["ci_width"].iloc[0]
    pd.set_option("display.width", 200)
    print(f"roadmap - baseline, {args.metric}")
    print(table.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
