"""``python -m sim.compare DIR... [--metric M] [--baseline NAME] [--out DIR]``.

Rebuilds the merged tables and comparison figures from saved runs or sweeps
(any mix of single-run output directories and multirun directories), prints
the comparison table and writes its HTML report (``report.html``).

The table leads with the headline, five metrics side by side (hostile
attempts, successful attacks, interdictions, state-on-state incidents,
casualties, per month) and the roadmap spend; then each variant's paired
difference from the baseline in each of them and its change per M$ of roadmap
spending (``differences_headline.parquet``, see :mod:`sim.analysis.headline`).
``--metric`` names one more outcome for a detailed paired difference and the heatmaps.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.config.compose import command_line
from sim.report.command import REPORT, write_report
from sim.runs.sweep import aggregate
from sim.runs.terminal import OneLineParser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = OneLineParser(prog="python -m sim.compare", description=__doc__.split("\n\n")[1])
    parser.add_argument("dirs", nargs="+", type=Path, help="run or sweep output directories")
    parser.add_argument(
        "--metric",
        default="border_incidents_per_month",
        help="outcome for the detailed paired difference and heatmap, beside the headline's "
        "five (a column of runs.parquet)",
    )
    parser.add_argument(
        "--baseline",
        default=None,
        help="scenario (variant) to compare against; default 'baseline' if present",
    )
    parser.add_argument(
        "--heatmaps",
        nargs="+",
        default=["border_incidents_per_month"],
        help="outcomes to draw as heatmaps when two numeric parameters were swept",
    )
    parser.add_argument(
        "--threshold",
        type=float,
        default=0.0,
        help="monthly difference from the baseline a variant must stay below to count as a "
        "lasting improvement (default 0)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="where to write tables and figures (default: FIRST_DIR_comparison, beside the "
        "first directory)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    first = args.dirs[0].resolve()  # beside it, never inside: a re-run sweep would outdate it
    out = args.out or first.with_name(f"{first.name}_comparison")
    command = command_line("sim.compare", argv)
    try:
        failed = aggregate(
            args.dirs,
            out,
            args.metric,
            args.baseline,
            tuple(args.heatmaps),
            command=command,
            threshold=args.threshold,
            finish=lambda staging: write_report(staging, shown=out),
        )
        print(f"report: {out / REPORT}")
    except (FileNotFoundError, ValueError, KeyError) as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    except OSError as e:  # a full disk, say: the previous comparison, if any, is left whole
        print(f"error: {out}: cannot be written ({e.strerror or e})", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:  # the previous comparison, if any, is left whole
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    if failed:  # compared without them, as a sweep is; say so in the exit code too
        sys.exit(f"{len(failed)} source job(s) left out: {', '.join(failed)}")


if __name__ == "__main__":
    main()
