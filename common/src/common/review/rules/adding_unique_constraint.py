"""adding-unique-constraint: ``ADD CONSTRAINT ... UNIQUE`` / ``PRIMARY KEY`` on an existing table.

Problem: the constraint builds its unique index inside the ALTER TABLE (also for a
column added with ``UNIQUE`` / ``PRIMARY KEY``, e.g. ``serial PRIMARY KEY``), holding an
ACCESS EXCLUSIVE lock for the whole build: no reads, no writes.

Why it hurts: ACCESS EXCLUSIVE for a full index build.

Safe alternative: ``op.add_unique_constraint_concurrently(name, table, columns)``: build
the unique index with CREATE UNIQUE INDEX CONCURRENTLY, then attach it instantly with
``ADD CONSTRAINT ... UNIQUE USING INDEX`` (likewise ``PRIMARY KEY USING INDEX``).
"""

from __future__ import annotations

from collections.abc import Iterator

from common.review.model import RevisionUnit, Severity
from common.review.rules import Hit, rule
from common.review.rules._sql import AlterTableType, ConstrType, alter_commands

KINDS = {ConstrType.CONSTR_UNIQUE: "unique constraint", ConstrType.CONSTR_PRIMARY: "primary key"}


@rule(
    "adding-unique-constraint",
    Severity.ERROR,
    help="Use op.add_unique_constraint_concurrently(name, table, columns): a concurrent unique "
    "index, then ADD CONSTRAINT ... USING INDEX.",
)
def check(unit: RevisionUnit) -> Iterator[Hit]:
    for statement, table, command in alter_commands(unit.up, AlterTableType.AT_AddColumn):
        inline = [c for c in command.def_.constraints or () if c.contype in KINDS]
        if inline and statement.on_existing(table):
            yield Hit(
                statement.line,
                f"adds column {table}.{command.def_.colname} as {KINDS[inline[0].contype]}: "
                "the column and its index are built under an ACCESS EXCLUSIVE lock.",
            )
    for statement, table, command in alter_commands(unit.up, AlterTableType.AT_AddConstraint):
        constraint = command.def_
        kind = KINDS.get(constraint.contype)
        if kind is None or constraint.indexname or not statement.on_existing(table):
            continue
        yield Hit(
            statement.line,
            f"adds {kind} {constraint.conname or '(unnamed)'} on {table}: its index is built "
            "under an ACCESS EXCLUSIVE lock, blocking reads and writes.",
        )
