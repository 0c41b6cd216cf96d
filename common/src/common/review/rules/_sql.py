"""Helpers the rules share for walking pglast trees."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast
from pglast.enums import AlterTableType, ConstrType, ObjectType

from common.review.model import Statement

__all__ = ["AlterTableType", "ConstrType", "ObjectType", "alter_commands", "walk"]


def walk(node: Any) -> Iterator[Any]:
    """Every pglast node under ``node``, itself included."""
    if isinstance(node, tuple | list):
        for item in node:
            yield from walk(item)
        return
    if not isinstance(node, ast.Node):
        return
    yield node
    for slot in type(node).__slots__:
        yield from walk(getattr(node, slot, None))


def alter_commands(
    statements: list[Statement], *subtypes: AlterTableType
) -> Iterator[tuple[Statement, str, ast.AlterTableCmd]]:
    """``(statement, table, command)`` for ALTER TABLE commands of the given kinds."""
    for statement in statements:
        node = statement.node
        if not isinstance(node, ast.AlterTableStmt) or node.relation is None:
            continue
        for command in node.cmds or ():
            if command.subtype in subtypes:
                yield statement, node.relation.relname, command


def constraints_of(column: ast.ColumnDef) -> list[ast.Constraint]:
    return list(column.constraints or ())


def function_names(node: Any) -> set[str]:
    """Lower-cased names of the functions called anywhere in ``node``."""
    names = set()
    for child in walk(node):
        if isinstance(child, ast.FuncCall):
            names.add(child.funcname[-1].sval.lower())
        elif isinstance(child, ast.SQLValueFunction):
            names.add(child.op.name.lower())
    return names


def name_list(names: Any) -> str:
    return ".".join(part.sval for part in names or () if isinstance(part, ast.String))
