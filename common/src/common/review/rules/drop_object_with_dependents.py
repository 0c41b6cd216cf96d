"""drop-object-with-dependents: a view, materialized view or function dropped for good
while other objects read it.

Problem: the upgrade drops an object and does not create it again, but an object the
revision creates (or creates again, around a table change) reads it: that create fails
(a view that selects from it, a trigger that executes it). ``DROP ... CASCADE`` takes
every dependent with it without naming them. create-migration writes such a revision
when a declaration is removed while another declaration still uses it.

Why it hurts: the revision fails half way (a create that reads the dropped object), or
silently removes views and triggers that running code still uses.

Safe alternative: drop the readers first in their own step (or change their definitions
so they no longer read the object), deploy, then drop the object; never CASCADE.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from pglast import ast as pg
from pglast.enums import DropBehavior

from common.review.model import OpCall, RevisionUnit, Severity
from common.review.rules import Hit, rule

_DROPS = {"drop_view", "drop_materialized_view", "drop_function"}
# op -> position of its definition argument
_READERS = {
    "create_view": 1,
    "replace_view": 1,
    "create_materialized_view": 1,
    "create_function": 2,
    "replace_function": 2,
    "create_trigger": 2,
    "create_policy": 2,
}
_CREATES = {"create_view", "create_materialized_view", "create_function"}


def _argument(call: OpCall, position: int) -> str | None:
    args = call.node.args
    if len(args) > position and isinstance(args[position], ast.Constant):
        value = args[position].value
        return value if isinstance(value, str) else None
    return None


def _reads(definition: str | None, name: str) -> bool:
    return bool(definition) and re.search(rf"(?<![\w.]){re.escape(name)}\b", definition) is not None


@rule(
    "drop-object-with-dependents",
    Severity.ERROR,
    help="Drop or redefine the objects that read it first, deploy, then drop it (no CASCADE).",
)
def check(unit: RevisionUnit) -> Iterator[Hit]:
    calls = unit.ops_in("upgrade")
    readers = [c for c in calls if c.name in _READERS]
    created = {_argument(c, 0) for c in calls if c.name in _CREATES}
    for call in calls:
        name = _argument(call, 0)
        if call.name not in _DROPS or name is None or name in created:
            continue
        names = sorted(
            {
                str(_argument(reader, 0))
                for reader in readers
                if _reads(_argument(reader, _READERS[reader.name]), name)
            }
        )
        if names:
            yield Hit(
                call.line,
                f"drops {name} for good while {', '.join(names)} read(s) it: creating "
                f"{names[0]} fails.",
            )
    for statement in unit.up:
        node = statement.node
        if isinstance(node, pg.DropStmt) and node.behavior == DropBehavior.DROP_CASCADE:
            yield Hit(
                statement.line,
                "drops with CASCADE: every object that depends on it is dropped too, unnamed.",
            )
