"""raw-sql-interpolation: values formatted into SQL text (f-string, ``%``, ``.format``, ``+``).

Problem: ``op.execute(f"UPDATE t SET x = '{value}'")`` (or the same in the ``where=`` of
``op.batch_update``, ``op.batch_delete``, or the ``using=`` of ``op.batch_copy_column``)
breaks on a quote in the value,
and is an SQL injection when the value comes from data or configuration. It also defeats
the offline ``--sql`` output's literal rendering.

Why it hurts: wrong or malicious SQL runs with the migration's privileges.

Safe alternative: bound parameters, ``sa.text("... :value").bindparams(value=...)``, or
SQLAlchemy constructs (``sa.update(table).values(...)``); identifiers through
``op.get_context().dialect.identifier_preparer.quote``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from common.review.model import RevisionUnit, Severity
from common.review.rules import Hit, rule

# Where each call takes SQL text: (position, keyword) of the argument.
SQL_ARGUMENTS: dict[str, tuple[tuple[int, str | None], ...]] = {
    "execute": ((0, None),),
    "text": ((0, None),),
    "exec_driver_sql": ((0, None),),
    # the batch operations the README recommends for data migrations
    "batch_update": ((2, "where"),),
    "batch_delete": ((1, "where"),),
    "batch_copy_column": ((3, "using"), (-1, "where")),
}


def _sql_arguments(node: ast.Call) -> Iterator[ast.AST]:
    for position, keyword in SQL_ARGUMENTS.get(_call_name(node), ()):
        if 0 <= position < len(node.args):
            yield node.args[position]
        yield from (k.value for k in node.keywords if keyword and k.arg == keyword)


def _formatted(node: ast.AST | None, names: dict[str, ast.AST]) -> bool:
    if isinstance(node, ast.Name) and node.id in names:
        return _formatted(names[node.id], {})
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(value, ast.FormattedValue) for value in node.values)
    if isinstance(node, ast.BinOp):
        texty = isinstance(node.left, ast.Constant | ast.JoinedStr) and isinstance(
            getattr(node.left, "value", ""), str
        )
        if isinstance(node.op, ast.Mod) and texty:
            return True
        if isinstance(node.op, ast.Add):
            parts = (node.left, node.right)
            return any(
                isinstance(p, ast.Constant) and isinstance(p.value, str) for p in parts
            ) and (not all(isinstance(p, ast.Constant) for p in parts))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and isinstance(node.func.value, ast.Constant)
    return False


def _assignments(tree: ast.AST) -> dict[str, ast.AST]:
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                names[target.id] = node.value
    return names


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


@rule(
    "raw-sql-interpolation",
    Severity.ERROR,
    help='Pass values as bound parameters: sa.text("... = :value").bindparams(value=...), or '
    "build the statement with sa.update()/sa.delete().",
)
def check(unit: RevisionUnit) -> Iterator[Hit]:
    names = _assignments(unit.tree)
    for node in ast.walk(unit.tree):
        if not isinstance(node, ast.Call):
            continue
        if any(_formatted(argument, names) for argument in _sql_arguments(node)):
            yield Hit(
                node.lineno,
                f"formats values into the SQL text passed to {_call_name(node)}(): a quote in "
                "a value breaks the statement, and untrusted values inject SQL.",
            )
