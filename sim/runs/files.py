"""Atomic writes: a reader (or a killed run) never leaves or sees a half-written file.

Every file is written under a fresh hidden name in its target directory, created
by :func:`tempfile.mkstemp` (``O_EXCL``: never an existing file, never through a
planted symlink), then renamed into place; on any failure the temporary file is
removed, so a full disk or a kill leaves the previous version or nothing.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from matplotlib.figure import Figure

_UMASK = os.umask(0)
os.umask(_UMASK)


@contextmanager
def atomic_path(path: Path, suffix: str = ".tmp") -> Iterator[Path]:
    """A new temporary path beside ``path`` to write; renamed onto ``path`` if the block
    ends normally, removed otherwise. ``suffix`` keeps a format's extension (``.png``)."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.fchmod(fd, 0o666 & ~_UMASK)  # as open() would make it, not mkstemp's private 0600
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def save_figure(fig: Figure, path: Path) -> Path:
    """Write a PNG atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path, ".png") as tmp:
        fig.savefig(tmp, dpi=150)
    return path
