"""The report's answers to "which measure buys what, how fast, and how reliably".

Sections of a sweep or comparison report, from the tables the aggregation
writes (``differences*.parquet``): how fast each variant moves away from the
baseline month by month, how reliably (single pairs, pairs won, percent of the
baseline), what the headline difference is made of by incident type, and how
far each variant's runs got through the roadmap's phases.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.labels import label
from sim.analysis.paired import BORDER_TYPES, TYPES, month_start_day, timing_table
from sim.analysis.stats import (
    disagreement,
    format_p,
    interval,
    interval_column,
    numbers,
    percent,
    share,
)
from sim.report.html import bullets, paragraph, table

DZ_TEXT = (
    "d_z is the mean paired difference in units of its standard deviation across pairs: "
    "how consistently the pairs differ, not how much. |d_z| >= 0.8 is large, 0.5 medium, "
    "0.2 small (Cohen); a large d_z with a small difference means a small but steady effect."
)
PHASES = (1, 2, 3)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path) if path.is_file() else pd.DataFrame()


def _month(value: float | None) -> str:
    if value is None or not np.isfinite(value):
        return "not by the end"
    return f"month {int(value)} (day {month_start_day(int(value))})"


# ---- how fast -------------------------------------------------------------------------------


SHORT_SPAN = 3
"""Months below the threshold, at the end of the horizon, fewer than which are too few to
call a change lasting: each month's interval is read on its own, so a last month or two
below may be chance among the many months looked at."""


def timing_sentence(row: pd.Series, names: dict[str, str]) -> str:
    """When a variant's monthly difference from the baseline drops below the threshold for good."""
    who, base = names.get(row["scenario"], row["scenario"]), names.get(row["baseline"])
    below = f"below {numbers(row['threshold'])[0]}"
    last = interval(row["last_mean"], row["last_low"], row["last_high"])
    if row["interval_below_from"] is not None and np.isfinite(row["interval_below_from"]):
        when = (
            f"its whole 95% interval is {below} from {_month(row['interval_below_from'])} "
            "to the end of the horizon"
        )
        span = int(row["last_month"] - row["interval_below_from"]) + 1
        if span < SHORT_SPAN:  # one interval among the months looked at: may be chance
            when += (
                f", only its last {'month' if span == 1 else f'{span} months'}: too few to "
                "call it lasting (a longer horizon would tell)"
            )
    elif row["mean_below_from"] is not None and np.isfinite(row["mean_below_from"]):
        when = (
            f"its mean is {below} from {_month(row['mean_below_from'])} on, but its interval "
            "does not stay there: not a reliable lasting improvement"
        )
    else:
        when = f"its mean does not stay {below} to the end of the horizon"
    return (
        f"{who}: monthly border incidents minus {base}'s, {when}; in the last month "
        f"(month {row['last_month']}) {last} ({row['n']} pairs)."
    )


def timing_html(folder: Path, names: dict[str, str], threshold: float = 0.0) -> str:
    monthly = _read(folder / "differences_monthly.parquet")
    if monthly.empty:
        return paragraph("No month-by-month differences (one variant, or no complete month).")
    timing = timing_table(monthly, threshold)
    shown = pd.DataFrame(
        {
            "variant": timing["scenario"].map(lambda s: names.get(s, s)),
            "pairs": timing["n"],
            "mean stays below from": timing["mean_below_from"].map(_month),
            "95% CI stays below from": timing["interval_below_from"].map(_month),
            f"last month (month {timing['last_month'].max()}) [95% CI]": interval_column(
                timing["last_mean"], timing["last_low"], timing["last_high"]
            ),
        }
    )
    note = (
        f"Border incidents per month, variant minus baseline in runs with the same seed; "
        f"'below' means below {numbers(threshold)[0]} in that month and every later one to "
        "the end of the horizon. Months are counted from 0 at the start, as in the figures; "
        "only complete months. After the horizon nothing is known."
    )
    return bullets([timing_sentence(r, names) for _, r in timing.iterrows()]) + table(shown, note)


# ---- how reliably ---------------------------------------------------------------------------


def reliability_html(diffs: pd.DataFrame, names: dict[str, str]) -> str:
    """The paired differences with the spread of single pairs, the pairs won (Wilson
    interval), the effect in percent of the baseline mean, d_z (explained) and p."""
    if diffs.empty:
        return paragraph("Only one variant: there is nothing to compare.")
    metric = diffs["metric"].iloc[0]
    direction = diffs["better"].iloc[0] if "better" in diffs else "lower"
    spread = "p10" in diffs
    shown = pd.DataFrame(
        {
            "variant": diffs["scenario"].map(lambda s: names.get(s, s)),
            "pairs": diffs["n"],
            "mean difference [95% CI]": interval_column(diffs["mean"], diffs["low"], diffs["high"]),
        }
    )
    if spread:
        shown["% of baseline mean [95% CI]"] = [
            percent(p, lo, hi) for p, lo, hi in diffs[["pct", "pct_low", "pct_high"]].to_numpy()
        ]
        spread = numbers(*diffs["p10"], *diffs["p90"])
        half = len(diffs)
        shown["single pairs, 10th to 90th percentile"] = [
            f"{lo} to {hi}" for lo, hi in zip(spread[:half], spread[half:], strict=True)
        ]
        shown[f"{direction} than baseline in [95% CI]"] = [
            share(int(w), int(n)) for w, n in diffs[["wins", "n"]].to_numpy()
        ]
    shown["d_z"] = diffs["effect_size"].map(lambda v: f"{v:.2f}" if np.isfinite(v) else "n/a")
    shown["p"] = diffs["p_value"].map(format_p)
    note = (
        "Pairs: runs matched by seed (common random numbers). Mean difference: bootstrap "
        "percentile 95% CI. % of baseline mean: the mean difference over the baseline's mean, "
        "with a bootstrap interval over the same resampled pairs. Single pairs: how far one "
        "run's difference can go, not an interval of the mean (with few pairs, close to their "
        "smallest and largest). Pairs won: share with a Wilson 95% interval (ties count as not "
        "won). p: paired t-test."
    )
    notes = [
        f"{names.get(r['scenario'], r['scenario'])}: {text}"
        for _, r in diffs.iterrows()
        if (text := disagreement(r["low"], r["high"], r["p_value"], int(r["n"])))
    ]
    return (
        paragraph(f"Outcome: {label(metric)}.")
        + table(shown, note)
        + paragraph(DZ_TEXT)
        + (bullets(notes) if notes else "")
    )


