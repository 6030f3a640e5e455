"""What was run, for the report's first section: seeds, versions, parameter draws, the
overrides of a run, the jobs and variants of a sweep, and the horizon in days.

The horizon comes from the runs table's ``days`` column (one value per run) when it
has one, else from the job.json of the jobs the runs came from.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from sim.report.html import esc
from sim.runs.jobs import RECEIPT, read_receipt
from sim.runs.results import grid_order


def seeds(runs: pd.DataFrame, by: str) -> str:
    """How the replications were seeded, and whether variants share their seeds (pairing)."""
    per = runs.groupby(by, sort=False)["seed"].agg(lambda s: tuple(sorted(set(s))))
    shared = per.nunique() == 1
    first = ", ".join(str(s) for s in runs["seed"].drop_duplicates().head(3))
    text = f"{runs['seed'].nunique()} distinct replication seeds (first: {first}, ...)"
    if len(per) > 1:
        text += (
            "; every variant runs the same seeds (common random numbers: differences are paired)"
            if shared
            else "; variants do NOT share their seeds, so differences are not paired"
        )
    return text


def versions(runs: pd.DataFrame) -> str:
    found = sorted(runs["version"].astype(str).unique()) if "version" in runs else []
    return esc(", ".join(found) or "not recorded")


def draws(runs: pd.DataFrame) -> list[tuple[str, str]]:
    if "draw" in runs and (runs["draw"] >= 0).any():
        share = (runs["draw"] >= 0).mean()
        return [("Parameters", esc(f"drawn from a calibration posterior in {share:.0%} of runs"))]
    return []


def run_overrides(directory: Path) -> list[str]:
    path = directory / ".hydra" / "overrides.yaml"
    return list(yaml.safe_load(path.read_text()) or []) if path.is_file() else []


def job_table(folder: Path, runs: pd.DataFrame) -> pd.DataFrame:
    """The jobs of the multirun that ``folder`` aggregates: status, variant, time, error."""
    variants = runs.drop_duplicates("config_id").set_index("config_id")["variant"]
    rows = []
    for job in sorted(folder.parent.glob("job*"), key=grid_order):
        r = read_receipt(job) if (job / RECEIPT).is_file() else {"status": "no job.json"}
        rows.append(
            {
                "job": job.name,
                "status": r.get("status", "unreadable job.json"),
                "variant": variants.get(r.get("config_id"), "(none)"),
                "seconds": r.get("seconds"),
                "error": r.get("error", ""),
            }
        )
    return pd.DataFrame(rows)


def variants_table(runs: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    per = runs.groupby("variant", sort=False)
    frame = pd.DataFrame(
        {
            "runs": per.size(),
            "overrides": per["overrides"].first(),
            "config": per["config_id"].first(),
        }
    )
    if any(k != v for k, v in names.items()):
        frame.insert(0, "label", [names.get(v, v) for v in frame.index])
    return frame.rename_axis("variant")


def _receipt_days(folder: Path, mark: dict, configs: set[str]) -> set[int]:
    """Horizons recorded in the job.json of the jobs (of these configs) the runs came from."""
    places = [*folder.parent.glob("job*/" + RECEIPT)]
    for source in map(Path, mark.get("sources", [])):
        if source.is_dir():
            places += [source / RECEIPT, *source.glob("*/" + RECEIPT)]
            places += source.glob("*/*/" + RECEIPT)
    days = set()
    for path in dict.fromkeys(places):
        r = read_receipt(path.parent) if path.is_file() else {}
        if "days" in r and r.get("config_id") in configs:
            days.add(int(r["days"]))
    return days


def horizon(folder: Path, runs: pd.DataFrame, mark: dict) -> tuple[int | None, str]:
    """The runs' horizon in days (the shortest, if they differ) and how to show it: from the
    runs table's ``days`` column, else from the jobs' job.json."""
    if "days" in runs and runs["days"].notna().any():
        days = {int(d) for d in runs["days"].dropna()}
    else:
        days = _receipt_days(folder, mark, set(runs["config_id"].astype(str)))
    if not days:
        return None, "not recorded"
    if len(days) == 1:
        return min(days), f"{min(days)} days"
    return min(days), f"{min(days)} to {max(days)} days (differs between variants)"
