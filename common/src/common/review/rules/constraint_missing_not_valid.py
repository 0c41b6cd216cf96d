"""constraint-missing-not-valid: FOREIGN KEY or CHECK added to an existing table as valid.

Problem: ``ADD CONSTRAINT ... FOREIGN KEY`` / ``CHECK`` without ``NOT VALID`` scans the
whole table (and, for a foreign key, checks every row against the referenced table)
while holding its lock: ACCESS EXCLUSIVE for CHECK, SHARE ROW EXCLUSIVE on both tables
for a foreign key, so writes stop. The same happens when ``VALIDATE CONSTRAINT`` runs in
the same transaction as the ``NOT VALID`` add: the add's lock is still held.
A column added with ``REFERENCES`` is reported too (it locks the referenced table).

Why it hurts: full scan while writes (or all access) are blocked.

Safe alternative: ``op.create_foreign_key_not_valid`` / ``op.create_check_constraint_not_valid``
(added NOT VALID: only new rows are checked, instantly), then ``op.validate_constraint``
in a later revision or outside the transaction (SHARE UPDATE EXCLUSIVE: reads and writes
go on).
"""

from __future__ import annotations

from collections.abc import Iterator

from common.review.model import RevisionUnit, Severity
from common.review.rules import Hit, rule
from common.review.rules._sql import AlterTableType, ConstrType, alter_commands, constraints_of

KINDS = {ConstrType.CONSTR_FOREIGN: "foreign key", ConstrType.CONSTR_CHECK: "check constraint"}


@rule(
    "constraint-missing-not-valid",
    Severity.ERROR,
    help="Add it with op.create_foreign_key_not_valid / op.create_check_constraint_not_valid, "
    "then op.validate_constraint in a separate transaction (a later revision).",
)
def check(unit: RevisionUnit) -> Iterator[Hit]:
    not_valid: dict[str, bool] = {}  # constraint name -> added in the open transaction
    for statement in unit.up:
        if not statement.in_transaction:
            not_valid = {name: False for name in not_valid}
        for _, table, command in alter_commands(
            [statement],
            AlterTableType.AT_AddConstraint,
            AlterTableType.AT_ValidateConstraint,
            AlterTableType.AT_AddColumn,
        ):
            yield from _judge(statement, table, command, not_valid)


def _judge(statement, table, command, not_valid) -> Iterator[Hit]:
    if command.subtype == AlterTableType.AT_ValidateConstraint:
        if not_valid.get(command.name) and statement.in_transaction:
            yield Hit(
                statement.line,
                f"validates {command.name} in the transaction that added it NOT VALID: the "
                f"lock taken by the add is held during the full scan of {table}.",
                "Validate in a later revision (or after a COMMIT), so the scan runs under "
                "SHARE UPDATE EXCLUSIVE only.",
            )
        return
    if not statement.on_existing(table):
        return
    if command.subtype == AlterTableType.AT_AddColumn:
        for constraint in constraints_of(command.def_):
            if constraint.contype == ConstrType.CONSTR_FOREIGN:
                yield Hit(
                    statement.line,
                    f"adds {table}.{command.def_.colname} with REFERENCES: a SHARE ROW "
                    f"EXCLUSIVE lock on {constraint.pktable.relname} blocks its writes.",
                    "Add the column without REFERENCES, then op.create_foreign_key_not_valid "
                    "and op.validate_constraint.",
                )
        return
    constraint = command.def_
    kind = KINDS.get(constraint.contype)
    if kind is None:
        return
    if constraint.skip_validation:
        not_valid[constraint.conname or ""] = True
        return
    yield Hit(
        statement.line,
        f"adds {kind} {constraint.conname or '(unnamed)'} on {table} without NOT VALID: the "
        "whole table is scanned while writes are blocked.",
    )
