"""Whether a change to the model kept every seed's numbers, table for table.

Hashes the summary and every table of each replication of 14 configurations (every
named scenario, the tr_sy geography, 160 and 400 sectors, weekly plans every 3 days,
mediation), saved before a change and checked after it. A change that only makes the
model faster must leave every hash as it was.

    python experiments/exactness.py save outputs/exactness.json
    python experiments/exactness.py check outputs/exactness.json

``check`` exits 0 when every hash matches, 1 naming the runs that differ, 2 on bad input.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from sim.config.compose import load_config
from sim.config.params import ConfigError
from sim.runs.files import read_json, write_json
from sim.runs.runner import model_params, replication_seeds, simulate

CONFIGS = (
    ("scenario=roadmap",),
    ("scenario=baseline",),
    ("scenario=all_at_once",),
    ("scenario=cooperation_only",),
    ("scenario=phase1_only",),
    ("scenario=roadmap_scheduled",),
    ("scenario=security_only",),
    ("scenario=spoiler_stress",),
    ("scenario=roadmap", "geography=tr_sy"),
    ("scenario=baseline", "geography=tr_sy"),
    ("scenario=roadmap", "geography.sector_km=5.0"),
    ("scenario=roadmap", "geography.sector_km=2.0"),
    ("scenario=roadmap", "patrol.redeploy_days=3"),
    ("scenario=roadmap", "measures.mediation.enabled=true"),
)


def hashes(days: int, seeds: int) -> dict[str, str]:
    """Each replication's hash, keyed by its configuration and replication."""
    out = {}
    for overrides in CONFIGS:
        cfg = load_config([*overrides, f"days={days}", "seed=11"])
        params = model_params(cfg)
        for i, seed in enumerate(replication_seeds(cfg.seed, seeds)):
            tables = simulate(params, cfg.days, seed)
            digest = hashlib.sha256(
                json.dumps(tables.summary, sort_keys=True, default=str).encode()
            )
            for name in sorted(tables.arrow):
                digest.update(name.encode())
                digest.update(tables.arrow[name].to_pandas().to_csv(index=False).encode())
            out[f"{' '.join(overrides)} #{i}"] = digest.hexdigest()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["save", "check"])
    parser.add_argument("path", type=Path, help="the saved hashes (JSON)")
    parser.add_argument("--days", type=int, default=1095, help="days a run (default 1095)")
    parser.add_argument("--seeds", type=int, default=3, help="replications (default 3)")
    args = parser.parse_args(argv)
    if args.days < 1 or args.seeds < 1:
        print("error: --days and --seeds are whole numbers of at least 1", file=sys.stderr)
        return 2
    saved = None
    if args.action == "check":
        try:
            saved = read_json(args.path)
        except (OSError, ValueError) as e:
            print(f"error: {args.path}: no saved hashes to check against ({e})", file=sys.stderr)
            return 2
        if not isinstance(saved, dict) or not isinstance(saved.get("runs"), dict):
            print(f"error: {args.path}: not hashes saved by this script", file=sys.stderr)
            return 2
        if saved.get("days") != args.days or saved.get("seeds") != args.seeds:
            print(
                f"error: {args.path} holds {saved.get('days')} days x {saved.get('seeds')} "
                f"seeds; check with --days {saved.get('days')} --seeds {saved.get('seeds')}",
                file=sys.stderr,
            )
            return 2
    try:
        now = hashes(args.days, args.seeds)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if saved is None:
        args.path.parent.mkdir(parents=True, exist_ok=True)
        write_json(args.path, {"days": args.days, "seeds": args.seeds, "runs": now})
        print(f"saved {len(now)} runs' hashes to {args.path}")
        return 0
    differ = [key for key, value in saved["runs"].items() if now.get(key) != value]
    if differ:
        print(f"{len(differ)} of {len(now)} runs differ:", *differ, sep="\n  ")
        return 1
    print(f"all {len(now)} runs unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
