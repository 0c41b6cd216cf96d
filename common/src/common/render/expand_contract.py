"""``create-migration --expand-contract``: one generated revision becomes two.

During a rolling deploy the old and the new code run side by side on one schema, so a
change that breaks the old code (a rename, a type change, NOT NULL) cannot land in one
step. Here each such change is split:

- the **expand** revision (``phase = "expand"``, applied by ``update-db`` right away)
  adds the new shape next to the old one: the new column, a trigger keeping both equal
  for writes from either code version, a batched backfill (``op.batch_update``), NOT NULL
  through ``op.set_not_null_safely``; a renamed table gets an updatable view under its
  old name;
- the **contract** revision (``phase = "contract"``, which ``update-db`` leaves for an
  explicit step once the new code runs everywhere) drops the trigger, the old column or
  the view.

Every other change of the revision goes into the expand, as without the flag. Each
phase's downgrade is written here step by step (a backfill has no reverse of its own), so
rows survive expand -> downgrade -> expand -> contract -> downgrade. PostgreSQL only:
``common.commands.generate`` refuses the flag elsewhere before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops
from sqlalchemy import Column

from common.autogen.types import cast_for
from common.ops import BatchUpdateOp, SetNotNullSafelyOp
from common.ops._expressions import compiled_sql
from common.ops.expand import (
    CreateFillTriggerOp,
    CreateSyncTriggerOp,
    DropFillTriggerOp,
)
from common.ops.expand._body import quote
from common.ops.objects.view import CreateViewOp
from common.render.backfill import backfill_value
from common.render.expand_indexes import IndexSteps, for_rename, for_type_change
from common.render.notes import acknowledge
from common.render.renames import RenameColumnOp, RenameTableOp

EXPAND_CONTRACT = "workbench_expand_contract"  # config.attributes key: the flag
PHASES = "workbench_phases"  # config.attributes key: revision id -> "expand" / "contract"
SAFE = "expand_contract"  # op.info key: the step is the safe form, no risk note


@dataclass
class Split:
    """The two revisions' steps: each change adds to all four lists."""

    expand: list[ops.MigrateOperation] = field(default_factory=list)
    expand_down: list[ops.MigrateOperation] = field(default_factory=list)
    contract: list[ops.MigrateOperation] = field(default_factory=list)
    contract_down: list[ops.MigrateOperation] = field(default_factory=list)

    def add(self, expand, expand_down, contract=(), contract_down=()) -> None:
        """One change; downgrades run in reverse order of the changes."""
        self.expand.extend(expand)
        self.expand_down[:0] = expand_down
        self.contract.extend(contract)
        self.contract_down[:0] = contract_down

    def plain(self, op: ops.MigrateOperation) -> None:
        """A change the old code survives: expand, reversed as Alembic reverses it."""
        self.add([op], [op.reverse()])


def split_script(script: ops.MigrationScript, context: Any, contract_id: str) -> list:
    """``[expand, contract]`` for ``script``, or ``[script]`` when nothing needs splitting."""
    split = Split()
    metadata = context.opts.get("target_metadata")
    later, skip = script.upgrade_ops.ops, set()
    for op in script.upgrade_ops.ops:
        if id(op) in skip:
            continue  # the rename of an index the expand builds on the new column
        if isinstance(op, RenameTableOp):
            _table_rename(split, op)
        elif isinstance(op, ops.ModifyTableOps):
            _table_changes(split, op, context.dialect, metadata, (later, skip))
        else:
            split.plain(op)
    if not split.contract:
        return [script]
    expand = ops.MigrationScript(
        script.rev_id,
        ops.UpgradeOps(split.expand),
        ops.DowngradeOps(split.expand_down),
        message=f"{script.message} (expand)",
        imports=set(script.imports),
        head=script.head,
        splice=script.splice,
        branch_label=script.branch_label,
        version_path=script.version_path,
        depends_on=script.depends_on,
    )
    contract = ops.MigrationScript(
        contract_id,
        ops.UpgradeOps(split.contract),
        ops.DowngradeOps(split.contract_down),
        message=f"{script.message} (contract)",
        imports=set(script.imports),
        head=script.rev_id,
        version_path=script.version_path,
    )
    return [expand, contract]


def _safe(op: ops.MigrateOperation) -> ops.MigrateOperation:
    op.info[SAFE] = True
    return op


def _table_rename(split: Split, op: RenameTableOp) -> None:
    """The table takes its new name; the old name stays as a view, readable and writable
    (PostgreSQL updates a one-table ``SELECT *`` view in place, defaults included)."""
    view = CreateViewOp(op.table_name, f"SELECT * FROM {quote(op.new_table_name)}", op.schema)
    split.add([_safe(op), view], [view.reverse(), op.reverse()], [view.reverse()], [view])


