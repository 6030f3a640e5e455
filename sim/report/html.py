"""Building blocks of the HTML report: one self-contained page, readable on screen and in print.

Everything is inline (CSS in the page, figures as base64 PNG), so the file
opens anywhere without a network or a server, and no script is needed. Every
text that comes from the data is escaped.
"""

from __future__ import annotations

import base64
import html
import sys
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from sim.runs.terminal import number

SCRIPTS = {
    "sim": "python -m sim",
    "sim-compare": "python -m sim.compare",
    "sim-explore": "python -m sim.explore",
    "sim-calibrate": "python -m sim.calibrate",
}
"""The console scripts (pyproject) and the commands they stand for."""


class Report(NamedTuple):
    """A report's title, lead sentence and sections (anchor, title, HTML), in reading order;
    and what the results lack (None: nothing), which ``python -m sim.report`` also says on
    stderr, so that neither a reader nor a script takes a partial result for a whole one."""

    title: str
    lead: str
    sections: list[tuple[str, str, str]]
    incomplete: str | None = None


CSS = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d1d1f;
       margin: 0 auto; padding: 1.5rem 2rem 3rem; max-width: 1150px; background: #fff; }
h1 { font-size: 1.7rem; margin: 0 0 .2rem; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 .6rem; padding-bottom: .2rem;
     border-bottom: 2px solid #d0d7de; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
p.lead { color: #57606a; margin: 0 0 1rem; }
nav { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: .5rem 1rem; }
nav a { display: inline-block; margin-right: 1.2rem; color: #0550ae; text-decoration: none;
        white-space: nowrap; }
table { border-collapse: collapse; margin: .4rem 0 1rem; font-size: 13.5px; }
th, td { border: 1px solid #d0d7de; padding: .3rem .6rem; text-align: left; vertical-align: top; }
thead th { background: #eaeef2; }
tbody tr:nth-child(even) { background: #f6f8fa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.facts th { background: #f6f8fa; width: 13rem; font-weight: 600; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; background: #f6f8fa;
       padding: .1rem .3rem; border-radius: 4px; word-break: break-all; }
figure { margin: 1rem 0 2rem; page-break-inside: avoid; }
figure img { max-width: min(100%, 1000px); height: auto; border: 1px solid #d0d7de; }
figcaption { font-size: 14px; color: #24292f; margin-top: .4rem; max-width: 60rem; }
figcaption b { color: #1d1d1f; }
section.caveats { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px;
                  padding: .2rem 1.2rem .6rem; margin-top: 2rem; }
section.caveats h2 { border-bottom-color: #d4a72c; }
.table-note { font-size: 13px; color: #57606a; margin-top: -.6rem; }
footer { margin-top: 3rem; font-size: 12.5px; color: #57606a; }
@media print { body { max-width: none; padding: 0; } nav { display: none; } }
"""


def esc(value: object) -> str:
    return html.escape(str(value))


def when(timestamp: float | None) -> str:
    """A Unix time as ``2026-12-01 13:43 UTC``; 'not recorded' for None."""
    if timestamp is None:
        return "not recorded"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


def paragraph(text: str) -> str:
    return f"<p>{esc(text)}</p>"


def bullets(items: Iterable[str]) -> str:
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def code(text: str) -> str:
    return f"<code>{esc(text)}</code>"


def facts(rows: Iterable[tuple[str, str]]) -> str:
    """A two-column table of what was run; values are HTML already (escape with ``esc``)."""
    body = "".join(f"<tr><th>{esc(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="facts"><tbody>{body}</tbody></table>'


def cell(value: object) -> str:
    """A table cell: numbers right-aligned without false precision, missing values as n/a."""
    if isinstance(value, bool | np.bool_):
        return f"<td>{'yes' if value else 'no'}</td>"
    if isinstance(value, int | float | np.integer | np.floating):
        return f'<td class="num">{esc(number(float(value)))}</td>'
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "<td>n/a</td>"
    return f"<td>{esc(value)}</td>"


def table(frame: pd.DataFrame, note: str = "") -> str:
    """A DataFrame as an HTML table (its index shown when it is named), with a note below."""
    shown = frame.reset_index() if frame.index.name is not None else frame
    head = "".join(f"<th>{esc(c)}</th>" for c in shown.columns)
    rows = "".join(
        "<tr>" + "".join(cell(v) for v in row) + "</tr>"
        for row in shown.itertuples(index=False, name=None)
    )
    extra = f'<p class="table-note">{esc(note)}</p>' if note else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{extra}"


def figure(path: Path, caption: str) -> str:
    """A PNG embedded in the page with its caption (bold file name, then the sentence)."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{esc(path.stem)}">'
        f"<figcaption><b>{esc(path.name)}.</b> {esc(caption)}</figcaption></figure>"
    )


def figures(
    folder: Path,
    caption: Callable[[str], str],
    first: tuple[str, ...] = (),
    shown: tuple[Path | None, ...] = (),
) -> str:
    """Every PNG in ``folder`` but those ``shown`` elsewhere in the page, each with
    ``caption(stem)``; a sentence when there are none.

    Figures whose names start with one of ``first`` come first, in that order.
    """
    rank = {stem: i for i, stem in enumerate(first)}
    elsewhere = {p for p in shown if p is not None}
    pngs = sorted(
        (p for p in folder.glob("*.png") if p not in elsewhere),
        key=lambda p: (
            min((rank[f] for f in first if p.stem.startswith(f)), default=len(first)),
            p.name,
        ),
    )
    if not pngs:
        if elsewhere:
            return paragraph("No other figures: the headline's and the spend's are above.")
        return paragraph("No figures were written (output.figures=false, or none apply).")
    return "".join(figure(p, caption(p.stem)) for p in pngs)


def unknown_caption(stem: str) -> str:
    return f"A figure of this output ({stem}); no description is known for this kind."


def command_cell(recorded: str | None) -> str:
    """The recorded command line, or a plain statement that it was not recorded."""
    return code(recorded) if recorded else esc("not recorded (made before commands were kept)")


def caveat_section(notes: list[str]) -> tuple[str, str, str]:
    """'What it does not show', highlighted so that it is read with the findings."""
    title = "What it does not show"
    return "caveats", title, section(title, "caveats", bullets(notes), cls="caveats")


def section(title: str, anchor: str, *parts: str, cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return f'<section id="{anchor}"{klass}><h2>{esc(title)}</h2>{"".join(parts)}</section>'


def writer() -> str:
    """The command writing the page now, from the program's main module: ``python -m sim``
    (a run, or a sweep when it ends), ``python -m sim.compare``, ``python -m sim.report``..."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    name = spec.name.removesuffix(".__main__") if spec is not None else ""
    if name == "sim" or name.startswith("sim."):
        return f"python -m {name}"
    script = SCRIPTS.get(sys.argv[0].rsplit("/", 1)[-1] if sys.argv else "")
    return script or "the Python API (sim.report.command.write_report)"


def page(title: str, lead: str, sections: list[tuple[str, str, str]], footer: str) -> str:
    """The whole document; ``sections`` are (anchor, title, html) in reading order."""
    nav = "".join(f'<a href="#{a}">{esc(t)}</a>' for a, t, _ in sections)
    body = "".join(s for _, _, s in sections)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
        f'<h1>{esc(title)}</h1><p class="lead">{esc(lead)}</p><nav>{nav}</nav>{body}'
        f"<footer>{esc(footer)}</footer></body></html>"
    )
