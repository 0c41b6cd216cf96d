"""require-concurrent-index-deletion: ``DROP INDEX`` without ``CONCURRENTLY``.

Problem: a plain DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table; it
queues behind long-running queries, and everything queues behind it.

Why it hurts: ACCESS EXCLUSIVE on the table (reads and writes wait in the lock queue).

Safe alternative: ``op.drop_index_concurrently(name)``, which runs ``DROP INDEX
CONCURRENTLY`` outside the revision's transaction. Indexes created earlier in the same
pending set are fine to drop directly.
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from common.review.model import RevisionUnit, Severity
from common.review.rules import Hit, rule
from common.review.rules._sql import ObjectType


def _created_indexes(unit_statements) -> set[str]:
    return {
        s.node.idxname
        for s in unit_statements
        if isinstance(s.node, ast.IndexStmt) and s.node.idxname
    }


@rule(
    "require-concurrent-index-deletion",
    Severity.ERROR,
    help="Use op.drop_index_concurrently(name) instead of op.drop_index.",
)
def check(unit: RevisionUnit) -> Iterator[Hit]:
    created = _created_indexes(unit.up)
    for statement in unit.up:
        node = statement.node
        if not isinstance(node, ast.DropStmt) or node.removeType != ObjectType.OBJECT_INDEX:
            continue
        if node.concurrent:
            continue
        for names in node.objects or ():
            index = names[-1].sval
            if index not in created:
                yield Hit(
                    statement.line,
                    f"drops index {index} without CONCURRENTLY: ACCESS EXCLUSIVE lock on its "
                    "table, reads and writes queue behind it.",
                )
