"""renaming-column: ``ALTER TABLE ... RENAME COLUMN`` on an existing table.

Problem: during the deploy the old application version still uses the old name and the
new version the new name; whichever does not match the database fails.

Why it hurts: breaks running clients (old or new); ACCESS EXCLUSIVE lock (brief).

Safe alternative: expand and contract: add the new column, write both (or a trigger),
backfill with ``op.batch_copy_column``, switch reads, then drop the old column in a later
release. Or keep the column name and rename only the model attribute.
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from common.review.model import RevisionUnit, Severity
from common.review.rules import Hit, rule
from common.review.rules._sql import ObjectType


@rule(
    "renaming-column",
    Severity.ERROR,
    help="Add the new column, backfill it with op.batch_copy_column, move the code over, and "
    "drop the old column in a later release (or rename only the model attribute).",
)
def check(unit: RevisionUnit) -> Iterator[Hit]:
    for statement in unit.up:
        node = statement.node
        if isinstance(node, ast.RenameStmt) and node.renameType == ObjectType.OBJECT_COLUMN:
            table = node.relation.relname if node.relation else None
            if statement.on_existing(table):
                yield Hit(
                    statement.line,
                    f"renames column {table}.{node.subname} to {node.newname}: application "
                    "code using the other name fails during the deploy.",
                )
