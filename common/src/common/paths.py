"""Where the project lives: the folder holding ``alembic.ini``.

The commands may be run from any sub-folder, so the root is found by walking up from
the working directory; the package's own location is the fallback because the package
is installed in editable mode from the workspace.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def project_root() -> Path:
    for folder in (Path.cwd(), *Path.cwd().parents):
        if (folder / "alembic.ini").is_file():
            return folder
    return Path(__file__).resolve().parents[3]


def alembic_ini(root: Path | None = None) -> Path:
    return (root or project_root()) / "alembic.ini"


def script_location(root: Path | None = None) -> Path:
    return (root or project_root()) / "common" / "alembic"


def versions_dir(root: Path | None = None) -> Path:
    return script_location(root) / "versions"
