"""Every example in README.md and docs/*.md runs, shrunk to seconds.

How a page's fenced blocks run
------------------------------
Each page runs in its own temporary working directory, never in the
repository: its blocks in order, so a block may use what an earlier block of
the same page wrote. The directory starts with the headline comparison of
``make run`` in ``outputs/headline/``, as a reader who followed the quick
start has it (the ``headline`` fixture runs the README's ``make run`` once,
shrunk, for every page; the block itself is not run again), and ``.venv``
linked to the project's environment.
Pages run two at a time.

- ```bash: one bash script (``set -euo pipefail``) with the ``python`` wrapper
  below first on ``PATH``.
- ```console: a transcript. Each ``$ command`` runs; every line shown after it
  must appear in its output (a line ending in ``...`` as a prefix). Output that
  begins with ``error:`` means exit code 2, otherwise 0.
- ```python: written to a file and run as a script by the project's Python,
  with a timeout: an example that starts worker processes without the
  ``if __name__ == "__main__"`` guard they need hangs, and fails here.
- Anything else (```text for directory trees and listings) is not run.

An HTML comment on the line before a block changes that:

- ``<!-- test: skip: REASON -->``: not run; a reason is required. For what
  cannot run here: the test suite itself, servers, clusters, hours of work.
- ``<!-- test: requires MODULE ... -->``: run only where the modules import.

How sizes are shrunk
--------------------
1. ``SIZES``: the ``python`` wrapper sets these in the project's commands,
   replacing the example's own value of the key or adding it
   (``replications=40`` runs 2 replications; the command is otherwise as
   shown).
2. ``SUBSTITUTIONS``: textual replacements made in a block before it runs, for
   sizes ``SIZES`` does not reach (Python arguments, Optuna's trials, a grid)
   and for ``make run`` (the Makefile's own command, then shrunk by ``SIZES``).
   Each must match some block, so none outlives the example it was made for.
"""

from __future__ import annotations

import importlib.util
import os
import posixpath
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PYTHON = Path(sys.executable)
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
RUN = {"bash", "console", "python"}
NOT_RUN = {"text", "yaml"}

# Settings the ``python`` wrapper sets in ``python -m <module> ...`` (runs and multiruns).
SIZES = {
    "sim": "replications=2 days=60 workers=1",
    "sim.explore": "replications=2 days=60 workers=1 explore.points=8",
    "sim.policy": ("days=60 worlds.count=3 search.population=6 search.generations=2 workers=1"),
    "sim.calibrate": (
        "population=4 generations=1 ppc_draws=2 days=120 workers=1 "
        "waves=1 wave_points=10 wave_replications=2"
    ),
}


def _make_run() -> str:
    """``make run`` as the Makefile runs it: ``python -m sim $(RUN_ARGS)``."""
    text = (REPO / "Makefile").read_text().replace("\\\n", " ")
    args = re.search(r"^RUN_ARGS \?= (.+)$", text, re.M)
    assert args and "$(BIN)/python -m sim $(RUN_ARGS)" in text, "Makefile: run target changed"
    return "python -m sim " + " ".join(args.group(1).split())


HEADLINE = _make_run()

# (block language, pattern, replacement): made in every block of that language.
SUBSTITUTIONS = [
    ("bash", r"^make run$", HEADLINE),
    ("bash", r"\.venv/bin/python\b", "python"),  # so that the wrapper shrinks it
    ("bash", r"hydra\.sweeper\.n_trials=20\b", "hydra.sweeper.n_trials=2"),
    ("bash", r"range\(0,1\.01,0\.25\)", "range(0,1.01,1)"),  # a 2 x 2 grid, not 5 x 3
    ("bash", r"patrol\.units_per_side=30,60,90", "patrol.units_per_side=30,90"),
    (
        "bash",
        r"--fits 100 --out outputs/sbc/shipped",
        "--fits 1 --draws 3 --bins 2 --out outputs/sbc/shipped effort=quick days=120 "
        "sampler=single",
    ),
    ("python", r"\breplications=\d+", "replications=2"),
    ("python", r"\bdays=1095\b", "days=60"),
    ("python", r'"days": 365\b', '"days": 60'),
    ("python", r"\brng=range\(10\)", "rng=range(2)"),
    ("python", r"\bscenarios=200, policies=4\b", "scenarios=4, policies=2"),
    ("python", r"\bsaltelli\.sample\(problem, 64\)", "saltelli.sample(problem, 4)"),
]
TIMEOUT = 600  # seconds for one block: only to end a hang (a missing guard), not a budget
JOBS = 2  # pages run at once


