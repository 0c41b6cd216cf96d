"""function-signature-change: a function dropped and created again with other arguments
or another result.

Problem: PostgreSQL identifies a function by its name and argument types, and CREATE OR
REPLACE cannot change either the arguments or the result type; so such a change is a
DROP FUNCTION and a CREATE FUNCTION (create-migration writes it that way).

Why it hurts: every caller using the old signature (application queries, views,
triggers, other functions) fails with "function does not exist" or gets a result of
another type, from the moment the revision commits until the callers are deployed.

Safe alternative: add the new function under the new signature (or a new name) next to
the old one, move the callers over, and drop the old one in a later release.
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast
from pglast.enums import FunctionParameterMode

from common.review.model import RevisionUnit, Severity
from common.review.rules import Hit, rule
from common.review.rules._sql import ObjectType

_INPUT = {
    FunctionParameterMode.FUNC_PARAM_IN,
    FunctionParameterMode.FUNC_PARAM_INOUT,
    FunctionParameterMode.FUNC_PARAM_VARIADIC,
    FunctionParameterMode.FUNC_PARAM_DEFAULT,
}


def _type(name: ast.TypeName) -> str:
    text = ".".join(part.sval for part in name.names if part.sval != "pg_catalog")
    return text + ("[]" if name.arrayBounds else "")


def _signature(name: str, types: list[str]) -> str:
    return f"{name}({', '.join(types)})"


@rule(
    "function-signature-change",
    Severity.ERROR,
    help="Create the new signature beside the old function, move the callers to it, and "
    "drop the old one in a later release.",
)
def check(unit: RevisionUnit) -> Iterator[Hit]:
    dropped: dict[str, list[str]] = {}
    for statement in unit.up:
        node = statement.node
        if isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_FUNCTION:
            for target in node.objects or ():
                name = target.objname[-1].sval
                dropped[name] = [_type(t) for t in target.objargs or ()]
        elif isinstance(node, ast.CreateFunctionStmt) and node.funcname[-1].sval in dropped:
            name = node.funcname[-1].sval
            old = dropped.pop(name)
            new = [_type(p.argType) for p in node.parameters or () if p.mode in _INPUT]
            if old != new:
                message = (
                    f"changes the signature of {_signature(name, old)} to "
                    f"{_signature(name, new)}: callers of the old signature fail."
                )
            else:
                message = (
                    f"drops and creates {_signature(name, old)} again (its result type "
                    "changes): callers that use the old result break."
                )
            yield Hit(statement.line, message)
