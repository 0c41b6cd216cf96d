"""ban-truncate-cascade: ``TRUNCATE ... CASCADE``.

Problem: CASCADE also empties every table with a foreign key to the truncated one, and
the ones referencing those, recursively: data far beyond the named table is deleted,
each under an ACCESS EXCLUSIVE lock.

Why it hurts: unintended data loss across tables; ACCESS EXCLUSIVE on all of them.

Safe alternative: name every table to empty explicitly (TRUNCATE a, b), or delete the
rows in batches with ``op.batch_delete``.
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import DropBehavior

from common.review.model import RevisionUnit, Severity
from common.review.rules import Hit, rule


@rule(
    "ban-truncate-cascade",
    Severity.ERROR,
    help="List the tables to empty explicitly (TRUNCATE a, b) or use op.batch_delete.",
)
def check(unit: RevisionUnit) -> Iterator[Hit]:
    for statement in unit.up:
        node = statement.node
        if isinstance(node, ast.TruncateStmt) and node.behavior == DropBehavior.DROP_CASCADE:
            names = ", ".join(relation.relname for relation in node.relations)
            yield Hit(
                statement.line,
                f"truncates {names} with CASCADE: every table referencing them is emptied too.",
            )
