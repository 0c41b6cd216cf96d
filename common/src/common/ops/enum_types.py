"""Operations on PostgreSQL enum types: create, add a value, swap the value list.

Autogenerate emits them (common.autogen.enums) for changes Alembic does not see. Each
is a no-op on databases without named enum types (SQLite, MySQL/MariaDB keep inline
ENUMs, changed through ``alter_column``).

- ``op.create_enum_type(name, values)`` runs before a new column uses the type.

Every op takes ``schema=`` for a type outside the default schema (None: the default
schema); catalog queries match the type by schema and name, DDL names it qualified.
- ``op.add_enum_value(name, value, before=..., after=...)`` runs ``ALTER TYPE ... ADD
  VALUE IF NOT EXISTS`` in an autocommit block: PostgreSQL < 12 refuses it inside a
  transaction, and on any version a value added inside a transaction cannot be used
  (as a default, in a backfill) before that transaction commits.
- ``op.swap_enum_type(name, values, existing_values)`` removes or reorders values, which
  PostgreSQL cannot do in place: a new type, every column cast to it through text, the
  old type dropped. It refuses, changing nothing, while rows hold a removed value.
"""

from __future__ import annotations

import re

from alembic.autogenerate import renderers
from alembic.operations import Operations
from sqlalchemy import Text, cast, column, func, literal, select, table, text, true
from sqlalchemy.dialects.postgresql import ENUM
from sqlalchemy.dialects.postgresql.named_types import CreateEnumType

from common.errors import DataMigrationRequiredError
from common.ops.base import WorkbenchOp, register
from common.ops.enums import DropEnumTypeOp

