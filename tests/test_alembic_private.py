"""Every private Alembic/SQLAlchemy name the workbench uses still exists (no database).

``common.alembic_private`` lists them; an Alembic upgrade that moves one must fail here
with the name and the installed version, not deep inside an autogenerate run. A second
test keeps the list complete: no module reaches for a private Alembic name elsewhere.
"""

from __future__ import annotations

import ast
import importlib
import re
import tomllib
from pathlib import Path

import alembic
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "common" / "src" / "common"


def _private_module():
    try:
        return importlib.import_module("common.alembic_private")
    except ImportError as exc:  # a module-level name moved: the message says which
        pytest.fail(str(exc), pytrace=False)


def test_every_listed_private_name_resolves():
    private = _private_module()
    missing = []
    for entry in private.NAMES:
        try:
            private.resolve(entry)
        except private.PrivateNameMovedError as exc:
            missing.append(str(exc))
    assert not missing, "\n".join(missing)


def test_a_moved_name_is_reported_with_the_name_and_the_installed_version():
    private = _private_module()
    gone = private.Private("alembic.autogenerate.render", "_no_such_renderer", "x", "y")
    with pytest.raises(private.PrivateNameMovedError) as raised:
        private.resolve(gone)
    assert str(raised.value) == (
        f"alembic.autogenerate.render._no_such_renderer is gone in alembic "
        f"{alembic.__version__} / SQLAlchemy {__import__('sqlalchemy').__version__} (the "
        f"workbench was tested with alembic {private.TESTED_ALEMBIC}); install a tested "
        "alembic (uv sync) or port common/alembic_private.py."
    )


def test_the_tested_range_is_the_pinned_one_and_the_installed_version_is_in_it():
    private = _private_module()
    project = tomllib.loads((PACKAGE.parents[1] / "pyproject.toml").read_text())
    pins = [d for d in project["project"]["dependencies"] if d.startswith("alembic")]
    assert pins == [f"alembic{private.TESTED_ALEMBIC}"]
    low, high = re.fullmatch(r">=(\d+\.\d+),<(\d+\.\d+)", private.TESTED_ALEMBIC).groups()
    version = tuple(int(part) for part in alembic.__version__.split(".")[:2])
    assert tuple(map(int, low.split("."))) <= version < tuple(map(int, high.split(".")))


def _private_uses(path: Path) -> list[str]:
    """``from alembic... import _x``, imports of Alembic's internal modules, ``x._y`` on
    names bound from Alembic (outside common.alembic_private)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("alembic"):
            for alias in node.names:
                internal = "sqla_compat" in (node.module, alias.name)
                if alias.name.startswith("_") or internal or ".ddl" in node.module:
                    found.append(f"{node.module}.{alias.name} (line {node.lineno})")
    return found


def test_no_module_imports_a_private_alembic_name_but_through_alembic_private():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative == "alembic_private.py":
            continue
        offenders += [f"{relative}: {use}" for use in _private_uses(path)]
    assert not offenders, "import these through common.alembic_private:\n" + "\n".join(offenders)
