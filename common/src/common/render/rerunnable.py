"""Revisions that leave their transaction can be rerun after a failure (PostgreSQL).

Every workbench step a rewriter writes (``op.create_index_concurrently``,
``op.batch_update``, ``op.set_not_null_safely``, the NOT VALID constraints...) runs in
``autocommit_block()``, which first commits the steps before it. When such a step then
fails (duplicate rows for a unique index, a lock timeout), the revision is not recorded,
but what was committed stays, and a rerun of ``update-db`` starts the revision over: a
plain ``ADD COLUMN`` of a column that now exists fails, and the revision could never be
applied. So every step before the last such one that Alembic can guard gets
``IF NOT EXISTS`` / ``IF EXISTS`` (the workbench steps check first themselves). Steps
after the last one run in the revision's final transaction, which rolls back whole.

Only PostgreSQL: elsewhere DDL commits statement by statement anyway, and MySQL has no
``ADD COLUMN IF NOT EXISTS``. Steps Alembic cannot guard (a rename, a foreign key of a
new table) are left as they are.
"""

from __future__ import annotations

from alembic.operations import ops

from common.ops.base import WorkbenchOp

_GUARDS: dict[type, str] = {
    ops.CreateTableOp: "if_not_exists",
    ops.AddColumnOp: "if_not_exists",
    ops.CreateIndexOp: "if_not_exists",
    ops.DropTableOp: "if_exists",
    ops.DropColumnOp: "if_exists",
    ops.DropIndexOp: "if_exists",
    ops.DropConstraintOp: "if_exists",
}


def _guard(op: ops.MigrateOperation) -> None:
    attribute = _GUARDS.get(type(op))
    if attribute and getattr(op, attribute, None) is None:
        setattr(op, attribute, True)


def guard_committed_steps(container: ops.OpContainer, dialect_name: str) -> None:
    """IF [NOT] EXISTS on the steps an ``autocommit_block()`` commits before it runs."""
    if dialect_name != "postgresql":
        return
    leaving = [
        i for i, op in enumerate(container.ops) if isinstance(op, WorkbenchOp) and not op.atomic
    ]
    if not leaving:
        return
    for op in container.ops[: leaving[-1]]:
        for step in op.ops if isinstance(op, ops.ModifyTableOps) else [op]:
            _guard(step)
