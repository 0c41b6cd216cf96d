"""Schema steps at the ends of a revision: created first, dropped last.

``create_schema`` must run before the tables and enum types it will hold, and
``drop_schema`` (RESTRICT) only succeeds once they are gone. The comparators insert
their steps at the front and the back, and other rewriters append steps later (the
downgrade's ``drop_enum_type`` after a dropped table), so this runs after them all.
"""

from __future__ import annotations

from alembic.operations import ops

from common.ops.schemas import CreateSchemaOp, DropSchemaOp


def schemas_first_and_last(container: ops.OpContainer) -> None:
    creates = [op for op in container.ops if isinstance(op, CreateSchemaOp)]
    drops = [op for op in container.ops if isinstance(op, DropSchemaOp)]
    rest = [op for op in container.ops if not isinstance(op, CreateSchemaOp | DropSchemaOp)]
    container.ops = [*creates, *rest, *drops]
