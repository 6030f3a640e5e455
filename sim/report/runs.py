"""The report's sections for a single run (``python -m sim``) and a sweep or comparison.

What was run (command, variants and their overrides, replications, seeds,
horizon, version, date), what the runs show (the paired differences in words),
what they do not show (made specific by their size, horizon and intervals), the
summary table, the paired differences and every figure with its caption.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.analysis.labels import label, variant_labels
from sim.analysis.paired import unpaired_text
from sim.report.effects import phases_html, reliability_html, timing_html, types_html
from sim.report.findings import caveats, difference_caveats, difference_sentence
from sim.report.headline import (
    headline_figure_path,
    headline_html,
    headline_sentence,
    shows_headline,
    spend_figure_path,
    spend_html,
)
from sim.report.html import (
    Report,
    bullets,
    caveat_section,
    code,
    command_cell,
    esc,
    facts,
    figures,
    section,
    table,
    unknown_caption,
    when,
)
from sim.report.provenance import (
    draws,
    horizon,
    job_table,
    run_overrides,
    seeds,
    variants_table,
    versions,
)
from sim.runs.files import read_json
from sim.runs.jobs import read_receipt
from sim.runs.results import AGGREGATE_MARK
from sim.runs.terminal import summary_table

FIGURE_ORDER = (
    "headline",
    "spend",
    "incidents",
    "difference",
    "outcomes",
    "phase_share",
    "heatmap",
)
"""The headline pictures first, then what it cost, then the comparison, then the detail."""


# ---- figures ---------------------------------------------------------------------------------


def run_caption(stem: str, context: dict) -> str:
    """One honest sentence per kind of figure of runs and sweeps (by file name)."""
    n, baseline = context["n"], context.get("baseline", "the baseline")
    scenario = context.get("scenario", "the scenario")
    band = f"band: 95% bootstrap CI of the mean over {n} replications, not the spread of runs"
    metric = stem.split("_", 1)[-1]
    shading = (
        "shading: the roadmap phase of the gate machine (pre-agreement, phase 1, 2, 3) most "
        "runs were in that month, which is not the same as the measures a scenario runs"
    )
    months = (
        "one panel per metric, each in its own unit per month; the last panel is border "
        "incidents, what the phase gates count, for reference"
    )
    captions = {
        "headline": "The headline per variant: the mean per month of hostile attempts, "
        "successful attacks, interdictions, state-on-state incidents and casualties, and the "
        "roadmap spend (M$ over the run), each with its 95% bootstrap CI across "
        f"{n} replications; the intervals are unpaired (see the paired differences).",
        "headline_by_month": f"The headline month by month, {months} (line: each variant's "
        f"mean, dashed: {baseline}; {band}; dotted lines P1-P3: the start of the month "
        "nearest to when a variant's median run entered that phase).",
        "headline_difference": f"Paired difference of each variant from {baseline} in the five "
        "headline metrics per month (dot: mean over seed-matched pairs; bar: bootstrap 95% "
        "CI; grey: 10th to 90th percentile of single pairs); at the right of each panel the "
        "change per M$ of roadmap spending with its 95% Fieller interval (n/a: the spend does "
        "not differ).",
        "spend": "Mean spend of each variant over the run by item, both governments (M$): the "
        "roadmap's items stacked, the whisker the 95% bootstrap CI of their total; regular "
        "patrols apart, at the right.",
        "incidents": f"The headline month by month for {scenario}, {months} (line: mean; "
        f"{band}; {shading}).",
        "incidents_by_scenario": f"Monthly border incidents, the phase gates' count (attacks, "
        f"interdictions and state-on-state incidents), of each variant (line: mean; {band}; "
        f"{shading}; dashed: the mean of {baseline}); more interdictions raise it.",
        "outcomes": "Each outcome's mean per variant with its 95% bootstrap CI across "
        "replications (the day a phase was reached: over the runs that reached it, their share "
        "at the right; an outcome no run has a value for is named below the panels instead of "
        "drawn empty); the intervals are unpaired, so two variants are better compared "
        "through the paired differences.",
        "phase_share": "Share of each variant's replications in each roadmap phase of the gate "
        "machine, day by day: how far the agreement got and how much its runs disagree about it.",
        "difference": f"Paired difference of each variant from {baseline} in {label(metric)} "
        "(dot: mean over seed-matched pairs; bar: bootstrap 95% CI of that mean; grey: 10th to "
        "90th percentile of single pairs; right: d_z and paired t-test p); a bar crossing the "
        "zero line means no detectable difference.",
        "difference_by_month": f"How fast: each variant's monthly border incidents minus "
        f"{baseline}'s in runs with the same seed, month by month (line: mean over pairs; band: "
        "bootstrap 95% CI of the mean; dotted: the month from which the whole interval stays "
        "below zero to the end of the horizon).",
        "difference_by_type": f"What a difference is made of: the paired difference from "
        f"{baseline} per month for each incident type and for victims (dot and bar: mean and "
        "bootstrap 95% CI; grey: 10th to 90th percentile of single pairs). Red panels are the "
        "four types that add up to border incidents; interdictions (infiltrations stopped) "
        "count among them, so more patrols can raise the count.",
        "heatmap": f"Mean {label(metric)} over the grid of the two swept parameters (one panel "
        "per scenario or other swept setting), each cell's 95% CI half-width under its mean; the "
        "colours show means only, so cells closer than their half-widths are not "
        "distinguishable.",
    }
    key = stem if stem in captions else stem.split("_", 1)[0]
    return captions.get(key, unknown_caption(stem))


# ---- single run ------------------------------------------------------------------------------


def run_report(directory: Path) -> Report:
    runs = pd.read_parquet(directory / "runs.parquet")
    receipt = read_receipt(directory)
    scenario = str(runs["scenario"].iloc[0])
    days = receipt.get("days")
    overrides = run_overrides(directory) or str(runs["overrides"].iloc[0]).split()
    what = facts(
        [
            ("Command", command_cell(receipt.get("command"))),
            ("Scenario", esc(scenario)),
            ("Overrides", code(" ".join(overrides)) if overrides else esc("none")),
            ("Replications", esc(len(runs))),
            ("Horizon", esc(f"{days} days" if days else "not recorded")),
            (
                "Seeds",
                esc(f"seed={receipt.get('seed', 'not recorded')}; " + seeds(runs, "scenario")),
            ),
            *draws(runs),
            ("Package version", versions(runs)),
            ("Status", esc(receipt.get("status", "no job.json (written by the Python API?)"))),
            ("Finished", esc(when(receipt.get("ended")))),
            ("Directory", code(str(directory))),
        ]
    )
    summary = summary_table(runs)
    shows = shows_headline(runs) + [
        f"{label(m)}: {summary[label(m)].iloc[0]} (mean [95% CI] over {len(runs)} replications)."
        for m in ("border_incidents_per_month", "detection_rate")
        if label(m) in summary
    ]
    context = {"n": len(runs), "scenario": scenario}

    def caption(stem: str) -> str:
        return run_caption(stem, context)

    shown = (headline_figure_path(directory), spend_figure_path(directory))
    sections = [
        ("headline", "Headline", headline_html(directory, runs, {}, caption, pd.DataFrame())),
        ("spend", "Spend", spend_html(directory, runs, {}, caption)),
        ("run", "What was run", section("What was run", "run", what)),
        ("shows", "What it shows", section("What it shows", "shows", bullets(shows))),
        caveat_section(caveats(runs, "scenario", days) + difference_caveats(pd.DataFrame())),
        ("summary", "Summary", section("Summary table", "summary", _summary_html(summary))),
        (
            "figures",
            "Figures",
            section(
                "Figures",
                "figures",
                figures(directory / "figures", caption, FIGURE_ORDER, shown),
            ),
        ),
    ]
    return Report(f"Run report: {scenario}", f"{len(runs)} replications of {scenario}.", sections)


def _summary_html(summary: pd.DataFrame, names: dict[str, str] | None = None) -> str:
    if names and any(k != v for k, v in names.items()):
        summary = summary.rename(index=names).rename_axis(summary.index.name)
    return table(
        summary,
        "Mean [95% bootstrap CI] across replications; n: runs; "
        "'never' / '(x% of runs)': a phase not reached in every run.",
    )


# ---- sweep or comparison -------------------------------------------------------------------


def sweep_report(folder: Path) -> Report:
    mark = read_json(folder / AGGREGATE_MARK)
    runs = pd.read_parquet(folder / "runs.parquet")
    path = folder / "differences.parquet"
    diffs = pd.read_parquet(path) if path.is_file() else pd.DataFrame()
    variants = list(dict.fromkeys(runs["variant"]))
    names = variant_labels(variants)
    by_variant = runs.assign(scenario=runs["variant"])
    days, horizon_text = horizon(folder, runs, mark)
    jobs = (
        job_table(folder, runs) if (folder.parent / "multirun.yaml").is_file() else pd.DataFrame()
    )
    failed = jobs[~jobs["status"].isin(["done", "skipped"])] if not jobs.empty else jobs
    reps = runs.groupby("variant").size()
    what = facts(
        [
            ("Command", command_cell(mark.get("command"))),
            ("Variants", esc(f"{len(variants)}: " + ", ".join(variants))),
            (
                "Replications",
                esc(
                    f"{reps.min()} per variant"
                    if reps.nunique() == 1
                    else f"{reps.min()} to {reps.max()}"
                ),
            ),
            ("Horizon", esc(horizon_text)),
            ("Seeds", esc(seeds(runs, "variant"))),
            *draws(runs),
            ("Package version", versions(runs)),
            ("Aggregated", esc(when(mark.get("created")))),
            ("Sources", code(", ".join(mark.get("sources", [])))),
        ]
    )
    baseline = mark.get("baseline") or (
        str(diffs["baseline"].iloc[0]) if not diffs.empty else variants[0]
    )
    path = folder / "differences_headline.parquet"
    headline = pd.read_parquet(path) if path.is_file() else pd.DataFrame()
    shows = [
        headline_sentence(g, names)
        for _, g in (headline.groupby("scenario", sort=False) if not headline.empty else ())
    ]
    shows += [difference_sentence(r, names) for _, r in diffs.iterrows()]
    metric = str(diffs["metric"].iloc[0]) if not diffs.empty else "border_incidents_per_month"
    best = by_variant.groupby("variant", sort=False)[metric].mean().idxmin()
    shows.append(f"Lowest mean {label(metric).lower()}: {names[best]}.")
    notes = caveats(runs, "variant", days) + difference_caveats(diffs)
    if mark.get("unpaired"):
        text = unpaired_text(mark["unpaired"], baseline, runs)
        notes.insert(0, f"{text[0].upper()}{text[1:]}.")
    left_out = f"{len(failed)} job(s) did not finish and are left out" if len(failed) else None
    if left_out:
        notes.insert(0, f"{left_out}: {', '.join(failed['job'])}.")
    context = {"n": int(reps.min()), "baseline": names.get(baseline, baseline)}

    def caption(stem: str) -> str:
        return run_caption(stem, context)

    shown = (headline_figure_path(folder), spend_figure_path(folder))
    figures_html = figures(folder / "figures", caption, FIGURE_ORDER, shown)
    threshold = float(mark.get("threshold") or 0.0)
    comparisons = [
        ("fast", "How fast", timing_html(folder, names, threshold)),
        ("differences", "How reliably", reliability_html(diffs, names)),
        ("types", "By incident type", types_html(folder, names)),
    ]
    sections = [
        (
            "headline",
            "Headline",
            headline_html(folder, by_variant, names, caption, headline),
        ),
        ("spend", "Spend", spend_html(folder, by_variant, names, caption)),
        (
            "run",
            "What was run",
            section("What was run", "run", what, table(variants_table(runs, names))),
        ),
        ("shows", "What it shows", section("What it shows", "shows", bullets(shows))),
        caveat_section(notes),
        (
            "summary",
            "Summary",
            section(
                "Summary table",
                "summary",
                _summary_html(summary_table(by_variant).rename_axis("variant"), names),
            ),
        ),
        *(
            (
                anchor,
                title,
                section(f"{title}: paired differences from {context['baseline']}", anchor, body),
            )
            for anchor, title, body in comparisons
        ),
        ("phases", "Phases reached", section("Phases reached", "phases", phases_html(runs, names))),
        ("figures", "Figures", section("Figures", "figures", figures_html)),
    ]
    if not jobs.empty:
        sections.append(("jobs", "Jobs", section("Jobs", "jobs", table(jobs))))
    lead = f"{len(variants)} variants x {reps.min()} replications, compared with {baseline}."
    scenarios = ", ".join(dict.fromkeys(runs["scenario"].astype(str)))
    count = f" ({len(variants)} variants)" if len(variants) > runs["scenario"].nunique() else ""
    return Report(f"Sweep report: {scenarios}{count}", lead, sections, left_out)
