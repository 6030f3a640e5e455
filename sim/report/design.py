"""The report's sections for a design (``python -m sim.explore``).

The factors and their ranges, the sensitivity indices with their intervals,
PRIM's box and peeling trajectory, the robustness of ``versus`` and the
figures, and what the numbers cannot support (wide intervals, noisy points,
in-sample PRIM boxes, a short horizon). A design that has not finished (chunks
missing, or the analysis not written) is reported as such, first: how many of
its runs are there, and that its analysis is missing or partial.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sim.config.overrides import flatten
from sim.explore.sensitivity import convergence
from sim.report.html import (
    Report,
    bullets,
    caveat_section,
    code,
    command_cell,
    esc,
    facts,
    figures,
    paragraph,
    section,
    table,
    unknown_caption,
    when,
)
from sim.runs.files import read_json
from sim.runs.terminal import number

WIDE_INTERVAL = 0.3
"""A Sobol index interval wider than this (on the 0-1 scale) cannot rank factors."""
PRIM_CAPTION = (
    "PRIM's peeling trajectory (left: each candidate box's coverage, the share of all failing "
    "runs inside it, against its density, the share of its runs that fail; ringed: the chosen "
    "box; dashed: the failure rate of all runs) and the chosen box's ranges as a share of each "
    "factor's design range (right); found and scored on the same runs."
)
METHOD_CAPTIONS = {
    "sobol": "Sobol first-order (S1) and total (ST) indices per factor and outcome with 95% "
    "bootstrap CIs: the share of the outcome's variance across the design due to the factor "
    "alone (S1) and with its interactions (ST), clipped to [0, 1].",
    "morris": "Morris screening per factor and outcome: mu* (mean absolute elementary effect, "
    "in the outcome's units, bars: 95% bootstrap CI) against sigma (spread of the effects: "
    "non-linearity or interactions); a ranking, not a share of variance.",
}


def _receipt(path: Path) -> dict:
    """``explore.json`` (``{}``: missing or unreadable, a design not analysed)."""
    try:
        receipt = read_json(path)
    except (OSError, ValueError):
        return {}
    return receipt if isinstance(receipt, dict) else {}


def _yaml(path: Path) -> dict:
    return (yaml.safe_load(path.read_text()) or {}) if path.is_file() else {}


# ---- design ----------------------------------------------------------------------------------

KEYS = ["point", "scenario", "replication"]
ANALYSIS = ("sensitivity", "prim_box", "prim_trajectory", "robustness", "robustness_factors")
"""The analysis tables ``python -m sim.explore`` writes once all of a design's runs are in."""


