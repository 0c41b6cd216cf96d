"""``op.swap_enum_type(name, values, existing_values)``: remove or reorder enum values.

PostgreSQL cannot remove or reorder the values of an enum type in place, so the swap
renames the type to ``<name>__old``, creates ``name`` with the new values, converts every
column of the old type (arrays too, in any schema) through text, restores each column's
default unless it names a removed value (the revision's own ``alter_column`` sets the
model's default afterwards), and drops the old type. Every table with such a column is
rewritten under ACCESS EXCLUSIVE.

One statement serves online and offline: a ``DO`` block (``_swap_sql``) that finds the
columns and the objects depending on them in the catalog on the server, since offline SQL
cannot know them; indexes, CHECKs, generated columns and views that mention the type are
dropped and recreated around the conversion, and a partitioned table is converted through
its parent. The block first counts the rows still holding a removed value and stops,
naming the column and the counts, before any change (so an ``update-db --sql`` script
stops the same way). Online additionally reads first in Python and raises
``DataMigrationRequiredError`` with the same message.
"""

from __future__ import annotations

from alembic.autogenerate import renderers
from alembic.operations import Operations
from sqlalchemy import Text, cast, column, func, select, table, text, true
from sqlalchemy.dialects.postgresql import ENUM
from sqlalchemy.dialects.postgresql.named_types import CreateEnumType
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import ExecutableDDLElement

from common.errors import DataMigrationRequiredError
from common.ops.base import WorkbenchOp, register
from common.ops.enums._ddl import (
    NOT_POSTGRESQL,
    do_block,
    in_schema,
    is_postgresql,
    quoted,
    schema_arg,
    string,
    type_condition,
)
from common.ops.enums._swap_sql import BODY

_COLUMNS_OF_TYPE = text(
    """
    SELECT n.nspname, c.relname, a.attname, t.typarray = a.atttypid
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid AND c.relkind IN ('r', 'p')
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_type t ON t.oid = a.atttypid OR t.typarray = a.atttypid
    WHERE t.typname = :name AND t.typtype = 'e' AND a.attnum > 0 AND NOT a.attisdropped
      AND a.attinhcount = 0
      AND t.typnamespace = (SELECT oid FROM pg_namespace
                            WHERE nspname = coalesce(:schema, current_schema()))
    ORDER BY n.nspname, c.relname, a.attnum
    """
)
_LABELS = text(
    """
    SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
    WHERE t.typname = :name
      AND t.typnamespace = (SELECT oid FROM pg_namespace
                            WHERE nspname = coalesce(:schema, current_schema()))
    ORDER BY e.enumsortorder
    """
)


@register("swap_enum_type")
class SwapEnumTypeOp(WorkbenchOp):
    """Replace the values of enum type ``name`` by ``values`` (removing or reordering)."""

    def __init__(
        self,
        name: str,
        values: list[str],
        existing_values: list[str],
        *,
        schema: str | None = None,
    ) -> None:
        self.name = name
        self.values = list(values)
        self.existing_values = list(existing_values)
        self.schema = schema

    @classmethod
    def swap_enum_type(
        cls,
        operations: Operations,
        name: str,
        values: list[str],
        existing_values: list[str],
        *,
        schema: str | None = None,
    ):
        return operations.invoke(cls(name, values, existing_values, schema=schema))

    def reverse(self) -> SwapEnumTypeOp:
        return SwapEnumTypeOp(self.name, self.existing_values, self.values, schema=self.schema)

    def describe(self) -> str:
        return (
            f"change the values of enum type {self.name}{in_schema(self.schema)}: "
            f"{tuple(self.existing_values)} -> {tuple(self.values)}"
        )

    def lock(self, dialect: str) -> str:
        if dialect != "postgresql":
            return NOT_POSTGRESQL
        return (
            "ACCESS EXCLUSIVE on every table with a column of this type, "
            "while that column is rewritten"
        )

    @classmethod
    def example(cls) -> SwapEnumTypeOp:
        return cls("ticket_status", ["open"], ["open", "closed"])


