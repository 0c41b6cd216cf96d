"""Indexes, constraints and sequences named after a renamed table or column follow it.

After ``task`` becomes ``todo`` (or ``task.title`` becomes ``task.name``) the database
still holds ``pk_task``, ``ix_task_title``, ``fk_task_tags_task_id_task``, ``task_id_seq``.
A fresh ``create_all`` of the models would name them after the new names, so each is
renamed to the name the model gives it. Objects are matched by what they are (kind,
columns, referred table, through the renames), never by guessing from their names, and
the drop+create pairs autogenerate wrote for them are removed.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from alembic.migration import MigrationContext
from alembic.operations import ops
from sqlalchemy import (
    CheckConstraint,
    ForeignKeyConstraint,
    Integer,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
    func,
    inspect,
    select,
)
from sqlalchemy.schema import conv

from common.ops.renames import RenameConstraintOp, RenameIndexOp, RenameSequenceOp


@dataclass
class RenameMap:
    """Tables ``{old: new}`` and columns ``{old table: {old column: new column}}``."""

    tables: dict[str, str] = field(default_factory=dict)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    used_hints: set[str] = field(default_factory=set)

    def empty(self) -> bool:
        return not self.tables and not any(self.columns.values())

    def old_table(self, new: str) -> str:
        return next((old for old, name in self.tables.items() if name == new), new)

    def new_table(self, old: str) -> str:
        return self.tables.get(old, old)

    def new_column(self, old_table: str, column: str | None) -> str | None:
        return self.columns.get(old_table, {}).get(column, column)

    def touched(self) -> set[str]:
        """Old names of the tables renamed or holding renamed columns."""
        return set(self.tables) | {t for t, cols in self.columns.items() if cols}


def _signature_of_reflected(kind: str, item: dict, table: str, renames: RenameMap):
    if kind == "pk":
        return ("pk",)
    if kind == "ck":
        return None
    columns = tuple(renames.new_column(table, c) for c in item.get("column_names") or ())
    if kind == "fk":
        columns = tuple(renames.new_column(table, c) for c in item["constrained_columns"])
        referred = item["referred_table"]
        remote = tuple(renames.new_column(referred, c) for c in item["referred_columns"])
        return ("fk", columns, renames.new_table(referred), remote)
    if kind == "ix":
        return ("ix", columns, bool(item.get("unique")))
    return ("uq", columns)


def _signature_of_model(obj: Any) -> tuple | None:
    if isinstance(obj, PrimaryKeyConstraint):
        return ("pk",)
    if isinstance(obj, ForeignKeyConstraint):
        return (
            "fk",
            tuple(c.name for c in obj.columns),
            obj.referred_table.name,
            tuple(e.column.name for e in obj.elements),
        )
    if isinstance(obj, UniqueConstraint):
        return ("uq", tuple(c.name for c in obj.columns))
    if isinstance(obj, CheckConstraint):
        return None
    columns = tuple(getattr(e, "name", None) for e in obj.expressions)
    return ("ix", columns, bool(obj.unique))


def _reflect(inspector: Any, table: str) -> list[tuple[str, dict]]:
    # MySQL/MariaDB always call the primary key PRIMARY (reflected without a name): no
    # rename. PostgreSQL and SQLite keep the name given, so it follows the table's.
    found: list[tuple[str, dict]] = [("pk", inspector.get_pk_constraint(table))]
    found += [("fk", fk) for fk in inspector.get_foreign_keys(table)]
    found += [("uq", uq) for uq in inspector.get_unique_constraints(table)]
    found += [
        ("ix", ix)
        for ix in inspector.get_indexes(table)
        if not ix.get("duplicates_constraint") and None not in (ix.get("column_names") or [None])
    ]
    with suppress(NotImplementedError):
        found += [("ck", ck) for ck in inspector.get_check_constraints(table)]
    return [(kind, item) for kind, item in found if item.get("name")]


def _names_by_signature(model: Table) -> dict[tuple, str]:
    by_signature: dict[tuple, str] = {}
    for obj in [*model.constraints, *model.indexes]:
        signature = _signature_of_model(obj)
        if signature is not None and obj.name:
            by_signature.setdefault(signature, str(obj.name))
    return by_signature


def name_like_model(copy: Table, model: Table) -> None:
    """Give ``copy`` (``model`` under a renamed table's old name) the model's own names.

    The renamed table is compared again under its old name, and the naming convention
    names the copy's indexes and constraints after that old name: an index on a column
    renamed in the same revision came out as ``ix_task_user_id``, a name neither the
    database nor ``create_all`` has, and the script created it beside the renamed one.
    """
    by_signature = _names_by_signature(model)
    for obj in [*copy.constraints, *copy.indexes]:
        name = by_signature.get(_signature_of_model(obj))
        if name is not None:
            obj.name = conv(name)


def _pairs_for_table(inspector, model: Table, old: str, renames: RenameMap):
    """(kind, old name, new name) for each object of ``old`` whose model name differs."""
    by_signature = _names_by_signature(model)
    check_names = {str(c.name) for c in model.constraints if isinstance(c, CheckConstraint)}
    pairs = []
    for kind, item in _reflect(inspector, old):
        name = item["name"]
        if kind == "ck":
            new_name = name.replace(f"_{old}_", f"_{model.name}_", 1)
            new_name = new_name if new_name in check_names else None
        else:
            new_name = by_signature.get(_signature_of_reflected(kind, item, old, renames))
        if new_name and new_name != name:
            pairs.append((kind, name, new_name))
    return pairs


def _sequence_pairs(connection, model: Table, old: str, renames: RenameMap) -> list:
    """PostgreSQL serial/identity sequences named ``<table>_<column>_seq``."""
    inverse = {new: old_col for old_col, new in renames.columns.get(old, {}).items()}
    pairs = []
    for column in model.columns:
        if not isinstance(column.type, Integer) or not column.primary_key:
            continue
        old_column = inverse.get(column.name, column.name)
        qualified = connection.execute(
            select(func.pg_get_serial_sequence(old, old_column))
        ).scalar()
        expected, new_name = f"{old}_{old_column}_seq", f"{model.name}_{column.name}_seq"
        if qualified and qualified.split(".")[-1].strip('"') == expected and expected != new_name:
            pairs.append((expected, new_name))
    return pairs


def _referring_tables(metadata, renames: RenameMap) -> set[str]:
    """Tables (new names) whose foreign keys point at a renamed table."""
    renamed = set(renames.tables.values())
    return {
        table.name
        for table in metadata.tables.values()
        if any(fk.referred_table.name in renamed for fk in table.foreign_key_constraints)
    }


def rename_ops_for(
    context: MigrationContext, renames: RenameMap, upgrade_ops: ops.UpgradeOps
) -> list[ops.MigrateOperation]:
    """The rename ops for every object named after an old name; drops their drop+create."""
    metadata = context.opts["target_metadata"]
    connection = context.connection
    dialect = context.dialect.name
    inspector = inspect(connection)
    tables = {renames.new_table(old) for old in renames.touched()} | _referring_tables(
        metadata, renames
    )
    result: list[ops.MigrateOperation] = []
    for new in sorted(tables):
        if new not in metadata.tables:
            continue
        old = renames.old_table(new)
        model = metadata.tables[new]
        for kind, old_name, new_name in _pairs_for_table(inspector, model, old, renames):
            _remove_drop_and_create(upgrade_ops, old_name, new_name)
            if kind == "ix":
                result.append(RenameIndexOp(old_name, new_name, new))
            else:
                result.append(RenameConstraintOp(new, old_name, new_name))
        if dialect == "postgresql" and old in renames.touched():
            for old_name, new_name in _sequence_pairs(connection, model, old, renames):
                result.append(RenameSequenceOp(old_name, new_name))
    return result


def _names_of(op: ops.MigrateOperation) -> str | None:
    if isinstance(op, ops.DropIndexOp | ops.CreateIndexOp):
        return op.index_name
    if isinstance(op, ops.DropConstraintOp):
        return op.constraint_name
    if isinstance(op, ops.AddConstraintOp):
        return getattr(op, "constraint_name", None)
    return None


def _remove_drop_and_create(container: ops.OpContainer, old_name: str, new_name: str) -> None:
    drops = (ops.DropIndexOp, ops.DropConstraintOp)
    creates = (ops.CreateIndexOp, ops.AddConstraintOp)

    def keep(op: ops.MigrateOperation) -> bool:
        name = _names_of(op)
        if isinstance(op, drops) and name == old_name:
            return False
        return not (isinstance(op, creates) and name == new_name)

    kept = []
    for op in container.ops:
        if isinstance(op, ops.OpContainer):
            op.ops = [inner for inner in op.ops if keep(inner)]
            if isinstance(op, ops.ModifyTableOps) and not op.ops:
                continue
        elif not keep(op):
            continue
        kept.append(op)
    container.ops = kept


__all__ = ["RenameMap", "name_like_model", "rename_ops_for"]
