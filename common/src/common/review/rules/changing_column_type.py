"""changing-column-type: ``ALTER TABLE ... ALTER COLUMN ... TYPE`` on an existing table.

Problem: most type changes rewrite the whole table and rebuild its indexes while holding
an ACCESS EXCLUSIVE lock: no reads or writes until it finishes. Without a ``USING``
clause, a change with no implicit cast (text to integer, to an enum) fails outright.
(Exceptions that PostgreSQL does without a rewrite: varchar(n) to a larger n or to text.)

Why it hurts: table rewrite under ACCESS EXCLUSIVE; the application stalls.

Safe alternative: add a new column of the new type, backfill it in batches
(``op.batch_copy_column(..., using=...)``), switch the code, drop the old column later.
"""

from __future__ import annotations

from collections.abc import Iterator

from common.review.model import RevisionUnit, Severity
from common.review.rules import Hit, rule
from common.review.rules._sql import AlterTableType, alter_commands, name_list


@rule(
    "changing-column-type",
    Severity.ERROR,
    help="Add a column of the new type, backfill it with op.batch_copy_column(..., using=...), "
    "switch the code to it, and drop the old column in a later release.",
)
def check(unit: RevisionUnit) -> Iterator[Hit]:
    for statement, table, command in alter_commands(unit.up, AlterTableType.AT_AlterColumnType):
        if not statement.on_existing(table):
            continue
        column = command.def_
        new_type = name_list(column.typeName.names) if column.typeName else "?"
        cast = "" if column.raw_default is not None else " (no USING cast given)"
        yield Hit(
            statement.line,
            f"changes the type of {table}.{command.name} to {new_type}{cast}: the table is "
            "rewritten under an ACCESS EXCLUSIVE lock, blocking reads and writes.",
        )
