"""The unchanged-table shortcut's proofs for aspects only Alembic's own comparators compare.

Alembic's comparators are declared in ``common.autogen.aspects.ALEMBIC``; the aspects
that a workbench comparator also compares (types, server defaults, computed columns,
identity, indexes and constraints) are proved next to that comparator. These three are
Alembic's alone: NOT NULL and the two comments, compared by Alembic as plain values.
"""

from __future__ import annotations

from typing import Any

from common.autogen.aspects import proves


def _nullable_reads(comparer: Any, info: dict, column: Any, table: Any) -> tuple:
    return (bool(info["nullable"]), bool(column.nullable))


@proves("column.nullable", reads=_nullable_reads)
def _same_nullable(comparer: Any, info: dict, column: Any, table: Any) -> bool:
    return bool(info["nullable"]) == bool(column.nullable)


def _comment_reads(comparer: Any, info: dict, column: Any, table: Any) -> tuple:
    return (info.get("comment"), column.comment)


@proves("column.comment", reads=_comment_reads)
def _same_column_comment(comparer: Any, info: dict, column: Any, table: Any) -> bool:
    if not comparer.dialect.supports_comments:  # SQLite: Alembic compares none either
        return True
    return (info.get("comment") or None) == (column.comment or None)


@proves("table.comment", per="table")
def _same_table_comment(comparer: Any, reflected: Any, table: Any) -> bool:
    if not comparer.dialect.supports_comments:
        return True
    comment = reflected.get("table_comment", {}) or {}
    return (comment.get("text") or None) == (table.comment or None)


def setup(plugin: Any) -> None:
    """No comparator: the module registers proofs only (``autogen`` sets up each module)."""
