"""When ``ADD COLUMN ... NOT NULL DEFAULT <value>`` is one catalog-only step.

Since PostgreSQL 11 a column added with a non-volatile default does not rewrite the
table: the value is stored once in ``pg_attribute.attmissingval`` and read back for every
row written before the ALTER. The statement holds ACCESS EXCLUSIVE only for the catalog
change, and it scans nothing, so the add-nullable, backfill, CHECK NOT VALID, VALIDATE,
SET NOT NULL sequence (``safe_columns``) would spend a full table's row updates and a
full scan to reach the same state. InnoDB does the same since MariaDB 10.3.2 and MySQL
8.0.12 (ALGORITHM=INSTANT, chosen by the server when it can), where the safe path's last
step, MODIFY ... NOT NULL, would even rebuild the table. SQLite's ADD COLUMN only edits
the stored schema.

The workbench takes that one step only for a *constant*: a literal, a cast of one, or
operators over them (``3``, ``'new'::character varying``, ``'{}'::jsonb``). A function
call, even a stable one like ``now()``, keeps the safe path: the server would give every
existing row the one value of the ALTER, which is rarely what a model's ``now()`` or
``gen_random_uuid()`` means, and a reviewer should see the backfill that decides it. A
model's Python scalar default (``Field(default=3)``) is a constant too: it is added as
the column's server default, then dropped again (also catalog-only), so the database
ends as the models say, with no default of its own. SQLite could drop it only by copying
the table, so there a Python default keeps the safe path.

The decision needs the server version, which autogenerate's connection knows; without
one (a script rendered with no database) the safe path is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from pglast import parse_sql, visitors
from pglast.parser import ParseError
from sqlalchemy.sql import elements

from common.ops._expressions import compiled_sql
from common.render.backfill import shown

# node kinds of a constant expression: literals, casts, array literals, operators
_CONSTANT_NODES = {
    "RawStmt",
    "SelectStmt",
    "ResTarget",
    "A_Const",
    "Integer",
    "Float",
    "Boolean",
    "String",
    "BitString",
    "TypeCast",
    "TypeName",
    "A_ArrayExpr",
    "A_Expr",
}


class _Kinds(visitors.Visitor):
    """Collects the node kinds of a parse tree (pglast's own walk)."""

    def __init__(self) -> None:
        self.kinds: set[str] = set()

    def visit(self, ancestors: Any, node: Any) -> None:
        self.kinds.add(type(node).__name__)


@dataclass(frozen=True)
class _Kind:
    """One kind of server: from which version a constant default is added in one step."""

    name: str
    since: tuple[int, ...]
    how: str  # what the server does instead of writing every row
    before: str  # what an older version does
    parts: int = 2  # how much of the version to show: PostgreSQL 15, MariaDB 10.11


_POSTGRESQL = _Kind(
    "PostgreSQL",
    (11,),
    "a constant default is kept in the catalog, no rewrite, no scan",
    "rewrites the whole table for a default",
    parts=1,
)
_MARIADB = _Kind(
    "MariaDB",
    (10, 3, 2),
    "InnoDB adds the column in its data dictionary, no rebuild",
    "rebuilds the table for a new column",
)
_MYSQL = _Kind(
    "MySQL",
    (8, 0, 12),
    "InnoDB adds the column in its data dictionary, no rebuild",
    "rebuilds the table for a new column",
)
_SQLITE = _Kind(
    "SQLite", (3,), "ADD COLUMN edits only the schema; earlier rows read the default", ""
)


def _kind(server: Any) -> _Kind | None:
    if server.name == "mysql":
        return _MARIADB if getattr(server, "is_mariadb", False) else _MYSQL
    return {"postgresql": _POSTGRESQL, "sqlite": _SQLITE}.get(server.name)


def _version(server: Any) -> tuple[int, ...]:
    """The server's version as integers (MariaDB's has a trailing ``'MariaDB'``)."""
    return tuple(v for v in server.server_version_info or () if isinstance(v, int))


def _shown(version: tuple[int, ...]) -> str:
    return ".".join(map(str, version))


def instant_reason(server: Any, value: Any, *, server_default: bool) -> str | None:
    """Why adding a NOT NULL column defaulting to ``value`` is one step on ``server``, or None.

    ``server`` is the connected SQLAlchemy dialect, None offline. ``server_default`` says
    whether the model keeps the default in the database: on SQLite dropping it again
    would copy the table, so a Python-only default keeps the safe path there.
    """
    kind = None if server is None else _kind(server)
    version = () if kind is None else _version(server)
    if kind is None or not version or version < kind.since or not is_constant(value):
        return None
    if kind is _SQLITE:
        # SQLite's ADD COLUMN refuses a default that is an expression in parentheses
        if not server_default or str(getattr(value, "text", "")).lstrip().startswith("("):
            return None
        return f"instant on SQLite: {kind.how}"
    shown_version = _shown(version[: kind.parts])
    return f"instant on {kind.name} {shown_version} ({_shown(kind.since)}+): {kind.how}"


def why_not_instant(name: str, server: Any, value: Any, *, server_default: bool) -> str:
    """The reason the safe path was taken on dialect ``name``, for the revision's note."""
    kind = None if server is None else _kind(server)
    if kind is None and name not in ("postgresql", "mysql", "sqlite"):
        return f"the one-step add is not taken on {name}"
    if server is None or not _version(server):
        where = {"postgresql": "PostgreSQL 11+'s", "mysql": "MySQL's and MariaDB's"}
        return f"no server version known, so {where.get(name, 'a')} one-step add is not assumed"
    if kind is _SQLITE and not server_default:
        return "on SQLite the default could only be dropped again by copying the table"
    if _version(server) < kind.since:
        return f"{kind.name} before {_shown(kind.since)} {kind.before}"
    return (
        f"the default {shown(value, server)} is not a constant: the backfill computes it "
        "for the existing rows"
    )


def is_constant(value: Any) -> bool:
    """True for a Python scalar, a bound literal, or SQL text that is a constant."""
    if isinstance(value, elements.BindParameter):
        return value.callable is None
    if isinstance(value, elements.TextClause):
        return _constant_sql(value.text)
    if isinstance(value, elements.ClauseElement):  # sa.func.now() and other expressions
        return False
    return value is not None


def _constant_sql(sql: str) -> bool:
    try:
        tree = parse_sql(f"SELECT {sql}")
    except ParseError:
        return False
    kinds = _Kinds()
    kinds(tree)
    return kinds.kinds <= _CONSTANT_NODES


def server_default_for(value: Any, type_: Any, dialect: Any) -> sa.DefaultClause:
    """The server default that writes ``value`` (a constant) into rows of ``type_``."""
    if isinstance(value, elements.TextClause):
        return sa.DefaultClause(value)
    literal = value if isinstance(value, elements.BindParameter) else sa.literal(value, type_)
    return sa.DefaultClause(sa.text(compiled_sql(literal, dialect)))