def _table_changes(split: Split, table_ops, dialect, metadata, renames: tuple) -> None:
    kept: list[ops.MigrateOperation] = []
    for op in table_ops.ops:
        if isinstance(op, RenameColumnOp):
            later, skip = renames
            names = for_rename(table_ops, op.column_name, op.modify_name, metadata, later, skip)
            _column_rename(split, table_ops, op, dialect, names)
        elif isinstance(op, ops.AlterColumnOp) and op.modify_type is not None:
            names = for_type_change(
                table_ops, op.column_name, temporary_name(op.column_name), metadata
            )
            _type_change(split, table_ops, op, dialect, names)
        elif isinstance(op, ops.AlterColumnOp) and op.modify_nullable is False:
            if not _not_null(split, table_ops, op, dialect, metadata):
                kept.append(op)
        else:
            kept.append(op)
    if kept:
        split.plain(ops.ModifyTableOps(table_ops.table_name, kept, schema=table_ops.schema))


def _modify(table_ops: ops.ModifyTableOps, *inner: ops.MigrateOperation) -> ops.ModifyTableOps:
    return ops.ModifyTableOps(table_ops.table_name, list(inner), schema=table_ops.schema)


def _schema(table_ops: ops.ModifyTableOps) -> dict:
    return {"schema": table_ops.schema} if table_ops.schema else {}


def _backfill(table_ops, column: str, expression: str) -> BatchUpdateOp:
    """``column = expression`` where it is still NULL, in batches; rows written meanwhile
    already went through the trigger (a row locked by both waits, then the UPDATE
    re-reads it: PostgreSQL re-checks the row under READ COMMITTED)."""
    where = sa.column(column).is_(None)
    values = {column: sa.text(expression)}
    return BatchUpdateOp(table_ops.table_name, values, where=where, **_schema(table_ops))


def _not_null_step(table_ops, column: str, nullable: bool | None) -> list:
    if nullable is not False:
        return []
    return [SetNotNullSafelyOp(table_ops.table_name, column, **_schema(table_ops))]


@dataclass
class _Pair:
    """An old column and the new one that replaces it, with the SQL between them."""

    old: str
    new: str
    old_type: Any
    new_type: Any
    old_nullable: bool | None
    new_nullable: bool | None
    old_default: Any
    up: str
    down: str


def _pair_steps(
    split: Split, table_ops, pair: _Pair, contract_tail: list, undo_tail: list, names: IndexSteps
):
    """What a rename and a type change share: new column, sync trigger, backfill."""
    table = table_ops.table_name
    sync = CreateSyncTriggerOp(table, pair.old, pair.new, pair.up, pair.down, **_schema(table_ops))
    added = ops.AddColumnOp(
        table, Column(pair.new, pair.new_type, nullable=True), **_schema(table_ops)
    )
    old_column = Column(pair.old, pair.old_type, nullable=True)
    readd = ops.AddColumnOp(table, old_column, **_schema(table_ops))
    dropped = ops.DropColumnOp.from_column_and_tablename(
        table_ops.schema, table, Column(pair.old, pair.old_type)
    )
    # the contract exists to drop it, and update-db applies it only with --contract, once
    # the new code (which never reads the old column) is fully deployed
    acknowledge(dropped, "ban-drop-column", "contract phase: no deployed code reads it")
    default_back = []
    if pair.old_default is not None:
        default_back = [
            _modify(
                table_ops,
                ops.AlterColumnOp(
                    table,
                    pair.old,
                    modify_server_default=pair.old_default,
                    existing_type=pair.old_type,
                    **_schema(table_ops),
                ),
            )
        ]
    split.add(
        [
            _modify(table_ops, added),
            sync,
            _backfill(table_ops, pair.new, pair.up),
            *_not_null_step(table_ops, pair.new, pair.new_nullable),
            *names.expand,
        ],
        [
            *(step.reverse() for step in reversed(names.expand)),
            sync.reverse(),
            _modify(table_ops, ops.DropColumnOp(table, pair.new, **_schema(table_ops))),
        ],
        [sync.reverse(), _modify(table_ops, _safe(dropped)), *contract_tail, *names.contract],
        [
            *names.contract_undo_first,
            *undo_tail,
            _modify(table_ops, readd),
            sync,
            _backfill(table_ops, pair.old, pair.down),
            *_not_null_step(table_ops, pair.old, pair.old_nullable),
            *default_back,
            *names.contract_undo_last,
        ],
    )


def _default_of(op: ops.AlterColumnOp) -> Any:
    default = op.existing_server_default
    return None if default in (None, False) else default


