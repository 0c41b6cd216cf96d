"""What the revision files declare, read with ``ast`` before Alembic imports them.

Alembic keeps only one of two files that declare the same revision id, and a
``down_revision`` naming a missing revision ends in a ``KeyError``; both come with a
warning that scrolls by. Reading the assignments directly names the files instead.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Declared:
    """A revision file's ``revision`` and ``down_revision`` as written (None: unreadable)."""

    path: Path
    revision: str | None
    down: tuple[str, ...]


def _constant(node: ast.AST) -> object:
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def declared(path: Path) -> Declared:
    """The literal ``revision`` and ``down_revision`` of ``path`` (annotated or not)."""
    try:
        tree = ast.parse(path.read_text(), filename=str(path))
    except (SyntaxError, UnicodeDecodeError):
        return Declared(path, None, ())
    values: dict[str, object] = {}
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        value = getattr(node, "value", None)
        if isinstance(target, ast.Name) and value is not None:
            values[target.id] = _constant(value)
    revision = values.get("revision")
    down = values.get("down_revision")
    downs = (down,) if isinstance(down, str) else tuple(d for d in down or () if isinstance(d, str))
    return Declared(path, revision if isinstance(revision, str) else None, downs)


def declarations(versions: Path) -> list[Declared]:
    return [declared(path) for path in sorted(versions.glob("*.py"))]


def reused_ids(found: list[Declared]) -> dict[str, list[str]]:
    """Revision ids declared by more than one file, with the files' names."""
    files: dict[str, list[str]] = defaultdict(list)
    for item in found:
        if item.revision:
            files[item.revision].append(item.path.name)
    return {rev: names for rev, names in files.items() if len(names) > 1}


def missing_parents(found: list[Declared]) -> list[tuple[str, str]]:
    """(file name, id) for each ``down_revision`` that no file declares.

    Nothing when a file's ``revision`` is not a plain literal: it may be the one named,
    and Alembic, which imports the files, then judges.
    """
    if any(item.revision is None for item in found):
        return []
    ids = {item.revision for item in found}
    return [(item.path.name, down) for item in found for down in item.down if down not in ids]
