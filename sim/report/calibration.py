"""The report's sections for a calibration (``python -m sim.calibrate``).

The priors, the posterior's central intervals (final generation, weighted),
the posterior predictive check and the figures, and what an ABC posterior of
this model cannot say.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibrate.history import DB_NAME, HistoryError, finished_generations
from sim.calibrate.params import PPC_LEVEL, PriorParams
from sim.calibrate.plots import stat_label, weighted_quantiles
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
from sim.runs.terminal import number

POSTERIOR_LEVEL = 0.9
"""The posterior's central interval in the calibration report."""
CALIBRATION_CAPTIONS = {
    "posterior_marginals": "Each parameter's posterior in the final ABC generation (weighted "
    "particles) over its uniform prior range: a narrow peak means the data constrain it.",
    "ppc_monthly": "Recorded events per month in the data against the simulated median and its "
    "50% and 90% bands over draws from the posterior (the posterior predictive check).",
    "convergence": "By generation: each parameter's weighted median and 90% interval, and the "
    "effective sample size, acceptance rate and largest quantile shift (as shares): a fit has "
    "settled when the posterior stops moving.",
    "ppc_statistics": "Each summary statistic of the data against its 90% posterior predictive "
    "interval; an observed value outside its interval is one the fitted model does not "
    "reproduce.",
}


EDGE_SHARE = 0.25
"""Weight in an outer tenth of a prior beyond which a report says the bound may decide it."""


def posterior_summary(posterior: pd.DataFrame, priors: list[dict]) -> pd.DataFrame:
    """Each parameter's prior range and weighted posterior median and central interval."""
    last = posterior[posterior["generation"] == posterior["generation"].max()]
    tail = (1 - POSTERIOR_LEVEL) / 2
    rows = []
    w = last["weight"].to_numpy() / last["weight"].sum()
    for fields in priors:
        prior = PriorParams(**fields)
        q = weighted_quantiles(last[prior.name], w, [tail, 0.5, 1 - tail])
        lo, hi = prior.bounds
        at = (prior.to_fit(last[prior.name].to_numpy(dtype=float)) - lo) / (hi - lo)
        rows.append(
            {
                "parameter": prior.name,
                "prior low": prior.low,
                "prior high": prior.high,
                "prior scale": prior.scale,
                "posterior median": q[1],
                f"{POSTERIOR_LEVEL:.0%} low": q[0],
                f"{POSTERIOR_LEVEL:.0%} high": q[2],
                "share of prior range": float(np.diff(prior.to_fit(q[[0, 2]]))[0]) / (hi - lo),
                "weight in lowest tenth": float(w[at < 0.1].sum()),
                "weight in highest tenth": float(w[at > 0.9].sum()),
            }
        )
    return pd.DataFrame(rows)


def _calibration_findings(summary: pd.DataFrame, ppc: pd.DataFrame | None) -> list[str]:
    """Which parameter the data constrain most, and how many statistics the fit reproduces."""
    tight = summary.sort_values("share of prior range").iloc[0]
    level = f"{POSTERIOR_LEVEL:.0%}"
    shows = [
        f"The data constrain {tight['parameter']} most: its {level} posterior interval "
        f"({number(tight[f'{level} low'])} to {number(tight[f'{level} high'])}) spans "
        f"{tight['share of prior range']:.0%} of its prior range."
    ]
    if ppc is not None:
        shows.append(
            f"{int(ppc['inside'].sum())} of {len(ppc)} summary statistics of the data lie inside "
            f"their {PPC_LEVEL:.0%} posterior predictive interval."
        )
    for _, row in summary.iterrows():
        for edge in ("lowest", "highest"):
            share = row[f"weight in {edge} tenth"]
            if share > EDGE_SHARE:
                shows.append(
                    f"{row['parameter']} keeps {share:.0%} of its weight in the {edge} tenth of "
                    "its prior: there the prior's bound, not the data, may decide it (widen "
                    "the prior, or give it a log scale, unless the bound is physical)."
                )
    return shows


def _misfits(outside: list[str], ppc: pd.DataFrame | None) -> str:
    """Each statistic outside its predictive interval, with the side of it the data fall on
    (what the fitted model would have to produce more or less of)."""
    rows = {} if ppc is None else {r.statistic: r for r in ppc.itertuples(index=False)}
    said = []
    for name in outside:
        row = rows.get(name)
        if row is None or not (np.isfinite(row.low) and np.isfinite(row.high)):
            said.append(f"{stat_label(name)} (no predictive draw could compute it)")
            continue
        side = "below" if row.observed < row.low else "above"
        said.append(
            f"{stat_label(name)} (observed {number(row.observed)}, {side} its "
            f"{PPC_LEVEL:.0%} predictive interval {number(row.low)} to {number(row.high)})"
        )
    return "; ".join(said)


def read_receipt(folder: Path) -> dict:
    """``calibration.json``: a dict with the fit's settings, else a one-line NotAResult."""
    from sim.report.command import settings_receipt  # that module imports this one

    return settings_receipt(folder / "calibration.json", "calibration", "sim.calibrate")


def unfinished(folder: Path, receipt: dict) -> str | None:
    """None for a finished fit; else one plain sentence: how it ended and what is kept."""
    status = receipt.get("status")
    if status == "done":
        return None
    how = {
        "running": "The fit did not finish: it was killed, or is still running",
        "interrupted": "The fit did not finish: it was interrupted",
        "failed": f"The fit did not finish: it failed ({receipt.get('error') or 'no reason'})",
    }.get(status, f"The fit did not finish (status {status})")
    db = folder / DB_NAME
    if not db.exists():
        return f"{how}. No generation was stored."
    try:
        stored = finished_generations(db)
    except HistoryError as e:
        return f"{how}. Its history cannot be read: {e}."
    return (
        f"{how}. {DB_NAME} holds {stored} finished generation(s); running the same command "
        "again resumes after them."
    )


