"""transaction-nesting: ``BEGIN`` / ``COMMIT`` / ``ROLLBACK`` written into a revision.

Problem: Alembic already runs each revision in its own transaction. A raw ``COMMIT``
ends it early: what follows runs without a transaction (a failure leaves the database
half migrated while alembic_version says otherwise); a raw ``BEGIN`` nests and warns.

Why it hurts: partial migrations that cannot be retried or rolled back cleanly.

Safe alternative: for statements that must run outside a transaction use
``with op.get_context().autocommit_block():`` (or the workbench's concurrent ops, which
do so); otherwise remove the statement.
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from common.review.model import RevisionUnit, Severity
from common.review.rules import Hit, rule


@rule(
    "transaction-nesting",
    Severity.ERROR,
    help="Remove it; wrap statements that must run outside a transaction in "
    "`with op.get_context().autocommit_block():`.",
)
def check(unit: RevisionUnit) -> Iterator[Hit]:
    for statement in unit.up:
        if isinstance(statement.node, ast.TransactionStmt):
            keyword = statement.sql.split()[0].upper() if statement.sql else "transaction"
            yield Hit(
                statement.line,
                f"runs {keyword} inside the revision's own transaction: what follows is no "
                "longer atomic with the rest of the revision.",
            )
