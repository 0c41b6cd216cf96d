"""adding-field-with-volatile-default: ``ADD COLUMN ... DEFAULT <volatile>``, existing table.

Problem: since PostgreSQL 11 a constant default (``0``, ``'x'``, ``now()``) is stored
once in the catalog, but a volatile default (``random()``, ``gen_random_uuid()``,
``clock_timestamp()``, ``nextval()``) must be computed per row: the table is rewritten.
So is a ``GENERATED ALWAYS AS (...) STORED`` column.

Why it hurts: table rewrite under ACCESS EXCLUSIVE; reads and writes wait.

Safe alternative: add the column without a default (or with a constant), set the default
for new rows afterwards (``ALTER COLUMN SET DEFAULT`` is instant), and backfill existing
rows with ``op.batch_update``.
"""

from __future__ import annotations

from collections.abc import Iterator

from common.review.model import RevisionUnit, Severity
from common.review.rules import Hit, rule
from common.review.rules._sql import (
    AlterTableType,
    ConstrType,
    alter_commands,
    constraints_of,
    function_names,
)

VOLATILE = {
    "random",
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "uuidv4",
    "uuidv7",
    "clock_timestamp",
    "timeofday",
    "nextval",
    "txid_current",
    "statement_timestamp",
    "setseed",
}


@rule(
    "adding-field-with-volatile-default",
    Severity.ERROR,
    help="Add the column without the default, then ALTER COLUMN SET DEFAULT (instant) for new "
    "rows and backfill old rows with op.batch_update.",
)
def check(unit: RevisionUnit) -> Iterator[Hit]:
    for statement, table, command in alter_commands(unit.up, AlterTableType.AT_AddColumn):
        if not statement.on_existing(table):
            continue
        column = command.def_
        for constraint in constraints_of(column):
            if constraint.contype not in (ConstrType.CONSTR_DEFAULT, ConstrType.CONSTR_GENERATED):
                continue
            if constraint.contype == ConstrType.CONSTR_GENERATED:
                yield Hit(
                    statement.line,
                    f"adds the stored generated column {table}.{column.colname}: the table is "
                    "rewritten under an ACCESS EXCLUSIVE lock to compute it.",
                )
                continue
            volatile = sorted(function_names(constraint.raw_expr) & VOLATILE)
            if volatile:
                yield Hit(
                    statement.line,
                    f"adds {table}.{column.colname} with the volatile default {volatile[0]}(): "
                    "the table is rewritten under an ACCESS EXCLUSIVE lock.",
                )
