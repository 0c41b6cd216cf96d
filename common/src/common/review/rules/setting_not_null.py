"""setting-not-null: ``ALTER COLUMN ... SET NOT NULL`` on an existing table.

Problem: PostgreSQL scans the whole table to check for NULLs while holding an ACCESS
EXCLUSIVE lock, so reads and writes wait for the scan; and it fails if a NULL remains.

Why it hurts: full scan under ACCESS EXCLUSIVE.

Safe alternative: ``op.set_not_null_safely(table, column)``: a ``CHECK (col IS NOT NULL)
NOT VALID`` constraint, ``VALIDATE`` (SHARE UPDATE EXCLUSIVE, reads and writes go on),
then ``SET NOT NULL``, which PostgreSQL 12+ proves from the valid CHECK without a scan.
A SET NOT NULL preceded in the revision by such a validated CHECK is accepted.
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from common.review.model import RevisionUnit, Severity, Statement
from common.review.rules import Hit, rule
from common.review.rules._sql import AlterTableType, ConstrType, alter_commands, walk

SAFE_OPS = {"set_not_null_safely"}


def _proven_columns(statements: list[Statement]) -> set[tuple[str, str]]:
    """(table, column) pairs with a CHECK (column IS NOT NULL) constraint added."""
    proven = set()
    for _, table, command in alter_commands(statements, AlterTableType.AT_AddConstraint):
        constraint = command.def_
        if constraint.contype != ConstrType.CONSTR_CHECK:
            continue
        for node in walk(constraint.raw_expr):
            if isinstance(node, ast.NullTest) and isinstance(node.arg, ast.ColumnRef):
                column = node.arg.fields[-1]
                if isinstance(column, ast.String):
                    proven.add((table, column.sval))
    return proven


@rule(
    "setting-not-null",
    Severity.ERROR,
    help="Use op.set_not_null_safely(table, column): CHECK ... NOT VALID, VALIDATE, then SET "
    "NOT NULL without a scan.",
)
def check(unit: RevisionUnit) -> Iterator[Hit]:
    proven = _proven_columns(unit.up)
    for statement, table, command in alter_commands(unit.up, AlterTableType.AT_SetNotNull):
        if statement.op in SAFE_OPS or (table, command.name) in proven:
            continue
        if statement.on_existing(table):
            yield Hit(
                statement.line,
                f"sets {table}.{command.name} NOT NULL directly: the whole table is scanned "
                "under an ACCESS EXCLUSIVE lock, blocking reads and writes.",
            )
