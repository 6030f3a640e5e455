"""``python -m sim.explorer --replay FILE``: replay a saved game's lines to their numbers.

Each line is rebuilt from the game's setup and its moves and run to where it was
left; the numbers it reaches are printed beside those the file recorded. A line that
does not reach them (another version of the model, an edited file) is named and the
command exits 1, exporting nothing. ``--export DIR`` also writes each line (or ``--line``'s) as
``DIR/conf/game/<line>.yaml``, which

    python -m sim --config-dir DIR/conf +game=<line>

runs: its replication 0 is the played line, the others the same moves in other futures.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.config.params import ConfigError
from sim.explorer.game import load, numbers
from sim.runs.files import write_atomic

GAME_DIR = Path("conf") / "game"
COLUMNS = ("day", "border_incidents", "casualties", "trust", "phase")


def replay(path: Path, export: Path | None = None, line: str | None = None) -> int:
    """Replay (and export) the game at ``path``; the exit status (0: every line reached
    its recorded numbers). ConfigError for a bad file, line or export directory."""
    game = load(path)
    names = list(game.lines) if line is None else [line]
    if line is not None and line not in game.lines:
        raise ConfigError(f"--line={line}: no such line in {path}; lines: {', '.join(game.lines)}")
    texts = {name: game.export(name) for name in names} if export is not None else {}
    print(f"{'line':<14}{'from':<14}{'moves':>6}  " + "  ".join(f"{c:>16}" for c in COLUMNS))
    differ = []
    for name in names:
        recorded = game.lines[name].numbers
        replayed = numbers(game.model if name == game.current else game.rebuilt(name))
        same = all(recorded.get(c) == replayed[c] for c in COLUMNS) if recorded else None
        if same is False:
            differ.append(name)
        parent = game.lines[name].parent or "-"
        cells = "  ".join(f"{replayed[c]!s:>16}" for c in COLUMNS)
        verdict = {True: "same as recorded", False: "DIFFERS", None: "nothing recorded"}[same]
        print(f"{name:<14}{parent:<14}{len(game.lines[name].moves):>6}  {cells}  {verdict}")
        if same is False:
            print(f"{'':<34}recorded: " + ", ".join(f"{c}={recorded.get(c)}" for c in COLUMNS))
    if differ:
        print(
            f"error: {', '.join(differ)}: replayed to other numbers than recorded", file=sys.stderr
        )
        return 1
    for name, text in texts.items():
        target = export / GAME_DIR / f"{name}.yaml"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, text)
        except OSError as e:
            raise ConfigError(f"--export={export}: cannot write {target} ({e.strerror})") from None
        print(f"{target}: python -m sim --config-dir {export / 'conf'} +game={name}")
    return 0