class SwapEnumType(ExecutableDDLElement):
    """The whole swap as one ``DO`` block (see the module docstring)."""

    def __init__(self, operation: SwapEnumTypeOp) -> None:
        self.operation = operation


@compiles(SwapEnumType, "postgresql")
def _compile_swap(element: SwapEnumType, compiler, **kw) -> str:
    op = element.operation
    old_name = f"{op.name[:55]}__old"
    enum = ENUM(*op.values, name=op.name, schema=op.schema)
    body = BODY.format(
        is_type=type_condition(compiler, "t", op.name, op.schema),
        kept=_text_array(compiler, op.values),
        label=string(compiler, op.name),
        kept_text=string(compiler, ", ".join(map(repr, op.values))),
        type=quoted(compiler, op.name, op.schema),
        old_name=quoted(compiler, old_name),
        create=compiler.process(CreateEnumType(enum), **kw),
        new_type=_quote_ident(compiler, op.name, op.schema),
        old_type=quoted(compiler, old_name, op.schema),
    )
    return do_block(body)


def _text_array(compiler, values: list[str]) -> str:
    items = ", ".join(string(compiler, value) for value in values)
    return f"ARRAY[{items}]::text[]"


def _quote_ident(compiler, name: str, schema: str | None) -> str:
    """SQL that quotes the type's name on the server: ``quote_ident('s') || '.' || ...``."""
    parts = [name] if schema is None else [schema, name]
    return " || '.' || ".join(f"quote_ident({string(compiler, part)})" for part in parts)


def _refuse_removed_values_in_use(operations: Operations, operation: SwapEnumTypeOp) -> None:
    """Online only: stop with the column and the counts while rows hold a removed value."""
    bind = operations.get_bind()
    where = {"name": operation.name, "schema": operation.schema}
    removed = [v for v in bind.execute(_LABELS, where).scalars() if v not in operation.values]
    if not removed:
        return
    for schema, table_name, column_name, is_array in bind.execute(_COLUMNS_OF_TYPE, where):
        target = table(table_name, column(column_name), schema=schema)
        held = cast(target.c[column_name], Text)
        query = select(held, func.count()).where(held.in_(removed)).group_by(held).order_by(held)
        if is_array:  # one row per array element
            unnest = func.unnest(target.c[column_name]).table_valued("v")
            element = unnest.render_derived(name="element")
            held = cast(element.c.v, Text)
            query = (
                select(held, func.count())
                .select_from(target)
                .join(element, true())
                .where(held.in_(removed))
                .group_by(held)
                .order_by(held)
            )
        found = bind.execute(query).all()
        if found:
            values = ", ".join(f"{value!r} ({count} row(s))" for value, count in found)
            raise DataMigrationRequiredError(
                f"{table_name}.{column_name} still holds {values}, which the enum type "
                f"{operation.name} loses in this revision; nothing was changed.",
                f"update those rows to one of {', '.join(map(repr, operation.values))} "
                "(e.g. op.batch_update in an earlier revision), then run update-db again.",
            )


@Operations.implementation_for(SwapEnumTypeOp)
def _swap_enum_type(operations: Operations, operation: SwapEnumTypeOp) -> None:
    if not is_postgresql(operations):
        return
    if not operations.get_context().as_sql:
        _refuse_removed_values_in_use(operations, operation)
    operations.execute(SwapEnumType(operation))


@renderers.dispatch_for(SwapEnumTypeOp)
def _render_swap(autogen_context, operation: SwapEnumTypeOp) -> str:
    return (
        "# REVIEW: rewrites every column of this enum type (ACCESS EXCLUSIVE lock) and "
        "stops if rows hold a removed value\n"
        f"op.swap_enum_type({operation.name!r}, {operation.values!r}, "
        f"existing_values={operation.existing_values!r}{schema_arg(operation.schema)})"
    )
