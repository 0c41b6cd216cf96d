"""Tables dropped or created whole: their indexes and the foreign keys around them.

A table's indexes go with the table: no separate drop_index before drop_table.
Autogenerate drops each index and then its table. MySQL/MariaDB refuse the index drop
when a foreign key needs that index ("Cannot drop index ...: needed in a foreign key
constraint"), and on every database the extra statements only lengthen the script.

Foreign keys: Alembic writes every dropped table (in no particular order) before the
changes to the tables it keeps, so a table was dropped while another table's foreign key
still referenced it ("cannot drop table author because other objects depend on it"),
and the downgrade (the same steps reversed) added that foreign key before recreating the
table it references. ``order_foreign_keys_around_tables`` puts foreign key drops before
the first ``drop_table``, foreign key additions after every ``create_table``, and
dropped or created tables that reference each other in dependency order. The drops go
first of all, not just before the first table: a dropped column drops its foreign key
with it, so a key dropped after its column's drop_column no longer exists (the downgrade
of "a new table and a column referencing it").
"""

from __future__ import annotations

from collections.abc import Callable

from alembic.operations import ops


def _table_key(schema: str | None, table: str) -> tuple[str | None, str]:
    return (schema, table)


def _is_index_of(op: ops.MigrateOperation, dropped: set) -> bool:
    return isinstance(op, ops.DropIndexOp) and _table_key(op.schema, op.table_name) in dropped


def drop_indexes_with_their_table(operations: ops.OpContainer) -> None:
    """Remove index drops (top level or grouped per table) for tables dropped whole."""
    dropped = {
        _table_key(op.schema, op.table_name)
        for op in operations.ops
        if isinstance(op, ops.DropTableOp)
    }
    if not dropped:
        return
    kept: list[ops.MigrateOperation] = []
    for op in operations.ops:
        if isinstance(op, ops.ModifyTableOps):
            op.ops = [inner for inner in op.ops if not _is_index_of(inner, dropped)]
            if not op.ops:
                continue
        elif _is_index_of(op, dropped):
            continue
        kept.append(op)
    operations.ops = kept


def _is_foreign_key(op: ops.MigrateOperation, kind: type) -> bool:
    return isinstance(op, kind) and op.constraint_type == "foreignkey"


def _split_off(operations: ops.OpContainer, kind: type) -> list[ops.ModifyTableOps]:
    """Take the foreign key ``kind`` ops out of each table's group; one group per table."""
    taken: list[ops.ModifyTableOps] = []
    for op in operations.ops:
        if not isinstance(op, ops.ModifyTableOps):
            continue
        keys = [inner for inner in op.ops if _is_foreign_key(inner, kind)]
        if keys:
            op.ops = [inner for inner in op.ops if inner not in keys]
            taken.append(ops.ModifyTableOps(op.table_name, keys, schema=op.schema))
    operations.ops = [
        op for op in operations.ops if not (isinstance(op, ops.ModifyTableOps) and not op.ops)
    ]
    return taken


def _referred_tables(op: ops.CreateTableOp | ops.DropTableOp) -> set[str]:
    """``schema.table`` (or ``table``) of every table the table's foreign keys name."""
    table = op.to_table()
    return {
        element.target_fullname.rsplit(".", 1)[0]
        for constraint in table.foreign_key_constraints
        for element in constraint.elements
    }


def _full_name(op: ops.MigrateOperation) -> str:
    return f"{op.schema}.{op.table_name}" if op.schema else op.table_name


def _dependency_order(tables: list, referrers_first: bool) -> list:
    """Tables ordered so none comes before a table it references (or the reverse)."""
    names = {_full_name(op) for op in tables}
    ordered: list = []
    pending = list(tables)
    while pending:
        placed = {_full_name(op) for op in ordered}
        ready = [
            op for op in pending if (_referred_tables(op) & names) - {_full_name(op)} <= placed
        ]
        chosen = ready[0] if ready else pending[0]  # a cycle: keep Alembic's order
        ordered.append(chosen)
        pending.remove(chosen)
    return ordered[::-1] if referrers_first else ordered


def _reorder(operations: ops.OpContainer, kind: type, order: Callable[[list], list]) -> None:
    """Put the ``kind`` table ops, in ``order``, back in the slots they held."""
    tables = [op for op in operations.ops if isinstance(op, kind)]
    if len(tables) < 2:
        return
    replacement = iter(order(tables))
    operations.ops = [next(replacement) if isinstance(op, kind) else op for op in operations.ops]


def order_foreign_keys_around_tables(operations: ops.OpContainer) -> None:
    """Foreign keys dropped first (before any table or column), added last.

    Added last rather than right after the last ``create_table``: a table's group that
    comes later may add the column the foreign key is on.
    """
    kinds = [type(op) for op in operations.ops]
    if ops.DropTableOp in kinds:
        _reorder(operations, ops.DropTableOp, lambda t: _dependency_order(t, True))
        operations.ops[:0] = _split_off(operations, ops.DropConstraintOp)
    if ops.CreateTableOp in kinds:
        _reorder(operations, ops.CreateTableOp, lambda t: _dependency_order(t, False))
        adds = _split_off(operations, ops.CreateForeignKeyOp)
        operations.ops.extend(adds)
