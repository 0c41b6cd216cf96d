"""``op.stop_migration``: a step the workbench cannot write safely on its own.

The one stop mechanism of the workbench. Autogenerate renders it at the top of
``upgrade()`` when a change needs a decision only a person can make (a NOT NULL column
without any default on a table that holds rows); ``op.require_data_migration``
(``common.ops.data_migration``) is the same operation with a message built from a column
and two types. The revision stops before changing anything, with one line saying why
and what to do (``MigrationStoppedError``), and review reports every stop under one rule
(``stop-migration``).

Online and offline (``--sql``) stop alike, raising the same error before any statement,
so offline SQL never holds the steps after a stop; the shared op test checks that both
raise the same message.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import Operations

from common.errors import MigrationStoppedError
from common.ops.base import WorkbenchOp, register

# the names a revision calls the stop by (``op.<name>``)
STOP_CALLS = ("stop_migration", "require_data_migration")


@register("stop_migration")
class StopMigrationOp(WorkbenchOp):
    """Stop the revision with ``reason`` and ``fix`` (what to change before running it)."""

    error_class: type[MigrationStoppedError] = MigrationStoppedError

    def __init__(self, reason: str, fix: str) -> None:
        self.reason = reason
        self.fix = fix

    @classmethod
    def stop_migration(cls, operations: Operations, reason: str, fix: str = ""):
        return operations.invoke(StopMigrationOp(reason, fix))

    def reverse(self) -> StopMigrationOp:
        return self

    def describe(self) -> str:
        return f"STOP before any change: {self.reason}"

    def lock(self, dialect: str) -> str:
        return "none"

    @classmethod
    def example(cls) -> StopMigrationOp:
        return cls("the example stops here.", "nothing to fix: it shows how a stop reads.")


@Operations.implementation_for(StopMigrationOp)
def _stop_migration(operations: Operations, operation: StopMigrationOp) -> None:
    raise operation.error_class(operation.reason, operation.fix)


@renderers.dispatch_for(StopMigrationOp)
def _render_stop_migration(autogen_context: Any, operation: StopMigrationOp) -> str:
    return f"op.stop_migration(\n    {operation.reason!r},\n    fix={operation.fix!r},\n)"
