"""missing-downgrade: no ``downgrade()``, one that only passes, or one that does not undo.

Problem: the rollback plan of a deploy is "downgrade the revision"; without a working
downgrade there is none. "Does not undo" means a table, column or index that
``upgrade()`` creates is not dropped by ``downgrade()``, or a table or column it drops is
not created again (checked on the offline SQL; the
round-trip check proves it on a scratch database).

Why it hurts: no way back when the deploy goes wrong but a restore from backup.

Safe alternative: write the inverse operations in ``downgrade()``; if the change truly
cannot be undone (data deleted), say so with ``# review: ignore[missing-downgrade] why``
above ``def downgrade``.
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from common.review.analysis import created_table
from common.review.model import RevisionUnit, Severity, Statement
from common.review.rules import Hit, rule
from common.review.rules._sql import AlterTableType, ObjectType, alter_commands


def _created(statements: list[Statement]) -> set[tuple[str, ...]]:
    made: set[tuple[str, ...]] = set()
    for statement in statements:
        table = created_table(statement)
        if table:
            made.add(("table", table))
        if isinstance(statement.node, ast.IndexStmt) and statement.node.idxname:
            made.add(("index", statement.node.idxname, statement.node.relation.relname))
    for _, table, command in alter_commands(statements, AlterTableType.AT_AddColumn):
        made.add(("column", table, command.def_.colname))
    return made


def _dropped(statements: list[Statement]) -> set[tuple[str, ...]]:
    gone: set[tuple[str, ...]] = set()
    for statement in statements:
        node = statement.node
        if isinstance(node, ast.DropStmt) and node.removeType in (
            ObjectType.OBJECT_TABLE,
            ObjectType.OBJECT_INDEX,
        ):
            kind = "table" if node.removeType == ObjectType.OBJECT_TABLE else "index"
            gone.update((kind, names[-1].sval) for names in node.objects or ())
    for _, table, command in alter_commands(statements, AlterTableType.AT_DropColumn):
        gone.add(("column", table, command.name))
    for _, _, command in alter_commands(statements, AlterTableType.AT_DropConstraint):
        gone.add(("index", command.name))  # a unique constraint drops its index
    return gone


def _restored(up: list[Statement], down: list[Statement]) -> list[str]:
    """Tables and columns upgrade() drops that downgrade() does not create again."""
    recreated = _created(down)
    missing = []
    for item in sorted(_dropped(up)):
        if item[0] == "table" and item not in recreated:
            missing.append(f"table {item[1]}")
        elif item[0] == "column" and item not in recreated and ("table", item[1]) not in recreated:
            missing.append(f"column {item[1]}.{item[2]}")
    return missing


def _undone(item: tuple[str, ...], gone: set[tuple[str, ...]]) -> bool:
    kind = item[0]
    if kind == "table":
        return item in gone
    table_dropped = ("table", item[2] if kind == "index" else item[1]) in gone
    if kind == "index":
        return table_dropped or ("index", item[1]) in gone
    return table_dropped or item in gone


@rule(
    "missing-downgrade",
    Severity.ERROR,
    help="Write downgrade() as the inverse of upgrade() (drop what it creates, recreate what "
    "it drops); acknowledge a truly irreversible revision with a review: ignore comment.",
)
def check(unit: RevisionUnit) -> Iterator[Hit]:
    if unit.upgrade_empty:
        return
    if unit.downgrade_line is None:
        yield Hit(unit.upgrade_line, "has no downgrade(): the revision cannot be rolled back.")
        return
    if unit.downgrade_empty:
        yield Hit(
            unit.downgrade_line,
            "downgrade() does nothing: rolling back leaves the upgrade's changes in place.",
        )
        return
    if unit.render_error:
        return
    gone = _dropped(unit.down)
    missing = sorted(item for item in _created(unit.up) if not _undone(item, gone))
    for item in missing:
        what = {"table": "table {1}", "column": "column {1}.{2}", "index": "index {1}"}[item[0]]
        yield Hit(
            unit.downgrade_line,
            f"downgrade() does not drop {what.format(*item)}, which upgrade() creates: a "
            "rollback leaves it behind and the next upgrade fails.",
        )
    for what in _restored(unit.up, unit.down):
        yield Hit(
            unit.downgrade_line,
            f"downgrade() does not recreate {what}, which upgrade() drops: after a rollback "
            "the old code finds it missing.",
        )