_COLUMNS_OF_TYPE = text(
    """
    SELECT n.nspname, c.relname, a.attname, pg_get_expr(d.adbin, d.adrelid),
           t.typarray = a.atttypid
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid AND c.relkind IN ('r', 'p')
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_type t ON t.oid = a.atttypid OR t.typarray = a.atttypid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE t.typname = :name AND t.typtype = 'e' AND a.attnum > 0 AND NOT a.attisdropped
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


def _is_postgresql(operations: Operations) -> bool:
    return operations.get_context().dialect.name == "postgresql"


def _literal(operations: Operations, value: str) -> str:
    """A SQL string literal, escaped by SQLAlchemy (DDL takes no bound parameters)."""
    dialect = operations.get_context().dialect
    return str(literal(value).compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def _quote(operations: Operations, name: str) -> str:
    return operations.get_context().dialect.identifier_preparer.quote(name)


def qualified(operations: Operations, name: str, schema: str | None) -> str:
    """``"billing"."status"``, or the quoted bare name for the default schema."""
    if schema is None:
        return _quote(operations, name)
    return f"{_quote(operations, schema)}.{_quote(operations, name)}"


def _in_schema(schema: str | None) -> str:
    return "" if schema is None else f" in schema {schema}"


def _schema_arg(schema: str | None) -> str:
    return "" if schema is None else f", schema={schema!r}"


@register("create_enum_type")
class CreateEnumTypeOp(WorkbenchOp):
    """Create the enum type ``name`` with ``values`` (PostgreSQL only)."""

    def __init__(self, name: str, values: list[str], *, schema: str | None = None) -> None:
        self.name = name
        self.values = list(values)
        self.schema = schema

    @classmethod
    def create_enum_type(
        cls, operations: Operations, name: str, values: list[str], *, schema: str | None = None
    ):
        return operations.invoke(cls(name, values, schema=schema))

    def reverse(self) -> DropEnumTypeOp:
        return DropEnumTypeOp(self.name, if_unused=True, values=self.values, schema=self.schema)

    def describe(self) -> str:
        return f"create enum type {self.name}{_in_schema(self.schema)} {tuple(self.values)}"


@register("add_enum_value")
class AddEnumValueOp(WorkbenchOp):
    """Add ``value`` to the enum type ``name``, placed ``before`` or ``after`` another."""

    atomic = False

    def __init__(
        self,
        name: str,
        value: str,
        *,
        before: str | None = None,
        after: str | None = None,
        existing_values: list[str] | None = None,
        schema: str | None = None,
    ) -> None:
        self.name = name
        self.value = value
        self.before = before
        self.after = after
        self.existing_values = list(existing_values or [])
        self.schema = schema

    @classmethod
    def add_enum_value(
        cls,
        operations: Operations,
        name: str,
        value: str,
        *,
        before: str | None = None,
        after: str | None = None,
        schema: str | None = None,
    ):
        return operations.invoke(cls(name, value, before=before, after=after, schema=schema))

    def reverse(self) -> SwapEnumTypeOp:
        """PostgreSQL cannot remove a value: the downgrade swaps back to the old list."""
        return SwapEnumTypeOp(
            self.name,
            self.existing_values,
            _placed(self.existing_values, self),
            schema=self.schema,
        )

    def describe(self) -> str:
        return f"add value {self.value!r} to enum type {self.name}{_in_schema(self.schema)}"


def _placed(values: list[str], op: AddEnumValueOp) -> list[str]:
    """``values`` with ``op.value`` inserted where ADD VALUE puts it."""
    result = [v for v in values if v != op.value]
    if op.before in result:
        result.insert(result.index(op.before), op.value)
    elif op.after in result:
        result.insert(result.index(op.after) + 1, op.value)
    else:
        result.append(op.value)
    return result


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
            f"change the values of enum type {self.name}{_in_schema(self.schema)}: "
            f"{tuple(self.existing_values)} -> {tuple(self.values)}"
        )


@Operations.implementation_for(CreateEnumTypeOp)
def _create_enum_type(operations: Operations, operation: CreateEnumTypeOp) -> None:
    if _is_postgresql(operations):
        enum = ENUM(*operation.values, name=operation.name, schema=operation.schema)
        operations.execute(CreateEnumType(enum))


@Operations.implementation_for(AddEnumValueOp)
def _add_enum_value(operations: Operations, operation: AddEnumValueOp) -> None:
    if not _is_postgresql(operations):
        return
    statement = (
        f"ALTER TYPE {qualified(operations, operation.name, operation.schema)} "
        f"ADD VALUE IF NOT EXISTS {_literal(operations, operation.value)}"
    )
    if operation.before is not None:
        statement += f" BEFORE {_literal(operations, operation.before)}"
    elif operation.after is not None:
        statement += f" AFTER {_literal(operations, operation.after)}"
    with operations.get_context().autocommit_block():
        operations.execute(statement)


def _refuse_removed_values_in_use(
    operations: Operations, operation: SwapEnumTypeOp, removed: list[str], columns
) -> None:
    bind = operations.get_bind()
    for schema, table_name, column_name, _default, is_array in columns:
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


def _names_a_value(default: str, values: list[str]) -> bool:
    """Whether the default expression (``'doing'::status``) is one of ``values``.

    Such a default cannot survive the swap: it stays dropped, and the revision's own
    ``alter_column(server_default=...)`` sets the model's default afterwards.
    """
    found = re.match(r"^'((?:[^']|'')*)'::", default.strip())
    return found is not None and found.group(1).replace("''", "'") in values


@Operations.implementation_for(SwapEnumTypeOp)
def _swap_enum_type(operations: Operations, operation: SwapEnumTypeOp) -> None:
    if not _is_postgresql(operations):
        return
    context = operations.get_context()
    if context.as_sql:
        raise DataMigrationRequiredError(
            f"changing the values of enum type {operation.name} needs the live database "
            "(it checks the rows and finds the columns to convert).",
            "run update-db without --sql.",
        )
    bind = operations.get_bind()
    where = {"name": operation.name, "schema": operation.schema}
    labels = bind.execute(_LABELS, where).scalars()
    removed = [v for v in labels if v not in operation.values]
    columns = bind.execute(_COLUMNS_OF_TYPE, where).all()
    if removed:
        _refuse_removed_values_in_use(operations, operation, removed, columns)
    name = qualified(operations, operation.name, operation.schema)
    old_name = f"{operation.name[:55]}__old"
    operations.execute(f"ALTER TYPE {name} RENAME TO {_quote(operations, old_name)}")
    enum = ENUM(*operation.values, name=operation.name, schema=operation.schema)
    operations.execute(CreateEnumType(enum))
    for schema, table_name, column_name, default, is_array in columns:
        if schema == bind.dialect.default_schema_name:
            schema = None
        target = qualified(operations, table_name, schema)
        col = _quote(operations, column_name)
        if default is not None:
            operations.execute(f"ALTER TABLE {target} ALTER COLUMN {col} DROP DEFAULT")
        new_type = f"{name}[]" if is_array else name
        via = "text[]" if is_array else "text"
        operations.execute(
            f"ALTER TABLE {target} ALTER COLUMN {col} TYPE {new_type} "
            f"USING {col}::{via}::{new_type}"
        )
        if default is not None and not _names_a_value(default, removed):
            operations.execute(f"ALTER TABLE {target} ALTER COLUMN {col} SET DEFAULT {default}")
    operations.execute(f"DROP TYPE {qualified(operations, old_name, operation.schema)}")


@renderers.dispatch_for(CreateEnumTypeOp)
def _render_create(autogen_context, operation: CreateEnumTypeOp) -> str:
    schema = _schema_arg(operation.schema)
    return f"op.create_enum_type({operation.name!r}, {operation.values!r}{schema})"


@renderers.dispatch_for(AddEnumValueOp)
def _render_add_value(autogen_context, operation: AddEnumValueOp) -> str:
    place = ""
    if operation.before is not None:
        place = f", before={operation.before!r}"
    elif operation.after is not None:
        place = f", after={operation.after!r}"
    schema = _schema_arg(operation.schema)
    return f"op.add_enum_value({operation.name!r}, {operation.value!r}{place}{schema})"


@renderers.dispatch_for(SwapEnumTypeOp)
def _render_swap(autogen_context, operation: SwapEnumTypeOp) -> str:
    return (
        "# REVIEW: rewrites every column of this enum type (ACCESS EXCLUSIVE lock) and "
        "stops if rows hold a removed value\n"
        f"op.swap_enum_type({operation.name!r}, {operation.values!r}, "
        f"existing_values={operation.existing_values!r}{_schema_arg(operation.schema)})"
    )
