"""unbatched-data-migration: ``UPDATE`` or ``DELETE`` over a whole existing table.

Problem: one statement without a ``WHERE`` touches every row in one transaction: every
row stays locked until the revision commits (writers to those rows wait), the table
bloats by its own size, and replicas fall behind.

Why it hurts: row locks on the whole table for the statement's duration, WAL surge.

Safe alternative: ``op.batch_update(table, values, where=...)`` /
``op.batch_delete(table, where)``, which commit every ``batch_size`` rows.
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from common.review.model import RevisionUnit, Severity
from common.review.rules import Hit, rule

SAFE_OPS = {"batch_update", "batch_delete", "batch_copy_column"}


@rule(
    "unbatched-data-migration",
    Severity.ERROR,
    help="Use op.batch_update(table, values, where=...) or op.batch_delete(table, where): they "
    "commit every batch_size rows.",
)
def check(unit: RevisionUnit) -> Iterator[Hit]:
    for statement in unit.up:
        node = statement.node
        if not isinstance(node, ast.UpdateStmt | ast.DeleteStmt) or statement.op in SAFE_OPS:
            continue
        if node.whereClause is not None:
            continue
        table = node.relation.relname
        if statement.on_existing(table):
            verb = "updates" if isinstance(node, ast.UpdateStmt) else "deletes"
            yield Hit(
                statement.line,
                f"{verb} every row of {table} in one statement: all rows stay locked until "
                "the revision commits.",
            )
