"""The indexes and UNIQUE constraints of a column that expand/contract replaces.

The new column needs them before the new code relies on them, and they must not block
writes while they build: the expand builds each one on the new column with
``op.create_index_concurrently`` / ``op.add_unique_constraint_concurrently`` (the old
column keeps its own until the contract drops it, which drops them). A renamed column's
index gets the model's name at once, so the ``op.rename_index`` the rename rewriter
wrote for the old one is left out; a retyped column's index is built under a temporary
name that the contract gives back after the swap. The contract's downgrade rebuilds the
old column's ones. Expression indexes are left to the reviewer.
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic.operations import ops
from sqlalchemy import Index, MetaData, Table, UniqueConstraint

from common.ops import AddUniqueConstraintConcurrentlyOp, CreateIndexConcurrentlyOp
from common.ops.renames import RenameConstraintOp, RenameIndexOp


@dataclass
class IndexSteps:
    """What one column's indexes add to the four lists of ``expand_contract.Split``."""

    expand: list
    contract: list
    contract_undo_first: list
    contract_undo_last: list


def temporary_index_name(name: str) -> str:
    return f"_{name}_new"[:63]


def _model_table(metadata: MetaData | None, table: str) -> Table | None:
    return metadata.tables.get(table) if metadata is not None else None


def _covering(table: Table, column: str) -> list[Index | UniqueConstraint]:
    found: list[Index | UniqueConstraint] = []
    for item in [*table.indexes, *table.constraints]:
        if isinstance(item, Index | UniqueConstraint) and column in _names(item):
            found.append(item)
    return sorted(found, key=lambda item: str(item.name))


def _build(item, name: str, table: str, columns: list[str], schema) -> ops.MigrateOperation:
    options = {"schema": schema} if schema else {}
    if isinstance(item, UniqueConstraint):
        return AddUniqueConstraintConcurrentlyOp(name, table, columns, **options)
    if item.unique:
        options["unique"] = True
    return CreateIndexConcurrentlyOp(name, table, columns, **options)


def _rename(item, table: str, old: str, new: str, schema) -> ops.MigrateOperation:
    if isinstance(item, UniqueConstraint):
        return RenameConstraintOp(table, old, new, schema=schema)
    return RenameIndexOp(old, new, table, schema=schema)


def _names(item: Index | UniqueConstraint) -> list[str]:
    return [column.name for column in item.columns]


def _columns(item, old: str, new: str) -> list[str]:
    return [new if name == old else name for name in _names(item)]


def _has_expressions(item) -> bool:
    return isinstance(item, Index) and len(item.expressions) != len(item.columns)


def for_rename(table_ops, old: str, new: str, metadata, later: list, skip: set) -> IndexSteps:
    """``new``'s indexes built in the expand; the renames of ``old``'s left out (``skip``)."""
    steps = IndexSteps([], [], [], [])
    model = _model_table(metadata, table_ops.table_name)
    for item in _covering(model, new) if model is not None else []:
        name = str(item.name)
        if _has_expressions(item):
            continue
        columns = _names(item)
        steps.expand.append(_build(item, name, table_ops.table_name, columns, table_ops.schema))
        for op in later:
            if isinstance(op, RenameIndexOp | RenameConstraintOp) and op.new_name == name:
                skip.add(id(op))
                old_columns = _columns(item, new, old)
                rebuilt = _build(
                    item, op.old_name, table_ops.table_name, old_columns, table_ops.schema
                )
                steps.contract_undo_last.append(rebuilt)
    return steps


def for_type_change(table_ops, column: str, temporary: str, metadata) -> IndexSteps:
    """``column``'s indexes built on ``temporary`` under temporary names, renamed back by
    the contract once the swap gave the column its name."""
    steps = IndexSteps([], [], [], [])
    model = _model_table(metadata, table_ops.table_name)
    table, schema = table_ops.table_name, table_ops.schema
    for item in _covering(model, column) if model is not None else []:
        name = str(item.name)
        if _has_expressions(item):
            continue
        interim = temporary_index_name(name)
        steps.expand.append(_build(item, interim, table, _columns(item, column, temporary), schema))
        steps.contract.append(_rename(item, table, interim, name, schema))
        steps.contract_undo_first.append(_rename(item, table, name, interim, schema))
        steps.contract_undo_last.append(_build(item, name, table, _names(item), schema))
    return steps
