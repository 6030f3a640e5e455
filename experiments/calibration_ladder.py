"""History matching then ABC-SMC against ABC-SMC alone, on the same settings.

Runs ``python -m sim.calibrate`` twice with the same overrides (after the options), once
with ``waves=0`` and once with ``--waves`` waves, each into its own directory under
``--out`` (killed, either resumes there), and prints per fit: simulations, wall time,
whether it settled and why it stopped, then each parameter's posterior median and 90%
interval in both, so a user sees what the waves saved and whether the two posteriors
agree.

    python experiments/calibration_ladder.py --waves 3 --out outputs/ladder settled_shift=0.1
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from sim.calibrate.command import calibrate
from sim.calibrate.params import CalibrateSettings
from sim.calibrate.plots import weighted_quantiles
from sim.calibrate.problem import prepare
from sim.config.compose import compose_checked, to_settings
from sim.config.params import ConfigError


def fit(overrides: list[str], out: Path) -> tuple[dict, pd.DataFrame]:
    """One fit's receipt and its final generation's particles."""
    settings = to_settings(compose_checked("calibrate", overrides), CalibrateSettings)
    out.mkdir(parents=True, exist_ok=True)
    receipt = calibrate(prepare(settings), out)
    posterior = pd.read_parquet(out / "posterior.parquet")
    return receipt, posterior[posterior["generation"] == posterior["generation"].max()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waves", type=int, default=3, help="history matching waves")
    parser.add_argument("--out", type=Path, default=Path("outputs/ladder"), help="directory")
    parser.add_argument("overrides", nargs="*", help="python -m sim.calibrate overrides")
    args = parser.parse_args(argv)
    runs = {"ABC-SMC alone": ["waves=0"], "history matching + ABC-SMC": [f"waves={args.waves}"]}
    try:
        for extra in runs.values():  # both checked before either runs
            prepare(to_settings(compose_checked("calibrate", args.overrides + extra),
                                CalibrateSettings))  # fmt: skip
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    rows, quantiles = [], []
    for name, extra in runs.items():
        receipt, final = fit(args.overrides + extra, args.out / extra[0].replace("=", "_"))
        rows.append(
            {
                "fit": name,
                "simulations": receipt["simulations"],
                "seconds": receipt["seconds"],
                "generations": receipt["generations"],
                "stopped": receipt["stopped"],
                "settled": receipt["settled"],
            }
        )
        for p in receipt["settings"]["parameters"]:
            lo, mid, hi = weighted_quantiles(final[p["name"]], final["weight"], [0.05, 0.5, 0.95])
            quantiles.append(
                {
                    "fit": name,
                    "parameter": p["name"],
                    "median [90%]": f"{mid:.4g} [{lo:.4g}, {hi:.4g}]",
                }
            )
    print(pd.DataFrame(rows).to_string(index=False))
    print()
    table = pd.DataFrame(quantiles).pivot(index="parameter", columns="fit", values="median [90%]")
    print(table.to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
