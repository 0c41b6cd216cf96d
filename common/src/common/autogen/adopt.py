"""Adopting a database named apart from the convention: no false differences, renames on request.

A database built by plain Alembic or by hand holds ``item_code_key`` where the models,
through the naming convention, say ``uq_item_code``. Alembic compares unique constraints
and indexes by name, and the workbench's CHECK comparator too, so the first
``create-migration`` on such a database would drop and re-create every one of them
(rebuilding indexes under lock) for a difference of name alone. This comparator runs
after all the others and, for each constraint or index that
``common.autogen.signatures`` pairs with a model one under another name, removes the
drop and the re-create.

Renaming to the convention is the user's explicit choice:
``create-migration --adopt-names`` (``ADOPT_NAMES`` in ``config.attributes``) turns each
such pair into ``op.rename_constraint`` / ``op.rename_index`` instead, primary keys and
foreign keys included (Alembic never compares their names), and the downgrade renames
them back. The reflected side comes from the bulk reflection cache: no query per table.

The same pairing is the unchanged-table shortcut's proof for every index and constraint
aspect (``_all_paired``): a table whose items all have their twins, under any name
unless names count, is unchanged for Alembic's index, unique and foreign key
comparators, the CHECK comparator and this one.
"""

from __future__ import annotations

from typing import Any

from alembic.operations import ops
from alembic.util import DispatchPriority, PriorityDispatchResult

from common.autogen.aspects import compares, proves
from common.autogen.signatures import Maybe, Reflected, Signatures, match
from common.ops.renames import RenameConstraintOp, RenameIndexOp

# config.attributes key: set by ``create-migration --adopt-names``, read here and by the
# unchanged-table shortcut (a table named apart is then not unchanged).
ADOPT_NAMES = "workbench_adopt_names"


def adopting(autogen_context: Any) -> bool:
    """Whether this run renames to the convention (never for ``check``: no config)."""
    config = autogen_context.migration_context.config
    return bool(config is not None and config.attributes.get(ADOPT_NAMES))


def _name_of(op: Any) -> str | None:
    if isinstance(op, (ops.DropIndexOp, ops.CreateIndexOp)):
        return op.index_name
    if isinstance(op, (ops.DropConstraintOp, ops.AddConstraintOp)):
        return getattr(op, "constraint_name", None)
    return None


def _without_false_difference(
    modify_table_ops: ops.ModifyTableOps, old: str | None, new: str | None
) -> None:
    """Remove the drop of ``old`` and the create of ``new`` Alembic wrote for one pair."""

    def false(op: Any) -> bool:
        name = _name_of(op)
        if isinstance(op, (ops.DropIndexOp, ops.DropConstraintOp)):
            return old is not None and name == old
        if isinstance(op, (ops.CreateIndexOp, ops.AddConstraintOp)):
            return new is not None and name == new
        return False

    modify_table_ops.ops = [op for op in modify_table_ops.ops if not false(op)]


def _rename(kind: str, table: str, old: str, new: str, schema: str | None) -> Any:
    if kind == "ix":
        return RenameIndexOp(old, new, table, schema=schema)
    return RenameConstraintOp(table, old, new, schema=schema)


@compares("table.constraint_names")
def _compare_names(
    autogen_context: Any,
    modify_table_ops: ops.ModifyTableOps,
    schema: str | None,
    tname: str,
    conn_table: Any,
    metadata_table: Any,
) -> PriorityDispatchResult:
    if conn_table is None or metadata_table is None:
        return PriorityDispatchResult.CONTINUE
    signatures = Signatures(autogen_context.dialect)
    try:
        in_db = signatures.reflected(
            Reflected(autogen_context.inspector.info_cache, (schema, tname))
        )
        in_model = signatures.model(metadata_table)
    except Maybe:  # the drops and creates stay: noise at worst, never a missed change
        return PriorityDispatchResult.CONTINUE
    adopt = adopting(autogen_context)
    taken = {item.name for item in in_db}
    for kind, old, new in match(in_db, in_model).renamed:
        renaming = adopt and old is not None and new is not None
        if renaming and new in taken:  # names swapped between two objects: drop + create
            continue
        _without_false_difference(modify_table_ops, old, new)
        if renaming:
            modify_table_ops.ops.append(_rename(kind, tname, old, new, schema))
    return PriorityDispatchResult.CONTINUE


@proves(
    "table.indexes",
    "table.uniques",
    "table.foreign_keys",
    "table.checks",
    "table.constraint_names",
    per="table",
)
def _all_paired(comparer: Any, reflected: Reflected, table: Any) -> bool:
    """Every index and constraint has its twin; under another name only when names do
    not count (``create-migration --adopt-names`` renames those)."""
    signatures = comparer.signatures
    found = match(signatures.reflected(reflected), signatures.model(table))
    return found.same_names if comparer.names_count else found.complete


def setup(plugin: Any) -> None:
    plugin.add_autogenerate_comparator(
        _compare_names, "table", "adopted_names", priority=DispatchPriority.LAST
    )
