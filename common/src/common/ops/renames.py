"""``op.rename_index``, ``op.rename_constraint``, ``op.rename_sequence``: keep names in step.

A renamed table or column keeps the indexes, constraints and sequences named after its old
name; the workbench renames them to what the naming convention gives for the new name, so
the schema matches a fresh ``create_all`` of the models. PostgreSQL renames each in place
(a catalog change, no rewrite). MySQL/MariaDB rename indexes in place and re-create foreign
keys and CHECK constraints under the new name (their primary key is always PRIMARY);
SQLite re-creates indexes, and renames constraints, the primary key included (its name
lives in the CREATE TABLE text), by copying the table in batch mode, as every SQLite
ALTER is.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import Operations
from sqlalchemy import inspect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import DDLElement

from common.ops.base import WorkbenchOp, register


class _RenameDDL(DDLElement):
    """``ALTER <kind> <old> RENAME TO <new>`` with quoted identifiers.

    A name may be a (schema, name) pair: it is written qualified when the schema is set.
    """

    def __init__(self, template: str, *names: str | tuple[str | None, str]) -> None:
        self.template = template
        self.names = names


@compiles(_RenameDDL)
def _compile_rename(element: _RenameDDL, compiler: Any, **kw: Any) -> str:
    quote = compiler.preparer.quote

    def spell(name: str | tuple[str | None, str]) -> str:
        if isinstance(name, tuple):
            return ".".join(quote(part) for part in name if part is not None)
        return quote(name)

    return element.template.format(*(spell(name) for name in element.names))


def _on(operation: Any) -> str:
    """The table a rename works on, qualified when it is in another schema."""
    schema = getattr(operation, "schema", None)
    return f"{schema}.{operation.table_name}" if schema else operation.table_name


@register("rename_index")
class RenameIndexOp(WorkbenchOp):
    """Rename index ``old_name`` of ``table_name`` to ``new_name``."""

    def __init__(
        self, old_name: str, new_name: str, table_name: str, schema: str | None = None
    ) -> None:
        self.old_name = old_name
        self.new_name = new_name
        self.table_name = table_name
        self.schema = schema

    @classmethod
    def rename_index(
        cls,
        operations: Operations,
        old_name: str,
        new_name: str,
        table_name: str,
        schema: str | None = None,
    ):
        return operations.invoke(cls(old_name, new_name, table_name, schema=schema))

    def reverse(self) -> RenameIndexOp:
        return RenameIndexOp(self.new_name, self.old_name, self.table_name, schema=self.schema)

    def describe(self) -> str:
        return f"rename index {self.old_name} to {self.new_name} on {_on(self)}"


@register("rename_constraint")
class RenameConstraintOp(WorkbenchOp):
    """Rename constraint ``old_name`` of ``table_name`` to ``new_name``."""

    def __init__(
        self, table_name: str, old_name: str, new_name: str, schema: str | None = None
    ) -> None:
        self.table_name = table_name
        self.old_name = old_name
        self.new_name = new_name
        self.schema = schema

    @classmethod
    def rename_constraint(
        cls,
        operations: Operations,
        table_name: str,
        old_name: str,
        new_name: str,
        schema: str | None = None,
    ):
        return operations.invoke(cls(table_name, old_name, new_name, schema=schema))

    def reverse(self) -> RenameConstraintOp:
        return RenameConstraintOp(self.table_name, self.new_name, self.old_name, schema=self.schema)

    def describe(self) -> str:
        return f"rename constraint {self.old_name} to {self.new_name} on {_on(self)}"


@register("rename_sequence")
class RenameSequenceOp(WorkbenchOp):
    """Rename sequence ``old_name`` to ``new_name`` (PostgreSQL; elsewhere a no-op)."""

    def __init__(self, old_name: str, new_name: str) -> None:
        self.old_name = old_name
        self.new_name = new_name

    @classmethod
    def rename_sequence(cls, operations: Operations, old_name: str, new_name: str):
        return operations.invoke(cls(old_name, new_name))

    def reverse(self) -> RenameSequenceOp:
        return RenameSequenceOp(self.new_name, self.old_name)

    def describe(self) -> str:
        return f"rename sequence {self.old_name} to {self.new_name}"


def _reflected_index(operations: Operations, table_name: str, name: str) -> dict | None:
    for index in inspect(operations.get_bind()).get_indexes(table_name):
        if index["name"] == name:
            return index
    return None


@Operations.implementation_for(RenameIndexOp)
def _rename_index(operations: Operations, operation: RenameIndexOp) -> None:
    dialect = operations.get_context().dialect.name
    if dialect == "postgresql":
        operations.execute(
            _RenameDDL(
                "ALTER INDEX {} RENAME TO {}",
                (operation.schema, operation.old_name),
                operation.new_name,
            )
        )
    elif dialect in ("mysql", "mariadb"):
        operations.execute(
            _RenameDDL(
                "ALTER TABLE {} RENAME INDEX {} TO {}",
                operation.table_name,
                operation.old_name,
                operation.new_name,
            )
        )
    else:
        _recreate_index(operations, operation)


def _recreate_index(operations: Operations, operation: RenameIndexOp) -> None:
    """SQLite: no ALTER INDEX; drop the index and create it again under the new name."""
    index = _reflected_index(operations, operation.table_name, operation.old_name)
    if index is None:
        return
    operations.drop_index(operation.old_name, table_name=operation.table_name)
    operations.create_index(
        operation.new_name,
        operation.table_name,
        index["column_names"],
        unique=bool(index["unique"]),
    )


@Operations.implementation_for(RenameConstraintOp)
def _rename_constraint(operations: Operations, operation: RenameConstraintOp) -> None:
    dialect = operations.get_context().dialect.name
    if dialect == "postgresql":
        operations.execute(
            _RenameDDL(
                "ALTER TABLE {} RENAME CONSTRAINT {} TO {}",
                (operation.schema, operation.table_name),
                operation.old_name,
                operation.new_name,
            )
        )
    elif dialect in ("mysql", "mariadb"):
        _recreate_mysql_constraint(operations, operation)
    elif dialect == "sqlite":
        _recreate_sqlite_constraint(operations, operation)


def _recreate_sqlite_constraint(operations: Operations, operation: RenameConstraintOp) -> None:
    """SQLite: copy the table (batch mode) with the constraint under its new name."""
    table, old, new = operation.table_name, operation.old_name, operation.new_name
    inspector = inspect(operations.get_bind())
    unique = next((u for u in inspector.get_unique_constraints(table) if u["name"] == old), None)
    fk = next((f for f in inspector.get_foreign_keys(table) if f["name"] == old), None)
    check = next((c for c in inspector.get_check_constraints(table) if c["name"] == old), None)
    pk = inspector.get_pk_constraint(table)
    pk = pk if pk.get("name") == old else None
    if unique is None and fk is None and check is None and pk is None:
        return
    with operations.batch_alter_table(table, recreate="always") as batch:
        if pk is not None:
            batch.drop_constraint(old, type_="primary")
            batch.create_primary_key(new, pk["constrained_columns"])
        elif unique is not None:
            batch.drop_constraint(old, type_="unique")
            batch.create_unique_constraint(new, unique["column_names"])
        elif fk is not None:
            options = fk.get("options") or {}
            batch.drop_constraint(old, type_="foreignkey")
            batch.create_foreign_key(
                new,
                fk["referred_table"],
                fk["constrained_columns"],
                fk["referred_columns"],
                ondelete=options.get("ondelete"),
                onupdate=options.get("onupdate"),
            )
        else:
            batch.drop_constraint(old, type_="check")
            batch.create_check_constraint(new, check["sqltext"])


def _recreate_mysql_constraint(operations: Operations, operation: RenameConstraintOp) -> None:
    """MySQL/MariaDB: a UNIQUE is an index (renamed in place); an FK is dropped and re-added."""
    table, old, new = operation.table_name, operation.old_name, operation.new_name
    inspector = inspect(operations.get_bind())
    if any(u["name"] == old for u in inspector.get_unique_constraints(table)):
        operations.execute(_RenameDDL("ALTER TABLE {} RENAME INDEX {} TO {}", table, old, new))
        return
    for fk in inspector.get_foreign_keys(table):
        if fk["name"] == old:
            options = fk.get("options") or {}
            operations.drop_constraint(old, table, type_="foreignkey")
            operations.create_foreign_key(
                new,
                table,
                fk["referred_table"],
                fk["constrained_columns"],
                fk["referred_columns"],
                ondelete=options.get("ondelete"),
                onupdate=options.get("onupdate"),
            )
            _rename_backing_index(operations, table, old, new)
            return
    for check in inspector.get_check_constraints(table):
        if check["name"] == old:
            operations.drop_constraint(old, table, type_="check")
            operations.create_check_constraint(new, table, check["sqltext"])
            return


def _rename_backing_index(operations: Operations, table: str, old: str, new: str) -> None:
    """MySQL named the FK's implicit index after the FK; keep it out of the way."""
    if _reflected_index(operations, table, old) is not None:
        operations.execute(_RenameDDL("ALTER TABLE {} DROP INDEX {}", table, old))


