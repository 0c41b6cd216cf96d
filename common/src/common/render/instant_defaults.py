"""When ``ADD COLUMN ... NOT NULL DEFAULT <value>`` is one catalog-only step.

Since PostgreSQL 11 a column added with a non-volatile default does not rewrite the
table: the value is stored once in ``pg_attribute.attmissingval`` and read back for every
row written before the ALTER. The statement holds ACCESS EXCLUSIVE only for the catalog
change, and it scans nothing, so the add-nullable, backfill, CHECK NOT VALID, VALIDATE,
SET NOT NULL sequence (``safe_columns``) would spend a full table's row updates and a
full scan to reach the same state.

The workbench takes that one step only for a *constant*: a literal, a cast of one, or
operators over them (``3``, ``'new'::character varying``, ``'{}'::jsonb``). A function
call, even a stable one like ``now()``, keeps the safe path: PostgreSQL would give every
existing row the one value of the ALTER, which is rarely what a model's ``now()`` or
``gen_random_uuid()`` means, and a reviewer should see the backfill that decides it. A
model's Python scalar default (``Field(default=3)``) is a constant too: it is added as
the column's server default, then dropped again (also catalog-only), so the database
ends as the models say, with no default of its own.

The decision needs the server version, which autogenerate's connection knows; without
one (a script rendered with no database) the safe path is kept.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from pglast import parse_sql, visitors
from pglast.parser import ParseError
from sqlalchemy.sql import elements

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


def instant_reason(dialect: Any) -> str | None:
    """Why a constant default is one catalog-only step on this server, or None."""
    if dialect is None or dialect.name != "postgresql":
        return None
    version = dialect.server_version_info
    if not version or version < (11,):
        return None
    return (
        f"instant on PostgreSQL {version[0]} (11+): a constant default is kept in the "
        "catalog, no rewrite, no scan"
    )


def why_not_instant(name: str, server: Any, value: Any) -> str:
    """The reason the safe path was taken on dialect ``name``, for the revision's note;
    ``server`` is the connected dialect, None when the script is rendered offline."""
    if name != "postgresql":
        return f"the one-step add is taken on PostgreSQL 11+ only, not on {name}"
    if server is None or not server.server_version_info:
        return "no server version known, so PostgreSQL 11+'s one-step add is not assumed"
    if server.server_version_info < (11,):
        return "PostgreSQL before 11 rewrites the whole table for a default"
    return f"the default {shown(value, server)} is not a constant: each row gets its own value"


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
    sql = str(literal.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    return sa.DefaultClause(sa.text(sql))
