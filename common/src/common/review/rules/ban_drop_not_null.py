"""ban-drop-not-null: ``ALTER COLUMN ... DROP NOT NULL`` on an existing table.

Problem: once the column accepts NULL, new code (or anyone) may write NULLs that the
application version still running, reports and consumers never expected: they crash or
mis-handle them. Cheap for the database (a brief ACCESS EXCLUSIVE), costly for clients.

Why it hurts: breaks clients that rely on the column being present.

Safe alternative: deploy code that copes with NULL everywhere first, then drop the
constraint; or keep NOT NULL and use a sentinel default.
"""

from __future__ import annotations

from collections.abc import Iterator

from common.review.model import RevisionUnit, Severity
from common.review.rules import Hit, rule
from common.review.rules._sql import AlterTableType, alter_commands


@rule(
    "ban-drop-not-null",
    Severity.WARNING,
    help="Make every reader of the column cope with NULL and deploy that first; then drop "
    "NOT NULL.",
)
def check(unit: RevisionUnit) -> Iterator[Hit]:
    for statement, table, command in alter_commands(unit.up, AlterTableType.AT_DropNotNull):
        if statement.on_existing(table):
            yield Hit(
                statement.line,
                f"makes {table}.{command.name} nullable: readers that assume a value get NULLs.",
            )