def calibration_report(folder: Path) -> Report:
    receipt = read_receipt(folder)
    s = receipt["settings"]
    not_done = unfinished(folder, receipt)
    events = receipt.get("observed_events")
    abc = f"population {s.get('population')}"
    if not_done is None:
        abc += (
            f", {receipt.get('generations')} generation(s), {receipt.get('simulations')} "
            f"simulations, final epsilon {number((receipt.get('epsilons') or [np.nan])[-1])}"
        )
    else:
        abc += f" (up to {s.get('generations')} generations): did not finish"
    what = facts(
        [
            ("Command", command_cell(receipt.get("command"))),
            ("Calibration", esc(receipt.get("name"))),
            ("Model", code(" ".join(s.get("model", [])))),
            (
                "Data",
                esc(
                    f"{s.get('data')}: "
                    + (f"{events} events " if events is not None else "events ")
                    + f"from {s.get('start')} over {s.get('days')} days"
                ),
            ),
            ("History matching", esc(_waves(receipt.get("history_matching")))),
            ("ABC-SMC", esc(abc)),
            ("Stopped by", esc("did not finish" if not_done else _stopped(receipt))),
            ("Status", esc(receipt.get("status"))),
            ("Package version", esc(receipt.get("version"))),
            ("Directory", code(str(folder))),
        ]
    )
    outside = receipt.get("statistics_outside_ppi", [])
    notes = [
        "The posterior is conditional on the model and its observation model: it says which "
        "parameter values make this model resemble the data, not that the model's mechanisms "
        "are those that produced the data.",
    ]
    if not_done is not None:
        notes.insert(0, not_done)
        if (folder / "posterior.parquet").exists():
            notes.append(
                "The tables below were written when this fit last finished; abc.db may hold "
                "more generations than they show."
            )
    else:
        notes.append(
            f"The intervals below are from the final generation ({receipt.get('generations')} "
            f"generations of {s.get('population')} particles)."
        )
    if not_done is None and not receipt.get("settled"):
        notes.append(
            "The fit had not settled when it stopped: the posterior was still moving by up to "
            f"{number(receipt.get('last_shift', np.nan))} of a prior's width per generation, so "
            "more generations could narrow or shift it."
        )
    path = folder / "ppc_statistics.parquet"
    ppc = pd.read_parquet(path) if path.exists() else None
    if outside:
        notes.append("The fitted model does not reproduce: " + _misfits(outside, ppc) + ".")
    sections = [
        ("run", "What was run", section("What was run", "run", what)),
        caveat_section(notes),
    ]
    path = folder / "posterior.parquet"
    if path.exists():
        summary = posterior_summary(pd.read_parquet(path), s.get("parameters", []))
        sections.insert(
            1,
            (
                "shows",
                "What it shows",
                section("What it shows", "shows", bullets(_calibration_findings(summary, ppc))),
            ),
        )
        sections.append(
            ("posterior", "Posterior", section("Posterior", "posterior", table(summary)))
        )
    path = folder / "generations.parquet"
    if path.exists():
        gens = pd.read_parquet(path)[
            ["generation", "epsilon", "simulations", "acceptance_rate", "ess", "shift"]
        ]
        sections.append(
            (
                "generations",
                "Generations",
                section(
                    "Generations",
                    "generations",
                    table(
                        gens,
                        "ess: effective sample size of the weights; shift: the largest move of "
                        "a parameter's 5%, 50% or 95% quantile since the previous generation, "
                        "as a share of its prior width. Epsilons are on each generation's own "
                        "adaptive scale and are not comparable across generations.",
                    ),
                ),
            )
        )
    if ppc is not None:
        ppc = ppc.assign(statistic=lambda f: f["statistic"].map(stat_label))
        sections.append(
            (
                "ppc",
                "Predictive check",
                section(
                    "Posterior predictive check",
                    "ppc",
                    table(ppc, "low/high: the 90% predictive interval."),
                ),
            )
        )
    sections.append(
        (
            "figures",
            "Figures",
            section(
                "Figures",
                "figures",
                figures(
                    folder / "figures",
                    lambda stem: CALIBRATION_CAPTIONS.get(stem, unknown_caption(stem)),
                ),
            ),
        )
    )
    lead = f"ABC-SMC calibration {receipt.get('name')} against {s.get('data')}."
    if not_done is not None:
        lead += " " + not_done
    return Report(f"Calibration report: {receipt.get('name')}", lead, sections, not_done)


def _waves(matched: dict | None) -> str:
    """The history matching waves in a line: how many, their runs, what each left."""
    if not matched:
        return "none (ABC-SMC over the whole prior)"
    left = ", ".join(f"{100 * share:.3g}%" for share in matched.get("share_left", []))
    return (
        f"{matched.get('waves')} wave(s), {matched.get('simulations')} simulations; "
        f"share of the prior left after each (cut-off {matched.get('cutoff')}): {left}"
    )


def _stopped(receipt: dict) -> str:
    """Which stopping rule ended the fit, and whether its posterior had settled."""
    stopped = receipt.get("stopped")
    if stopped is None:
        return "not recorded"
    state = "settled" if receipt.get("settled") else "not settled"
    return f"{stopped} ({state}; effective sample size {receipt.get('last_ess')})"
