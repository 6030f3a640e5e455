"""Atomic writes: a reader (or a killed run) never leaves or sees a half-written file."""

from __future__ import annotations

import os
from pathlib import Path

from matplotlib.figure import Figure


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a hidden temporary file next to ``path``, then rename it into place."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def save_figure(fig: Figure, path: Path) -> Path:
    """Write a PNG atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp.png")
    fig.savefig(tmp, dpi=150)
    os.replace(tmp, path)
    return path
