"""The report's sections for a policy search (``python -m sim.policy``).

What was searched and against which worlds, what the search found (the front beside
the named scenarios, convergence, where the robustness metrics disagree, where the
named scenarios fail), the tables and figures, and what it cannot say.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

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
)
from sim.runs.jobs import not_finished

POLICY_CAPTIONS = {
    "convergence": "Left: hypervolume of the policies the algorithm holds after each generation "
    "(objectives normalised to their range over every policy run). Right: epsilon progress, "
    "the cumulative count of new epsilon boxes the archive gained. Flat curves say the search "
    "stopped finding better policies at the objectives' resolution, not that it found the best.",
    "parallel_coordinates": "The Pareto set (grey) and the named scenarios (coloured) across the "
    "levers (left) and the objectives (shaded, right); each axis runs from its lowest value "
    "(bottom) to its highest (top), both printed.",
    "regret": "Per objective, each policy's regret in each world: its value minus the best any "
    "compared policy reaches there (0 is best); boxes span the middle half of the worlds.",
    "pathways": "The measures each chosen policy starts at each phase and the gates between "
    "phases (time in the phase, border incidents a month, trust), with the relapse trigger.",
}


def read_receipt(folder: Path) -> dict:
    """``policy.json``: a dict with the settings, else a one-line NotAResult."""
    from sim.report.command import settings_receipt  # that module imports this one

    return settings_receipt(folder / "policy.json", "policy search", "sim.policy")


def findings(
    settings: dict, pareto: pd.DataFrame, generations: pd.DataFrame, robust: pd.DataFrame
) -> list[str]:
    """The report's findings, each a sentence with its numbers."""
    front = pareto[pareto["source"] == "search"]
    named = pareto[pareto["source"] == "named"]
    names = [o["name"] for o in settings["objectives"]]
    lines = [
        f"{len(front)} policies on the epsilon-Pareto front of the search, in "
        f"{settings['worlds']['count']} worlds."
    ]
    for row in named.itertuples():
        verdict = (
            "dominated by a policy of the front (as good on every objective, better on one)"
            if row.dominated
            else "not dominated by any policy of the front"
        )
        lines.append(f"Named scenario {row.policy}: {verdict}.")
    last = generations.tail(max(1, len(generations) // 3))
    if len(generations) > 1:
        start = float(generations["hypervolume"].iloc[-len(last) - 1])
        end = float(generations["hypervolume"].iloc[-1])
        change = (end - start) / start if start > 0 else float("inf")
        lines.append(
            f"Hypervolume rose by {change:.1%} over the last {len(last)} generation(s) "
            + ("(still rising: run more generations)." if change > 0.02 else "(flattened).")
        )
    means = robust[robust["metric"] == "mean"]
    for name in names:
        rows = means[means["objective"] == name].sort_values(["rank", "policy"])
        if rows.empty:
            continue
        best = rows.iloc[0]
        tied = int((rows["rank"] == 1).sum())
        who = best["policy"] if tied == 1 else f"{tied} policies tie"
        value = best["value"]
        shown = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
        lines.append(f"Best mean {name}: {who} ({shown}).")
    satisficing = robust[robust["metric"] == "satisficing"].sort_values(["rank", "policy"])
    if not satisficing.empty:
        best = satisficing.iloc[0]
        shares = ", ".join(
            f"{r.policy} {r.value:.0%}"
            for r in satisficing[satisficing["policy"].isin(named["policy"])].itertuples()
        )
        limits = ", ".join(f"{k} {v:g}" for k, v in settings["robustness"]["thresholds"].items())
        if best["value"] == 0:
            lines.append(f"No policy meets every threshold ({limits}) in any world.")
        else:
            lines.append(
                f"Meets every threshold ({limits}) in the most worlds: {best['policy']} "
                f"({best['value']:.0%}); named scenarios: {shares}."
            )
    return lines


def policy_report(folder: Path) -> Report:
    receipt = read_receipt(folder)
    s = receipt["settings"]
    levers = ", ".join(
        lever["name"] + (f" in {lever['choices']}" if lever.get("choices") else "")
        for lever in s["levers"]
    )
    uncertain = ", ".join(
        f"{u['name']} [{u['low']}, {u['high']}]" for u in s["worlds"]["uncertainties"]
    )
    what = facts(
        [
            ("Command", command_cell(receipt.get("command"))),
            ("Base scenario", esc(f"{s['scenario']}; fixed overrides {s['overrides'] or 'none'}")),
            ("Levers", esc(levers)),
            (
                "Objectives",
                esc(
                    "; ".join(
                        f"{o['name']}: {o['statistic']} of {o['column']} ({o['sense']})"
                        for o in s["objectives"]
                    )
                ),
            ),
            (
                "Worlds",
                esc(
                    f"{s['worlds']['count']}, seed {s['seed']}; "
                    f"deep uncertainties: {uncertain or 'none'}"
                ),
            ),
            (
                "Search",
                esc(
                    f"{s['search']['algorithm']}, population {s['search']['population']}, "
                    f"{s['search']['generations']} generations, {s['days']} days a run"
                ),
            ),
            ("Package version", esc(receipt.get("version"))),
            ("Directory", code(str(folder))),
        ]
    )
    notes = [
        "The front is the best the search found among the policies it ran, at the objectives' "
        "epsilon resolution; with few generations it is a sample of good policies, not the "
        "Pareto front of the problem.",
        f"Objectives are means over {s['worlds']['count']} worlds: policies whose objectives "
        "differ by less than their spread across worlds divided by the square root of the "
        "worlds' number are not told apart by these runs.",
        "Regret and the metrics built on it depend on which policies are compared (the front "
        "and the named scenarios): another set of policies changes them.",
        "The deep uncertainties are ranges chosen by hand; robust over them means robust over "
        "those ranges only.",
    ]
    done = receipt.get("status") == "done" and (folder / "pareto.parquet").exists()
    sections = [("run", "What was run", section("What was run", "run", what))]
    if not done:
        unfinished = not_finished(
            "The search", receipt.get("status"), "the same command resumes it"
        )
        notes.insert(0, f"{unfinished}.")
        sections.append(caveat_section(notes))
        lead = "Policy search: not finished."
        return Report("Policy search report", lead, sections, unfinished)
    pareto = pd.read_parquet(folder / "pareto.parquet")
    generations = pd.read_parquet(folder / "generations.parquet")
    robust = pd.read_parquet(folder / "robustness.parquet")
    flips = pd.read_parquet(folder / "rank_flips.parquet")
    boxes = pd.read_parquet(folder / "vulnerability.parquet")
    pairs_path = folder / "named_pairs.parquet"
    pairs = pd.read_parquet(pairs_path) if pairs_path.exists() else pd.DataFrame()
    shown = findings(s, pareto, generations, robust)
    if not flips.empty:
        share = 1 - flips["same_best"].mean()
        shown.append(
            f"In {share:.0%} of the pairs of robustness metrics (per objective) the two name "
            "different best policies: the choice of metric decides the ranking there."
        )
    sections += [
        ("shows", "What it shows", section("What it shows", "shows", bullets(shown))),
        caveat_section(notes),
        (
            "pareto",
            "Policies",
            section(
                "The front and the named scenarios",
                "pareto",
                table(
                    pareto.round(4),
                    "One row per policy: lever values and objectives (means over the worlds; "
                    "share_positive objectives are shares of worlds). dominated: a policy of "
                    "the front is as good on every objective and better on one.",
                ),
            ),
        ),
        (
            "pairs",
            "Named, paired",
            section(
                "The named scenarios world by world",
                "pairs",
                table(
                    pairs.round(4),
                    "Each named scenario against the first, in the same worlds: the share of "
                    "worlds in which the second does better (95% Wilson interval), ties, the "
                    "mean paired difference (second minus first) and the world parameter whose "
                    "value goes most with the difference (Spearman's rho).",
                )
                if not pairs.empty
                else "<p>One named scenario: nothing to pair.</p>",
            ),
        ),
        (
            "vulnerability",
            "Vulnerability",
            section(
                "Where the named scenarios fail",
                "vulnerability",
                table(
                    boxes[
                        boxes["policy"].isin(pareto.loc[pareto["source"] == "named", "policy"])
                    ].round(4),
                    "PRIM's and CART's box of the worlds where the policy misses a threshold "
                    "of robustness.thresholds: the restricted parameters and their ranges, "
                    "coverage (share of its failures inside) and density (share of the worlds "
                    "inside that fail). Every policy's boxes: vulnerability.parquet.",
                )
                if not boxes.empty
                else "<p>No named scenario both fails and succeeds in these worlds (or no "
                "thresholds are set): there is no boundary to describe.</p>",
            ),
        ),
        (
            "figures",
            "Figures",
            section(
                "Figures",
                "figures",
                figures(
                    folder / "figures",
                    lambda stem: POLICY_CAPTIONS.get(stem, unknown_caption(stem)),
                    first=("pathways", "parallel_coordinates", "regret", "convergence"),
                ),
            ),
        ),
    ]
    lead = f"Policy search over {len(s['levers'])} levers, {len(s['objectives'])} objectives."
    return Report("Policy search report", lead, sections)
