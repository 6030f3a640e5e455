"""The report's sections for rolling-origin forecasts (``python -m sim.forecast``).

What was run, which method scored best per quantity, the mean scores by months ahead,
the figure, and what the scores cannot say: the actors' posterior saw the scored months,
the origins are few, the region is one.
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

FORECAST_CAPTIONS = {
    "forecast": "Top: per governorate, the recorded events per month in the data (black) "
    "against the model's median and 50% and 90% bands from each origin (dotted lines), each "
    "fitted on the months before it. Bottom: each method's mean score by months ahead "
    "(lower is better).",
}
SCORE_NAMES = {
    "crps": "CRPS",
    "ignorance": "ignorance (bits)",
    "interval_score": "90% interval score",
}


def read_receipt(folder: Path) -> dict:
    """``forecast.json``: a dict with the settings, else a one-line NotAResult."""
    from sim.report.command import settings_receipt  # that module imports this one

    return settings_receipt(folder / "forecast.json", "forecast", "sim.forecast")


def findings(scores: pd.DataFrame) -> list[str]:
    """Per quantity and score, which method has the lowest mean over all months ahead."""
    overall = scores[scores["ahead"] == 0]
    lines = []
    for quantity, rows in overall.groupby("quantity", sort=False):
        parts = []
        for score, name in SCORE_NAMES.items():
            ranked = rows.sort_values(score)
            best, model = ranked.iloc[0], rows[rows["method"] == "model"].iloc[0]
            parts.append(
                f"{name}: {best['method'].replace('_', ' ')} best ({best[score]:.3g}; "
                f"the model {model[score]:.3g})"
            )
        lines.append(f"Recorded {quantity}, mean over all targets: " + "; ".join(parts) + ".")
    events = overall[overall["quantity"] == "events"].set_index("method")["crps"]
    if {"model", "background_only"} <= set(events.index):
        lines.append(
            f"The model's background alone scores a CRPS on events of "
            f"{events['background_only']:.3g} against the whole model's {events['model']:.3g}: "
            + (
                "the actors' recorded events add error."
                if events["background_only"] < events["model"]
                else "the actors' recorded events improve the forecast."
            )
        )
    return lines


def forecast_report(folder: Path) -> Report:
    receipt = read_receipt(folder)
    s = receipt["settings"]
    origins = receipt.get("origins", [])
    what = facts(
        [
            ("Command", command_cell(receipt.get("command"))),
            ("Forecast", esc(receipt.get("name"))),
            ("Model", code(" ".join(s.get("model", [])))),
            ("Data", esc(f"{s.get('data')}: {s.get('days')} days from {s.get('start')}")),
            (
                "Origins",
                esc(
                    f"months {', '.join(map(str, origins))} of {receipt.get('months')}; each "
                    f"forecasts up to {s.get('horizon')} months, fitted on the months before it"
                ),
            ),
            (
                "Draws",
                esc(f"{s.get('draws')} per forecast; posterior {s.get('posterior') or 'none'}"),
            ),
            ("Seed", esc(s.get("seed"))),
            ("Package version", esc(receipt.get("version"))),
            ("Directory", code(str(folder))),
        ]
    )
    notes = [
        "The actors' parameters are draws from a posterior fitted on all of 2016-17, the "
        "scored months included: the model's forecasts are not out of sample in them. In the "
        "data the actors' kind of violence is 26 of the 743 events; the background violence, "
        "which is the rest, is refitted on each window and sees no scored month.",
        f"{len(origins)} origins over one region and two years: differences between methods "
        "of a few per cent are within what another period could reverse; the targets of one "
        "origin are not independent (one war, shared months).",
        "The background's parameter uncertainty is a normal approximation of the likelihood "
        "at its maximum (the estimate as it is where that fails, or with fewer than three "
        "events), and the death law is the window's estimate.",
    ]
    path = folder / "scores.parquet"
    status = receipt.get("status")
    done = status == "done" and path.exists()
    unfinished = not_finished("The forecast", status, "the same command runs it again")
    if not done:
        notes.insert(
            0,
            f"{unfinished}. Any tables in its directory may be an earlier run's, not from "
            "this one's settings.",
        )
    sections = [
        ("run", "What was run", section("What was run", "run", what)),
        caveat_section(notes),
    ]
    if not done:
        lead = f"Rolling-origin forecasts {receipt.get('name')}: not finished."
        return Report(f"Forecast report: {receipt.get('name')}", lead, sections, unfinished)
    scores = pd.read_parquet(path)
    sections[1:1] = [
        ("shows", "What it shows", section("What it shows", "shows", bullets(findings(scores)))),
    ]
    sections += [
        (
            "scores",
            "Scores",
            section(
                "Mean scores",
                "scores",
                table(
                    scores,
                    "ahead: months after the origin (0: all together); targets: governorate x "
                    "month forecasts averaged; CRPS and interval score in events or deaths, "
                    "ignorance in bits on ViEWS's bins. Lower is better. background_only: the "
                    "model runs' recorded background events alone (a diagnostic); no_change: "
                    "Poisson of the window's last month; negative_binomial: the window's "
                    "monthly mean and variance.",
                ),
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
                    lambda stem: FORECAST_CAPTIONS.get(stem, unknown_caption(stem)),
                ),
            ),
        ),
    ]
    lead = f"Rolling-origin forecasts {receipt.get('name')} scored against {s.get('data')}."
    return Report(f"Forecast report: {receipt.get('name')}", lead, sections)
