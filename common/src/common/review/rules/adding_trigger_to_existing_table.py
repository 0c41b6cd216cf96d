"""adding-trigger-to-existing-table: ``CREATE TRIGGER`` on a table that holds rows.

Problem: from the moment the revision commits, every INSERT, UPDATE or DELETE the
trigger fires on runs its function too, row by row for a FOR EACH ROW trigger; creating
it takes a SHARE ROW EXCLUSIVE lock on the table (writes wait, reads go on).

Why it hurts: on a large or busy table the write overhead adds up (a PL/pgSQL row
trigger costs of the order of microseconds per row, far more if it queries other
tables), batch jobs and bulk loads slow down, and the trigger's errors become write
errors. The review's impact check lists the table's size.

Safe alternative: measure the write cost on a copy of the table first; keep the
function small (no queries per row when avoidable), restrict it with UPDATE OF columns
or a WHEN condition, or use a statement-level trigger.
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from common.review.model import RevisionUnit, Severity
from common.review.rules import Hit, rule
from common.review.rules._sql import ObjectType


@rule(
    "adding-trigger-to-existing-table",
    Severity.WARNING,
    help="Measure the write overhead on a copy of the table; narrow the trigger (UPDATE OF, "
    "WHEN, FOR EACH STATEMENT) and keep its function free of per-row queries.",
)
def check(unit: RevisionUnit) -> Iterator[Hit]:
    for statement in unit.up:
        node = statement.node
        if not isinstance(node, ast.CreateTrigStmt):
            continue
        table = node.relation.relname
        if statement.on_existing(table) and not _recreated(unit, statement, node):
            per = "row" if node.row else "statement"
            yield Hit(
                statement.line,
                f"adds trigger {node.trigname} to {table}: every write to {table} now runs "
                f"{node.funcname[-1].sval}() once per {per}.",
            )


def _recreated(unit: RevisionUnit, statement, node: ast.CreateTrigStmt) -> bool:
    """The trigger was there before: dropped earlier in the revision (a redefinition)."""
    for earlier in unit.up:
        if earlier is statement:
            return False
        drop = earlier.node
        if (
            isinstance(drop, ast.DropStmt)
            and drop.removeType == ObjectType.OBJECT_TRIGGER
            and any(names[-1].sval == node.trigname for names in drop.objects or ())
        ):
            return True
    return False
