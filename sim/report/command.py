"""``python -m sim.report DIR [--out FILE]``: the HTML report of a run, sweep, design, calibration.

One self-contained page (figures embedded, no network, no script) that says
what was run (scenarios, overrides, replications, seeds, version, date, the
command line), what the results show (summary table with CIs, paired
differences, every figure with a caption), and as plainly what they do not
show. ``DIR`` is a single run's directory (``python -m sim``), a multirun
directory or its ``sweep/`` folder, a ``python -m sim.compare`` output, a
design's run directory (``python -m sim.explore``), a calibration's
(``python -m sim.calibrate``), a forecast's (``python -m sim.forecast``) or a policy
search's (``python -m sim.policy``). The page goes
next to the tables it reads (``sweep/report.html`` for a multirun), written
atomically; each of these commands writes it itself when it finishes.

Results that are not whole (a design with points missing, a calibration that
did not finish, a multirun with jobs left out) are still reported, exit code 0:
the page is how one sees what is there and what is missing, and it says so
first. The same sentence goes to stderr as one ``warning:`` line, so a script
that reads only the exit code and the path is not misled silently.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sim import __version__
from sim.report.calibration import calibration_report
from sim.report.design import design_report
from sim.report.forecast import forecast_report
from sim.report.html import page, writer
from sim.report.policy import policy_report
from sim.report.runs import run_report, sweep_report
from sim.runs.files import read_json, write_atomic
from sim.runs.jobs import RECEIPT, read_receipt, why_unfinished
from sim.runs.results import AGGREGATE_MARK, RUN_COLUMNS
from sim.runs.terminal import OneLineParser

REPORT = "report.html"
EXPECTED = (
    "a run (runs.parquet, job.json), a multirun (sweep/aggregate.json), "
    "a comparison (aggregate.json), a design (design.parquet), a calibration (calibration.json), "
    "a forecast (forecast.json) or a policy search (policy.json)"
)


class NotAResult(ValueError):
    """The directory holds none of the outputs a report can be made of."""


def settings_receipt(path: Path, kind: str, command: str) -> dict:
    """A calibration's or forecast's receipt (``path``): a dict with its settings, else a
    one-line NotAResult."""
    try:
        receipt = read_json(path)
    except (ValueError, UnicodeDecodeError):
        receipt = None
    if not isinstance(receipt, dict) or not isinstance(receipt.get("settings"), dict):
        raise NotAResult(
            f"{path}: not a {kind}'s receipt (JSON with its settings, as python -m {command} "
            "writes it)"
        )
    return receipt


class OutRefused(ValueError):
    """``--out`` names something a report must not overwrite."""


def locate(directory: Path) -> tuple[str, Path]:
    """What kind of output ``directory`` holds, and the folder its report goes to."""
    if not directory.is_dir():
        raise NotAResult(f"{directory}: no such directory; expected {EXPECTED}")
    if (directory / "sweep" / AGGREGATE_MARK).is_file():
        return "sweep", directory / "sweep"
    for kind, name in (
        ("sweep", AGGREGATE_MARK),
        ("design", "design.parquet"),
        ("calibration", "calibration.json"),
        ("forecast", "forecast.json"),
        ("policy", "policy.json"),
    ):
        if (directory / name).is_file():
            return kind, directory
    if (directory / "runs.parquet").is_file() or (directory / RECEIPT).is_file():
        return "run", directory  # (a run that left no tables: check_run says why)
    if (directory / "multirun.yaml").is_file():
        raise NotAResult(
            f"{directory}: a multirun not aggregated yet (no sweep/: it was stopped, or is "
            "still running); run the same command again to finish it, or "
            f"python -m sim.compare {directory} to compare what finished"
        )
    raise NotAResult(
        f"{directory}: not a run, multirun, design, calibration, forecast or policy search; "
        f"expected {EXPECTED}"
    )


def check_run(folder: Path) -> None:
    """A single run's tables are reported only as the run that wrote them: not when the
    last run into the directory did not finish (its record would be mixed with the
    tables of an earlier one), and not when they hold no run."""
    receipt = read_receipt(folder)
    status = receipt.get("status", "done" if not (folder / RECEIPT).exists() else "unreadable")
    tables = (folder / "runs.parquet").is_file()
    if status not in ("done", "skipped"):
        command = receipt.get("command", "")
        left = "its tables may be an earlier run's" if tables else "it left no tables"
        raise NotAResult(
            f"{folder}: the last run here did not finish (status {status}: "
            f"{receipt.get('error') or why_unfinished(status)}"
            f"{'; ' + command if command else ''}); {left}; run it again"
        )
    if not tables:
        raise NotAResult(f"{folder}: {RECEIPT} says the run finished, but runs.parquet is gone")
    meta = pq.read_metadata(folder / "runs.parquet")
    missing = [c for c in RUN_COLUMNS if c not in meta.schema.names]
    if missing:
        raise NotAResult(f"{folder}: runs.parquet is not a runs table (no {', '.join(missing)})")
    if meta.num_rows == 0:
        raise NotAResult(f"{folder}: runs.parquet holds no run")


def build(directory: Path, shown: Path | None = None) -> tuple[str, Path, str | None]:
    """The report's HTML, where it belongs, and what its results lack (None: nothing).
    ``shown``: the directory the report names as its source (default: ``directory``)."""
    kind, folder = locate(directory)
    if kind == "run":
        check_run(folder)
    makers = {
        "run": run_report,
        "sweep": sweep_report,
        "design": design_report,
        "calibration": calibration_report,
        "forecast": forecast_report,
        "policy": policy_report,
    }
    report = makers[kind](folder)
    source = folder if shown is None else shown
    footer = f"Written by {writer()} (border-roadmap {__version__}) from {source}."
    text = page(report.title, report.lead, report.sections, footer)
    return text, folder / REPORT, report.incomplete


def write_report(directory: Path, out: Path | None = None, shown: Path | None = None) -> Path:
    """Build the report of ``directory`` and write it atomically; return its path.
    ``shown``: the directory it names as its source (an aggregation's, built aside)."""
    return _write(directory, out, shown)[0]


def _write(directory: Path, out: Path | None, shown: Path | None = None) -> tuple[Path, str | None]:
    """The report written (``out``: the file, or a directory to write ``report.html`` in),
    and what its results lack (None: nothing)."""
    target = out / REPORT if out is not None and out.is_dir() else out
    if target is not None:
        check_out(target)
    text, default, incomplete = build(directory, shown)
    target = target or default
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, text)
    return target, incomplete


