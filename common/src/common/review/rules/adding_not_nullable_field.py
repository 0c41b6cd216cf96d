"""adding-not-nullable-field: ``ADD COLUMN ... NOT NULL`` without a default, existing table.

Problem: if the table has rows the statement fails (``column contains null values``);
if it is empty now but not in production, the deploy fails there. Even when it works,
the old application version inserts rows without the column and gets errors.

Why it hurts: failed deploy; broken inserts from running clients.

Safe alternative: add the column nullable (or with a constant ``server_default``),
backfill it with ``op.batch_update``, then ``op.set_not_null_safely`` in a later revision.
"""

from __future__ import annotations

from collections.abc import Iterator

from common.review.model import RevisionUnit, Severity
from common.review.rules import Hit, rule
from common.review.rules._sql import AlterTableType, ConstrType, alter_commands, constraints_of


@rule(
    "adding-not-nullable-field",
    Severity.ERROR,
    help="Add the column as nullable or with a constant server_default, backfill it with "
    "op.batch_update, then op.set_not_null_safely in a later revision.",
)
def check(unit: RevisionUnit) -> Iterator[Hit]:
    for statement, table, command in alter_commands(unit.up, AlterTableType.AT_AddColumn):
        column = command.def_
        kinds = {constraint.contype for constraint in constraints_of(column)}
        not_null = column.is_not_null or ConstrType.CONSTR_NOTNULL in kinds
        has_default = bool(
            {ConstrType.CONSTR_DEFAULT, ConstrType.CONSTR_IDENTITY, ConstrType.CONSTR_GENERATED}
            & kinds
        )
        serial = column.typeName and column.typeName.names[-1].sval.endswith("serial")
        if not_null and not has_default and not serial and statement.on_existing(table):
            yield Hit(
                statement.line,
                f"adds NOT NULL column {table}.{column.colname} without a default: it fails "
                "on a table with rows, and inserts from the running code fail.",
            )
