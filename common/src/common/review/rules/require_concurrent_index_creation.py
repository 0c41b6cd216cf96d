"""require-concurrent-index-creation: ``CREATE INDEX`` without ``CONCURRENTLY``.

Problem: a plain CREATE INDEX on an existing table takes a SHARE lock for the whole
build: reads go on but every INSERT, UPDATE and DELETE waits until the index is built.

Why it hurts: writes blocked for the duration of a full-table index build.

Safe alternative: ``op.create_index_concurrently(name, table, columns)``, which runs
``CREATE INDEX CONCURRENTLY`` outside the revision's transaction. Indexes on tables
created in the same pending set are fine as they are.
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from common.review.model import RevisionUnit, Severity
from common.review.rules import Hit, rule


@rule(
    "require-concurrent-index-creation",
    Severity.ERROR,
    help="Use op.create_index_concurrently(name, table, columns) instead of op.create_index.",
)
def check(unit: RevisionUnit) -> Iterator[Hit]:
    for statement in unit.up:
        node = statement.node
        if not isinstance(node, ast.IndexStmt) or node.concurrent:
            continue
        table = node.relation.relname
        if statement.on_existing(table):
            yield Hit(
                statement.line,
                f"creates index {node.idxname or '(unnamed)'} on {table} without CONCURRENTLY: "
                "writes to the table are blocked while the index builds.",
            )
