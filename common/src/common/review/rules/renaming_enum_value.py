"""renaming-enum-value: an enum value renamed in place (``ALTER TYPE ... RENAME VALUE``).

Problem: the rename is instant (a catalog change, no rewrite: rows follow the value), but
from that moment the database knows only the new label. Application code still writing
or comparing the old label (the release running during the deploy, a worker, a report)
gets ``invalid input value for enum`` or silently matches nothing.

Why it hurts: broken writers and wrong reads during the deploy.

Safe alternative: deploy code that accepts both labels first (or maps the old one), then
rename; or add the new value, move the rows with ``op.batch_update``, switch the code,
and remove the old value in a later release.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pglast import ast as pg

from common.review.model import RevisionUnit, Severity
from common.review.rules import Hit, rule
from common.review.rules._sql import name_list


def _labels(call) -> tuple[str, str, str] | None:
    args = [a.value for a in call.node.args if isinstance(a, ast.Constant)]
    return tuple(args[:3]) if len(args) >= 3 else None


def _message(type_name: str, old: str, new: str) -> str:
    return (
        f"renames value {old!r} of enum type {type_name} to {new!r}: code still writing "
        f"{old!r} fails once this runs."
    )


@rule(
    "renaming-enum-value",
    Severity.WARNING,
    help="Deploy code that accepts both labels before the rename, or add the new value, "
    "move the rows with op.batch_update and drop the old value in a later release.",
)
def check(unit: RevisionUnit) -> Iterator[Hit]:
    seen: set[int] = set()
    for call in unit.ops_in("upgrade"):
        labels = _labels(call) if call.name == "rename_enum_value" else None
        if labels:
            seen.add(call.line)
            yield Hit(call.line, _message(*labels))
    for statement in unit.up:
        node = statement.node
        if isinstance(node, pg.AlterEnumStmt) and node.oldVal and statement.line not in seen:
            yield Hit(
                statement.line,
                _message(name_list(node.typeName), node.oldVal, node.newVal),
            )
