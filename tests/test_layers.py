"""Imports go downward only, through DESIGN.md's layers (no database, no import).

Every ``import`` in ``common/src/common`` is read with ``ast``, the ones inside functions
too (that is how cycles hide), and mapped to its unit: a top-level module
(``common.config``) or a subpackage (``common.autogen``). A unit may import units of its
own layer or below, and no two units may import each other, even on one layer.

DESIGN.md's list, with the modules it does not name placed where they fit:

- ``__main__`` and ``cli`` sit with ``cli``;
- ``migration_env`` (what env.py runs) wires render, autogen and the runner together, so
  it sits with ``review`` and ``render``, which the review's round trip may import;
- ``session`` (settings, scripts, target, connection of one command) sits with
  ``database`` and ``revisions``, below ``runner``, which runs on a session;
- ``revision_sources`` (what a revision file declares, read without importing it) sits
  with ``revisions``;
- ``identifiers`` and ``alembic_private`` import only libraries: the bottom layer;
- ``fleet`` runs the commands over many targets, so it sits between ``cli`` and
  ``commands``;
- ``testing`` (the pytest plugin users load) drives the commands as a user's test does,
  so it sits with ``cli``; ``squash`` builds on the review's scratch databases and
  snapshots, so it sits with ``review``;
- ``reference`` (the documentation site's generated pages) reads the command line, the
  ops, the rules and the settings, and nothing imports it: the top layer;
- the ``common`` package itself (``from common import embedded`` imports ``embedded``).
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "common" / "src" / "common"

LAYERS: list[set[str]] = [
    {"reference"},
    {"__main__", "cli", "testing"},
    {"fleet"},
    {"commands"},
    {"review", "render", "migration_env", "squash"},
    {"autogen"},
    {"ops", "runner"},
    {"database", "revisions", "embedded", "session", "revision_sources"},
    {"config", "models", "errors", "output", "paths", "identifiers", "alembic_private"},
]
_LEVEL = {unit: level for level, units in enumerate(LAYERS) for unit in units}


def _unit(dotted: str) -> str | None:
    parts = dotted.split(".")
    return parts[1] if parts[0] == "common" and len(parts) > 1 else None


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(node: ast.AST, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:  # relative: resolve against this module's package
        base = module.split(".")
        base = base[: len(base) - node.level + (1 if is_package else 0)]
        target = ".".join([*base, node.module] if node.module else base)
    else:
        target = node.module or ""
    if target == "common":  # from common import embedded
        return [f"common.{alias.name}" for alias in node.names]
    return [target]


@cache
def import_edges() -> dict[tuple[str, str], list[str]]:
    """(importing unit, imported unit) -> where: ``module:line`` of each such import."""
    edges: dict[tuple[str, str], list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        source = _unit(module) or "common"
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            for target in _imported(node, module, path.name == "__init__.py"):
                unit = _unit(target)
                if unit is not None and unit != source and source != "common":
                    edges.setdefault((source, unit), []).append(f"{module}:{node.lineno}")
    return edges


def test_every_unit_of_the_package_has_a_layer():
    units = {_unit(_module_name(path)) for path in PACKAGE.rglob("*.py")} - {None}
    assert units - set(_LEVEL) == set(), "give these a layer in LAYERS (and DESIGN.md)"


def test_imports_go_downward_only():
    upward = [
        f"{source} -> {target} ({', '.join(where)})"
        for (source, target), where in sorted(import_edges().items())
        if _LEVEL[target] < _LEVEL[source]
    ]
    assert upward == [], "imports from a lower layer to a higher one:\n" + "\n".join(upward)


def test_no_two_units_import_each_other():
    edges = import_edges()
    cycles = [
        f"{a} <-> {b}: {', '.join(edges[a, b])} / {', '.join(edges[b, a])}"
        for a, b in sorted(edges)
        if a < b and (b, a) in edges
    ]
    assert cycles == [], "import cycles:\n" + "\n".join(cycles)


def test_tasks_py_imports_nothing_of_the_project():
    tree = ast.parse((ROOT / "tasks.py").read_text())
    names = [
        alias.name if isinstance(node, ast.Import) else node.module or ""
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    ]
    assert [name for name in names if name.split(".")[0] == "common"] == []
