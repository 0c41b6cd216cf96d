"""stop-migration: the revision stops on purpose until a person writes a step.

Problem: ``op.stop_migration(...)`` (and ``op.require_data_migration(...)``, the same
operation for a column no cast can convert, e.g. integer -> uuid) raises before the
revision changes anything. create-migration writes it where it cannot decide safely on
its own: a NOT NULL column without a default on a table with rows, a type change that
needs a data migration.

Why it hurts: deploying the revision as it is fails every time; nothing is changed, but
nothing after it runs either.

Safe alternative: do what the call's message says (give the field a default, or write
the data migration: a new column, a batched backfill, a swap), then delete the call.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from common.ops.stop import STOP_CALLS
from common.review.model import RevisionUnit, Severity
from common.review.rules import Hit, rule


def _strings(call: ast.Call) -> list[str]:
    return [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]


def _message(name: str, call: ast.Call) -> str:
    args = _strings(call)
    if name == "require_data_migration" and len(args) == 4:
        table, column, old, new = args
        return (
            f"stops the deploy: {table}.{column} cannot change from {old} to {new} "
            "without a hand-written data migration."
        )
    reason = f": {args[0]}" if args else "."
    return f"stops the deploy before any change{reason}"


@rule(
    "stop-migration",
    Severity.ERROR,
    help="Do what the stop's message says (a default for the field, or a hand-written data "
    "migration: new column, batched backfill, swap), then delete the call.",
)
def check(unit: RevisionUnit) -> Iterator[Hit]:
    for call in unit.ops_in("upgrade"):
        if call.name in STOP_CALLS:
            yield Hit(call.line, _message(call.name, call.node))
