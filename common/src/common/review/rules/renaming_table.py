"""renaming-table: ``ALTER TABLE ... RENAME TO`` on an existing table.

Problem: the application version that runs while the migration applies still queries
the old name (or the new version the new one): one of them fails.

Why it hurts: breaks running clients; ACCESS EXCLUSIVE lock (brief).

Safe alternative: create the new table (or a view named after the old one pointing at
the renamed table), move the code over, drop the old name in a later release. A rename
followed in the same revision by a view under the old name (what ``create-migration
--expand-contract`` writes) is that alternative, and is not reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from common.review.model import RevisionUnit, Severity
from common.review.rules import Hit, rule
from common.review.rules._sql import ObjectType


@rule(
    "renaming-table",
    Severity.ERROR,
    help="Rename in two releases: rename and create a view with the old name, move the code, "
    "drop the view later; or keep the table name and change only the model's __tablename__.",
)
def check(unit: RevisionUnit) -> Iterator[Hit]:
    views = {
        statement.node.view.relname
        for statement in unit.up
        if isinstance(statement.node, ast.ViewStmt) and statement.node.view is not None
    }
    for statement in unit.up:
        node = statement.node
        if isinstance(node, ast.RenameStmt) and node.renameType == ObjectType.OBJECT_TABLE:
            table = node.relation.relname if node.relation else None
            if statement.on_existing(table) and table not in views:
                yield Hit(
                    statement.line,
                    f"renames table {table} to {node.newname}: code using the other name fails "
                    "during the deploy.",
                )
