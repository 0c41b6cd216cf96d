"""ban-drop-column: ``ALTER TABLE ... DROP COLUMN`` on an existing table.

Problem: the application version still running during the deploy selects, inserts or
maps the column; once it is gone those queries fail (``column does not exist``), and
ORMs that list every column fail on every query of the table. The data is lost too,
so the downgrade cannot bring it back.

Why it hurts: breaks running clients; ACCESS EXCLUSIVE lock (brief, no rewrite).

Safe alternative: deploy code that no longer uses the column first (remove it from the
model and stop reading it), then drop the column in a later release.
"""

from __future__ import annotations

from collections.abc import Iterator

from common.review.model import RevisionUnit, Severity
from common.review.rules import Hit, rule
from common.review.rules._sql import AlterTableType, alter_commands


@rule(
    "ban-drop-column",
    Severity.ERROR,
    help="Stop using the column in the code and deploy that first; drop it in a later "
    "release (and keep a backup: its data cannot be restored by downgrade).",
)
def check(unit: RevisionUnit) -> Iterator[Hit]:
    for statement, table, command in alter_commands(unit.up, AlterTableType.AT_DropColumn):
        if statement.on_existing(table):
            yield Hit(
                statement.line,
                f"drops column {table}.{command.name}: running application code that still "
                "reads or writes it fails, and its data is lost.",
            )