@dataclass
class Block:
    page: Path
    line: int  # of the opening fence, 1-based
    lang: str
    text: str
    marker: str  # the "test:" comment before it, or ""

    def __str__(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line} ({self.lang})"


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of a page, each with the ``<!-- test: ... -->`` line before it."""
    found, lines, i = [], page.read_text().splitlines(), 0
    while i < len(lines):
        fence = re.match(r"^```(\S*)\s*$", lines[i])
        if not fence:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].rstrip() == "```")
        before = lines[i - 1] if i else ""
        marker = re.match(r"^<!--\s*test:\s*(.*?)\s*-->$", before)
        text = "\n".join(lines[i + 1 : end]) + "\n"
        found.append(Block(page, i + 1, fence.group(1), text, marker.group(1) if marker else ""))
        i = end + 1
    return found


def shrunk(block: Block) -> str:
    text = block.text
    for lang, pattern, replacement in SUBSTITUTIONS:
        if lang == block.lang:
            text = re.sub(pattern, replacement, text, flags=re.M)
    return text


def runnable(page: Path) -> list[Block]:
    return [b for b in blocks(page) if b.lang in RUN]


def _wrapper(bin_dir: Path) -> None:
    """``python``: the project's interpreter, setting ``SIZES`` in its commands (each
    replaces the example's own value of that key, or is added)."""
    script = bin_dir / "python"
    script.write_text(
        f"#!{PYTHON}\n"
        "import os, sys\n"
        f"python, sizes, args = {str(PYTHON)!r}, {SIZES!r}, sys.argv[1:]\n"
        "if args[:1] == ['-m'] and args[1:2] and args[1] in sizes:\n"
        "    for setting in sizes[args[1]].split():\n"
        "        key = setting.split('=')[0]\n"
        "        args = [a for a in args if a.split('=')[0] != key] + [setting]\n"
        "os.execv(python, [python, *args])\n"
    )
    script.chmod(0o755)


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    bin_dir = tmp_path_factory.mktemp("bin")
    _wrapper(bin_dir)
    path = os.pathsep.join([str(bin_dir), str(PYTHON.parent), os.environ["PATH"]])
    return os.environ | {"PATH": path, "MPLBACKEND": "Agg", "NO_MKDOCS_2_WARNING": "1"}


@pytest.fixture(scope="module")
def headline(tmp_path_factory, env) -> Path:
    """``make run``'s ``outputs/headline/``, shrunk, made once for every page."""
    cwd = tmp_path_factory.mktemp("headline")
    done = _run(["bash", "-c", HEADLINE], cwd, env)
    assert done.returncode == 0, _output(done)
    return cwd / "outputs" / "headline"


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            args, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT
        )
    except subprocess.TimeoutExpired as e:
        raise AssertionError(
            f"{args[-1]}\nno end after {TIMEOUT} s\n{e.stdout}\n{e.stderr}"
        ) from None


def _output(done: subprocess.CompletedProcess) -> str:
    out, err = done.stdout[-3000:], done.stderr[-3000:]
    return f"exit code {done.returncode}\n--- stdout\n{out}\n--- stderr\n{err}"


def _skipped(block: Block) -> str | None:
    """Why ``block`` does not run here, or None."""
    kind, _, rest = block.marker.partition(" ")
    if kind == "skip:":
        return rest
    if kind == "requires":
        missing = [m for m in rest.split() if importlib.util.find_spec(m) is None]
        return f"needs {', '.join(missing)}" if missing else None
    assert not block.marker, f"{block}: unknown marker {block.marker!r}"
    return None


def _transcript(block: Block, cwd: Path, env: dict[str, str]) -> None:
    steps: list[tuple[str, list[str]]] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif line.strip():
            assert steps, f"{block}: output before the first $ command"
            steps[-1][1].append(line)
    for command, shown in steps:
        done = _run(["bash", "-c", command], cwd, env)
        out = done.stdout + done.stderr
        expected = 2 if shown and shown[0].startswith("error:") else 0
        assert done.returncode == expected, f"{block}: $ {command}\n{_output(done)}"
        for line in shown:
            prefix = line.removesuffix("...")
            found = any(
                got.startswith(prefix) if prefix != line else got == line
                for got in out.splitlines()
            )
            assert found, f"{block}: $ {command}\nshown: {line}\n{_output(done)}"


def _run_block(block: Block, cwd: Path, scripts: Path, env: dict[str, str]) -> None:
    text = shrunk(block)
    if block.lang == "console":
        _transcript(block, cwd, env)
        return
    if block.lang == "bash":
        args = ["bash", "-c", "set -euo pipefail\n" + text]
    else:
        script = scripts / f"{block.page.stem}_{block.line}.py"
        script.write_text(text)
        args = [str(PYTHON), str(script)]
    done = _run(args, cwd, env)
    assert done.returncode == 0, f"{block}\n{text}\n{_output(done)}"


def _run_page(page: Path, headline: Path | None, env: dict[str, str], tmp: Path) -> list[str]:
    """Run the page's blocks in order in a fresh directory; return the skipped ones."""
    cwd, scripts = tmp / "work", tmp / "scripts"
    cwd.mkdir(parents=True)
    scripts.mkdir()
    (cwd / ".venv").symlink_to(REPO / ".venv")
    (cwd / "experiments").symlink_to(REPO / "experiments")  # scripts run from the root
    if headline:
        shutil.copytree(headline, cwd / "outputs" / "headline", symlinks=True)
    skipped = []
    for block in runnable(page):
        reason = _skipped(block)
        if reason:
            skipped.append(f"{block}: {reason}")
        elif shrunk(block).strip() != HEADLINE:  # that one ran once, in the fixture
            _run_block(block, cwd, scripts, env)
    return skipped


