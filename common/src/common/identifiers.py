"""Identifier length limits: the name a database really stores, and names it cannot store.

PostgreSQL keeps at most 63 bytes of a name and silently cuts a longer one; MySQL and
MariaDB refuse names over 64 characters; SQLite has no limit. SQLAlchemy shortens a
naming-convention name (a ``conv``, what ``op.f()`` makes too) that is over the limit to
a truncated prefix plus a hash of the whole name when it compiles DDL, so ``create_all``
stores e.g. ``ix_customeraccountpreferencerecord_notification_deliv_7c2e``. Any DDL the
workbench writes itself (its concurrent and NOT VALID operations, their ``--sql`` text,
catalog lookups by name) must use that same name, or the database ends up with
PostgreSQL's cut (which differs) and ``check`` never converges. ``stored_name`` asks
SQLAlchemy's own preparer for it rather than re-implementing the hash.

Names SQLAlchemy does not shorten (table, column, enum and sequence names, and explicit
index or constraint names) cannot be stored as written: ``over_long_identifiers`` lists
them so ``create-migration`` can refuse the models instead of writing a revision that
fails or never converges.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import conv


def name_limit(dialect: Dialect) -> int:
    """The dialect's limit on schema-object names (bytes on PostgreSQL, characters
    elsewhere). MySQL's ``max_identifier_length`` (255) is for aliases; its tables,
    columns, indexes and constraints stop at the 64 SQLAlchemy applies to index names.
    """
    limits = (
        dialect.max_identifier_length,
        dialect.max_index_name_length,
        dialect.max_constraint_name_length,
    )
    return min(limit for limit in limits if limit)


def name_length(dialect: Dialect, name: str) -> int:
    """How the dialect counts ``name``: PostgreSQL's NAMEDATALEN is in bytes (UTF-8)."""
    return len(name.encode()) if dialect.name == "postgresql" else len(name)


def _unquoted(preparer: Any, rendered: str) -> str:
    """The identifier inside ``preparer.quote()``'s output (an unquoted one is as is:
    a name that starts with the quote character always needs quoting)."""
    start, end = preparer.initial_quote, preparer.final_quote
    if start and rendered.startswith(start) and rendered.endswith(end):
        inner = rendered[len(start) : len(rendered) - len(end)]
        return inner.replace(preparer.escape_to_quote, preparer.escape_quote)
    return rendered


def stored_name(dialect: Dialect, name: str | None, kind: str = "index") -> str | None:
    """The name the database stores for an index (``kind="index"``) or a constraint.

    Over the dialect's limit, the name is shortened exactly as SQLAlchemy shortens a
    naming-convention name, so it equals what ``create_all`` and ``op.f()`` produce.
    """
    if name is None:
        return None
    preparer = dialect.identifier_preparer
    if kind == "index":
        limit = dialect.max_index_name_length or dialect.max_identifier_length
        render = preparer.truncate_and_render_index_name
    else:
        limit = dialect.max_constraint_name_length or dialect.max_identifier_length
        render = preparer.truncate_and_render_constraint_name
    if len(name) <= limit:
        return str(name)
    return _unquoted(preparer, render(conv(str(name))))


def _final(dialect: Dialect, item: sa.Index | sa.Constraint, kind: str) -> str | None:
    """The name as SQLAlchemy compiles it: a ``conv`` shortened, anything else as given."""
    name = item.name
    if not isinstance(name, str):  # unnamed (the database names it) or not yet named
        return None
    return stored_name(dialect, name, kind) if isinstance(name, conv) else str(name)


def _names(table: sa.Table, dialect: Dialect) -> Iterator[tuple[str, str]]:
    """(what, name) for every name of ``table`` the dialect will store."""
    yield f"table {table.fullname}", table.name
    for column in table.columns:
        yield f"column {table.name}.{column.name}", column.name
        type_ = column.type
        native = dialect.name == "postgresql" and isinstance(type_, sa.Enum) and type_.native_enum
        if native and type_.name:
            yield f"enum type {type_.name}", type_.name
        default = column.default
        if isinstance(default, sa.Sequence) and dialect.supports_sequences:
            yield f"sequence {default.name}", default.name
    for index in table.indexes:
        name = _final(dialect, index, "index")
        if name:
            yield f"index {name}", name
    for constraint in table.constraints:
        name = _final(dialect, constraint, "constraint")
        if name:
            yield f"constraint {name}", name


def over_long_identifiers(tables: list[sa.Table], dialect: Dialect) -> list[str]:
    """``"column t.c (70 bytes)"`` for each name of ``tables`` over the dialect's limit."""
    unit = "bytes" if dialect.name == "postgresql" else "characters"
    found: dict[str, None] = {}
    for table in tables:
        for what, name in _names(table, dialect):
            length = name_length(dialect, name)
            if length > name_limit(dialect):
                found[f"{what} ({length} {unit})"] = None
    return list(found)
