"""enum-value-removed: an enum type loses values.

Problem: PostgreSQL cannot drop a value from an enum, so the change recreates the type
and converts the column (``ALTER COLUMN ... TYPE new_enum USING ...``): every row holding
a removed value makes the cast fail, the table is rewritten under ACCESS EXCLUSIVE, and
running code that still writes the removed value gets errors. Deleting from ``pg_enum``
directly corrupts indexes and rows that hold the value.

Why it hurts: failed deploy on existing data, table rewrite, broken writers.

Safe alternative: keep the value (stop writing it in the code); if it must go, first
migrate the rows away from it with ``op.batch_update``, deploy code that no longer uses
it, then swap the type in a later release with a reviewed ``USING`` cast.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pglast import ast as pg

from common.review.model import RevisionUnit, Severity
from common.review.rules import Hit, rule
from common.review.rules._sql import AlterTableType, alter_commands, name_list


def _enum_values(node: ast.AST | None) -> set[str] | None:
    if not isinstance(node, ast.Call):
        return None
    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
    if name not in ("Enum", "ENUM"):
        return None
    return {a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}


def _from_source(unit: RevisionUnit) -> Iterator[Hit]:
    for call in unit.ops_in("upgrade"):
        if call.name != "alter_column":
            continue
        keywords = {k.arg: k.value for k in call.node.keywords}
        before = _enum_values(keywords.get("existing_type"))
        after = _enum_values(keywords.get("type_"))
        if before and after is not None and before - after:
            removed = ", ".join(sorted(before - after))
            yield Hit(
                call.line,
                f"removes enum value(s) {removed}: rows holding them make the type change "
                "fail, and the table is rewritten under ACCESS EXCLUSIVE.",
            )


def _from_sql(unit: RevisionUnit) -> Iterator[Hit]:
    new_enums = {
        name_list(s.node.typeName).split(".")[-1]
        for s in unit.up
        if isinstance(s.node, pg.CreateEnumStmt)
    }
    for statement in unit.up:
        node = statement.node
        if isinstance(node, pg.DeleteStmt) and node.relation.relname == "pg_enum":
            yield Hit(
                statement.line,
                "deletes from pg_enum: rows and indexes still holding the value are corrupted.",
            )
    for statement, table, command in alter_commands(unit.up, AlterTableType.AT_AlterColumnType):
        type_name = name_list(command.def_.typeName.names).split(".")[-1]
        if type_name in new_enums and statement.on_existing(table):
            yield Hit(
                statement.line,
                f"converts {table}.{command.name} to the recreated enum {type_name}: rows "
                "holding a value it lacks make the cast fail (ACCESS EXCLUSIVE rewrite).",
            )


@rule(
    "enum-value-removed",
    Severity.ERROR,
    help="Keep the value and stop writing it; or move rows off it with op.batch_update and "
    "deploy code without it before swapping the type in a later release.",
)
def check(unit: RevisionUnit) -> Iterator[Hit]:
    seen: set[int] = set()
    for hit in [*_from_source(unit), *_from_sql(unit)]:
        if hit.line not in seen:
            seen.add(hit.line)
            yield hit