@Operations.implementation_for(RenameSequenceOp)
def _rename_sequence(operations: Operations, operation: RenameSequenceOp) -> None:
    if operations.get_context().dialect.name != "postgresql":
        return
    operations.execute(
        _RenameDDL("ALTER SEQUENCE {} RENAME TO {}", operation.old_name, operation.new_name)
    )


@renderers.dispatch_for(RenameIndexOp)
def _render_rename_index(autogen_context: Any, operation: RenameIndexOp) -> str:
    schema = f", schema={operation.schema!r}" if operation.schema else ""
    return (
        f"op.rename_index({operation.old_name!r}, {operation.new_name!r}, "
        f"table_name={operation.table_name!r}{schema})"
    )


@renderers.dispatch_for(RenameConstraintOp)
def _render_rename_constraint(autogen_context: Any, operation: RenameConstraintOp) -> str:
    schema = f", schema={operation.schema!r}" if operation.schema else ""
    return (
        f"op.rename_constraint({operation.table_name!r}, "
        f"{operation.old_name!r}, {operation.new_name!r}{schema})"
    )


@renderers.dispatch_for(RenameSequenceOp)
def _render_rename_sequence(autogen_context: Any, operation: RenameSequenceOp) -> str:
    return f"op.rename_sequence({operation.old_name!r}, {operation.new_name!r})"


__all__ = ["RenameConstraintOp", "RenameIndexOp", "RenameSequenceOp"]
