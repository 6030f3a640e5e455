"""MkDocs hook: copy the repository files the guide links to from outside docs/.

Pages link to ``../experiments/figures/*.png``, ``../experiments/README.md``,
``../data/README.md`` and ``../README.md`` so that the links resolve on GitHub.
A page is served at ``/<page>/``, where ``../`` is the site's root, so these
files are copied to the same paths under the site directory.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPIED = ["README.md", "experiments/README.md", "data/README.md", "experiments/figures"]


def on_post_build(config, **kwargs) -> None:
    site = Path(config["site_dir"])
    for name in COPIED:
        source, target = ROOT / name, site / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copy2(source, target)