def _column_rename(split: Split, table_ops, op: RenameColumnOp, dialect, names) -> None:
    """Old and new name both live through the deploy; the contract drops the old one."""
    new_type = op.modify_type if op.modify_type is not None else op.existing_type
    nullable = op.existing_nullable if op.modify_nullable is None else op.modify_nullable
    model_column = op.info.get("new_column")
    up, down = _casts(op.existing_type, new_type, op.column_name, op.modify_name, dialect)
    pair = _Pair(
        op.column_name,
        op.modify_name,
        op.existing_type,
        new_type,
        op.existing_nullable,
        nullable,
        _default_of(op),
        up,
        down,
    )
    tail, undo = [], []
    default = getattr(model_column, "server_default", None)
    if default is not None:
        table = table_ops.table_name
        set_default = ops.AlterColumnOp(
            table,
            op.modify_name,
            modify_server_default=default,
            existing_type=new_type,
            **_schema(table_ops),
        )
        tail.append(_modify(table_ops, set_default))
        undo.append(_modify(table_ops, set_default.reverse()))
    _pair_steps(split, table_ops, pair, tail, undo, names)


def _casts(old_type, new_type, old: str, new: str, dialect) -> tuple[str, str]:
    up = cast_for(old_type, new_type, old, dialect) or quote(old)
    down = cast_for(new_type, old_type, new, dialect) or quote(new)
    return up, down


def temporary_name(column: str) -> str:
    """The new-typed column's name until the contract gives it the real one."""
    return f"_{column}_new"[:63]


def _type_change(split: Split, table_ops, op: ops.AlterColumnOp, dialect, names) -> None:
    """The new type lives in a second column; the contract swaps it in under the name."""
    table, column, temporary = table_ops.table_name, op.column_name, temporary_name(op.column_name)
    up = getattr(op, "using", None) or quote(column)
    down = cast_for(op.modify_type, op.existing_type, temporary, dialect) or quote(temporary)
    nullable = op.existing_nullable if op.modify_nullable is None else op.modify_nullable
    default = _default_of(op) if op.modify_server_default is False else op.modify_server_default
    swap = ops.AlterColumnOp(
        table, temporary, modify_name=column, existing_type=op.modify_type, **_schema(table_ops)
    )
    acknowledge(swap, "renaming-column", f"{temporary} is the expand's, no code uses it")
    tail = [_modify(table_ops, swap)]
    undo = [
        _modify(
            table_ops,
            RenameColumnOp(
                table,
                column,
                modify_name=temporary,
                existing_type=op.modify_type,
                **_schema(table_ops),
            ),
        )
    ]
    if default not in (None, False):
        set_default = ops.AlterColumnOp(
            table,
            column,
            modify_server_default=default,
            existing_type=op.modify_type,
            **_schema(table_ops),
        )
        tail.append(_modify(table_ops, set_default))
    pair = _Pair(
        column,
        temporary,
        op.existing_type,
        op.modify_type,
        op.existing_nullable,
        nullable,
        _default_of(op),
        up,
        down,
    )
    _pair_steps(split, table_ops, pair, tail, undo, names)


def _not_null(split: Split, table_ops, op: ops.AlterColumnOp, dialect, metadata) -> bool:
    """NULLs the old code writes are filled by a trigger; the contract sets NOT NULL.
    False: no default to fill with (the usual stop with its note is written instead)."""
    table = metadata.tables.get(table_ops.table_name) if metadata is not None else None
    column = table.columns.get(op.column_name) if table is not None else None
    value = backfill_value(column, dialect)
    if value is None:
        return False
    clause = value if isinstance(value, sa.ClauseElement) else sa.literal(value)
    sql = compiled_sql(clause, dialect)
    fill = CreateFillTriggerOp(table_ops.table_name, op.column_name, sql, **_schema(table_ops))
    nullable_again = ops.AlterColumnOp(
        table_ops.table_name,
        op.column_name,
        modify_nullable=True,
        existing_type=op.existing_type,
        **_schema(table_ops),
    )
    split.add(
        [fill, _backfill(table_ops, op.column_name, sql)],
        [fill.reverse()],
        [
            _safe(SetNotNullSafelyOp(table_ops.table_name, op.column_name, **_schema(table_ops))),
            DropFillTriggerOp(table_ops.table_name, op.column_name, sql, **_schema(table_ops)),
        ],
        [fill, _modify(table_ops, nullable_again)],
    )
    other = _without_nullable(op)
    if other is not None:
        split.plain(_modify(table_ops, other))
    return True


def _without_nullable(op: ops.AlterColumnOp) -> ops.AlterColumnOp | None:
    """``op``'s other changes (a default, a comment), if any."""
    if op.modify_server_default is False and op.modify_comment is False:
        return None
    op.modify_nullable = None
    return op
