"""Pending revisions turned into ``RevisionUnit``s: source facts plus offline SQL.

Tables created by an earlier statement of the pending set are "new": locking them is
harmless, so rules about existing tables skip them.
"""

from __future__ import annotations

from pathlib import Path

from alembic.script import Script
from pglast import ast

from common.review.capture import capture
from common.review.model import RevisionUnit, Statement
from common.review.source import describe_source


def relation_name(node: ast.RangeVar | None) -> str | None:
    return node.relname if node is not None else None


def created_table(statement: Statement) -> str | None:
    node = statement.node
    if isinstance(node, ast.CreateStmt | ast.CreateTableAsStmt):
        relation = node.relation if isinstance(node, ast.CreateStmt) else node.into.rel
        return relation_name(relation)
    return None


def _created_names(statement: Statement) -> tuple[str, ...]:
    """The bare name the rules look up, and ``schema.name`` that the impact check does."""
    node = statement.node
    relation = None
    if isinstance(node, ast.CreateStmt | ast.CreateTableAsStmt):
        relation = node.relation if isinstance(node, ast.CreateStmt) else node.into.rel
    if relation is None:
        return ()
    if relation.schemaname:
        return relation.relname, f"{relation.schemaname}.{relation.relname}"
    return (relation.relname,)


def _mark_created(statements: list[Statement], created: set[str]) -> None:
    snapshot = frozenset(created)
    for statement in statements:
        statement.created = snapshot
        for table in _created_names(statement):
            if table not in created:
                created.add(table)
                snapshot = frozenset(created)


def analyse(revisions: list[Script]) -> list[RevisionUnit]:
    """One unit per pending revision, oldest first."""
    units = []
    created: set[str] = set()
    for script in revisions:
        path = Path(script.path)
        unit = RevisionUnit(script.revision, path.stem, path, path.read_text(), None)
        describe_source(unit)
        capture(unit, script)
        _mark_created(unit.up, created)
        _mark_created(unit.down, set(created))
        units.append(unit)
    return units
