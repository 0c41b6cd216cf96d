"""What the rename ops share: the table a rename works on, and its lock.

A renamed table or column keeps the indexes, constraints and sequences named after its
old name; the workbench renames them to what the naming convention gives for the new
name, so the schema matches a fresh ``create_all`` of the models. PostgreSQL renames
each in place (a catalog change, no rewrite) and ``--sql`` writes the same statement.
Elsewhere what to write depends on what the database has (the index's columns, the kind
of constraint), which only the online run can read.
"""

from __future__ import annotations

from typing import Any

from common.ops._locks import lock_line

RENAME_LOCK = "SHARE UPDATE EXCLUSIVE, brief"


def on_table(operation: Any) -> str:
    """The table a rename works on, qualified when it is in another schema."""
    schema = getattr(operation, "schema", None)
    return f"{schema}.{operation.table_name}" if schema else operation.table_name


def rename_lock(dialect: str, **elsewhere: str) -> str:
    return lock_line(dialect, RENAME_LOCK, **elsewhere)