def _commands(page: Path) -> int:
    """How many commands and scripts the page runs (its cost, roughly)."""
    count = 0
    for block in runnable(page):
        if _skipped(block):
            continue
        if block.lang == "python":
            count += 1
        else:
            count += len(re.findall(r"^(\$ )?(python|make) ", block.text, re.M))
    return count


@pytest.fixture(scope="module")
def outcomes(request, env, tmp_path_factory) -> dict[Path, tuple[str | None, list]]:
    """The pages selected for ``test_examples_run``, run ``JOBS`` at a time (most
    commands run in one process, and most of their time is Python importing the
    project): page -> (what failed or None, the skipped blocks)."""
    pages = [
        item.callspec.params["page"]
        for item in request.session.items
        if getattr(item, "originalname", "") == "test_examples_run"
    ]
    pages.sort(key=_commands, reverse=True)  # the longest first, so that both keep busy
    headline = request.getfixturevalue("headline") if _commands(pages[0]) else None

    def run(page: Path) -> tuple[str | None, list]:
        try:
            return None, _run_page(page, headline, env, tmp_path_factory.mktemp(page.stem))
        except AssertionError as e:
            return str(e), []

    with ThreadPoolExecutor(JOBS) as pool:
        return dict(zip(pages, pool.map(run, pages), strict=True))


@pytest.mark.slow
@pytest.mark.parametrize(
    "page", [p for p in PAGES if runnable(p)], ids=lambda p: str(p.relative_to(REPO))
)
def test_examples_run(page, outcomes):
    error, skipped = outcomes[page]
    if error:
        pytest.fail(error, pytrace=False)
    if skipped and len(skipped) == len(runnable(page)):
        pytest.skip("; ".join(skipped))
    if skipped:
        print("skipped:", *skipped, sep="\n  ")


def test_blocks_are_marked_and_fenced():
    """Every block has a known language and every marker a known form; commands are
    ```bash (run) and transcripts ```console (checked), never ```sh or ```shell."""
    for page in PAGES:
        for block in blocks(page):
            assert block.lang in RUN | NOT_RUN, f"{block}: fence language {block.lang!r}"
            if block.lang == "bash":
                assert not re.search(r"^\$ ", block.text, re.M), f"{block}: a transcript"
            if block.marker:
                kind = block.marker.split(" ")[0]
                assert kind in ("skip:", "requires"), f"{block}: marker {block.marker!r}"
                assert block.marker.split(" ", 1)[1:], f"{block}: marker without a reason"
                assert block.lang in RUN, f"{block}: a marker on a block that never runs"


def test_substitutions_are_used():
    """Every substitution still matches an example (none outlives its example)."""
    every = [b for p in PAGES for b in runnable(p)]
    for lang, pattern, _ in SUBSTITUTIONS:
        assert any(b.lang == lang and re.search(pattern, b.text, re.M) for b in every), (
            f"substitution {pattern!r} ({lang}) matches no example"
        )


def test_links_resolve():
    """Relative links and images of README.md and docs/ point at files of the
    repository, so they work on GitHub (and, copied by docs/hooks.py, in the site)."""
    for page in PAGES:
        text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+://", target) or target.startswith("#"):
                continue
            path = (page.parent / target.split("#")[0]).resolve()
            assert path.exists(), f"{page.relative_to(REPO)}: link to missing {target}"


def test_nav_lists_every_page():
    """mkdocs.yml's nav names every page in docs/ once."""
    nav = re.findall(r"^\s+- [^:]+: (\S+\.md)$", (REPO / "mkdocs.yml").read_text(), re.M)
    assert sorted(nav) == sorted(p.name for p in (REPO / "docs").glob("*.md"))


@pytest.mark.slow
def test_site_builds(tmp_path, env):
    """``mkdocs build --strict`` passes, and every image of the site is in it."""
    pytest.importorskip("material", reason="the docs extra (mkdocs-material)")
    site = tmp_path / "site"
    done = subprocess.run(
        [str(PYTHON), "-m", "mkdocs", "build", "--strict", "-f", str(REPO / "mkdocs.yml")]
        + ["-d", str(site)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 0, _output(done)
    for html in site.rglob("index.html"):
        for src in re.findall(r'<img[^>]* src="([^"]+)"', html.read_text()):
            if re.match(r"[a-z]+:", src):
                continue
            # as a browser resolves it: from the page's URL, never above the site's root
            url = posixpath.normpath(posixpath.join(html.parent.relative_to(site).as_posix(), src))
            path = site / re.sub(r"^(\.\./?)+", "", url)
            assert path.is_file(), f"{html.relative_to(site)}: image {src} is not in the site"
