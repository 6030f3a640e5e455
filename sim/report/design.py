"""The report's sections for a design (``python -m sim.explore``).

The factors and their ranges, the sensitivity indices with their intervals,
PRIM's box and peeling trajectory, the robustness of ``versus`` and the
figures, and what the numbers cannot support (wide intervals, noisy points,
in-sample PRIM boxes, a short horizon).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sim.config.overrides import flatten
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


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _yaml(path: Path) -> dict:
    return (yaml.safe_load(path.read_text()) or {}) if path.is_file() else {}


# ---- design ----------------------------------------------------------------------------------


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
            top = rows.sort_values("value", ascending=False).iloc[0]
            shows.append(
                f"{outcome}: the largest {top['index']} is {top['factor']}'s, "
                f"{number(top['value'])} [{number(top['low'])}, {number(top['high'])}]."
            )
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
        width = float((main["high"] - main["low"]).median())
        if main["index"].iloc[0] == "ST" and width > WIDE_INTERVAL:
            notes.append(
                f"The intervals are wide (median width {width:.2f} on the 0-1 scale): "
                f"{points} points cannot rank the factors reliably; raise explore.points."
            )
        if main["index"].iloc[0] == "mu_star":
            notes.append("Morris screening ranks factors; it does not apportion variance.")
    if box is not None:
        rule = ex.get("failure", {})
        notes.append(
            "The PRIM box was found and scored on the same runs (no held-out test), so its "
            f"coverage and density are optimistic. A run fails when {rule.get('outcome')} > "
            f"{rule.get('above')}" + (" or it relapsed." if rule.get("relapse") else ".")
        )
    if cfg.get("days") is not None and cfg["days"] < 1095:
        notes.append(f"The horizon is {cfg['days']} days, shorter than the default three years.")
    return notes


def design_report(folder: Path) -> Report:
    cfg = _yaml(folder / ".hydra" / "config.yaml")
    receipt = read_json(folder / "explore.json")
    design = pd.read_parquet(folder / "design.parquet")
    runs = pd.read_parquet(folder / "runs.parquet")
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
    tables = {k: pd.read_parquet(p) if p.exists() else None for k, p in read.items()}
    sens, box, steps, robust = (tables[k] for k in read)
    scenario = cfg.get("scenario", str(runs["scenario"].iloc[0]))
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
                    f"seeds at every point ({len(runs)} runs)"
                ),
            ),
            ("Horizon", esc(f"{cfg.get('days')} days")),
            ("Seed", esc(cfg.get("seed"))),
            ("Outcomes", esc(", ".join(ex.get("outcomes", [])))),
            ("Package version", esc(", ".join(sorted(runs["version"].astype(str).unique())))),
            ("Finished", esc(when(receipt.get("finished")))),
            ("Directory", code(str(folder))),
        ]
    )
    sections = [
        ("run", "What was run", section("What was run", "run", what, table(ranges))),
        (
            "shows",
            "What it shows",
            section(
                "What it shows",
                "shows",
                bullets(_design_findings(sens, box, steps, robust, failed_share, cfg)),
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
            body += "<h3>Second-order indices</h3>" + table(pairs.drop(columns=["method"]))
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
    sections.append(
        (
            "figures",
            "Figures",
            section(
                "Figures",
                "figures",
                figures(
                    folder / "figures",
                    lambda stem: captions.get(stem, unknown_caption(stem)),
                    tuple(captions),
                ),
            ),
        )
    )
    lead = f"{ex.get('design')} design of {len(design)} points over {len(names)} factors."
    return f"Design report: {scenario} ({ex.get('design')})", lead, sections


def _failed_share(runs: pd.DataFrame, rule: dict) -> float:
    """The share of runs failing by the design's rule (as sim.explore.analysis counts them)."""
    outcome = rule.get("outcome")
    if outcome not in runs:
        return float("nan")
    failed = runs[outcome] > rule.get("above", np.inf)
    if rule.get("relapse"):
        failed |= runs["relapses"] > 0
    return float(failed.mean())
