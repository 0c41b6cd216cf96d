"""What the enum ops share: the dialect test, schema wording, and the pieces of their DDL.

The enum ops are PostgreSQL only: SQLite and MySQL/MariaDB keep inline ENUMs, changed
through ``alter_column``, so there every enum op does nothing, online and offline alike.

Their statements are DDL elements compiled by SQLAlchemy (``@compiles``): identifiers
quoted by the dialect's preparer, values rendered by its literal renderer (DDL takes no
bound parameters). What needs the live catalog (which columns use a type, whether a
type is still used) is a PL/pgSQL ``DO`` block that reads the catalog on the server, so
the same statement serves ``update-db`` and ``update-db --sql``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.operations import Operations

from common.ops._support import OperationError

NOT_POSTGRESQL = "none (no named enum types on this database: nothing runs)"
_TAG = "$workbench$"


def is_postgresql(operations: Operations) -> bool:
    return operations.get_context().dialect.name == "postgresql"


def in_schema(schema: str | None) -> str:
    return "" if schema is None else f" in schema {schema}"


def schema_arg(schema: str | None) -> str:
    return "" if schema is None else f", schema={schema!r}"


def quoted(compiler: Any, name: str, schema: str | None = None) -> str:
    """``"billing"."status"``, or the quoted bare name for the default schema."""
    quote = compiler.preparer.quote
    return quote(name) if schema is None else f"{quote(schema)}.{quote(name)}"


def string(compiler: Any, value: str | None) -> str:
    """A SQL string literal (or NULL), escaped by the dialect's literal renderer."""
    if value is None:
        return "NULL"
    return compiler.sql_compiler.render_literal_value(value, sa.String())


def type_condition(compiler: Any, alias: str, name: str, schema: str | None) -> str:
    """SQL true for the enum type ``name`` in ``schema`` (None: the current schema)."""
    return (
        f"{alias}.typname = {string(compiler, name)} AND {alias}.typtype = 'e' "
        f"AND {alias}.typnamespace = (SELECT oid FROM pg_namespace "
        f"WHERE nspname = coalesce({string(compiler, schema)}, current_schema()))"
    )


def do_block(body: str) -> str:
    """``DO $workbench$ <body> $workbench$``; refused if a name holds the quote tag."""
    if _TAG in body:
        raise OperationError(
            f"an enum type, schema or value name contains {_TAG!r}.",
            "rename it; the workbench quotes its PL/pgSQL blocks with that tag.",
        )
    return f"DO {_TAG}\n{body.strip()}\n{_TAG}"