def read_design_runs(folder: Path, design: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The runs of this design in ``folder/runs.parquet`` (none yet: an empty table), and
    how many of its part files could not be read. Parts of another design are left out."""
    rows, unreadable = [], 0
    for path in sorted((folder / "runs.parquet").glob("part-*.parquet")):
        try:
            rows.append(pd.read_parquet(path))
        except Exception:  # truncated or not Parquet: pyarrow raises several kinds
            unreadable += 1
    if (folder / "runs.parquet").is_file():  # a single table, not parts
        rows.append(pd.read_parquet(folder / "runs.parquet"))
    runs = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=KEYS)
    if "design_id" in design.columns and "design_id" in runs.columns and len(design):
        runs = runs[runs["design_id"] == design["design_id"].iloc[0]]
    return runs.drop_duplicates(KEYS).reset_index(drop=True), unreadable


def completeness(cfg: dict, receipt: dict, design: pd.DataFrame, runs: pd.DataFrame) -> dict:
    """How much of the design is there: ``runs`` present and ``expected`` (None: unknown,
    without the recorded config), ``points`` with all their runs, and whether the design
    ``finished`` (all runs in and the analysis written: ``explore.json`` of this design)."""
    reps = cfg.get("replications")
    per_point = (2 if cfg.get("versus") else 1) * reps if isinstance(reps, int) else None
    expected = None if per_point is None else per_point * len(design)
    done = runs.groupby("point").size() if len(runs) else pd.Series(dtype=int)
    points = int((done >= per_point).sum()) if per_point is not None else None
    ident = design["design_id"].iloc[0] if "design_id" in design.columns and len(design) else None
    analysed = "finished" in receipt and receipt.get("design_id") == ident
    all_in = len(runs) >= expected if expected is not None else analysed
    finished = all_in and analysed
    return {
        "runs": len(runs),
        "expected": expected,
        "points": points,
        "all_in": all_in,
        "finished": finished,
    }


def status_lines(state: dict, unreadable: int, stale: list[str], total_points: int) -> list[str]:
    """What a design that has not finished lacks, plainly (no lines: it finished)."""
    if state["finished"]:
        return []
    runs, expected = state["runs"], state["expected"]
    if expected is None:
        have = f"{runs} runs are in runs.parquet; how many the design has is unknown (no .hydra/"
        have += "config.yaml)."
    else:
        have = (
            f"{runs} of the design's {expected} runs ({runs / expected:.0%}) are in "
            f"runs.parquet: {state['points']} of its {total_points} points have all their runs."
        )
    lines = [have]
    if not state["all_in"]:
        lines.append(
            "The design is incomplete, so its analysis is missing: no sensitivity indices, "
            "PRIM box or robustness; python -m sim.explore analyses a design only when all "
            "its runs are in. Run the same command in this directory to finish it (the runs "
            "already here are kept)."
        )
        if stale:
            lines.append(
                f"Tables of an earlier analysis are in the directory ({', '.join(stale)}); they "
                "are not shown, since they do not come from the runs here."
            )
    else:
        lines.append(
            "All runs are in, but the analysis did not finish (no explore.json for this "
            "design): the tables and figures below may be partial. Run the same command in "
            "this directory to finish it."
        )
    if unreadable:
        lines.append(f"{unreadable} part(s) of runs.parquet could not be read and are not counted.")
    return lines


def _interval(frame: pd.DataFrame) -> pd.Series:
    return frame.apply(
        lambda r: f"{number(r['value'])} [{number(r['low'])}, {number(r['high'])}]", axis=1
    )


def sensitivity_table(sens: pd.DataFrame) -> pd.DataFrame:
    """One row per outcome and factor, one column per index, 'value [low, high]'."""
    first = sens[sens["other"].isna()].assign(text=lambda f: _interval(f))
    wide = first.pivot_table(
        index=["outcome", "factor"], columns="index", values="text", aggfunc="first", sort=False
    )
    return wide.reset_index().rename_axis(None, axis=1)


def _main_index(sens: pd.DataFrame) -> pd.DataFrame:
    key = "ST" if (sens["index"] == "ST").any() else "mu_star"
    return sens[(sens["index"] == key) & sens["other"].isna()]


def _design_findings(sens, box, steps, robust, failed_share, cfg) -> list[str]:
    shows = []
    if sens is not None:
        main = _main_index(sens)
        for outcome, rows in main.groupby("outcome", sort=False):
            ranked = rows.sort_values("value", ascending=False)
            top = ranked.iloc[0]
            line = (
                f"{outcome}: the largest {top['index']} is {top['factor']}'s, "
                f"{number(top['value'])} [{number(top['low'])}, {number(top['high'])}]"
            )
            if len(ranked) > 1 and top["low"] <= ranked.iloc[1]["high"]:
                line += (
                    f"; its interval overlaps {ranked.iloc[1]['factor']}'s, so which factor "
                    "matters most is not established"
                )
            shows.append(line + ".")
    if robust is not None:
        for _, r in robust.iterrows():
            shows.append(
                f"{r['second']} had the lower {r['outcome']} than {r['first']} at "
                f"{r['share_second_better']:.1%} of {r['points']} points (Wilson 95% CI "
                f"{r['low']:.1%} to {r['high']:.1%}; mean paired difference "
                f"{number(r['mean_difference'])})."
            )
    if box is not None:
        chosen = steps[steps["chosen"]].iloc[0]
        limits = "; ".join(
            f"{r['factor']} {number(r['low'])} to {number(r['high'])}" for _, r in box.iterrows()
        )
        shows.append(
            f"{failed_share:.0%} of {cfg['scenario']}'s runs fail. The chosen PRIM box ({limits}) "
            f"holds {chosen['coverage']:.0%} of the failures, and {chosen['density']:.0%} of "
            "its runs fail."
        )
    return shows or ["This design has no sensitivity, PRIM or robustness results."]


def _design_caveats(sens, box, cfg, points) -> list[str]:
    ex, reps = cfg.get("explore", {}), cfg.get("replications")
    notes = [
        f"Each point's outcome is the mean of its {reps} replication(s); the chance variation "
        "left in it counts as output variance, which biases the indices (total-order ones "
        "upward) when replications are few.",
        "Results hold inside the sampled ranges of the factors, with every other parameter "
        "fixed at its value; they say nothing about settings outside them.",
    ]
    if sens is not None:
        main = _main_index(sens)
        # Widths before clipping where known: an interval clipped to [0, 0] is no surer.
        raw = "half_width" in main
        size = 2 * main["half_width"] if raw else main["high"] - main["low"]
        lead = size.loc[main.groupby("outcome", sort=False)["value"].idxmax()]
        width = float(lead.median())  # the leading factor's, per outcome
        if main["index"].iloc[0] == "ST" and width > WIDE_INTERVAL:
            notes.append(
                f"The leading factors' intervals are wide (median width {width:.2f} on the 0-1 "
                f"scale, before clipping): {points} points cannot rank the factors reliably; "
                "raise explore.points."
            )
        if main["index"].iloc[0] == "mu_star":
            notes.append("Morris screening ranks factors; it does not apportion variance.")
        notes += convergence(sens)
    if box is not None:
        rule = ex.get("failure", {})
        notes.append(
            "The PRIM box was found and scored on the same runs (no held-out test), so its "
            f"coverage and density are optimistic. A run fails when {rule.get('outcome')} > "
            f"{rule.get('above')}" + (" or it relapsed." if rule.get("relapse") else ".")
        )
        if ex.get("design") in ("saltelli", "morris"):
            notes.append(
                f"PRIM ran on a {ex.get('design')} design, whose points share coordinates by "
                "construction (they are not a space-filling sample): its box's coverage and "
                "density weigh the space unevenly; a Latin hypercube suits PRIM better."
            )
    if cfg.get("days") is not None and cfg["days"] < 1095:
        notes.append(f"The horizon is {cfg['days']} days, shorter than the default three years.")
    return notes


def design_report(folder: Path) -> Report:
    cfg = _yaml(folder / ".hydra" / "config.yaml")
    receipt = _receipt(folder / "explore.json")
    design = pd.read_parquet(folder / "design.parquet")
    runs, unreadable = read_design_runs(folder, design)
    state = completeness(cfg, receipt, design, runs)
    ex = cfg.get("explore", {})
    names = [c for c in design.columns if c not in ("point", "design_id")]
    ranges = pd.DataFrame(
        {
            "factor": names,
            "setting": [str(flatten(ex.get("factors", {})).get(n, "")) for n in names],
            "sampled low": [design[n].min() for n in names],
            "sampled high": [design[n].max() for n in names],
        }
    )
    read = {n: folder / f"{n}.parquet" for n in ("sensitivity", "prim_box", "prim_trajectory")}
    read |= {"robustness": folder / "robustness.parquet"}
    stale = [f"{n}.parquet" for n in ANALYSIS if (folder / f"{n}.parquet").exists()]
    if state["all_in"]:
        tables = {k: pd.read_parquet(p) if p.exists() else None for k, p in read.items()}
    else:  # an analysis left here is not of these runs
        tables = dict.fromkeys(read)
    sens, box, steps, robust = (tables[k] for k in read)
    status = status_lines(state, unreadable, stale, len(design))
    scenario = cfg.get("scenario") or (str(runs["scenario"].iloc[0]) if len(runs) else "unknown")
    main = runs[runs["scenario"] == scenario]
    failed_share = _failed_share(main, ex.get("failure", {}))
    what = facts(
        [
            ("Command", command_cell(receipt.get("command"))),
            (
                "Design",
                esc(
                    f"{ex.get('design')} with explore.points={ex.get('points')}: "
                    f"{len(design)} points"
                ),
            ),
            (
                "Scenario",
                esc(scenario + (f", compared with {cfg['versus']}" if cfg.get("versus") else "")),
            ),
            ("Fixed overrides", code(json.dumps(cfg.get("overrides") or {}))),
            (
                "Replications",
                esc(
                    f"{cfg.get('replications')} per point and scenario, the same "
                    f"seeds at every point ({_runs_text(state)})"
                ),
            ),
            ("Horizon", esc(f"{cfg.get('days')} days")),
            ("Seed", esc(cfg.get("seed"))),
            ("Outcomes", esc(", ".join(ex.get("outcomes", [])))),
            ("Package version", esc(_versions(runs))),
            (
                "Finished",
                esc(when(receipt.get("finished")) if state["finished"] else "not finished"),
            ),
            ("Directory", code(str(folder))),
        ]
    )
    sections = []
    if status:
        title = "Incomplete design" if not state["all_in"] else "Unfinished analysis"
        sections.append(("status", title, section(title, "status", bullets(status), cls="caveats")))
    sections += [
        ("run", "What was run", section("What was run", "run", what, table(ranges))),
        (
            "shows",
            "What it shows",
            section(
                "What it shows",
                "shows",
                bullets(
                    _design_findings(sens, box, steps, robust, failed_share, cfg)
                    if state["all_in"]
                    else ["None yet: the design is incomplete and has not been analysed."]
                ),
            ),
        ),
        caveat_section(_design_caveats(sens, box, cfg, len(design))),
    ]
    if sens is not None:
        method = str(sens["method"].iloc[0])
        body = table(
            sensitivity_table(sens), "value [95% bootstrap CI]; Sobol values clipped to [0, 1]."
        )
        pairs = sens[sens["other"].notna()]
        if not pairs.empty:
            shown = ["outcome", "index", "factor", "other", "value", "low", "high"]
            body += "<h3>Second-order indices</h3>" + table(pairs[shown])
        sections.append(
            ("sensitivity", "Sensitivity", section(f"Sensitivity ({method})", "sensitivity", body))
        )
    else:
        method = ""
    if box is not None:
        body = "<h3>Chosen box</h3>" + table(box) + "<h3>Peeling trajectory</h3>" + table(steps)
        sections.append(("prim", "PRIM", section("Scenario discovery (PRIM)", "prim", body)))
    if robust is not None:
        factors_path = folder / "robustness_factors.parquet"
        body = table(
            robust,
            "share_second_better: share of points where the second scenario's "
            "mean is lower, paired by seed; low/high: its Wilson 95% interval.",
        )
        if factors_path.exists():
            body += "<h3>What decides it (Spearman correlation with the paired difference)</h3>"
            body += table(pd.read_parquet(factors_path))
        sections.append(("robustness", "Robustness", section("Robustness", "robustness", body)))
    captions = {"sensitivity": METHOD_CAPTIONS.get(method, ""), "prim": PRIM_CAPTION}
    if state["all_in"]:
        shown = figures(
            folder / "figures",
            lambda stem: captions.get(stem, unknown_caption(stem)),
            tuple(captions),
        )
    else:  # figures left here are not of these runs
        shown = paragraph("None: the design is incomplete and has not been analysed.")
    sections.append(("figures", "Figures", section("Figures", "figures", shown)))
    lead = f"{ex.get('design')} design of {len(design)} points over {len(names)} factors."
    incomplete = None
    if status:
        lead = f"{'INCOMPLETE' if not state['all_in'] else 'UNFINISHED'}: {status[0]} {lead}"
        what = "the design is incomplete" if not state["all_in"] else "its analysis did not finish"
        incomplete = f"{what}: {status[0]}"
    return Report(f"Design report: {scenario} ({ex.get('design')})", lead, sections, incomplete)


def _runs_text(state: dict) -> str:
    if state["expected"] is None or state["runs"] == state["expected"]:
        return f"{state['runs']} runs"
    return f"{state['runs']} of the design's {state['expected']} runs"


def _versions(runs: pd.DataFrame) -> str:
    if "version" not in runs.columns or runs.empty:
        return "unknown (no runs)"
    return ", ".join(sorted(runs["version"].astype(str).unique()))


def _failed_share(runs: pd.DataFrame, rule: dict) -> float:
    """The share of runs failing by the design's rule (as sim.explore.analysis counts them)."""
    outcome = rule.get("outcome")
    if outcome not in runs:
        return float("nan")
    failed = runs[outcome] > rule.get("above", np.inf)
    if rule.get("relapse"):
        failed |= runs["relapses"] > 0
    return float(failed.mean())
