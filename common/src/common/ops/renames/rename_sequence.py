"""``op.rename_sequence``: rename a sequence (PostgreSQL; elsewhere it does nothing).

A SERIAL or IDENTITY column's sequence is named after its table and column; renaming
either keeps the old name unless this step follows. ``ALTER SEQUENCE ... RENAME TO`` is
the same statement online and offline.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import Operations
from sqlalchemy import Connection
from sqlalchemy.engine import Dialect

from common.ops._ddl import IdentifierDDL
from common.ops._locks import NOTHING
from common.ops._statements import Step, execute, family, run_statements
from common.ops.base import WorkbenchOp, register
from common.ops.renames._names import rename_lock


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

    def lock(self, dialect: str) -> str:
        return rename_lock(dialect, sqlite=NOTHING, mysql=NOTHING)

    @classmethod
    def example(cls) -> RenameSequenceOp:
        return cls("ticket_number_seq", "ticket_serial_seq")


def statements(dialect: Dialect, op: RenameSequenceOp) -> list[Step]:
    if family(dialect) != "postgresql":
        return []
    return [IdentifierDDL("ALTER SEQUENCE {} RENAME TO {}", op.old_name, op.new_name)]


def apply(connection: Connection, op: RenameSequenceOp) -> None:
    for step in statements(connection.dialect, op):
        execute(connection, step)


@Operations.implementation_for(RenameSequenceOp)
def _implement(operations: Operations, op: RenameSequenceOp) -> None:
    run_statements(operations, op, apply, statements)


@renderers.dispatch_for(RenameSequenceOp)
def _render(autogen_context: Any, operation: RenameSequenceOp) -> str:
    return f"op.rename_sequence({operation.old_name!r}, {operation.new_name!r})"
