"""Atomic writes: a reader (or a killed run) never leaves or sees a half-written file; and
bounded reads: a file planted where a small one belongs (a device, a pipe) is refused unread.

Every file is written under a fresh hidden name in its target directory, created
by :func:`tempfile.mkstemp` (``O_EXCL``: never an existing file, never through a
planted symlink), then renamed into place; on any failure the temporary file is
removed, so a full disk or a kill leaves the previous version or nothing.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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


class NotAFile(ValueError):
    """A path that is not a regular file of bounded size (the message says what it is)."""


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of the regular file ``path`` (a link to one is followed), at most ``limit``.

    Checked on the open file, so a link swapped after a check cannot slip a device
    in; opened without blocking, as a pipe with no writer would wait forever; read
    no further than the limit, so a file that grows stays bounded. NotAFile
    ("is a directory", "is not a regular file ...", "is larger than ...") or
    OSError (missing, unreadable).
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise NotAFile("is a directory")
        if not stat.S_ISREG(mode):
            raise NotAFile("is not a regular file (a device, pipe or socket)")
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise NotAFile(f"is larger than {limit / 2**20:.3g} MiB")
    return data


MAX_JSON_BYTES = 64 * 2**20
"""The largest receipt or record read: a receipt lists each of its job's files (~100 bytes)."""


def read_json(path: Path) -> Any:
    """The JSON in ``path``, a regular file of at most :data:`MAX_JSON_BYTES`; OSError or
    ValueError (NotAFile among them) otherwise."""
    return json.loads(read_bounded(path, MAX_JSON_BYTES))


def write_json(path: Path, data: Any) -> None:
    """``data`` as indented JSON, written atomically (a value JSON lacks, as its text)."""
    write_atomic(path, json.dumps(data, indent=2, default=str))
