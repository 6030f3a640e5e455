"""Simulation-based calibration of ``python -m sim.calibrate`` as configured.

Fits ``--fits`` data sets simulated at prior draws with the calibration's own settings
(any ``python -m sim.calibrate`` overrides after the options), ranks each true value
among ``--draws`` posterior draws, prints per parameter the uniformity test, the mean
normalised rank and the 90% coverage, and saves the rank histograms
(:mod:`sim.calibrate.sbc`). Killed, it resumes: every fit keeps its directory.

    python experiments/calibration_sbc.py --fits 100 --out outputs/sbc/shipped waves=3
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.calibrate.params import CalibrateSettings
from sim.calibrate.problem import prepare
from sim.calibrate.sbc import run_sbc, sbc_figure, uniformity
from sim.config.compose import compose_checked, to_settings
from sim.config.params import ConfigError
from sim.runs.files import save_figure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fits", type=int, default=100, help="fits of simulated data")
    parser.add_argument("--draws", type=int, default=99, help="posterior draws per fit")
    parser.add_argument("--bins", type=int, default=10, help="bins of the uniformity test")
    parser.add_argument("--seed", type=int, default=1, help="seed of the true values")
    parser.add_argument("--out", type=Path, default=Path("outputs/sbc"), help="directory")
    parser.add_argument("overrides", nargs="*", help="python -m sim.calibrate overrides")
    args = parser.parse_args(argv)
    try:
        settings = to_settings(compose_checked("calibrate", args.overrides), CalibrateSettings)
        problem = prepare(settings)  # every setting checked before any fit
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    ranks = run_sbc(settings, problem.model, args.fits, args.draws, args.out, args.seed)
    print(uniformity(ranks, args.bins).to_string(index=False))
    figure = save_figure(sbc_figure(ranks, args.bins), args.out / "sbc.png")
    print(f"ranks: {args.out / 'sbc.parquet'}; figure: {figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
