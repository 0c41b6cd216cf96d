"""concurrently-in-transaction: a CONCURRENTLY statement inside the revision's transaction.

Problem: ``CREATE INDEX CONCURRENTLY``, ``DROP INDEX CONCURRENTLY`` and ``REINDEX ...
CONCURRENTLY`` cannot run in a transaction block; since Alembic wraps each revision in
one, the statement fails (``cannot run inside a transaction block``) and the deploy stops.

Why it hurts: failed deploy (the revision rolls back).

Safe alternative: the workbench ops (``op.create_index_concurrently``,
``op.drop_index_concurrently``, ``op.reindex_concurrently``) run outside the transaction;
for raw SQL, wrap it in ``with op.get_context().autocommit_block():``.
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from common.review.model import RevisionUnit, Severity
from common.review.rules import Hit, rule


def _concurrent(node) -> bool:
    if isinstance(node, ast.IndexStmt | ast.DropStmt):
        return bool(node.concurrent)
    if isinstance(node, ast.ReindexStmt):
        return any(getattr(p, "defname", "") == "concurrently" for p in node.params or ())
    return False


@rule(
    "concurrently-in-transaction",
    Severity.ERROR,
    help="Wrap it in `with op.get_context().autocommit_block():` or use the workbench's "
    "op.create_index_concurrently / op.drop_index_concurrently.",
)
def check(unit: RevisionUnit) -> Iterator[Hit]:
    for statement in unit.up:
        if statement.in_transaction and _concurrent(statement.node):
            yield Hit(
                statement.line,
                f"runs {' '.join(statement.sql.split()[:4])} inside the revision's "
                "transaction: PostgreSQL refuses it and the deploy stops.",
            )