# ---- by incident type -----------------------------------------------------------------------


def drivers_sentence(rows: pd.DataFrame, names: dict[str, str]) -> str:
    """What a variant's difference in border incidents per month is made of, largest first."""
    rows = rows.set_index("type")
    who = names.get(rows["scenario"].iloc[0], rows["scenario"].iloc[0])
    if (rows[["mean", "low", "high"]] == 0).all().all():
        return f"{who}: the same counts of every type as the baseline in every pair."
    total = rows.loc["border_incidents"] if "border_incidents" in rows.index else None
    parts = rows.loc[[t for t in BORDER_TYPES if t in rows.index]]
    parts = parts.reindex(parts["mean"].abs().sort_values(ascending=False).index)
    values = numbers(*(parts["mean"]), *([total["mean"]] if total is not None else []))
    shown = [
        f"{TYPES[t].split(' (')[0].lower()} {v if v.startswith('-') else '+' + v}"
        for t, v in zip(parts.index, values, strict=False)
    ]
    head = f"{who}: border incidents per month "
    if total is not None:
        head += f"{values[-1] if values[-1].startswith('-') else '+' + values[-1]}, "
    text = head + "of which " + ", ".join(shown) + "."
    if total is not None and total["mean"] > 0 and "interdiction" in parts.index:
        inter = parts.loc["interdiction", "mean"]
        if inter > 0 and inter >= 0.5 * total["mean"]:
            text += (
                " Most of the rise is interdictions: infiltrations stopped at the border count "
                "as incidents, so more of them can mean more control, not more violence."
            )
    return text


def types_html(folder: Path, names: dict[str, str]) -> str:
    types = _read(folder / "differences_by_type.parquet")
    if types.empty:
        return paragraph("No breakdown by incident type (one variant, or older tables).")
    kinds = [t for t in TYPES if t in set(types["type"])]
    cells = pd.concat(
        [
            g.assign(cell=interval_column(g["mean"], g["low"], g["high"]))
            for _, g in types.groupby("type", sort=False)
        ]
    )
    wide = cells.pivot_table(
        index="scenario", columns="type", values="cell", aggfunc="first", sort=False
    )
    wide = wide[kinds].rename(columns=lambda t: TYPES[t])
    wide.index = [names.get(s, s) for s in wide.index]
    wide = wide.rename_axis("variant")
    sentences = [drivers_sentence(g, names) for _, g in types.groupby("scenario", sort=False)]
    note = (
        "Per month, variant minus baseline over seed-matched pairs, mean [bootstrap 95% CI]. "
        "Attacks, interdictions, clashes and ceasefire violations add up to border incidents; "
        "smuggling and crossings are logged but are not border incidents; victims are those "
        "of attacks, clashes and violations."
    )
    return bullets(sentences) + table(wide, note)


# ---- phases reached -------------------------------------------------------------------------


def phase_shares(runs: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per group: runs, and for each phase the share of runs that reached it (Wilson CI)."""
    rows = {}
    for name, group in runs.groupby(by, sort=False):
        row = {"runs": len(group)}
        for p in PHASES:
            column = f"phase{p}_day"
            if column in group:
                row[f"phase {p}"] = share(int(group[column].notna().sum()), len(group))
        rows[name] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def phase3_note(runs: pd.DataFrame, by: str) -> str | None:
    """Phase 3 reached, per scenario (and per variant when they differ), never pooled."""
    if "phase3_day" not in runs or runs["phase3_day"].notna().all():
        return None
    if runs["phase3_day"].isna().all():
        return "No run reached phase 3, so nothing here speaks of long-term cooperation."
    per = runs.groupby("scenario", sort=False)["phase3_day"]
    parts = [
        f"{name} {s.notna().mean():.0%} ({s.notna().sum()} of {len(s)} runs)" for name, s in per
    ]
    text = (
        "Phase 3 was reached, per scenario, in: " + "; ".join(parts) + ". The day it was "
        "reached is averaged over the runs that reached it only (the share is given beside it)."
    )
    if by != "scenario" and runs[by].nunique() > runs["scenario"].nunique():
        text += " Per variant: see 'Phases reached'."
    return text


def phases_html(runs: pd.DataFrame, names: dict[str, str], by: str = "variant") -> str:
    if not any(f"phase{p}_day" in runs for p in PHASES):
        return paragraph("The runs table records no phase days.")
    shares = phase_shares(runs, by)
    shares.index = [names.get(s, s) for s in shares.index]
    return table(
        shares.rename_axis("variant"),
        "Runs that reached each phase of the gate machine by the end of the horizon: count, "
        "share and Wilson 95% interval (the share of a variant's runs, never pooled across "
        "variants or scenarios).",
    )