def check_out(target: Path) -> None:
    """Refuse an ``--out`` that would overwrite anything but an earlier report: a table,
    a receipt or an unrelated file stays as it is (OutRefused naming it)."""
    if target.suffix.lower() not in (".html", ".htm"):
        raise OutRefused(f"--out {target}: name an .html file or a directory")
    if target.is_symlink() or (target.exists() and not is_report(target)):
        raise OutRefused(
            f"--out {target}: exists and is not a report of python -m sim.report; "
            "choose another file"
        )


def is_report(path: Path) -> bool:
    """Whether ``path`` is a page this package wrote (its doctype first, its name last)."""
    if not path.is_file():
        return False
    with path.open("rb") as f:
        head = f.read(15)
        f.seek(max(0, path.stat().st_size - 4096))
        tail = f.read()
    return head == b"<!DOCTYPE html>" and b"border-roadmap" in tail


def main(argv: list[str] | None = None) -> None:
    parser = OneLineParser(prog="python -m sim.report", description=__doc__.split("\n\n")[1])
    parser.add_argument("dir", type=Path, help="a run, multirun, comparison, design or calibration")
    parser.add_argument(
        "--out", type=Path, default=None, help="the HTML file (default: DIR's report.html)"
    )
    args = parser.parse_args(argv)
    try:
        path, incomplete = _write(args.dir, args.out)
    except (NotAResult, OutRefused) as e:
        _refuse(str(e))
    except (OSError, ValueError, KeyError, pa.ArrowException) as e:  # unreadable tables, --out
        _refuse(f"{args.dir}: cannot be reported ({type(e).__name__}: {e})".splitlines()[0])
    if incomplete is not None:  # reported all the same: the page is how to see what is there
        print(f"warning: {args.dir}: {incomplete}", file=sys.stderr, flush=True)
    print(path)


def _refuse(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)
